package card

import (
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// BenchmarkOnlineCDATransaction is one full online transaction card-side:
// SELECT, GPO, READ RECORD of the AFL, GENERATE AC ARQC with CDA, EXTERNAL
// AUTHENTICATE, GENERATE AC TC with CDA. The issuer's ARPC is computed in
// the loop too (3DES, negligible next to the card's two RSA signatures).
func BenchmarkOnlineCDATransaction(b *testing.B) {
	c, p := openCard(b, "visa-cda-online")
	prof := p.Apps[0]
	v, keys := issuerKeys(b, prof)
	csu := make([]byte, 4)
	b.ReportAllocs()
	for b.Loop() {
		c.Reset()
		tt := newTerm(b, c, prof)
		tt.start()
		res, _, sw := tt.genAC(emv.RefControlARQC|emv.RefControlCDA, 0x8C)
		if sw != emv.SWNoError {
			b.Fatalf("GENERATE AC: %04X", sw)
		}
		// The ARQC is inside the SDAD; the card knows it, the benchmark
		// takes it from the card's state rather than recovering the RSA
		// signature (that is terminal work).
		arqc := c.txn.firstAC
		arpc, err := v.ARPC(keys.AC, cryptogram.ARPCInput{ARQC: arqc, ATC: res.atc, CSU: csu})
		if err != nil {
			b.Fatal(err)
		}
		tt.must(emv.ExternalAuthenticate(append(arpc, csu...)), "EXTERNAL AUTHENTICATE")
		if _, _, sw := tt.genAC(emv.RefControlTC|emv.RefControlCDA, 0x8D); sw != emv.SWNoError {
			b.Fatalf("2nd GENERATE AC: %04X", sw)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txn/s")
}

// BenchmarkCDASignature is the card's RSA bound: one CDA signature with the
// profile's ICC key (two per online transaction).
func BenchmarkCDASignature(b *testing.B) {
	c, _ := openCard(b, "visa-cda-online")
	o := c.apps[0].oda
	num := make([]byte, 8)
	un := make([]byte, 4)
	for b.Loop() {
		if _, err := o.SignCDA(num, 0x80, [8]byte{}, [20]byte{}, un); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(o.ICCPrivate.Modulus)*8), "key-bits")
}
