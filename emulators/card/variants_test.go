package card

import (
	"errors"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

// TestODAVariants personalises a DDA card and an SDA card with every
// catalogue variant and checks, with the terminal-side verification, that
// the card breaks exactly the methods the variant names at the named check.
func TestODAVariants(t *testing.T) {
	auth, err := DefaultAuthority()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	chain := func(tt *testTerm) (*oda.IssuerKey, error) {
		ca, err := auth.TerminalKeys().Lookup(pki.TestRID, tt.tags[0x8F][0])
		if err != nil {
			return nil, err
		}
		return oda.RecoverIssuerKey(ca, tt.tags[0x90], tt.tags[0x92], tt.tags[0x9F32], tt.prof.PAN, today,
			oda.WithRevocations(auth.RevocationList()))
	}
	for _, v := range pki.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			// DDA (visa-cda-online: issuer-a, whose key needs a remainder).
			p, _ := LoadProfile("visa-cda-online")
			p.Apps[0].ODA.Variant = v.Name
			c, err := New(p, WithSeed(5))
			if err != nil {
				t.Fatalf("personalise: %v", err)
			}
			tt := newTerm(t, c, p.Apps[0])
			tt.start()
			var icc *oda.ICCKey
			iss, err := chain(tt)
			if err == nil {
				icc, err = oda.RecoverICCKey(iss.Key, tt.tags[0x9F46], tt.tags[0x9F48], tt.tags[0x9F47], tt.static, tt.prof.PAN, today)
			}
			errCDA := err
			if err == nil {
				r := tt.must(emv.InternalAuthenticate(tt.values[emv.TagUN]), "INTERNAL AUTHENTICATE")
				objs, _ := emv.Decode(r)
				sdad, _ := emv.Find(objs, 0x9F4B)
				_, err = oda.VerifySDAD(icc.Key, sdad.Value, tt.values[emv.TagUN])

				res, cdol1, sw := tt.genAC(emv.RefControlARQC|emv.RefControlCDA, 0x8C)
				if sw != emv.SWNoError || res.sdad == nil {
					t.Fatalf("GENERATE AC with CDA: SW %04X", sw)
				}
				tmpl, _ := emv.Decode(res.raw)
				rd, _ := oda.ResponseDataForHash(tmpl[0].Value)
				_, errCDA = oda.VerifyCDA(icc.Key, res.sdad, oda.CDAInput{
					UnpredictableNumber: tt.values[emv.TagUN], CID: res.cid,
					PDOLData: tt.pdolData, CDOL1Data: cdol1, ResponseData: rd,
				})
			}
			checkVariant(t, "CDA", v, v.Breaks&pki.MethodCDA != 0, errCDA)
			checkVariant(t, "DDA", v, v.Breaks&pki.MethodDDA != 0, err)

			// SDA (visa-sda-offline).
			p, _ = LoadProfile("visa-sda-offline")
			p.Apps[0].ODA.Variant = v.Name
			if c, err = New(p, WithSeed(5)); err != nil {
				t.Fatalf("personalise: %v", err)
			}
			tt = newTerm(t, c, p.Apps[0])
			tt.start()
			err = func() error {
				iss, err := chain(tt)
				if err != nil {
					return err
				}
				_, err = oda.VerifySSAD(iss.Key, tt.tags[0x93], tt.static)
				return err
			}()
			checkVariant(t, "SDA", v, v.Breaks&pki.MethodSDA != 0, err)
		})
	}
}

func checkVariant(t *testing.T, method string, v pki.Variant, broken bool, err error) {
	t.Helper()
	switch {
	case broken && !errors.Is(err, v.Want()):
		t.Errorf("%s: got %v, want %s/%s", method, err, v.Step, v.Check)
	case !broken && err != nil:
		t.Errorf("%s: unexpected failure %v", method, err)
	}
}
