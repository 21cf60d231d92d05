package oda

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const testPAN = "4761739001010119" // a Visa test-card style PAN: 16 digits

var (
	testRID   = [5]byte{0xA0, 0x00, 0x00, 0x00, 0x03}
	testToday = date(2026, time.March, 15)
)

// chain is a signed issuer and ICC certificate pair, ready to verify.
type chain struct {
	ca, issuer, icc         *PrivateKey
	caKey                   CAKey
	issuerCert, issuerRem   []byte
	iccCert, iccRem         []byte
	static                  []byte
	issuerSerial, iccSerial [3]byte
}

func issuerFields(t testing.TB, key PublicKey) IssuerCert {
	id, err := IssuerIDFromPAN(testPAN, 6)
	if err != nil {
		t.Fatal(err)
	}
	return IssuerCert{IssuerID: id, Expiry: [2]byte{0x12, 0x30}, Serial: [3]byte{0x00, 0x12, 0xAB}, HashAlg: HashSHA1, KeyAlg: KeyRSA, Key: key}
}

func iccFields(t testing.TB, key PublicKey) ICCCert {
	pan, err := PANField(testPAN)
	if err != nil {
		t.Fatal(err)
	}
	return ICCCert{PAN: pan, Expiry: [2]byte{0x06, 0x29}, Serial: [3]byte{0x01, 0x02, 0x03}, HashAlg: HashSHA1, KeyAlg: KeyRSA, Key: key}
}

func newChain(t testing.TB, caBits, issuerBits, iccBits int) *chain {
	t.Helper()
	c := &chain{
		ca:     testKey(t, caBits, 3),
		issuer: testKey(t, issuerBits, 3),
		icc:    testKey(t, iccBits, 65537),
		static: []byte{0x5A, 0x08, 0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19, 0x5F, 0x24, 0x03, 0x30, 0x12, 0x31, 0x39, 0x00},
	}
	c.caKey = CAKey{RID: testRID, Index: 0x92, Key: c.ca.PublicKey}
	var err error
	ic := issuerFields(t, c.issuer.PublicKey)
	c.issuerSerial = ic.Serial
	if c.issuerCert, c.issuerRem, err = SignIssuerCert(c.ca, ic); err != nil {
		t.Fatal(err)
	}
	cc := iccFields(t, c.icc.PublicKey)
	c.iccSerial = cc.Serial
	if c.iccCert, c.iccRem, err = SignICCCert(c.issuer, cc, c.static); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *chain) verify() (*IssuerKey, *ICCKey, error) {
	ik, err := RecoverIssuerKey(c.caKey, c.issuerCert, c.issuerRem, c.issuer.Exponent, testPAN, testToday)
	if err != nil {
		return nil, nil, err
	}
	icc, err := RecoverICCKey(ik.Key, c.iccCert, c.iccRem, c.icc.Exponent, c.static, testPAN, testToday)
	return ik, icc, err
}

// TestChainSizes signs and recovers chains at the Book 2 size boundaries:
// the remainder is N_I − N_CA + 36 and N_IC − N_I + 42 bytes when positive
// (EMV Book 2, 5.1 and 6.1), and absent otherwise.
func TestChainSizes(t *testing.T) {
	cases := []struct{ ca, iss, icc int }{
		{1152, 1152, 1152},           // largest keys: both remainders present
		{1152, (144 - 36) * 8, 512},  // N_I = N_CA − 36: no issuer remainder
		{1152, (144 - 35) * 8, 544},  // N_I = N_CA − 35: one-byte remainder
		{1024, 1024, (128 - 42) * 8}, // N_IC = N_I − 42: no ICC remainder
		{1024, 1024, (128 - 41) * 8}, // N_IC = N_I − 41: one-byte remainder
		{1408, 1152, 1024},
		{1984, 1984, 1984},
		{1984, 1408, 768},
	}
	if testing.Short() {
		cases = cases[:5]
	}
	for _, tc := range cases {
		c := newChain(t, tc.ca, tc.iss, tc.icc)
		nCA, nI, nIC := tc.ca/8, tc.iss/8, tc.icc/8
		if err := CheckChainSizes(nCA, nI, nIC); err != nil {
			t.Errorf("%v: %v", tc, err)
		}
		if len(c.issuerCert) != nCA || len(c.iccCert) != nI {
			t.Errorf("%v: certificate lengths %d, %d", tc, len(c.issuerCert), len(c.iccCert))
		}
		if len(c.issuerRem) != IssuerRemainderLen(nI, nCA) || len(c.issuerRem) != max(0, nI-nCA+36) {
			t.Errorf("%v: issuer remainder %d bytes", tc, len(c.issuerRem))
		}
		if len(c.iccRem) != ICCRemainderLen(nIC, nI) || len(c.iccRem) != max(0, nIC-nI+42) {
			t.Errorf("%v: ICC remainder %d bytes", tc, len(c.iccRem))
		}
		if (len(c.issuerRem) == 0) != (c.issuerRem == nil) {
			t.Errorf("%v: empty remainder should be nil", tc)
		}
		ik, icc, err := c.verify()
		if err != nil {
			t.Fatalf("%v: %v", tc, err)
		}
		if !bytes.Equal(ik.Key.Modulus, c.issuer.Modulus) || !bytes.Equal(ik.Key.Exponent, c.issuer.Exponent) {
			t.Errorf("%v: recovered issuer key differs", tc)
		}
		if !bytes.Equal(icc.Key.Modulus, c.icc.Modulus) || !bytes.Equal(icc.Key.Exponent, c.icc.Exponent) {
			t.Errorf("%v: recovered ICC key differs", tc)
		}
		if ik.Serial != c.issuerSerial || ik.RID != testRID || ik.CAIndex != 0x92 || icc.Serial != c.iccSerial {
			t.Errorf("%v: recovered fields differ: %+v", tc, ik.IssuerCert)
		}
	}
}

func TestCheckChainSizesRules(t *testing.T) {
	for _, tc := range []struct {
		nCA, nI, nIC int
		ok           bool
	}{
		{248, 248, 248, true},
		{144, 144, 0, true},
		{249, 248, 248, false}, // CA beyond 1984 bits (Book 2, 11.2.1)
		{144, 145, 0, false},   // N_I > N_CA (Book 2, 5.1)
		{176, 144, 145, false}, // N_IC > N_I (Book 2, 6.1)
		{36, 30, 0, false},
		{144, 42, 40, false}, // no room for the ICC certificate fields
	} {
		if err := CheckChainSizes(tc.nCA, tc.nI, tc.nIC); (err == nil) != tc.ok {
			t.Errorf("CheckChainSizes(%d, %d, %d) = %v", tc.nCA, tc.nI, tc.nIC, err)
		}
	}
}

func TestSignRefusesOversizeKeys(t *testing.T) {
	ca, iss := testKey(t, 1024, 3), testKey(t, 1152, 3)
	if _, _, err := SignIssuerCert(ca, issuerFields(t, iss.PublicKey)); err == nil {
		t.Error("issuer key longer than CA key was certified")
	}
	if _, _, err := SignICCCert(ca, iccFields(t, iss.PublicKey), nil); err == nil {
		t.Error("ICC key longer than issuer key was certified")
	}
	// Forced through, the verifier names the rule.
	cert, rem, err := SignIssuerCert(ca, issuerFields(t, iss.PublicKey), WithoutSizeRules())
	if err != nil {
		t.Fatal(err)
	}
	_, err = RecoverIssuerKey(CAKey{Key: ca.PublicKey}, cert, rem, iss.Exponent, testPAN, testToday)
	if CheckOf(err) != CheckKeyLength {
		t.Errorf("oversize issuer key: %v, want CheckKeyLength", err)
	}
}

// TestIssuerCertTampers checks that each broken certificate fails exactly
// the check Book 2, 5.3 assigns to it.
func TestIssuerCertTampers(t *testing.T) {
	ca := testKey(t, 1152, 3)
	iss := testKey(t, 1152, 3) // N_I = N_CA: a 36-byte remainder
	caKey := CAKey{RID: testRID, Index: 0x92, Key: ca.PublicKey}
	revoked := &RevocationList{}
	revoked.Add(testRID, 0x92, [3]byte{0x00, 0x12, 0xAB})

	type tc struct {
		name   string
		fields func(*IssuerCert)
		opts   []SignOption
		mangle func(cert, rem, exp []byte) ([]byte, []byte, []byte)
		pan    string
		today  time.Time
		vopts  []VerifyOption
		ca     *CAKey
		check  Check
	}
	cases := []tc{
		{name: "header", opts: []SignOption{WithHeader(0x6B)}, check: CheckHeader},
		{name: "header 00", opts: []SignOption{WithHeader(0x00)}, check: CheckHeader},
		{name: "trailer", opts: []SignOption{WithTrailer(0xBD)}, check: CheckTrailer},
		{name: "format", opts: []SignOption{WithFormat(0x04)}, check: CheckFormat},
		{name: "hash algorithm", opts: []SignOption{WithHashAlgorithm(0x02)}, check: CheckHashAlgorithm},
		{name: "hash", opts: []SignOption{WithCorruptHash()}, check: CheckHash},
		{name: "key length zero", opts: []SignOption{WithKeyLength(0)}, check: CheckKeyLength},
		{name: "key length above N_CA", opts: []SignOption{WithKeyLength(145)}, check: CheckKeyLength},
		{name: "key length shorter", opts: []SignOption{WithKeyLength(143)}, check: CheckRemainder},
		{name: "issuer ID", fields: func(c *IssuerCert) { c.IssuerID = [4]byte{0x47, 0x61, 0x74, 0xFF} }, check: CheckIssuerID},
		{name: "issuer ID not cn", fields: func(c *IssuerCert) { c.IssuerID = [4]byte{0x47, 0xF1, 0x73, 0xFF} }, check: CheckIssuerID},
		{name: "issuer ID two digits", fields: func(c *IssuerCert) { c.IssuerID = [4]byte{0x47, 0xFF, 0xFF, 0xFF} }, check: CheckIssuerID},
		{name: "other PAN", pan: "5413330089010012", check: CheckIssuerID},
		{name: "expired", fields: func(c *IssuerCert) { c.Expiry = [2]byte{0x02, 0x26} }, check: CheckExpired},
		{name: "bad expiry month", fields: func(c *IssuerCert) { c.Expiry = [2]byte{0x13, 0x30} }, check: CheckExpired},
		{name: "today past expiry", today: date(2031, 1, 1), check: CheckExpired},
		{name: "revoked", vopts: []VerifyOption{WithRevocations(revoked)}, check: CheckRevoked},
		{name: "key algorithm", fields: func(c *IssuerCert) { c.KeyAlg = 0x02 }, check: CheckKeyAlgorithm},
		{name: "remainder missing", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return c, nil, e }, check: CheckRemainder},
		{name: "remainder short", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return c, r[1:], e }, check: CheckRemainder},
		{name: "remainder altered", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) {
			r = bytes.Clone(r)
			r[0] ^= 1
			return c, r, e
		}, check: CheckHash},
		{name: "exponent altered", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return c, r, []byte{1, 0, 1} }, check: CheckHash},
		{name: "exponent missing", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return c, r, nil }, check: CheckMissing},
		{name: "certificate missing", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return nil, r, e }, check: CheckMissing},
		{name: "certificate short", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return c[1:], r, e }, check: CheckLength},
		{name: "certificate long", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) { return append(bytes.Clone(c), 0), r, e }, check: CheckLength},
		{name: "certificate bit flip", mangle: func(c, r, e []byte) ([]byte, []byte, []byte) {
			c = bytes.Clone(c)
			c[40] ^= 0x10
			return c, r, e
		}, check: CheckHeader},
		{name: "wrong CA key", ca: &CAKey{RID: testRID, Index: 0x92, Key: testKey(t, 1152, 65537).PublicKey}, check: CheckHeader},
		{name: "CA key of other size", ca: &CAKey{RID: testRID, Index: 0x92, Key: testKey(t, 1024, 3).PublicKey}, check: CheckLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := issuerFields(t, iss.PublicKey)
			if c.fields != nil {
				c.fields(&fields)
			}
			cert, rem, err := SignIssuerCert(ca, fields, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			exp := iss.Exponent
			if c.mangle != nil {
				cert, rem, exp = c.mangle(cert, rem, exp)
			}
			pan, today, key := testPAN, testToday, caKey
			if c.pan != "" {
				pan = c.pan
			}
			if !c.today.IsZero() {
				today = c.today
			}
			if c.ca != nil {
				key = *c.ca
			}
			_, err = RecoverIssuerKey(key, cert, rem, exp, pan, today, c.vopts...)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Step != StepIssuerCert || e.Check != c.check {
				t.Errorf("got %v / %v (%v), want %v", e.Step, e.Check, err, c.check)
			}
			if !errors.Is(err, &Error{Check: c.check}) || errors.Is(err, &Error{Step: StepICCCert}) {
				t.Errorf("errors.Is template matching broken for %v", err)
			}
			if strings.Contains(err.Error(), pan) || strings.Contains(err.Error(), pan[6:12]) {
				t.Errorf("error leaks the PAN: %v", err)
			}
		})
	}
}

func TestICCCertTampers(t *testing.T) {
	iss := testKey(t, 1024, 3)
	icc := testKey(t, 1024, 65537) // N_IC = N_I: a 42-byte remainder
	static := []byte("records flagged for ODA, then the AIP")
	cases := []struct {
		name   string
		fields func(*ICCCert)
		opts   []SignOption
		static []byte
		rem    func([]byte) []byte
		pan    string
		check  Check
	}{
		{name: "header", opts: []SignOption{WithHeader(0x4A)}, check: CheckHeader},
		{name: "trailer", opts: []SignOption{WithTrailer(0xCC)}, check: CheckTrailer},
		{name: "format 02", opts: []SignOption{WithFormat(0x02)}, check: CheckFormat},
		{name: "hash algorithm", fields: func(c *ICCCert) { c.HashAlg = 0x02 }, check: CheckHashAlgorithm},
		{name: "hash", opts: []SignOption{WithCorruptHash()}, check: CheckHash},
		{name: "static data altered", static: []byte("records flagged for ODA, then the AIP!"), check: CheckHash},
		{name: "static data absent", static: []byte{}, check: CheckHash},
		{name: "PAN", fields: func(c *ICCCert) { c.PAN[7] ^= 0x01 }, check: CheckPAN},
		{name: "PAN padding", pan: testPAN[:15], check: CheckPAN},
		{name: "PAN malformed", pan: "47617390010101AB", check: CheckPAN},
		{name: "expired", fields: func(c *ICCCert) { c.Expiry = [2]byte{0x02, 0x26} }, check: CheckExpired},
		{name: "key algorithm", fields: func(c *ICCCert) { c.KeyAlg = 0x03 }, check: CheckKeyAlgorithm},
		{name: "key length", opts: []SignOption{WithKeyLength(129)}, check: CheckKeyLength},
		{name: "remainder missing", rem: func([]byte) []byte { return nil }, check: CheckRemainder},
		{name: "remainder long", rem: func(r []byte) []byte { return append(bytes.Clone(r), 0) }, check: CheckRemainder},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := iccFields(t, icc.PublicKey)
			if c.fields != nil {
				c.fields(&fields)
			}
			cert, rem, err := SignICCCert(iss, fields, static, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if c.rem != nil {
				rem = c.rem(rem)
			}
			sd, pan := static, testPAN
			if c.static != nil {
				sd = c.static
			}
			if c.pan != "" {
				pan = c.pan
			}
			_, err = RecoverICCKey(iss.PublicKey, cert, rem, icc.Exponent, sd, pan, testToday)
			var e *Error
			if !errors.As(err, &e) || e.Step != StepICCCert || e.Check != c.check {
				t.Errorf("got %v, want %v", err, c.check)
			}
			if err != nil && strings.Contains(err.Error(), testPAN) {
				t.Errorf("error leaks the PAN: %v", err)
			}
		})
	}
	// The untampered certificate verifies.
	cert, rem, _ := SignICCCert(iss, iccFields(t, icc.PublicKey), static)
	if _, err := RecoverICCKey(iss.PublicKey, cert, rem, icc.Exponent, static, testPAN, testToday); err != nil {
		t.Fatal(err)
	}
}

func TestICCPINCert(t *testing.T) {
	iss := testKey(t, 1152, 3)
	pe := testKey(t, 768, 3)
	fields := iccFields(t, pe.PublicKey)
	cert, rem, err := SignICCPINCert(iss, fields)
	if err != nil {
		t.Fatal(err)
	}
	if rem != nil {
		t.Errorf("768-bit key under a 1152-bit issuer needs no remainder, got %d bytes", len(rem))
	}
	k, err := RecoverICCPINKey(iss.PublicKey, cert, rem, pe.Exponent, testPAN, testToday)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Key.Modulus, pe.Modulus) {
		t.Error("recovered PIN key differs")
	}
	// A PIN certificate hashes no static data: the ICC routine with static
	// data rejects it, and a tampered one names StepPINCert.
	if _, err := RecoverICCKey(iss.PublicKey, cert, rem, pe.Exponent, []byte{0x82}, testPAN, testToday); CheckOf(err) != CheckHash {
		t.Errorf("PIN cert as ICC cert with static data: %v", err)
	}
	bad, _, _ := SignICCPINCert(iss, fields, WithTrailer(0))
	_, err = RecoverICCPINKey(iss.PublicKey, bad, nil, pe.Exponent, testPAN, testToday)
	if !errors.Is(err, &Error{Step: StepPINCert, Check: CheckTrailer}) {
		t.Errorf("got %v", err)
	}
	if _, err := RecoverICCPINKey(iss.PublicKey, nil, nil, pe.Exponent, testPAN, testToday); !errors.Is(err, &Error{Step: StepPINCert, Check: CheckMissing}) || !strings.Contains(err.Error(), "9F2D") {
		t.Errorf("missing 9F2D: %v", err)
	}
}

func TestCAKeysLookup(t *testing.T) {
	k := CAKey{RID: testRID, Index: 0x92, Key: testKey(t, 1024, 3).PublicKey}
	store := NewCAKeys(k)
	got, err := store.Lookup(testRID, 0x92)
	if err != nil || got.Index != 0x92 {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
	_, err = store.Lookup(testRID, 0x94)
	if !errors.Is(err, &Error{Step: StepIssuerCert, Check: CheckCAIndex}) {
		t.Fatalf("missing index: %v", err)
	}
	if !strings.Contains(err.Error(), "CA public key index 94 not present") {
		t.Errorf("message %q", err)
	}
	var empty *CAKeys
	if _, err := empty.Lookup(testRID, 1); CheckOf(err) != CheckCAIndex {
		t.Errorf("nil store: %v", err)
	}
	store.Add(CAKey{RID: [5]byte{0xA0, 0, 0, 0, 0x04}, Index: 0x05, Key: k.Key})
	if store.Len() != 2 || store.Keys()[0].RID != testRID {
		t.Errorf("Keys() = %v", store.Keys())
	}
	store.Remove(testRID, 0x92)
	if _, err := store.Lookup(testRID, 0x92); err == nil {
		t.Error("removed key still found")
	}
}

func TestCAKeyChecksum(t *testing.T) {
	k := CAKey{RID: testRID, Index: 0x92, Key: testKey(t, 1024, 3).PublicKey}
	sum := k.Checksum()
	if err := k.VerifyChecksum(sum[:]); err != nil {
		t.Fatal(err)
	}
	sum[0] ^= 1
	if err := k.VerifyChecksum(sum[:]); !errors.Is(err, &Error{Step: StepCAKey, Check: CheckHash}) {
		t.Errorf("bad checksum: %v", err)
	}
}

func TestRevocationList(t *testing.T) {
	var l *RevocationList
	if l.Revoked(testRID, 1, [3]byte{}) || l.Len() != 0 {
		t.Error("nil list revokes")
	}
	rid, idx, serial, err := ParseRevocationEntry("A000000003 92 0012AB")
	if err != nil || rid != testRID || idx != 0x92 || serial != [3]byte{0x00, 0x12, 0xAB} {
		t.Fatalf("ParseRevocationEntry = %X %X %X %v", rid, idx, serial, err)
	}
	l = &RevocationList{}
	l.Add(rid, idx, serial)
	if !l.Revoked(rid, idx, serial) || l.Revoked(rid, idx+1, serial) {
		t.Error("Revoked wrong")
	}
	if _, _, _, err := ParseRevocationEntry("A0000000039200"); err == nil {
		t.Error("short entry accepted")
	}
}

func TestExpiry(t *testing.T) {
	for _, tc := range []struct {
		mmyy  [2]byte
		today time.Time
		ok    bool
	}{
		{[2]byte{0x03, 0x26}, date(2026, 3, 31), true}, // valid through the month's last day
		{[2]byte{0x03, 0x26}, date(2026, 4, 1), false},
		{[2]byte{0x12, 0x49}, date(2049, 12, 31), true},
		{[2]byte{0x12, 0x50}, date(2026, 1, 1), false}, // YY 50 is 1950
		{[2]byte{0x00, 0x30}, date(2026, 1, 1), false}, // month 00
		{[2]byte{0x1A, 0x30}, date(2026, 1, 1), false}, // not BCD
	} {
		err := checkExpiry(StepIssuerCert, tc.mmyy, tc.today)
		if (err == nil) != tc.ok {
			t.Errorf("checkExpiry(%X, %s) = %v", tc.mmyy, tc.today.Format(time.DateOnly), err)
		}
	}
	end, err := ExpiryTime([2]byte{0x02, 0x28})
	if err != nil || end.Format(time.DateOnly) != "2028-02-29" {
		t.Errorf("ExpiryTime(0228) = %v, %v", end, err)
	}
	if got := ExpiryMMYY(date(2031, 7, 4)); got != [2]byte{0x07, 0x31} {
		t.Errorf("ExpiryMMYY = %X", got)
	}
}

func TestPANEncoding(t *testing.T) {
	f, err := PANField("4761739001010119")
	if err != nil || f != [10]byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19, 0xFF, 0xFF} {
		t.Errorf("PANField = %X, %v", f, err)
	}
	f, _ = PANField("476173900101011")
	if f[7] != 0x1F {
		t.Errorf("odd PAN padding: %X", f)
	}
	id, err := IssuerIDFromPAN("4761739001010119", 6)
	if err != nil || id != [4]byte{0x47, 0x61, 0x73, 0xFF} {
		t.Errorf("IssuerIDFromPAN = %X, %v", id, err)
	}
	id, _ = IssuerIDFromPAN("4761739001010119", 3)
	if id != [4]byte{0x47, 0x6F, 0xFF, 0xFF} {
		t.Errorf("3 digits: %X", id)
	}
	for _, bad := range []string{"", "12a4", "12345678901234567890"} {
		if _, err := PANField(bad); !errors.Is(err, ErrBadPAN) {
			t.Errorf("PANField(%q) = %v", bad, err)
		}
	}
	if _, err := IssuerIDFromPAN(testPAN, 9); err == nil {
		t.Error("9-digit issuer ID accepted")
	}
	d, err := PANDigits([]byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x1F})
	if err != nil || d != "476173900101011" {
		t.Errorf("PANDigits = %q, %v", d, err)
	}
	if _, err := PANDigits([]byte{0x4F, 0x61}); err == nil {
		t.Error("digit after padding accepted")
	}
}

func TestCAKeyExpired(t *testing.T) {
	for _, tc := range []struct {
		exp     string
		today   time.Time
		expired bool
		bad     bool
	}{
		{"", date(2099, 1, 1), false, false},
		{"1229", date(2029, 12, 31), false, false},
		{"1229", date(2030, 1, 1), true, false},
		{"291231", date(2029, 12, 31), false, false},
		{"291231", date(2030, 1, 1), true, false},
		{"1329", date(2020, 1, 1), false, true},
		{"2912", date(2020, 1, 1), false, true}, // month 29
		{"12/29", date(2020, 1, 1), false, true},
	} {
		got, err := CAKey{Expiry: tc.exp}.Expired(tc.today)
		if (err != nil) != tc.bad || got != tc.expired {
			t.Errorf("Expired(%q, %s) = %v, %v", tc.exp, tc.today.Format(time.DateOnly), got, err)
		}
	}
}
