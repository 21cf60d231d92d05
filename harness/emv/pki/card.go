package pki

import (
	"bytes"
	"crypto/sha1"
	"fmt"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

// Card-side ODA data objects (EMV Book 3, Annex A).
const (
	TagCAIndex         emv.Tag = 0x8F
	TagIssuerCert      emv.Tag = 0x90
	TagIssuerRemainder emv.Tag = 0x92
	TagIssuerExponent  emv.Tag = 0x9F32
	TagICCCert         emv.Tag = 0x9F46
	TagICCExponent     emv.Tag = 0x9F47
	TagICCRemainder    emv.Tag = 0x9F48
	TagSSAD            emv.Tag = 0x93
	TagPINCert         emv.Tag = 0x9F2D
	TagPINExponent     emv.Tag = 0x9F2E
	TagPINRemainder    emv.Tag = 0x9F2F
)

// DefaultCardExpiry is the MMYY expiration date of the ICC and PIN
// encipherment certificates Card makes unless told otherwise.
const DefaultCardExpiry = "1249"

// CardSpec says which card to personalise.
type CardSpec struct {
	// PAN is the application PAN (tag 5A) as digits. It selects the issuer
	// (the longest identifier that prefixes it) unless Issuer is set, and
	// enters the ICC certificates (EMV Book 2, 6.3 Table 14). The PAN
	// sequence number is in no certificate, so it is not asked for.
	PAN string
	// StaticData is the static data to be authenticated (EMV Book 2, 5.4
	// and 6.3 Table 13): the AFL-flagged records and, when 9F4A names it,
	// the AIP, as the card will return them.
	StaticData []byte
	// Variant names a catalogue entry (Variants); "" is "good".
	Variant string
	// Issuer names the issuer ("issuer-a"); "" picks it by PAN.
	Issuer string
	// ICCKey names the card key for DDA/CDA; "" picks the first pool key
	// (smallest first) no longer than the issuer key — one that needs a
	// remainder when the variant tampers with it.
	ICCKey string
	// PINEncipherment also makes an ICC PIN encipherment key certificate
	// (9F2D, 9F2E, 9F2F; EMV Book 2, 7.1). The pin-cert-* variants imply it.
	PINEncipherment bool
	// PINKey names the PIN encipherment card key; "" picks the first pool
	// key other than the ICC key that fits the issuer.
	PINKey string
	// Expiry is the MMYY expiry of the ICC (and PIN) certificates;
	// "" is DefaultCardExpiry.
	Expiry string
	// DAC is the data authentication code signed into the SSAD (tag 9F45,
	// two bytes); nil derives one from the PAN.
	DAC []byte
}

// Card holds the card-side data objects of one personalised test card and
// the private keys the card needs at transaction time. Missing-object
// variants leave the corresponding field empty.
type Card struct {
	Variant Variant
	Issuer  *Issuer
	ICCName string // pool name of the ICC key
	PINName string // pool name of the PIN encipherment key, if any

	CAIndex         byte   // 8F
	IssuerCert      []byte // 90
	IssuerRemainder []byte // 92, nil when the key fits (or the variant omits it)
	IssuerExponent  []byte // 9F32
	ICCCert         []byte // 9F46
	ICCRemainder    []byte // 9F48
	ICCExponent     []byte // 9F47
	SSAD            []byte // 93
	DAC             [2]byte
	PINCert         []byte // 9F2D
	PINRemainder    []byte // 9F2F
	PINExponent     []byte // 9F2E

	// ICCPrivate signs dynamic data (SignDDA, SignCDA); PINPrivate
	// deciphers an enciphered PIN (oda.DecipherPIN). Test keys.
	ICCPrivate *oda.PrivateKey
	PINPrivate *oda.PrivateKey
}

// Card personalises the ODA data of a card from the committed issuer and
// ICC keys: the issuer certificate, the ICC certificate over the PAN and
// static data, the SSAD, and optionally the PIN encipherment certificate,
// broken as the variant says. Signing is deterministic, so the same spec
// always yields the same card.
func (a *Authority) Card(spec CardSpec) (*Card, error) {
	v, err := LookupVariant(spec.Variant)
	if err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	t := v.recipe
	panField, err := oda.PANField(spec.PAN)
	if err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	masked := emv.MaskPAN(spec.PAN)

	iss, err := a.pickIssuer(spec, masked)
	if err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	ca, err := a.CA(iss.CAIndex)
	if err != nil {
		return nil, fmt.Errorf("personalise card: issuer %s: %w", iss.Name, err)
	}
	nCA, nI := ca.Key.Len(), iss.Key.Len()
	if t.needsIssuerRemainder() && oda.IssuerRemainderLen(nI, nCA) == 0 {
		return nil, fmt.Errorf("personalise card: variant %s needs an issuer key longer than N_CA−36 bytes; %s has none (pick a PAN of another issuer)", v.Name, iss.Name)
	}
	icc, err := a.pickCardKey(spec.ICCKey, nI, t.needsICCRemainder(), "")
	if err != nil {
		return nil, fmt.Errorf("personalise card: ICC key: %w", err)
	}
	expiry := spec.Expiry
	if expiry == "" {
		expiry = DefaultCardExpiry
	}
	cardExpiry, err := parseMMYY(expiry)
	if err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	c := &Card{Variant: v, Issuer: iss, ICCName: icc.Name, CAIndex: ca.Index, ICCPrivate: icc.Key}

	// 8F, 90, 92, 9F32: the issuer public key certificate (Book 2, 5.3 Table 6).
	if t.caIndex {
		c.CAIndex = AbsentCAIndex
	}
	ic := oda.IssuerCert{Serial: iss.Serial, KeyAlg: t.issuerKeyAlg, Key: clonePublic(iss.Key.PublicKey)}
	id := iss.ID
	if t.issuerIDWrong {
		id = id[:len(id)-1] + string('0'+(id[len(id)-1]-'0'+1)%10)
	}
	ic.IssuerID = [4]byte(emv.PackCN(id, 4))
	issExpiry := iss.Expiry
	if t.issuerExpiry != "" {
		issExpiry = t.issuerExpiry
	}
	if ic.Expiry, err = parseMMYY(issExpiry); err != nil {
		return nil, fmt.Errorf("personalise card: issuer %s: %w", iss.Name, err)
	}
	if t.issuerRevoked {
		s, ok := a.revokedSerial(ca.Index)
		if !ok {
			return nil, fmt.Errorf("personalise card: variant %s: CA %02X revokes no serial", v.Name, ca.Index)
		}
		ic.Serial = s
	}
	if c.IssuerCert, c.IssuerRemainder, err = oda.SignIssuerCert(ca.Key, ic, t.issuerOpts...); err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	c.IssuerRemainder = tamperRemainder(c.IssuerRemainder, t.issuerRemainder)
	if t.issuerTruncate {
		c.IssuerCert = c.IssuerCert[:len(c.IssuerCert)-1]
	}
	c.IssuerExponent = bytes.Clone(iss.Key.Exponent)

	// 93: signed static application data (Book 2, 5.4 Table 7).
	if spec.DAC != nil && len(spec.DAC) != 2 {
		return nil, fmt.Errorf("personalise card: DAC of %d bytes, want 2", len(spec.DAC))
	}
	if spec.DAC != nil {
		c.DAC = [2]byte(spec.DAC)
	} else {
		sum := sha1.Sum([]byte("paylab test DAC " + spec.PAN))
		c.DAC = [2]byte(sum[:2])
	}
	ssadData := spec.StaticData
	if t.ssadStaticChanged {
		ssadData = changed(spec.StaticData)
	}
	if c.SSAD, err = oda.SignStaticData(iss.Key, c.DAC, ssadData, t.ssadOpts...); err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	if t.ssadTruncate {
		c.SSAD = c.SSAD[:len(c.SSAD)-1]
	}

	// 9F46, 9F48, 9F47: the ICC public key certificate (Book 2, 6.3 Table 14).
	cc := oda.ICCCert{PAN: panField, Expiry: cardExpiry, Serial: cardSerial(spec.PAN, icc.Name), KeyAlg: t.iccKeyAlg, Key: clonePublic(icc.Key.PublicKey)}
	if t.iccPANWrong {
		cc.PAN = [10]byte(emv.PackCN(otherPAN(spec.PAN), 10))
	}
	if t.iccExpiry != "" {
		cc.Expiry, _ = parseMMYY(t.iccExpiry)
	}
	iccData := spec.StaticData
	if t.iccStaticChanged {
		iccData = changed(spec.StaticData)
	}
	if c.ICCCert, c.ICCRemainder, err = oda.SignICCCert(iss.Key, cc, iccData, t.iccOpts...); err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	c.ICCRemainder = tamperRemainder(c.ICCRemainder, t.iccRemainder)
	if t.iccTruncate {
		c.ICCCert = c.ICCCert[:len(c.ICCCert)-1]
	}
	c.ICCExponent = bytes.Clone(icc.Key.Exponent)

	// 9F2D, 9F2F, 9F2E: the ICC PIN encipherment key certificate (Book 2, 7.1).
	if spec.PINEncipherment || spec.PINKey != "" || t.needsPIN() {
		pk, err := a.pickCardKey(spec.PINKey, nI, false, icc.Name)
		if err != nil {
			return nil, fmt.Errorf("personalise card: PIN key: %w", err)
		}
		pc := oda.ICCCert{PAN: panField, Expiry: cardExpiry, Serial: cardSerial(spec.PAN, pk.Name), Key: clonePublic(pk.Key.PublicKey)}
		if t.pinPANWrong {
			pc.PAN = [10]byte(emv.PackCN(otherPAN(spec.PAN), 10))
		}
		if t.pinExpiry != "" {
			pc.Expiry, _ = parseMMYY(t.pinExpiry)
		}
		if c.PINCert, c.PINRemainder, err = oda.SignICCPINCert(iss.Key, pc, t.pinOpts...); err != nil {
			return nil, fmt.Errorf("personalise card: %w", err)
		}
		c.PINExponent = bytes.Clone(pk.Key.Exponent)
		c.PINName, c.PINPrivate = pk.Name, pk.Key
	}
	return c, nil
}

func (a *Authority) pickIssuer(spec CardSpec, masked string) (*Issuer, error) {
	if spec.Issuer == "" {
		return a.IssuerForPAN(spec.PAN)
	}
	iss, err := a.Issuer(spec.Issuer)
	if err != nil {
		return nil, err
	}
	if len(spec.PAN) < len(iss.ID) || spec.PAN[:len(iss.ID)] != iss.ID {
		return nil, fmt.Errorf("issuer %s: identifier %s does not prefix PAN %s (EMV Book 2, 5.3 step 8)", iss.Name, iss.ID, masked)
	}
	return iss, nil
}

// pickCardKey returns the named pool key, checking it fits an nI-byte
// issuer key (EMV Book 2, 6.1: N_IC ≤ N_I), or the first pool key that fits,
// has a remainder when needRemainder, and is not called skip.
func (a *Authority) pickCardKey(name string, nI int, needRemainder bool, skip string) (*CardKey, error) {
	fits := func(k *CardKey) error {
		switch {
		case k.Key.Len() > nI:
			return fmt.Errorf("key %s of %d bytes is longer than the %d-byte issuer key (EMV Book 2, 6.1)", k.Name, k.Key.Len(), nI)
		case needRemainder && oda.ICCRemainderLen(k.Key.Len(), nI) == 0:
			return fmt.Errorf("key %s fits in its certificate, the variant needs one longer than N_I−42 = %d bytes", k.Name, nI-42)
		}
		return nil
	}
	if name != "" {
		k, err := a.CardKey(name)
		if err != nil {
			return nil, err
		}
		if err := fits(k); err != nil {
			return nil, err
		}
		return k, nil
	}
	for _, k := range a.CardKeys {
		if k.Name != skip && fits(k) == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("no pool key fits a %d-byte issuer key (remainder needed: %t)", nI, needRemainder)
}

// DataObjects returns the card's ODA data objects in tag order of
// personalisation (8F, 90, 92, 9F32, 93, 9F46, 9F47, 9F48, 9F2D, 9F2E,
// 9F2F), leaving out the empty ones.
func (c *Card) DataObjects() []emv.TLV {
	out := []emv.TLV{{Tag: TagCAIndex, Value: []byte{c.CAIndex}}}
	for _, o := range []struct {
		tag emv.Tag
		v   []byte
	}{
		{TagIssuerCert, c.IssuerCert}, {TagIssuerRemainder, c.IssuerRemainder}, {TagIssuerExponent, c.IssuerExponent},
		{TagSSAD, c.SSAD},
		{TagICCCert, c.ICCCert}, {TagICCExponent, c.ICCExponent}, {TagICCRemainder, c.ICCRemainder},
		{TagPINCert, c.PINCert}, {TagPINExponent, c.PINExponent}, {TagPINRemainder, c.PINRemainder},
	} {
		if len(o.v) > 0 {
			out = append(out, emv.TLV{Tag: o.tag, Value: bytes.Clone(o.v)})
		}
	}
	return out
}

// SignDDA is the card's INTERNAL AUTHENTICATE for DDA: Signed Dynamic
// Application Data (9F4B) over the ICC dynamic number (9F4C, 2–8 bytes) and
// the DDOL data the terminal sent (EMV Book 2, 6.5.1 Tables 17–18), broken
// as the card's variant says.
func (c *Card) SignDDA(dynamicNumber, ddolData []byte) ([]byte, error) {
	dd, err := oda.DDADynamicData(dynamicNumber)
	if err != nil {
		return nil, fmt.Errorf("sign DDA: %w", err)
	}
	return c.signDynamic(dd, ddolData)
}

// SignCDA is the card's CDA signature in a GENERATE AC response (EMV Book 2,
// 6.6.1 Table 19): over the ICC dynamic number, the CID and cryptogram it
// returns, the transaction data hash code (oda.TransactionDataHash) and the
// terminal's unpredictable number (9F37), broken as the card's variant says.
func (c *Card) SignCDA(dynamicNumber []byte, cid byte, ac [8]byte, txnHash [20]byte, unpredictableNumber []byte) ([]byte, error) {
	t := c.Variant.recipe
	if t.cdaCID {
		cid ^= 0xC0 // ARQC 80 ↔ TC 40, AAC 00 → RFU C0: never the response's CID
	}
	if t.cdaTxnHash {
		txnHash[0] ^= 0x01
	}
	dd, err := oda.CDADynamicData(dynamicNumber, cid, ac, txnHash)
	if err != nil {
		return nil, fmt.Errorf("sign CDA: %w", err)
	}
	return c.signDynamic(dd, unpredictableNumber)
}

func (c *Card) signDynamic(iccDynamic, terminalDynamic []byte) ([]byte, error) {
	t := c.Variant.recipe
	opts := t.sdadOpts
	if t.sdadDynLen {
		opts = append(append([]oda.SignOption(nil), opts...), oda.WithDynamicDataLength(byte(min(255, oda.MaxICCDynamicDataLen(c.ICCPrivate.Len())+1))))
	}
	sig, err := oda.SignDynamicData(c.ICCPrivate, iccDynamic, terminalDynamic, opts...)
	if err != nil {
		return nil, fmt.Errorf("sign dynamic data: %w", err)
	}
	if t.sdadTruncate {
		sig = sig[:len(sig)-1]
	}
	return sig, nil
}

func tamperRemainder(rem []byte, t remainderTamper) []byte {
	switch t {
	case omitRemainder:
		return nil
	case corruptRemainder:
		rem = bytes.Clone(rem)
		rem[len(rem)-1] ^= 0x01
	}
	return rem
}

// changed returns static data that differs from d in one bit (or one byte
// when d is empty): what a card returns after its records changed since
// personalisation.
func changed(d []byte) []byte {
	if len(d) == 0 {
		return []byte{0x00}
	}
	out := bytes.Clone(d)
	out[len(out)-1] ^= 0x01
	return out
}

// otherPAN returns pan with its last digit changed.
func otherPAN(pan string) string {
	last := pan[len(pan)-1]
	return pan[:len(pan)-1] + string('0'+(last-'0'+1)%10)
}

// cardSerial derives a certificate serial number from the PAN and key name,
// so that different cards get different serials and the same card the same.
func cardSerial(pan, key string) [3]byte {
	sum := sha1.Sum([]byte("paylab test serial " + pan + " " + key))
	return [3]byte(sum[:3])
}
