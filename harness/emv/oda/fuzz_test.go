package oda

import (
	"bytes"
	"crypto/sha1"
	"testing"
)

// frame turns fuzz bytes into a block that passes the framing checks: header
// 6A, body, a correct hash over body || extra, trailer BC, signed with key.
// It lets the fuzzer reach the field checks behind the hash.
func frame(t *testing.T, key *PrivateKey, body []byte, extra ...[]byte) []byte {
	n := key.Len()
	x := make([]byte, n)
	x[0] = headerByte
	copy(x[1:n-hashLen-1], body)
	h := sha1.New()
	h.Write(x[1 : n-hashLen-1])
	for _, e := range extra {
		h.Write(e)
	}
	copy(x[n-hashLen-1:], h.Sum(nil))
	x[n-1] = trailerByte
	sig, err := key.Sign(x)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// FuzzRecoverIssuerKey feeds arbitrary certificate, remainder, exponent and
// PAN to the recovery under the published M/Chip CA key: it must never
// panic, and whatever it accepts must be a consistent key.
func FuzzRecoverIssuerKey(f *testing.F) {
	_, v := loadVectors(f)
	published := v.caKey(f)
	testCA := testKey(f, 1024, 3)
	framed := CAKey{RID: testRID, Index: 1, Key: testCA.PublicKey}
	today := date(2014, 9, 25)
	f.Add(unhex(f, v.IssuerCert), unhex(f, v.IssuerRemainder), []byte{0x03}, v.PAN, false)
	f.Add(unhex(f, v.IssuerCert), []byte(nil), []byte{0x03}, v.PAN, false)
	f.Add(make([]byte, 176), []byte{1}, []byte{1, 0, 1}, "5", false)
	// Framed: format 02, issuer ID 476173, expiry 12/30, serial, algorithms,
	// N_I = 128 (so a 36-byte remainder), exponent length 1.
	f.Add(unhex(f, "02476173FF123000000101018001"), bytes.Repeat([]byte{0xAB}, 36), []byte{0x03}, testPAN, true)
	f.Add(unhex(f, "02476173FF123000000101015C01"), []byte(nil), []byte{0x03}, testPAN, true)
	f.Fuzz(func(t *testing.T, cert, rem, exp []byte, pan string, framing bool) {
		ca := published
		if framing {
			ca = framed
			cert = frame(t, testCA, cert, rem, exp)
		}
		k, err := RecoverIssuerKey(ca, cert, rem, exp, pan, today)
		if err != nil {
			if CheckOf(err) == 0 {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if n := int(len(k.Key.Modulus)); n == 0 || n > ca.Key.Len() || !bytes.Equal(k.Key.Exponent, exp) {
			t.Fatalf("inconsistent key: %d-byte modulus", n)
		}
	})
}

// FuzzVerifySDAD feeds arbitrary signed dynamic data to the DDA and CDA
// verifiers under the published M/Chip ICC key.
func FuzzVerifySDAD(f *testing.F) {
	v, _, published := mchipKeys(f)
	testICC := testKey(f, 768, 3)
	f.Add(unhex(f, v.DDASDAD), unhex(f, v.DDADDOLData), byte(0x40), unhex(f, v.CDACDOL1Data), unhex(f, v.CDAResponse), false)
	f.Add(unhex(f, v.CDASDAD), unhex(f, v.CDAUN), byte(0x40), unhex(f, v.CDACDOL1Data), unhex(f, v.CDAResponse), false)
	f.Add(bytes.Repeat([]byte{0xFF}, 112), []byte{}, byte(0), []byte{}, []byte{}, false)
	// Framed: format 05, SHA-1, L_DD 9, an 8-byte dynamic number.
	f.Add(unhex(f, "050109081122334455667788"), []byte{1, 2, 3, 4}, byte(0x40), []byte{}, []byte{}, true)
	f.Fuzz(func(t *testing.T, sdad, terminal []byte, cid byte, cdol1, resp []byte, framing bool) {
		icc := published.Key
		if framing {
			icc = testICC.PublicKey
			sdad = frame(t, testICC, sdad, terminal)
		}
		if dd, err := VerifySDAD(icc, sdad, terminal); err == nil {
			if n := len(dd.DynamicNumber); n < 2 || n > 8 {
				t.Fatalf("dynamic number of %d bytes accepted", n)
			}
		} else if CheckOf(err) == 0 {
			t.Fatalf("untyped error %v", err)
		}
		in := CDAInput{UnpredictableNumber: terminal, CID: cid, CDOL1Data: cdol1, ResponseData: resp}
		if got, err := VerifyCDA(icc, sdad, in); err == nil {
			if got.CID != cid || got.TransactionHash != TransactionDataHash(nil, cdol1, nil, resp) {
				t.Fatal("CDA accepted inconsistent data")
			}
		} else if CheckOf(err) == 0 {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzPINBlock checks that parsing never panics and that every accepted
// block is exactly what PINBlock builds from the parsed PIN.
func FuzzPINBlock(f *testing.F) {
	f.Add(unhex(f, "241234FFFFFFFFFF"))
	f.Add(unhex(f, "2C123456789012FF"))
	f.Add(unhex(f, "241A34FFFFFFFFFF"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pin, err := ParsePINBlock(b)
		if err != nil {
			if CheckOf(err) != CheckPINBlock {
				t.Fatalf("error %v", err)
			}
			return
		}
		again, err := PINBlock(pin)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip of %X gave %X, %v", b, again, err)
		}
	})
}

// FuzzResponseDataForHash checks the TLV walker never panics and never
// lengthens its input.
func FuzzResponseDataForHash(f *testing.F) {
	f.Add(unhex(f, "9F2701809F4B03AABBCC9F360200FF"))
	f.Add(unhex(f, "9F4B8103010203"))
	f.Add(unhex(f, "9F2784FFFFFFFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ResponseDataForHash(b)
		if err == nil && len(out) > len(b) {
			t.Fatalf("output longer than input")
		}
	})
}
