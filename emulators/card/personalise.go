package card

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/pki"
)

// Record layout (EMV Book 3, 5.3 and 10.2): the application data that ODA
// signs goes to SFI 1, the ODA objects themselves (certificates, SSAD) to
// SFI 2, which the AFL does not flag for ODA. A record template 70 holds at
// most maxRecordValue bytes so that a record plus its SW fits a short Le.
const (
	signedSFI      = 1
	odaSFI         = 2
	directorySFI   = 1 // the PSE directory file (EMV Book 1, 12.2.3)
	maxRecordValue = 252
)

var (
	authorityOnce sync.Once
	authority     *pki.Authority
	authorityErr  error
)

// DefaultAuthority returns the embedded test authority (fixtures/pki), loaded
// once.
func DefaultAuthority() (*pki.Authority, error) {
	authorityOnce.Do(func() {
		sub, err := fs.Sub(fixtures.FS, "pki")
		if err != nil {
			authorityErr = fmt.Errorf("load test authority: %w", err)
			return
		}
		authority, authorityErr = pki.LoadFS(sub)
	})
	return authority, authorityErr
}

// app is one personalised application.
type app struct {
	prof    AppProfile
	aid     []byte
	fci     []byte // the FCI template 6F as SELECT returns it
	pdol    emv.DOL
	cdol1   emv.DOL
	cdol2   emv.DOL
	ddol    emv.DOL
	aip     [2]byte
	afl     []byte
	records map[[2]byte][]byte // {SFI, record} → record (70 template)
	data    emv.TagValues      // every data object of the application, for GET DATA and PUT DATA
	put     map[emv.Tag]bool   // tags written by PUT DATA, retrievable by GET DATA
	version *cryptogram.Version
	keys    cryptogram.Keys // ICC master keys, TEST KEYS
	dki     byte
	oda     *pki.Card // nil when the profile has no ODA
	pan     string
	psn     string
}

// personalise builds an application from its profile entry.
func personalise(a AppProfile, auth *pki.Authority) (*app, error) {
	p := &app{prof: a, aid: mustHex(a.AID), data: emv.TagValues{}, put: map[emv.Tag]bool{}, pan: a.PAN, psn: a.PSN}
	if p.psn == "" {
		p.psn = "00"
	}
	var err error
	p.pdol, _ = emv.ParseDOL(mustHex(a.PDOL))
	p.cdol1, _ = emv.ParseDOL(mustHex(a.CDOL1))
	p.cdol2, _ = emv.ParseDOL(mustHex(a.CDOL2))
	p.ddol, _ = emv.ParseDOL(mustHex(a.DDOL))
	copy(p.aip[:], mustHex(a.AIP))
	if p.version, err = cryptogram.VersionByNumber(a.Cryptogram.CVN); err != nil {
		return nil, fmt.Errorf("personalise card: %w", err)
	}
	p.dki = 0x01
	if d := mustHex(a.Cryptogram.DKI); len(d) == 1 {
		p.dki = d[0]
	}
	imk := cryptogram.Keys{AC: mustHex(a.Cryptogram.IMKAC), SMI: mustHex(a.Cryptogram.IMKSMI), SMC: mustHex(a.Cryptogram.IMKSMC)}
	if p.keys, err = p.version.DeriveKeys(imk, a.PAN, p.psn); err != nil {
		return nil, fmt.Errorf("personalise card %s: %w", emv.MaskPAN(a.PAN), err)
	}

	// Data objects in the signed records, in the order a personalisation
	// bureau typically writes them (EMV Book 3, Annex A).
	signed := []emv.TLV{
		{Tag: emv.TagTrack2, Value: track2(a)},
	}
	add := func(t emv.Tag, v []byte) {
		if len(v) > 0 {
			signed = append(signed, emv.TLV{Tag: t, Value: v})
		}
	}
	if a.CardholderName != "" {
		add(0x5F20, []byte(a.CardholderName))
	}
	add(emv.TagPAN, cn(a.PAN))
	add(0x5F24, mustHex(a.Expiry))
	add(0x5F25, mustHex(a.Effective))
	add(0x5F28, numeric(a.Country, 2))
	if a.PSN != "" {
		add(emv.TagPANSeq, mustHex(a.PSN))
	}
	add(0x5F30, numeric(a.ServiceCode, 2))
	add(0x9F07, mustHex(a.AUC))
	add(0x8E, mustHex(a.CVMList))
	add(0x9F0D, mustHex(a.IAC.Default))
	add(0x9F0E, mustHex(a.IAC.Denial))
	add(0x9F0F, mustHex(a.IAC.Online))
	add(0x8C, mustHex(a.CDOL1))
	add(0x8D, mustHex(a.CDOL2))
	add(0x9F49, mustHex(a.DDOL))
	add(0x97, mustHex(a.TDOL))
	add(0x9F08, mustHex(a.AppVersion))
	add(0x9F42, numeric(a.Currency, 2))
	if a.LowerOfflineLimit > 0 {
		add(0x9F14, []byte{byte(a.LowerOfflineLimit)})
	}
	if a.UpperOfflineLimit > 0 {
		add(0x9F23, []byte{byte(a.UpperOfflineLimit)})
	}
	if a.SDATagList {
		add(0x9F4A, []byte{0x82})
	}
	extraTags := make([]emv.Tag, 0, len(a.Extra))
	extra := map[emv.Tag][]byte{}
	for k, v := range a.Extra {
		t, _ := emv.ParseTag(k)
		extraTags = append(extraTags, t)
		extra[t] = mustHex(v)
	}
	sort.Slice(extraTags, func(i, j int) bool { return extraTags[i] < extraTags[j] })
	for _, t := range extraTags {
		add(t, extra[t])
	}
	omit := map[emv.Tag]bool{}
	for _, s := range a.Omit {
		t, _ := emv.ParseTag(s)
		omit[t] = true
	}
	signed = without(signed, omit)

	p.records = map[[2]byte][]byte{}
	nSigned := p.layout(signedSFI, signed)
	// Static data to be authenticated (EMV Book 3, 10.3): the value of each
	// flagged record of SFI 1–10 without its tag 70 and length, then the AIP
	// when 9F4A lists it (Book 2, 5.4).
	var static []byte
	for r := 1; r <= nSigned; r++ {
		objs, _ := emv.Decode(p.records[[2]byte{signedSFI, byte(r)}])
		static = append(static, objs[0].Value...)
	}
	if a.SDATagList {
		static = append(static, p.aip[:]...)
	}
	nODA := 0
	if !a.ODA.None {
		if auth == nil {
			return nil, fmt.Errorf("personalise card %s: no test authority", emv.MaskPAN(a.PAN))
		}
		p.oda, err = auth.Card(pki.CardSpec{
			PAN: a.PAN, StaticData: static, Variant: a.ODA.Variant, Issuer: a.ODA.Issuer,
			ICCKey: a.ODA.ICCKey, PINEncipherment: a.ODA.PINEncipherment,
		})
		if err != nil {
			return nil, fmt.Errorf("personalise card %s: %w", emv.MaskPAN(a.PAN), err)
		}
		nODA = p.layout(odaSFI, without(p.oda.DataObjects(), omit))
	}
	// AFL (EMV Book 3, 10.2): SFI<<3, first record, last record, number of
	// records taking part in ODA.
	p.afl = []byte{signedSFI << 3, 1, byte(nSigned), byte(nSigned)}
	if nODA > 0 {
		p.afl = append(p.afl, odaSFI<<3, 1, byte(nODA), 0)
	}
	for _, o := range signed {
		p.data[o.Tag] = o.Value
	}
	if p.oda != nil {
		for _, o := range p.oda.DataObjects() {
			p.data[o.Tag] = o.Value
		}
	}
	p.fci = p.buildFCI()
	return p, nil
}

// layout packs objs into consecutive records of sfi and returns how many.
func (p *app) layout(sfi byte, objs []emv.TLV) int {
	n := 0
	var cur []emv.TLV
	size := 0
	flush := func() {
		if len(cur) == 0 {
			return
		}
		n++
		p.records[[2]byte{sfi, byte(n)}] = emv.TLV{Tag: 0x70, Children: cur}.Encode()
		cur, size = nil, 0
	}
	for _, o := range objs {
		l := len(o.Encode())
		if size+l > maxRecordValue {
			flush()
		}
		cur = append(cur, o)
		size += l
	}
	flush()
	return n
}

// buildFCI builds the ADF's FCI (EMV Book 1, 11.3.4 Table 45).
func (p *app) buildFCI() []byte {
	a := p.prof
	var prop []emv.TLV
	if a.Label != "" {
		prop = append(prop, emv.TLV{Tag: 0x50, Value: []byte(a.Label)})
	}
	if a.Priority > 0 {
		prop = append(prop, emv.TLV{Tag: 0x87, Value: []byte{byte(a.Priority)}})
	}
	if a.PDOL != "" {
		prop = append(prop, emv.TLV{Tag: 0x9F38, Value: mustHex(a.PDOL)})
	}
	if a.Language != "" {
		prop = append(prop, emv.TLV{Tag: 0x5F2D, Value: []byte(a.Language)})
	}
	if a.PreferredName != "" {
		prop = append(prop,
			emv.TLV{Tag: 0x9F11, Value: []byte{0x01}},
			emv.TLV{Tag: 0x9F12, Value: []byte(a.PreferredName)})
	}
	return emv.TLV{Tag: 0x6F, Children: []emv.TLV{
		{Tag: 0x84, Value: p.aid},
		{Tag: 0xA5, Children: prop},
	}}.Encode()
}

func without(objs []emv.TLV, omit map[emv.Tag]bool) []emv.TLV {
	if len(omit) == 0 {
		return objs
	}
	out := objs[:0:0]
	for _, o := range objs {
		if !omit[o.Tag] {
			out = append(out, o)
		}
	}
	return out
}

// track2 builds Track 2 Equivalent Data (tag 57, EMV Book 3 Annex A):
// PAN, separator D, expiry YYMM, service code, discretionary data, F pad.
func track2(a AppProfile) []byte {
	if a.Track2 != "" {
		return mustHex(a.Track2)
	}
	sc := a.ServiceCode
	if sc == "" {
		sc = "201"
	}
	s := a.PAN + "D" + a.Expiry[:4] + sc + "00000000000"
	if len(s)%2 == 1 {
		s += "F"
	}
	b, _ := hex.DecodeString(s)
	return b
}

// cn encodes digits as compressed numeric, padded right with F.
func cn(d string) []byte {
	if len(d)%2 == 1 {
		d += "F"
	}
	b, _ := hex.DecodeString(d)
	return b
}

// numeric encodes digits as format n of size bytes, padded left with 0.
func numeric(d string, size int) []byte {
	if d == "" {
		return nil
	}
	for len(d) < size*2 {
		d = "0" + d
	}
	b, _ := hex.DecodeString(d)
	return b
}
