package oda

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"time"

	"github.com/paylab/paylab/harness/emv"
)

// Recovered data framing and formats (EMV Book 2, 5.3 Table 6, 5.4 Table 7,
// 6.3 Table 14, 6.5.2 Table 17, 7.1).
const (
	headerByte  = 0x6A
	trailerByte = 0xBC
	padByte     = 0xBB

	FormatIssuerCert byte = 0x02 // Issuer Public Key Certificate
	FormatSSAD       byte = 0x03 // Signed Static Application Data
	FormatICCCert    byte = 0x04 // ICC and ICC PIN Encipherment Public Key Certificates
	FormatSDAD       byte = 0x05 // Signed Dynamic Application Data

	HashSHA1 byte = 0x01 // Hash Algorithm Indicator (Book 2, Annex B2.1)
	KeyRSA   byte = 0x01 // Public Key Algorithm Indicator (Book 2, Annex B3.1)

	hashLen = sha1.Size

	// Fixed overheads: the certified key field is N − overhead bytes long.
	issuerCertOverhead = 36 // Book 2, 5.3 Table 6: N_CA − 36
	iccCertOverhead    = 42 // Book 2, 6.3 Table 14: N_I − 42
	ssadOverhead       = 26 // Book 2, 5.4 Table 7: pad N_I − 26
	sdadOverhead       = 25 // Book 2, 6.5.2 Table 17: pad N_IC − L_DD − 25
)

// IssuerCert holds the fields of an Issuer Public Key Certificate (EMV Book
// 2, 5.3 Table 6; tags 90, 92, 9F32).
type IssuerCert struct {
	IssuerID [4]byte // leftmost 3–8 PAN digits, padded right with F (cn)
	Expiry   [2]byte // MMYY, BCD
	Serial   [3]byte // binary, unique per CA
	HashAlg  byte    // 01 SHA-1; zero is taken as 01 when signing
	KeyAlg   byte    // 01 RSA; zero is taken as 01 when signing
	Key      PublicKey
}

// ICCCert holds the fields of an ICC Public Key Certificate (EMV Book 2, 6.3
// Table 14; tags 9F46, 9F48, 9F47) or of an ICC PIN Encipherment Public Key
// Certificate, which has the same layout (Book 2, 7.1; tags 9F2D, 9F2F, 9F2E).
type ICCCert struct {
	PAN     [10]byte // application PAN, cn, padded right with F
	Expiry  [2]byte  // MMYY, BCD
	Serial  [3]byte
	HashAlg byte // 01 SHA-1; zero is taken as 01 when signing
	KeyAlg  byte // 01 RSA; zero is taken as 01 when signing
	Key     PublicKey
}

// IssuerKey is an issuer public key recovered from its certificate, with the
// certificate's fields and the CA key that certified it.
type IssuerKey struct {
	IssuerCert
	RID     [5]byte
	CAIndex byte
}

// ICCKey is an ICC (or ICC PIN encipherment) public key recovered from its
// certificate, with the certificate's fields.
type ICCKey struct {
	ICCCert
}

// IssuerRemainderLen is the length of the Issuer Public Key Remainder (tag
// 92): N_I − N_CA + 36 when positive, else 0 (EMV Book 2, 5.1, 5.3 Table 6).
func IssuerRemainderLen(nI, nCA int) int { return max(0, nI-nCA+issuerCertOverhead) }

// ICCRemainderLen is the length of the ICC (or ICC PIN encipherment) Public
// Key Remainder (tag 9F48, 9F2F): N_IC − N_I + 42 when positive, else 0
// (EMV Book 2, 6.1, 6.3 Table 14).
func ICCRemainderLen(nIC, nI int) int { return max(0, nIC-nI+iccCertOverhead) }

// MaxICCDynamicDataLen is the largest ICC dynamic data an N_IC-byte key can
// sign: N_IC − 25 (EMV Book 2, 6.5.2 Table 17, L_DD ≤ N_IC − 25).
func MaxICCDynamicDataLen(nIC int) int { return max(0, nIC-sdadOverhead) }

// CheckChainSizes checks the modulus length rules of EMV Book 2, 6.1 and
// 11.2–11.4: N_IC ≤ N_I ≤ N_CA ≤ 248. Pass nIC = 0 for an SDA-only chain.
// It also needs room for the fixed certificate fields, N_CA > 36 and
// N_I > 42 when an ICC key is certified.
func CheckChainSizes(nCA, nI, nIC int) error {
	switch {
	case nCA > MaxModulusLen:
		return fmt.Errorf("check chain sizes: CA modulus %d bytes exceeds %d (EMV Book 2, 11.2.1)", nCA, MaxModulusLen)
	case nCA <= issuerCertOverhead:
		return fmt.Errorf("check chain sizes: CA modulus %d bytes too short for an issuer certificate", nCA)
	case nI <= 0 || nI > nCA:
		return fmt.Errorf("check chain sizes: issuer modulus %d bytes, want 1..N_CA=%d (EMV Book 2, 5.1)", nI, nCA)
	case nIC < 0 || nIC > nI:
		return fmt.Errorf("check chain sizes: ICC modulus %d bytes, want ≤ N_I=%d (EMV Book 2, 6.1)", nIC, nI)
	case nIC > 0 && nI <= iccCertOverhead:
		return fmt.Errorf("check chain sizes: issuer modulus %d bytes too short for an ICC certificate", nI)
	}
	return nil
}

// SignIssuerCert signs an Issuer Public Key Certificate with the CA private
// key (EMV Book 2, 5.3 Table 6). It returns the certificate (tag 90, N_CA
// bytes) and the remainder (tag 92, nil when the key fits, Book 2 5.1). The
// exponent (tag 9F32) is c.Key.Exponent.
func SignIssuerCert(ca *PrivateKey, c IssuerCert, opts ...SignOption) (cert, remainder []byte, err error) {
	o := collect(opts)
	if ca == nil {
		return nil, nil, fmt.Errorf("sign issuer certificate: %w: nil CA key", ErrBadKey)
	}
	nCA := ca.Len()
	mod := trimLeadingZeros(c.Key.Modulus)
	nI := len(mod)
	if !o.skipSizeRules {
		if err := CheckChainSizes(nCA, nI, 0); err != nil {
			return nil, nil, fmt.Errorf("sign issuer certificate: %w", err)
		}
	}
	if len(c.Key.Exponent) == 0 || len(c.Key.Exponent) > 255 || nI > 255 {
		return nil, nil, fmt.Errorf("sign issuer certificate: %w: empty exponent or oversize key", ErrBadKey)
	}
	if nCA <= issuerCertOverhead {
		return nil, nil, fmt.Errorf("sign issuer certificate: %w: CA modulus %d bytes too short", ErrBadKey, nCA)
	}
	keyLen := byte(nI)
	if o.setKeyLen {
		keyLen = o.keyLen
	}
	x, rem := certBlock(nCA, issuerCertOverhead, mod)
	o.apply(x, FormatIssuerCert)
	copy(x[2:6], c.IssuerID[:])
	copy(x[6:8], c.Expiry[:])
	copy(x[8:11], c.Serial[:])
	x[11] = orDefault(c.HashAlg, HashSHA1)
	if o.setHashAlg {
		x[11] = o.hashAlg
	}
	x[12] = orDefault(c.KeyAlg, KeyRSA)
	x[13] = keyLen
	x[14] = byte(len(c.Key.Exponent))
	sealCert(x, &o, rem, c.Key.Exponent, nil)
	sig, err := ca.Sign(x)
	if err != nil {
		return nil, nil, fmt.Errorf("sign issuer certificate: %w", err)
	}
	return sig, rem, nil
}

// SignICCCert signs an ICC Public Key Certificate with the issuer private key
// (EMV Book 2, 6.3 Table 14). staticData is the static data to be
// authenticated (Book 2, 6.3 Table 13: the AFL-flagged records and, when the
// SDA tag list 9F4A names it, the AIP) — the caller assembles it. It returns
// the certificate (tag 9F46, N_I bytes) and the remainder (tag 9F48, nil when
// the key fits).
func SignICCCert(issuer *PrivateKey, c ICCCert, staticData []byte, opts ...SignOption) (cert, remainder []byte, err error) {
	cert, remainder, err = signICCCert(issuer, c, staticData, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("sign ICC certificate: %w", err)
	}
	return cert, remainder, nil
}

// SignICCPINCert signs an ICC PIN Encipherment Public Key Certificate (EMV
// Book 2, 7.1: the layout of Table 14, format 04, with no static data in the
// hash). It returns the certificate (tag 9F2D) and the remainder (tag 9F2F,
// nil when the key fits); the exponent is tag 9F2E.
func SignICCPINCert(issuer *PrivateKey, c ICCCert, opts ...SignOption) (cert, remainder []byte, err error) {
	cert, remainder, err = signICCCert(issuer, c, nil, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("sign ICC PIN encipherment certificate: %w", err)
	}
	return cert, remainder, nil
}

func signICCCert(issuer *PrivateKey, c ICCCert, staticData []byte, opts []SignOption) (cert, remainder []byte, err error) {
	o := collect(opts)
	if issuer == nil {
		return nil, nil, fmt.Errorf("%w: nil issuer key", ErrBadKey)
	}
	nI := issuer.Len()
	mod := trimLeadingZeros(c.Key.Modulus)
	nIC := len(mod)
	if !o.skipSizeRules && (nIC == 0 || nIC > nI || nI > MaxModulusLen) {
		return nil, nil, fmt.Errorf("%w: ICC modulus %d bytes, issuer modulus %d bytes: want 1 ≤ N_IC ≤ N_I ≤ %d (EMV Book 2, 6.1)", ErrBadKey, nIC, nI, MaxModulusLen)
	}
	if len(c.Key.Exponent) == 0 || len(c.Key.Exponent) > 255 || nIC > 255 {
		return nil, nil, fmt.Errorf("%w: empty exponent or oversize key", ErrBadKey)
	}
	if nI <= iccCertOverhead {
		return nil, nil, fmt.Errorf("%w: issuer modulus %d bytes too short", ErrBadKey, nI)
	}
	keyLen := byte(nIC)
	if o.setKeyLen {
		keyLen = o.keyLen
	}
	x, rem := certBlock(nI, iccCertOverhead, mod)
	o.apply(x, FormatICCCert)
	copy(x[2:12], c.PAN[:])
	copy(x[12:14], c.Expiry[:])
	copy(x[14:17], c.Serial[:])
	x[17] = orDefault(c.HashAlg, HashSHA1)
	if o.setHashAlg {
		x[17] = o.hashAlg
	}
	x[18] = orDefault(c.KeyAlg, KeyRSA)
	x[19] = keyLen
	x[20] = byte(len(c.Key.Exponent))
	sealCert(x, &o, rem, c.Key.Exponent, staticData)
	sig, err := issuer.Sign(x)
	if err != nil {
		return nil, nil, err
	}
	return sig, rem, nil
}

// certBlock allocates the n-byte block to sign and places the key's leftmost
// digits, padded with BB, in its key field of n − overhead bytes; the rest of
// the key is the remainder.
func certBlock(n, overhead int, mod []byte) (x, rem []byte) {
	x = make([]byte, n)
	fixed := overhead - hashLen - 1 // bytes before the key field
	field := x[fixed : n-hashLen-1]
	if len(mod) > len(field) {
		copy(field, mod)
		rem = bytes.Clone(mod[len(field):])
	} else {
		copy(field, mod)
		for i := len(mod); i < len(field); i++ {
			field[i] = padByte
		}
	}
	return x, rem
}

// sealCert hashes format..key field || remainder || exponent || extra into
// the hash field and sets the trailer (EMV Book 2, 5.3 step 5, 6.4 step 5).
func sealCert(x []byte, o *signOptions, rem, exp, extra []byte) {
	n := len(x)
	h := sha1.New()
	h.Write(x[1 : n-hashLen-1])
	h.Write(rem)
	h.Write(exp)
	h.Write(extra)
	sum := h.Sum(nil)
	if o.corruptHash {
		sum[0] ^= 0x01
	}
	copy(x[n-hashLen-1:], sum)
	x[n-1] = trailerByte
	if o.setTrailer {
		x[n-1] = o.trailer
	}
}

func orDefault(b, def byte) byte {
	if b == 0 {
		return def
	}
	return b
}

// VerifyOption adjusts verification.
type VerifyOption func(*verifyOptions)

type verifyOptions struct {
	revoked *RevocationList
}

// WithRevocations names the terminal's certification revocation list for
// EMV Book 2, 5.3 step 10. Without it no certificate is revoked.
func WithRevocations(l *RevocationList) VerifyOption {
	return func(o *verifyOptions) { o.revoked = l }
}

// RecoverIssuerKey recovers and verifies the issuer public key from its
// certificate (tag 90), remainder (tag 92, nil when absent) and exponent (tag
// 9F32) with the CA key named by tag 8F, performing every check of EMV Book
// 2, 5.3 (steps 1–11) and 6.3 for DDA/CDA. pan is the application PAN (tag 5A)
// as digits; today is the transaction date. A failed check returns an *Error
// with Step StepIssuerCert.
func RecoverIssuerKey(ca CAKey, cert, remainder, exponent []byte, pan string, today time.Time, opts ...VerifyOption) (*IssuerKey, error) {
	var vo verifyOptions
	for _, f := range opts {
		if f != nil {
			f(&vo)
		}
	}
	const step = StepIssuerCert
	if len(cert) == 0 {
		return nil, fail(step, CheckMissing, "tag 90 absent")
	}
	if len(exponent) == 0 {
		return nil, fail(step, CheckMissing, "issuer public key exponent (tag 9F32) absent")
	}
	nCA := ca.Key.Len()
	if nCA <= issuerCertOverhead || nCA > MaxModulusLen {
		return nil, fail(step, CheckKey, "CA modulus of %d bytes", nCA)
	}
	x, err := recoverBlock(step, ca.Key, cert, nCA)
	if err != nil {
		return nil, err
	}
	// Step 4: certificate format (Table 6).
	if x[1] != FormatIssuerCert {
		return nil, fail(step, CheckFormat, "format %02X, want %02X", x[1], FormatIssuerCert)
	}
	var c IssuerCert
	copy(c.IssuerID[:], x[2:6])
	copy(c.Expiry[:], x[6:8])
	copy(c.Serial[:], x[8:11])
	c.HashAlg, c.KeyAlg = x[11], x[12]
	nI, expLen := int(x[13]), int(x[14])
	keyField := x[15 : nCA-hashLen-1]
	// EMV Book 2, 5.1: N_I ≤ N_CA.
	if nI == 0 || nI > nCA {
		return nil, fail(step, CheckKeyLength, "issuer key length %d for a %d-byte CA key", nI, nCA)
	}
	// Step 5: the remainder must be present when N_I > N_CA − 36 (Book 2, 5.1).
	if err := checkRemainder(step, remainder, IssuerRemainderLen(nI, nCA), "92"); err != nil {
		return nil, err
	}
	// Steps 6–7: hash over format .. key field || remainder || exponent.
	if err := checkHash(step, x, c.HashAlg, remainder, exponent, nil); err != nil {
		return nil, err
	}
	// Step 8: issuer identifier against the leftmost PAN digits.
	if err := matchIssuerID(c.IssuerID, pan); err != nil {
		return nil, err
	}
	// Step 9: expiry, the last day of MMYY (Book 2, 5.3 step 9).
	if err := checkExpiry(step, c.Expiry, today); err != nil {
		return nil, err
	}
	// Step 10: revocation of RID || CA index || serial.
	if vo.revoked.Revoked(ca.RID, ca.Index, c.Serial) {
		return nil, fail(step, CheckRevoked, "RID %X index %02X serial %X", ca.RID, ca.Index, c.Serial)
	}
	// Step 11: public key algorithm.
	if c.KeyAlg != KeyRSA {
		return nil, fail(step, CheckKeyAlgorithm, "indicator %02X, want %02X", c.KeyAlg, KeyRSA)
	}
	if expLen != len(exponent) {
		return nil, fail(step, CheckKeyLength, "certificate names a %d-byte exponent, tag 9F32 holds %d", expLen, len(exponent))
	}
	// Step 12: leftmost digits || remainder.
	c.Key = PublicKey{Modulus: joinKey(keyField, remainder, nI), Exponent: bytes.Clone(exponent)}
	return &IssuerKey{IssuerCert: c, RID: ca.RID, CAIndex: ca.Index}, nil
}

// RecoverICCKey recovers and verifies the ICC public key from its certificate
// (tag 9F46), remainder (tag 9F48, nil when absent) and exponent (tag 9F47)
// with the issuer public key, performing every check of EMV Book 2, 6.4
// (steps 1–11). staticData is the static data to be authenticated (Book 2,
// 6.4 step 5, Table 13). A failed check returns an *Error with Step
// StepICCCert.
func RecoverICCKey(issuer PublicKey, cert, remainder, exponent, staticData []byte, pan string, today time.Time) (*ICCKey, error) {
	return recoverICCKey(StepICCCert, issuer, cert, remainder, exponent, staticData, pan, today)
}

// RecoverICCPINKey recovers and verifies the ICC PIN encipherment public key
// from its certificate (tag 9F2D), remainder (tag 9F2F) and exponent (tag
// 9F2E) with the issuer public key (EMV Book 2, 7.1: the checks of 6.4 with
// no static data in the hash). A failed check returns an *Error with Step
// StepPINCert.
func RecoverICCPINKey(issuer PublicKey, cert, remainder, exponent []byte, pan string, today time.Time) (*ICCKey, error) {
	return recoverICCKey(StepPINCert, issuer, cert, remainder, exponent, nil, pan, today)
}

func recoverICCKey(step Step, issuer PublicKey, cert, remainder, exponent, staticData []byte, pan string, today time.Time) (*ICCKey, error) {
	certTag, remTag, expTag := "9F46", "9F48", "9F47"
	if step == StepPINCert {
		certTag, remTag, expTag = "9F2D", "9F2F", "9F2E"
	}
	if len(cert) == 0 {
		return nil, fail(step, CheckMissing, "tag %s absent", certTag)
	}
	if len(exponent) == 0 {
		return nil, fail(step, CheckMissing, "exponent (tag %s) absent", expTag)
	}
	nI := issuer.Len()
	if nI <= iccCertOverhead || nI > MaxModulusLen {
		return nil, fail(step, CheckKey, "issuer modulus of %d bytes", nI)
	}
	x, err := recoverBlock(step, issuer, cert, nI)
	if err != nil {
		return nil, err
	}
	// Step 4: certificate format (Table 14).
	if x[1] != FormatICCCert {
		return nil, fail(step, CheckFormat, "format %02X, want %02X", x[1], FormatICCCert)
	}
	var c ICCCert
	copy(c.PAN[:], x[2:12])
	copy(c.Expiry[:], x[12:14])
	copy(c.Serial[:], x[14:17])
	c.HashAlg, c.KeyAlg = x[17], x[18]
	nIC, expLen := int(x[19]), int(x[20])
	keyField := x[21 : nI-hashLen-1]
	// EMV Book 2, 6.1: N_IC ≤ N_I.
	if nIC == 0 || nIC > nI {
		return nil, fail(step, CheckKeyLength, "key length %d for a %d-byte issuer key", nIC, nI)
	}
	// Step 5: remainder when N_IC > N_I − 42.
	if err := checkRemainder(step, remainder, ICCRemainderLen(nIC, nI), remTag); err != nil {
		return nil, err
	}
	// Steps 6–7: hash over format .. key field || remainder || exponent || static data.
	if err := checkHash(step, x, c.HashAlg, remainder, exponent, staticData); err != nil {
		return nil, err
	}
	// Step 8: recovered PAN equals the application PAN, F-padded.
	want, err := PANField(pan)
	if err != nil {
		return nil, &Error{Step: step, Check: CheckPAN, Detail: "application PAN malformed", Err: err}
	}
	if c.PAN != want {
		return nil, fail(step, CheckPAN, "certificate PAN differs from tag 5A (%s)", emv.MaskPAN(pan))
	}
	// Step 9: expiry.
	if err := checkExpiry(step, c.Expiry, today); err != nil {
		return nil, err
	}
	// Step 10: public key algorithm.
	if c.KeyAlg != KeyRSA {
		return nil, fail(step, CheckKeyAlgorithm, "indicator %02X, want %02X", c.KeyAlg, KeyRSA)
	}
	if expLen != len(exponent) {
		return nil, fail(step, CheckKeyLength, "certificate names a %d-byte exponent, tag %s holds %d", expLen, expTag, len(exponent))
	}
	// Step 11: leftmost digits || remainder.
	c.Key = PublicKey{Modulus: joinKey(keyField, remainder, nIC), Exponent: bytes.Clone(exponent)}
	return &ICCKey{ICCCert: c}, nil
}

// recoverBlock performs steps 1–3 common to every recovery: length equal to
// the modulus length, RSA recovery, header 6A and trailer BC.
func recoverBlock(step Step, key PublicKey, sig []byte, n int) ([]byte, error) {
	if len(sig) != n {
		return nil, fail(step, CheckLength, "%d bytes, modulus %d bytes", len(sig), n)
	}
	x, err := key.Recover(sig)
	switch {
	case errors.Is(err, ErrBadKey):
		return nil, &Error{Step: step, Check: CheckKey, Err: err}
	case err != nil:
		// A value not below the modulus cannot be a signature: nothing
		// recovers, so no header 6A either.
		return nil, &Error{Step: step, Check: CheckHeader, Detail: "no data recovered", Err: err}
	}
	if x[0] != headerByte {
		return nil, fail(step, CheckHeader, "header %02X", x[0])
	}
	if x[n-1] != trailerByte {
		return nil, fail(step, CheckTrailer, "trailer %02X", x[n-1])
	}
	return x, nil
}

func checkRemainder(step Step, remainder []byte, want int, tag string) error {
	switch {
	case want > 0 && len(remainder) == 0:
		return fail(step, CheckRemainder, "tag %s absent, %d bytes needed", tag, want)
	case want > 0 && len(remainder) != want:
		return fail(step, CheckRemainder, "tag %s holds %d bytes, want %d", tag, len(remainder), want)
	}
	// A remainder present when none is needed enters the hash as given
	// (Book 2, 5.3 step 5: "Issuer Public Key Remainder (if present)").
	return nil
}

// checkHash performs steps 6–7 on a certificate or signed data block x:
// hash over x[1 : N−21] || parts.
func checkHash(step Step, x []byte, alg byte, parts ...[]byte) error {
	if alg != HashSHA1 {
		return fail(step, CheckHashAlgorithm, "indicator %02X, want %02X", alg, HashSHA1)
	}
	n := len(x)
	h := sha1.New()
	h.Write(x[1 : n-hashLen-1])
	for _, p := range parts {
		h.Write(p)
	}
	if !bytes.Equal(h.Sum(nil), x[n-hashLen-1:n-1]) {
		return fail(step, CheckHash, "")
	}
	return nil
}

// joinKey rebuilds a modulus of n bytes from the key field and remainder
// (Book 2, 5.3 step 12, 6.4 step 11).
func joinKey(field, remainder []byte, n int) []byte {
	mod := make([]byte, 0, n)
	mod = append(mod, field...)
	mod = append(mod, remainder...)
	return mod[:n:n]
}
