package pki

import (
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv/oda"
)

// Method is a set of the card authentication mechanisms a variant breaks.
type Method uint8

const (
	MethodSDA Method = 1 << iota // static data authentication (EMV Book 2, 5)
	MethodDDA                    // dynamic data authentication (Book 2, 6.5)
	MethodCDA                    // combined DDA / application cryptogram generation (Book 2, 6.6)
	MethodPIN                    // ICC PIN encipherment key retrieval for offline enciphered PIN (Book 2, 7.1)

	// MethodODA is every offline data authentication method.
	MethodODA  = MethodSDA | MethodDDA | MethodCDA
	allMethods = MethodODA | MethodPIN
)

// String lists the methods, e.g. "SDA|DDA|CDA"; "none" for the empty set.
func (m Method) String() string {
	var parts []string
	for _, x := range []struct {
		m    Method
		name string
	}{{MethodSDA, "SDA"}, {MethodDDA, "DDA"}, {MethodCDA, "CDA"}, {MethodPIN, "PIN"}} {
		if m&x.m != 0 {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Variant is one entry of the catalogue of broken cards: a named way to
// build the card-side ODA data so that exactly one verification check fails.
// A negative scenario picks a variant by name, personalises the card with
// Authority.Card, and asserts both the TVR bit of the method it runs (SDA,
// DDA or CDA failed, EMV Book 3 10.3) and the failing check, with
// errors.Is(err, v.Want()).
type Variant struct {
	Name        string    // kebab-case, e.g. "issuer-expired"
	Description string    // one line
	Breaks      Method    // the methods that fail; none for "good"
	Step        oda.Step  // the object whose check fails; zero for "good"
	Check       oda.Check // the rule that fails; zero for "good"
	recipe      tamper
}

// Good reports whether the variant breaks nothing.
func (v Variant) Good() bool { return v.Breaks == 0 }

// Want returns an *oda.Error template matching the expected failure with
// errors.Is, or nil for "good".
func (v Variant) Want() *oda.Error {
	if v.Good() {
		return nil
	}
	return &oda.Error{Step: v.Step, Check: v.Check}
}

// remainderTamper says what to do with a public key remainder.
type remainderTamper uint8

const (
	keepRemainder    remainderTamper = iota
	omitRemainder                    // leave the tag out although the key needs it
	corruptRemainder                 // flip a bit: the certificate hash no longer matches
)

// tamper is a variant's recipe. The zero value builds a good card.
type tamper struct {
	caIndex bool // 8F names AbsentCAIndex

	issuerOpts      []oda.SignOption
	issuerExpiry    string // MMYY override
	issuerRevoked   bool   // serial taken from the revocation list
	issuerIDWrong   bool   // identifier differs from the PAN's leftmost digits
	issuerKeyAlg    byte
	issuerRemainder remainderTamper
	issuerTruncate  bool

	iccOpts          []oda.SignOption
	iccExpiry        string
	iccPANWrong      bool
	iccKeyAlg        byte
	iccRemainder     remainderTamper
	iccTruncate      bool
	iccStaticChanged bool

	ssadOpts          []oda.SignOption
	ssadTruncate      bool
	ssadStaticChanged bool

	sdadOpts     []oda.SignOption
	sdadDynLen   bool // ICC dynamic data length beyond N_IC − 25
	sdadTruncate bool
	cdaCID       bool
	cdaTxnHash   bool

	pinOpts     []oda.SignOption
	pinExpiry   string
	pinPANWrong bool
}

// needsIssuerRemainder and needsICCRemainder pick keys long enough to have a
// remainder for the variants that tamper with it.
func (t tamper) needsIssuerRemainder() bool { return t.issuerRemainder != keepRemainder }
func (t tamper) needsICCRemainder() bool    { return t.iccRemainder != keepRemainder }
func (t tamper) needsPIN() bool {
	return len(t.pinOpts) > 0 || t.pinExpiry != "" || t.pinPANWrong
}

// pastExpiry is the MMYY date the expired variants use: December 2020, in
// the past for any run of this harness (EMV Book 2, 5.3 step 9, 6.4 step 9).
const pastExpiry = "1220"

var catalogue = func() []Variant {
	const (
		issuer = oda.StepIssuerCert
		icc    = oda.StepICCCert
		ssad   = oda.StepSSAD
		sdad   = oda.StepSDAD
		pin    = oda.StepPINCert
		iccM   = MethodDDA | MethodCDA
	)
	v := func(name, desc string, breaks Method, step oda.Step, check oda.Check, t tamper) Variant {
		return Variant{Name: name, Description: desc, Breaks: breaks, Step: step, Check: check, recipe: t}
	}
	return []Variant{
		v("good", "a correct chain: SDA, DDA, CDA and the PIN key all verify", 0, 0, 0, tamper{}),

		// Issuer public key certificate (EMV Book 2, 5.3, Table 6); it breaks
		// every method since all chains start with it.
		v("wrong-ca-index", "8F names a CA index the terminal lacks (Book 3 10.3)", allMethods, issuer, oda.CheckCAIndex, tamper{caIndex: true}),
		v("issuer-bad-length", "issuer certificate (90) one byte shorter than the CA modulus (Book 2 5.3 step 1)", allMethods, issuer, oda.CheckLength, tamper{issuerTruncate: true}),
		v("issuer-bad-header", "issuer certificate recovers with header 6B, not 6A (Book 2 5.3 step 3)", allMethods, issuer, oda.CheckHeader, tamper{issuerOpts: []oda.SignOption{oda.WithHeader(0x6B)}}),
		v("issuer-bad-trailer", "issuer certificate recovers with trailer BD, not BC (Book 2 5.3 step 2)", allMethods, issuer, oda.CheckTrailer, tamper{issuerOpts: []oda.SignOption{oda.WithTrailer(0xBD)}}),
		v("issuer-bad-format", "issuer certificate format 04, not 02 (Book 2 5.3 step 4)", allMethods, issuer, oda.CheckFormat, tamper{issuerOpts: []oda.SignOption{oda.WithFormat(0x04)}}),
		v("issuer-missing-remainder", "issuer key longer than N_CA−36 bytes but tag 92 left out (Book 2 5.3 step 5)", allMethods, issuer, oda.CheckRemainder, tamper{issuerRemainder: omitRemainder}),
		v("issuer-corrupt-remainder", "issuer public key remainder (92) with one bit flipped (Book 2 5.3 step 7)", allMethods, issuer, oda.CheckHash, tamper{issuerRemainder: corruptRemainder}),
		v("issuer-wrong-hash", "issuer certificate hash result does not match (Book 2 5.3 step 7)", allMethods, issuer, oda.CheckHash, tamper{issuerOpts: []oda.SignOption{oda.WithCorruptHash()}}),
		v("issuer-bad-hash-algorithm", "issuer certificate names hash algorithm 02 (Book 2 5.3 step 6)", allMethods, issuer, oda.CheckHashAlgorithm, tamper{issuerOpts: []oda.SignOption{oda.WithHashAlgorithm(0x02)}}),
		v("issuer-id-mismatch", "issuer identifier differs from the leftmost PAN digits (Book 2 5.3 step 8)", allMethods, issuer, oda.CheckIssuerID, tamper{issuerIDWrong: true}),
		v("issuer-expired", "issuer certificate expired 12/20 (Book 2 5.3 step 9)", allMethods, issuer, oda.CheckExpired, tamper{issuerExpiry: pastExpiry}),
		v("issuer-revoked", "issuer certificate serial on the test CA's revocation list (Book 2 5.3 step 10)", allMethods, issuer, oda.CheckRevoked, tamper{issuerRevoked: true}),
		v("issuer-bad-key-algorithm", "issuer certificate names public key algorithm 02 (Book 2 5.3 step 11)", allMethods, issuer, oda.CheckKeyAlgorithm, tamper{issuerKeyAlg: 0x02}),

		// ICC public key certificate (Book 2, 6.4, Table 14): DDA and CDA.
		v("icc-bad-length", "ICC certificate (9F46) one byte shorter than the issuer modulus (Book 2 6.4 step 1)", iccM, icc, oda.CheckLength, tamper{iccTruncate: true}),
		v("icc-bad-header", "ICC certificate recovers with header 6B (Book 2 6.4 step 3)", iccM, icc, oda.CheckHeader, tamper{iccOpts: []oda.SignOption{oda.WithHeader(0x6B)}}),
		v("icc-bad-trailer", "ICC certificate recovers with trailer BD (Book 2 6.4 step 2)", iccM, icc, oda.CheckTrailer, tamper{iccOpts: []oda.SignOption{oda.WithTrailer(0xBD)}}),
		v("icc-bad-format", "ICC certificate format 02, not 04 (Book 2 6.4 step 4)", iccM, icc, oda.CheckFormat, tamper{iccOpts: []oda.SignOption{oda.WithFormat(0x02)}}),
		v("icc-missing-remainder", "ICC key longer than N_I−42 bytes but tag 9F48 left out (Book 2 6.4 step 5)", iccM, icc, oda.CheckRemainder, tamper{iccRemainder: omitRemainder}),
		v("icc-corrupt-remainder", "ICC public key remainder (9F48) with one bit flipped (Book 2 6.4 step 7)", iccM, icc, oda.CheckHash, tamper{iccRemainder: corruptRemainder}),
		v("icc-wrong-hash", "ICC certificate hash result does not match (Book 2 6.4 step 7)", iccM, icc, oda.CheckHash, tamper{iccOpts: []oda.SignOption{oda.WithCorruptHash()}}),
		v("icc-static-data-changed", "ICC certificate signed over static data that differs from the card's (Book 2 6.4 step 7)", iccM, icc, oda.CheckHash, tamper{iccStaticChanged: true}),
		v("icc-bad-hash-algorithm", "ICC certificate names hash algorithm 02 (Book 2 6.4 step 6)", iccM, icc, oda.CheckHashAlgorithm, tamper{iccOpts: []oda.SignOption{oda.WithHashAlgorithm(0x02)}}),
		v("icc-pan-mismatch", "ICC certificate PAN differs from tag 5A (Book 2 6.4 step 8)", iccM, icc, oda.CheckPAN, tamper{iccPANWrong: true}),
		v("icc-expired", "ICC certificate expired 12/20 (Book 2 6.4 step 9)", iccM, icc, oda.CheckExpired, tamper{iccExpiry: pastExpiry}),
		v("icc-bad-key-algorithm", "ICC certificate names public key algorithm 02 (Book 2 6.4 step 10)", iccM, icc, oda.CheckKeyAlgorithm, tamper{iccKeyAlg: 0x02}),

		// Signed static application data (Book 2, 5.4, Table 7): SDA.
		v("ssad-bad-length", "SSAD (93) one byte shorter than the issuer modulus (Book 2 5.4 step 1)", MethodSDA, ssad, oda.CheckLength, tamper{ssadTruncate: true}),
		v("ssad-bad-header", "SSAD recovers with header 6B (Book 2 5.4 step 3)", MethodSDA, ssad, oda.CheckHeader, tamper{ssadOpts: []oda.SignOption{oda.WithHeader(0x6B)}}),
		v("ssad-bad-trailer", "SSAD recovers with trailer BD (Book 2 5.4 step 2)", MethodSDA, ssad, oda.CheckTrailer, tamper{ssadOpts: []oda.SignOption{oda.WithTrailer(0xBD)}}),
		v("ssad-bad-format", "SSAD format 05, not 03 (Book 2 5.4 step 4)", MethodSDA, ssad, oda.CheckFormat, tamper{ssadOpts: []oda.SignOption{oda.WithFormat(0x05)}}),
		v("ssad-bad-hash-algorithm", "SSAD names hash algorithm 02 (Book 2 5.4 step 6)", MethodSDA, ssad, oda.CheckHashAlgorithm, tamper{ssadOpts: []oda.SignOption{oda.WithHashAlgorithm(0x02)}}),
		v("ssad-wrong-hash", "SSAD hash result does not match (Book 2 5.4 step 7)", MethodSDA, ssad, oda.CheckHash, tamper{ssadOpts: []oda.SignOption{oda.WithCorruptHash()}}),
		v("ssad-static-data-changed", "SSAD signed over static data that differs from the card's (Book 2 5.4 step 7)", MethodSDA, ssad, oda.CheckHash, tamper{ssadStaticChanged: true}),

		// Signed dynamic application data (Book 2, 6.5.2 Table 17, 6.6.2):
		// produced by the card at transaction time (Card.SignDDA, SignCDA).
		v("sdad-bad-length", "SDAD (9F4B) one byte shorter than the ICC modulus (Book 2 6.5.2 step 1)", iccM, sdad, oda.CheckLength, tamper{sdadTruncate: true}),
		v("sdad-bad-header", "SDAD recovers with header 6B (Book 2 6.5.2 step 3)", iccM, sdad, oda.CheckHeader, tamper{sdadOpts: []oda.SignOption{oda.WithHeader(0x6B)}}),
		v("sdad-bad-trailer", "SDAD recovers with trailer BD (Book 2 6.5.2 step 2)", iccM, sdad, oda.CheckTrailer, tamper{sdadOpts: []oda.SignOption{oda.WithTrailer(0xBD)}}),
		v("sdad-bad-format", "SDAD format 03, not 05 (Book 2 6.5.2 step 4)", iccM, sdad, oda.CheckFormat, tamper{sdadOpts: []oda.SignOption{oda.WithFormat(0x03)}}),
		v("sdad-bad-dynamic-data-length", "SDAD ICC dynamic data length beyond N_IC−25 (Book 2 6.5.2 Table 17)", iccM, sdad, oda.CheckDynamicData, tamper{sdadDynLen: true}),
		v("sdad-bad-hash-algorithm", "SDAD names hash algorithm 02 (Book 2 6.5.2 step 6)", iccM, sdad, oda.CheckHashAlgorithm, tamper{sdadOpts: []oda.SignOption{oda.WithHashAlgorithm(0x02)}}),
		v("sdad-wrong-hash", "SDAD hash result does not match (Book 2 6.5.2 step 7)", iccM, sdad, oda.CheckHash, tamper{sdadOpts: []oda.SignOption{oda.WithCorruptHash()}}),
		v("cda-wrong-cid", "CDA signature carries a CID other than the GENERATE AC response's (Book 2 6.6.2 step 6)", MethodCDA, sdad, oda.CheckCID, tamper{cdaCID: true}),
		v("cda-wrong-transaction-hash", "CDA transaction data hash code does not match (Book 2 6.6.2 step 11)", MethodCDA, sdad, oda.CheckTransactionHash, tamper{cdaTxnHash: true}),

		// ICC PIN encipherment public key certificate (Book 2, 7.1).
		v("pin-cert-wrong-hash", "PIN encipherment key certificate (9F2D) hash result does not match (Book 2 7.1)", MethodPIN, pin, oda.CheckHash, tamper{pinOpts: []oda.SignOption{oda.WithCorruptHash()}}),
		v("pin-cert-pan-mismatch", "PIN encipherment key certificate PAN differs from tag 5A (Book 2 7.1)", MethodPIN, pin, oda.CheckPAN, tamper{pinPANWrong: true}),
		v("pin-cert-expired", "PIN encipherment key certificate expired 12/20 (Book 2 7.1)", MethodPIN, pin, oda.CheckExpired, tamper{pinExpiry: pastExpiry}),
	}
}()

// Variants returns the catalogue, "good" first.
func Variants() []Variant { return append([]Variant(nil), catalogue...) }

// LookupVariant returns the variant with that name; "" is "good".
func LookupVariant(name string) (Variant, error) {
	if name == "" {
		name = "good"
	}
	for _, v := range catalogue {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("lookup variant: no variant %q (see `paylab pki variants`)", name)
}
