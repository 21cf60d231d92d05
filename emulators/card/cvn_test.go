package card

import (
	"fmt"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// TestEveryCVN runs ARQC → issuer authentication → script → TC for every
// cryptogram version, checking the card's outputs with the issuer side.
func TestEveryCVN(t *testing.T) {
	for _, v := range cryptogram.Versions() {
		t.Run(fmt.Sprint("CVN", v.Number), func(t *testing.T) {
			name := "visa-cda-online"
			if v.Scheme == "Mastercard" {
				name = "mc-dda"
			}
			p, _ := LoadProfile(name)
			p.Apps[0].Cryptogram.CVN = v.Number
			c, err := New(p, WithSeed(6))
			if err != nil {
				t.Fatal(err)
			}
			prof := p.Apps[0]
			ver, keys := issuerKeys(t, prof)
			tt := newTerm(t, c, prof)
			tt.start()
			res, _, sw := tt.genAC(emv.RefControlARQC, 0x8C)
			if sw != emv.SWNoError {
				t.Fatalf("ARQC: SW %04X", sw)
			}
			if res.iad[iadCVNOffset(v)] != v.IADCVN {
				t.Errorf("IAD % X does not carry CVN %02X", res.iad, v.IADCVN)
			}
			if err := ver.VerifyARQC(keys.AC, tt.txData(res), res.ac); err != nil {
				t.Fatalf("VerifyARQC: %v", err)
			}
			in := cryptogram.ARPCInput{ARQC: res.ac, ATC: res.atc, ARC: []byte("00")}
			if ver.ARPCMethod == 2 {
				in = cryptogram.ARPCInput{ARQC: res.ac, ATC: res.atc, CSU: []byte{0, 0, 0, 0}}
			}
			arpc, err := ver.ARPC(keys.AC, in)
			if err != nil {
				t.Fatal(err)
			}
			iad := append(append(arpc, in.ARC...), in.CSU...)
			if name == "mc-dda" {
				tt.values[0x91] = iad
			} else {
				tt.must(emv.ExternalAuthenticate(iad), "EXTERNAL AUTHENTICATE")
			}
			ctx := cryptogram.ScriptContext{ATC: res.atc, AC: res.ac}
			put, _ := ver.ScriptCommand(keys, ctx, [4]byte{0x84, 0xDA, 0x9F, 0x14}, []byte{0x07}, false)
			if _, sw := tt.tx(put); sw != emv.SWNoError {
				t.Fatalf("PUT DATA script: SW %04X", sw)
			}
			res2, _, sw := tt.genAC(emv.RefControlTC, 0x8D)
			if sw != emv.SWNoError || emv.CID(res2.cid).Type() != emv.CryptogramTC {
				t.Fatalf("TC: SW %04X CID %02X", sw, res2.cid)
			}
			if err := ver.VerifyARQC(keys.AC, tt.txData(res2), res2.ac); err != nil {
				t.Fatalf("issuer check of the TC: %v", err)
			}
			if s := c.Snapshot(); s.IssuerAuthFailed || !s.IssuerAuthPerformed || s.ScriptCommandsFailed != 0 {
				t.Errorf("snapshot %+v", s)
			}
		})
	}
}

func iadCVNOffset(v *cryptogram.Version) int {
	if v.Scheme == "Mastercard" || v.Number == 22 {
		return 1
	}
	return 2
}
