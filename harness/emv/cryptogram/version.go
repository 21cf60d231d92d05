package cryptogram

import (
	"crypto/subtle"
	"fmt"

	"github.com/paylab/paylab/harness/emv"
)

// KeyDerivation is the ICC master key derivation of EMV Book 2, Annex A1.4.
type KeyDerivation uint8

const (
	OptionA KeyDerivation = iota + 1 // Annex A1.4.1
	OptionB                          // Annex A1.4.2 (Option A for PANs of 16 digits or fewer)
)

func (k KeyDerivation) String() string {
	switch k {
	case OptionA:
		return "EMV option A"
	case OptionB:
		return "EMV option B"
	}
	return fmt.Sprintf("KeyDerivation(%d)", uint8(k))
}

// SessionKeyDerivation is how the application cryptogram key is obtained
// from the ICC master key AC.
type SessionKeyDerivation uint8

const (
	// NoSessionKey: the ICC master key AC is the cryptogram key (Visa CVN 10).
	NoSessionKey SessionKeyDerivation = iota + 1
	// CommonSessionKey: EMV common session key, R = ATC || 00..00 (EMV Book
	// 2, 8.1.2 and Annex A1.3.1).
	CommonSessionKey
	// MastercardSessionKey: Mastercard proprietary SKD, R = ATC || 00 00 || UN.
	MastercardSessionKey
)

func (s SessionKeyDerivation) String() string {
	switch s {
	case NoSessionKey:
		return "none (ICC master key AC)"
	case CommonSessionKey:
		return "EMV common session key, R = ATC || 00 00 00 00 00 00"
	case MastercardSessionKey:
		return "Mastercard SKD, R = ATC || 00 00 || UN"
	}
	return fmt.Sprintf("SessionKeyDerivation(%d)", uint8(s))
}

// IADUse says which bytes of the Issuer Application Data (9F10) a version
// appends to the cryptogram data, by the version's own IAD layout.
type IADUse uint8

const (
	// IADWhole appends the whole 9F10 value (Visa CVN 18 and 22).
	IADWhole IADUse = iota + 1
	// IADVisaCVR appends IAD bytes 4 to 7: the CVR with its length byte, of
	// the Visa IAD formats 0, 1 and 3 (length 06, DKI, CVN, 03 CVR CVR CVR).
	IADVisaCVR
	// IADMastercardCVR appends IAD bytes 3 to 8, the 6-byte M/Chip CVR
	// (IAD: DKI, CVN, CVR 6, DAC/IDN 2, counters 8).
	IADMastercardCVR
	// IADMastercardCVRCounters appends IAD bytes 3 to 8 (CVR) and then
	// bytes 11 to 18 (the plaintext or enciphered counters).
	IADMastercardCVRCounters
)

func (u IADUse) String() string {
	switch u {
	case IADWhole:
		return "whole IAD"
	case IADVisaCVR:
		return "IAD bytes 4-7 (CVR with its length byte)"
	case IADMastercardCVR:
		return "IAD bytes 3-8 (CVR)"
	case IADMastercardCVRCounters:
		return "IAD bytes 3-8 (CVR) and 11-18 (counters)"
	}
	return fmt.Sprintf("IADUse(%d)", uint8(u))
}

// minIAD is the shortest IAD each layout can be read from.
func (u IADUse) minIAD() int {
	switch u {
	case IADVisaCVR:
		return 7
	case IADMastercardCVR:
		return 8
	case IADMastercardCVRCounters:
		return 18
	}
	return 1
}

func (u IADUse) extract(iad []byte) []byte {
	switch u {
	case IADVisaCVR:
		return iad[3:7]
	case IADMastercardCVR:
		return iad[2:8]
	case IADMastercardCVRCounters:
		return append(append([]byte{}, iad[2:8]...), iad[10:18]...)
	}
	return iad
}

// ScriptKeyDerivation is how the secure messaging session keys of issuer
// scripts are obtained from the ICC master keys SMI and SMC.
type ScriptKeyDerivation uint8

const (
	// VisaScriptKey: MK xor ATC / NOT ATC (Visa VIS, CVN 10 and 18).
	VisaScriptKey ScriptKeyDerivation = iota + 1
	// CommonScriptKey: EMV common session key with R = the application
	// cryptogram (EMV Book 2, 9.2.2 and 9.3.2).
	CommonScriptKey
)

func (s ScriptKeyDerivation) String() string {
	switch s {
	case VisaScriptKey:
		return "Visa, MK xor ATC"
	case CommonScriptKey:
		return "EMV common session key, R = AC"
	}
	return fmt.Sprintf("ScriptKeyDerivation(%d)", uint8(s))
}

// Encipherment is how issuer script command data is enciphered for
// confidentiality (EMV Book 2, 9.3).
type Encipherment uint8

const (
	// VisaEncipherment: a length byte is prefixed to the data, the result
	// padded by method 2 and enciphered with triple DES in ECB mode.
	VisaEncipherment Encipherment = iota + 1
	// MastercardEncipherment: triple DES in CBC mode with a zero IV; the
	// data is padded by method 2 only when not already a multiple of 8.
	MastercardEncipherment
)

func (e Encipherment) String() string {
	switch e {
	case VisaEncipherment:
		return "Visa: length byte, padding method 2, 3DES ECB"
	case MastercardEncipherment:
		return "Mastercard: padding method 2 if needed, 3DES CBC zero IV"
	}
	return fmt.Sprintf("Encipherment(%d)", uint8(e))
}

// Version is one cryptogram version (CVN): everything that decides how an
// application cryptogram, an ARPC and the issuer script secure messaging are
// computed. Get one with VersionByNumber; the package doc states each
// version in full.
type Version struct {
	// Number is the version as the scheme names it: 10, 18, 22, 16, 17.
	Number int
	// IADCVN is the CVN byte the card puts in 9F10: 0A, 12, 22, 10, 11.
	// (Visa's "CVN 22" is the hex value 22; the others are decimal names.)
	IADCVN byte
	Scheme string
	// MasterKey is how ICC master keys come from issuer master keys.
	MasterKey KeyDerivation
	// SessionKeyMethod is how the cryptogram key comes from the ICC master key AC.
	SessionKeyMethod SessionKeyDerivation
	// Padding of the cryptogram data; the MAC is always ISO/IEC 9797-1
	// algorithm 3, 8 bytes.
	Padding Padding
	// IAD is what of 9F10 ends the cryptogram data.
	IAD IADUse
	// ARPCMethod is 1 (ARC, 8-byte ARPC) or 2 (CSU, 4-byte ARPC).
	ARPCMethod int
	// ARPCWithSessionKey: the ARPC key is the AC session key; otherwise it
	// is the ICC master key AC itself.
	ARPCWithSessionKey bool
	// ScriptKey and Encipherment define issuer script secure messaging.
	ScriptKey    ScriptKeyDerivation
	Encipherment Encipherment
}

var versions = []Version{
	{Number: 10, IADCVN: 0x0A, Scheme: "Visa", MasterKey: OptionA, SessionKeyMethod: NoSessionKey,
		Padding: PaddingMethod1, IAD: IADVisaCVR, ARPCMethod: 1,
		ScriptKey: VisaScriptKey, Encipherment: VisaEncipherment},
	{Number: 18, IADCVN: 0x12, Scheme: "Visa", MasterKey: OptionB, SessionKeyMethod: CommonSessionKey,
		Padding: PaddingMethod2, IAD: IADWhole, ARPCMethod: 2, ARPCWithSessionKey: true,
		ScriptKey: VisaScriptKey, Encipherment: VisaEncipherment},
	{Number: 22, IADCVN: 0x22, Scheme: "Visa", MasterKey: OptionB, SessionKeyMethod: CommonSessionKey,
		Padding: PaddingMethod2, IAD: IADWhole, ARPCMethod: 2, ARPCWithSessionKey: true,
		ScriptKey: CommonScriptKey, Encipherment: VisaEncipherment},
	{Number: 16, IADCVN: 0x10, Scheme: "Mastercard", MasterKey: OptionA, SessionKeyMethod: MastercardSessionKey,
		Padding: PaddingMethod2, IAD: IADMastercardCVR, ARPCMethod: 1,
		ScriptKey: CommonScriptKey, Encipherment: MastercardEncipherment},
	{Number: 17, IADCVN: 0x11, Scheme: "Mastercard", MasterKey: OptionA, SessionKeyMethod: MastercardSessionKey,
		Padding: PaddingMethod2, IAD: IADMastercardCVRCounters, ARPCMethod: 1,
		ScriptKey: CommonScriptKey, Encipherment: MastercardEncipherment},
}

// VersionByNumber returns the version the scheme calls n (10, 18, 22, 16 or
// 17). The result is a copy: changing it changes nothing else.
func VersionByNumber(n int) (*Version, error) {
	for _, v := range versions {
		if v.Number == n {
			c := v
			return &c, nil
		}
	}
	return nil, fmt.Errorf("%w %d (known: 10, 18, 22 Visa; 16, 17 Mastercard)", ErrUnknownVersion, n)
}

// Versions returns every implemented version, Visa first.
func Versions() []*Version {
	out := make([]*Version, len(versions))
	for i := range versions {
		c := versions[i]
		out[i] = &c
	}
	return out
}

func (v *Version) String() string { return fmt.Sprintf("%s CVN %d", v.Scheme, v.Number) }

// acTags are the data elements of every version's cryptogram data, in
// order, with their fixed lengths: the recommended minimum set of EMV
// Book 2, 8.1.1 (amount authorised, amount other, terminal country code,
// TVR, transaction currency code, date, type, unpredictable number, AIP,
// ATC).
var acTags = []struct {
	tag emv.Tag
	n   int
}{
	{emv.TagAmount, 6},
	{emv.TagAmountOther, 6},
	{emv.TagCountryCode, 2},
	{emv.TagTVR, 5},
	{emv.TagCurrencyCode, 2},
	{emv.TagTxnDate, 3},
	{emv.TagTxnType, 1},
	{emv.TagUN, 4},
	{emv.TagAIP, 2},
	{emv.TagATC, 2},
}

// RequiredTags lists the transaction data a version needs, in MAC order,
// 9F10 last.
func (v *Version) RequiredTags() []emv.Tag {
	out := make([]emv.Tag, 0, len(acTags)+1)
	for _, t := range acTags {
		out = append(out, t.tag)
	}
	return append(out, emv.TagIAD)
}

// Data returns the exact cryptogram input, before padding: the values of
// 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36, concatenated, followed by the
// part of 9F10 the version uses (see IADUse). Missing elements are reported
// together in a *MissingDataError; a value of the wrong length gives a
// *TagLengthError. Other tags in tx are ignored.
func (v *Version) Data(tx map[emv.Tag][]byte) ([]byte, error) {
	var missing []emv.Tag
	for _, t := range v.RequiredTags() {
		if _, ok := tx[t]; !ok {
			missing = append(missing, t)
		}
	}
	if missing != nil {
		return nil, fmt.Errorf("build cryptogram data: %w", &MissingDataError{Version: v.Number, Tags: missing})
	}
	out := make([]byte, 0, 33+32)
	for _, t := range acTags {
		val := tx[t.tag]
		if len(val) != t.n {
			return nil, fmt.Errorf("build cryptogram data: %w", &TagLengthError{Tag: t.tag, Len: len(val), Want: fmt.Sprintf("%d bytes", t.n)})
		}
		out = append(out, val...)
	}
	iad := tx[emv.TagIAD]
	// 9F10 is b, 1 to 32 bytes (EMV Book 3, Annex A1).
	if min := v.IAD.minIAD(); len(iad) < min || len(iad) > 32 {
		return nil, fmt.Errorf("build cryptogram data: %w", &TagLengthError{Tag: emv.TagIAD, Len: len(iad),
			Want: fmt.Sprintf("%d to 32 bytes for CVN %d (%s)", min, v.Number, v.IAD)})
	}
	return append(out, v.IAD.extract(iad)...), nil
}

// DeriveICCMasterKey derives an ICC master key from an issuer master key by
// the version's option (A or B).
func (v *Version) DeriveICCMasterKey(imk []byte, pan, psn string) ([]byte, error) {
	if v.MasterKey == OptionB {
		return DeriveICCMasterKeyB(imk, pan, psn)
	}
	return DeriveICCMasterKeyA(imk, pan, psn)
}

// Keys holds the three keys of a card or of its issuer (EMV Book 2, Annex
// A1.4): application cryptogram, secure messaging integrity and secure
// messaging confidentiality.
type Keys struct {
	AC, SMI, SMC []byte
}

// DeriveKeys derives the three ICC master keys of one card from the issuer
// master keys, as the issuer does at personalisation and at every
// authorisation.
func (v *Version) DeriveKeys(issuer Keys, pan, psn string) (Keys, error) {
	var k Keys
	var err error
	if k.AC, err = v.DeriveICCMasterKey(issuer.AC, pan, psn); err != nil {
		return Keys{}, fmt.Errorf("AC: %w", err)
	}
	if k.SMI, err = v.DeriveICCMasterKey(issuer.SMI, pan, psn); err != nil {
		return Keys{}, fmt.Errorf("SMI: %w", err)
	}
	if k.SMC, err = v.DeriveICCMasterKey(issuer.SMC, pan, psn); err != nil {
		return Keys{}, fmt.Errorf("SMC: %w", err)
	}
	return k, nil
}

// SessionKey returns the application cryptogram key for this transaction:
// the ICC master key AC itself (CVN 10), the EMV common session key from the
// ATC (CVN 18, 22) or the Mastercard SKD key from ATC and UN (CVN 16, 17).
func (v *Version) SessionKey(mkAC []byte, tx map[emv.Tag][]byte) ([]byte, error) {
	if err := checkDoubleKey("ICC master key AC", mkAC); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	switch v.SessionKeyMethod {
	case CommonSessionKey:
		return DeriveACSessionKey(mkAC, tx[emv.TagATC])
	case MastercardSessionKey:
		return DeriveMastercardSessionKey(mkAC, tx[emv.TagATC], tx[emv.TagUN])
	}
	return append([]byte{}, mkAC...), nil
}

// Generate computes the 8-byte application cryptogram (ARQC, TC or AAC: the
// algorithm is the same, EMV Book 2, 8.1) from the ICC master key AC, as the
// card does: ISO/IEC 9797-1 MAC algorithm 3 under the version's session key
// over Data(tx) padded with the version's padding method.
func (v *Version) Generate(mkAC []byte, tx map[emv.Tag][]byte) ([]byte, error) {
	data, err := v.Data(tx)
	if err != nil {
		return nil, fmt.Errorf("generate cryptogram: %w", err)
	}
	sk, err := v.SessionKey(mkAC, tx)
	if err != nil {
		return nil, fmt.Errorf("generate cryptogram: %w", err)
	}
	ac, err := MAC(MACAlgorithm3, v.Padding, sk, data)
	if err != nil {
		return nil, fmt.Errorf("generate cryptogram: %w", err)
	}
	return ac, nil
}

// VerifyARQC is the issuer side: it recomputes the cryptogram from the ICC
// master key AC and the transaction data and returns a *MismatchError
// (errors.Is ErrMismatch) when ac differs.
func (v *Version) VerifyARQC(mkAC []byte, tx map[emv.Tag][]byte, ac []byte) error {
	want, err := v.Generate(mkAC, tx)
	if err != nil {
		return fmt.Errorf("verify ARQC: %w", err)
	}
	if subtle.ConstantTimeCompare(want, ac) != 1 {
		return &MismatchError{What: "ARQC", Got: append([]byte{}, ac...), Expected: want}
	}
	return nil
}
