package pki

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv/oda"
)

// One test PAN per committed issuer; the 19-digit one has an 8-digit issuer
// identifier, the 13-digit one a 3-digit identifier.
var testPANs = map[string]string{
	"issuer-a": "4761739001010010",
	"issuer-b": "5413330089010012",
	"issuer-c": "6799990100000000019",
	"issuer-d": "9991234567890",
}

// staticData is static data to be authenticated as a card would present
// it: the AFL-flagged records' contents and the AIP (EMV Book 2, 5.4).
var staticData = []byte{
	0x5A, 0x08, 0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x00, 0x10,
	0x5F, 0x24, 0x03, 0x49, 0x12, 0x31,
	0x9F, 0x07, 0x02, 0xFF, 0x00,
	0x8E, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x03,
	0x3C, 0x00, // AIP
}

var allMethodList = []Method{MethodSDA, MethodDDA, MethodCDA, MethodPIN}

// terminalCheck runs one method's verification the way a terminal does,
// with the authority's exported CA keys and revocation list, returning the
// first failure.
func terminalCheck(t *testing.T, a *Authority, c *Card, pan string, m Method) error {
	t.Helper()
	today := time.Now()
	ca, err := a.TerminalKeys().Lookup(a.RID, c.CAIndex)
	if err != nil {
		return err
	}
	ik, err := oda.RecoverIssuerKey(ca, c.IssuerCert, c.IssuerRemainder, c.IssuerExponent, pan, today, oda.WithRevocations(a.RevocationList()))
	if err != nil {
		return err
	}
	if !bytes.Equal(ik.Key.Modulus, c.Issuer.Key.Modulus) {
		t.Fatalf("recovered issuer key differs from issuer %s", c.Issuer.Name)
	}
	switch m {
	case MethodSDA:
		dac, err := oda.VerifySSAD(ik.Key, c.SSAD, staticData)
		if err != nil {
			return err
		}
		if dac != c.DAC {
			t.Fatalf("DAC %X, card says %X", dac, c.DAC)
		}
		return nil
	case MethodPIN:
		pk, err := oda.RecoverICCPINKey(ik.Key, c.PINCert, c.PINRemainder, c.PINExponent, pan, today)
		if err != nil {
			return err
		}
		// The recovered key enciphers a PIN the card deciphers.
		block, _ := oda.PINBlock("1234")
		challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
		enc, err := oda.EncipherPIN(pk.Key, block, challenge, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		got, err := oda.DecipherPIN(c.PINPrivate, enc, challenge)
		if err != nil || !bytes.Equal(got, block) {
			t.Fatalf("PIN round trip: %X, %v", got, err)
		}
		return nil
	}
	icc, err := oda.RecoverICCKey(ik.Key, c.ICCCert, c.ICCRemainder, c.ICCExponent, staticData, pan, today)
	if err != nil {
		return err
	}
	if !bytes.Equal(icc.Key.Modulus, c.ICCPrivate.Modulus) {
		t.Fatalf("recovered ICC key differs from %s", c.ICCName)
	}
	number := []byte{0xDE, 0xAD, 0xBE, 0xEF}
	if m == MethodDDA {
		ddol := []byte{0x11, 0x22, 0x33, 0x44} // 9F37 as the default DDOL asks
		sdad, err := c.SignDDA(number, ddol)
		if err != nil {
			t.Fatal(err)
		}
		dd, err := oda.VerifySDAD(icc.Key, sdad, ddol)
		if err != nil {
			return err
		}
		if !bytes.Equal(dd.DynamicNumber, number) {
			t.Fatalf("dynamic number %X", dd.DynamicNumber)
		}
		return nil
	}
	// CDA: first GENERATE AC for an ARQC.
	un := []byte{0x52, 0xBF, 0x45, 0x85}
	pdol := []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00}
	cdol1 := append([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x08, 0x40}, un...)
	ac := [8]byte{0x29, 0xCC, 0xA1, 0x5A, 0xE6, 0x65, 0xFA, 0x2E}
	resp := append([]byte{0x9F, 0x27, 0x01, 0x80, 0x9F, 0x36, 0x02, 0x00, 0x1C, 0x9F, 0x26, 0x08}, ac[:]...)
	sdad, err := c.SignCDA(number, 0x80, ac, oda.TransactionDataHash(pdol, cdol1, nil, resp), un)
	if err != nil {
		t.Fatal(err)
	}
	out, err := oda.VerifyCDA(icc.Key, sdad, oda.CDAInput{UnpredictableNumber: un, CID: 0x80, PDOLData: pdol, CDOL1Data: cdol1, ResponseData: resp})
	if err != nil {
		return err
	}
	if out.AC != ac {
		t.Fatalf("AC %X", out.AC)
	}
	return nil
}

// TestEveryVariant builds every variant for every committed issuer and
// checks that each method the variant breaks fails with exactly its Step
// and Check, and every other method passes ("good" passes all four).
func TestEveryVariant(t *testing.T) {
	a := fixture(t)
	for _, v := range Variants() {
		for _, iss := range a.Issuers {
			pan := testPANs[iss.Name]
			t.Run(v.Name+"/"+iss.Name, func(t *testing.T) {
				c, err := a.Card(CardSpec{PAN: pan, StaticData: staticData, Variant: v.Name, PINEncipherment: true})
				if err != nil {
					// Only remainder variants may be impossible, for an
					// issuer whose key fits its certificate.
					if v.Name == "issuer-missing-remainder" || v.Name == "issuer-corrupt-remainder" {
						ca, _ := a.CA(iss.CAIndex)
						if oda.IssuerRemainderLen(iss.Key.Len(), ca.Key.Len()) == 0 && strings.Contains(err.Error(), "N_CA−36") {
							return
						}
					}
					t.Fatalf("Card: %v", err)
				}
				for _, m := range allMethodList {
					err := terminalCheck(t, a, c, pan, m)
					if v.Breaks&m == 0 {
						if err != nil {
							t.Errorf("%s should pass, got %v", m, err)
						}
						continue
					}
					var oe *oda.Error
					if !errors.As(err, &oe) {
						t.Errorf("%s: want %v: %v, got %v", m, v.Step, v.Check, err)
						continue
					}
					if oe.Step != v.Step || oe.Check != v.Check {
						t.Errorf("%s: failed at %v: %v (%s), want %v: %v", m, oe.Step, oe.Check, oe.Detail, v.Step, v.Check)
					}
					if !errors.Is(err, v.Want()) {
						t.Errorf("%s: errors.Is(err, Want()) is false", m)
					}
				}
			})
		}
	}
}

func TestVariantCatalogue(t *testing.T) {
	vs := Variants()
	if vs[0].Name != "good" || !vs[0].Good() || vs[0].Want() != nil {
		t.Fatalf("first variant %+v, want good", vs[0])
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v.Name] {
			t.Errorf("duplicate variant %s", v.Name)
		}
		seen[v.Name] = true
		if v.Name != strings.ToLower(v.Name) || strings.ContainsAny(v.Name, " _") {
			t.Errorf("variant %q is not kebab-case", v.Name)
		}
		if v.Description == "" || strings.Contains(v.Description, "\n") {
			t.Errorf("variant %s: description must be one line", v.Name)
		}
		if !v.Good() && (v.Step == 0 || v.Check == 0) {
			t.Errorf("variant %s breaks %s but names no Step/Check", v.Name, v.Breaks)
		}
		got, err := LookupVariant(v.Name)
		if err != nil || got.Name != v.Name {
			t.Errorf("LookupVariant(%s) = %v, %v", v.Name, got.Name, err)
		}
	}
	// The list, by name.
	for _, n := range []string{"good", "issuer-expired", "issuer-wrong-hash", "issuer-bad-header", "issuer-bad-trailer",
		"issuer-bad-format", "wrong-ca-index", "issuer-revoked", "issuer-missing-remainder", "issuer-id-mismatch",
		"icc-expired", "icc-wrong-hash", "icc-bad-header", "icc-pan-mismatch", "icc-missing-remainder",
		"ssad-wrong-hash", "sdad-wrong-hash"} {
		if !seen[n] {
			t.Errorf("catalogue lacks %s", n)
		}
	}
	if _, err := LookupVariant("no-such"); err == nil {
		t.Error("LookupVariant(no-such) succeeded")
	}
	if v, err := LookupVariant(""); err != nil || v.Name != "good" {
		t.Errorf(`LookupVariant("") = %v, %v`, v.Name, err)
	}
	// Callers must not be able to edit the catalogue.
	vs[0].Name = "changed"
	if Variants()[0].Name != "good" {
		t.Error("Variants returned the catalogue itself")
	}
	if MethodODA.String() != "SDA|DDA|CDA" || Method(0).String() != "none" {
		t.Errorf("Method strings: %s, %s", MethodODA, Method(0))
	}
}

func TestCardChoicesAndErrors(t *testing.T) {
	a := fixture(t)
	pan := testPANs["issuer-a"]
	c, err := a.Card(CardSpec{PAN: pan, StaticData: staticData})
	if err != nil {
		t.Fatal(err)
	}
	if c.CAIndex != 0xF8 || c.Issuer.Name != "issuer-a" || c.PINCert != nil {
		t.Errorf("default card: CA %02X issuer %s PIN cert %d bytes", c.CAIndex, c.Issuer.Name, len(c.PINCert))
	}
	// Deterministic: the same spec, the same card.
	again, _ := a.Card(CardSpec{PAN: pan, StaticData: staticData})
	if !bytes.Equal(c.ICCCert, again.ICCCert) || !bytes.Equal(c.SSAD, again.SSAD) {
		t.Error("Card is not deterministic")
	}
	// The remainder variants choose a key that has a remainder.
	m, err := a.Card(CardSpec{PAN: pan, StaticData: staticData, Variant: "icc-missing-remainder"})
	if err != nil {
		t.Fatal(err)
	}
	if m.ICCRemainder != nil || oda.ICCRemainderLen(m.ICCPrivate.Len(), c.Issuer.Key.Len()) == 0 {
		t.Errorf("icc-missing-remainder picked %s", m.ICCName)
	}
	// Data objects: 8F first, no empty objects, 92 present for issuer-a.
	tags := map[string]int{}
	for _, o := range c.DataObjects() {
		tags[o.Tag.String()] = len(o.Value)
	}
	for _, want := range []string{"8F", "90", "92", "9F32", "93", "9F46", "9F47"} {
		if tags[want] == 0 {
			t.Errorf("data objects lack %s", want)
		}
	}
	if _, ok := tags["9F2D"]; ok {
		t.Error("PIN certificate present without PINEncipherment")
	}
	p, err := a.Card(CardSpec{PAN: pan, StaticData: staticData, PINKey: "icc-1408-b", DAC: []byte{0xAB, 0xCD}})
	if err != nil {
		t.Fatal(err)
	}
	if p.PINName != "icc-1408-b" || p.DAC != [2]byte{0xAB, 0xCD} || p.PINCert == nil {
		t.Errorf("PIN key %s, DAC %X", p.PINName, p.DAC)
	}

	for name, spec := range map[string]CardSpec{
		"bad PAN":           {PAN: "4761x3", StaticData: staticData},
		"unknown issuer":    {PAN: "1111222233334444"},
		"issuer not prefix": {PAN: pan, Issuer: "issuer-b"},
		"unknown variant":   {PAN: pan, Variant: "nope"},
		"ICC key too long":  {PAN: testPANs["issuer-d"], ICCKey: "icc-1152-a"},
		"no remainder key":  {PAN: pan, ICCKey: "icc-1024-a", Variant: "icc-missing-remainder"},
		"no issuer remaind": {PAN: testPANs["issuer-b"], Variant: "issuer-missing-remainder"},
		"bad DAC":           {PAN: pan, DAC: []byte{1}},
		"bad expiry":        {PAN: pan, Expiry: "0049"},
		"unknown ICC key":   {PAN: pan, ICCKey: "nope"},
	} {
		_, err := a.Card(spec)
		if err == nil {
			t.Errorf("%s: Card succeeded", name)
			continue
		}
		if len(spec.PAN) > 10 && strings.Contains(err.Error(), spec.PAN) {
			t.Errorf("%s: error shows the full PAN: %v", name, err)
		}
	}
}

func Benchmark(b *testing.B) {
	a := fixture(b)
	pan := testPANs["issuer-a"]
	b.Run("Card", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Card(CardSpec{PAN: pan, StaticData: staticData}); err != nil {
				b.Fatal(err)
			}
		}
	})
	c, _ := a.Card(CardSpec{PAN: pan, StaticData: staticData})
	b.Run(fmt.Sprintf("SignDDA-%d", 8*c.ICCPrivate.Len()), func(b *testing.B) {
		for b.Loop() {
			if _, err := c.SignDDA([]byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
