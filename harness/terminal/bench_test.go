package terminal

import (
	"context"
	"math/rand/v2"
	"testing"
)

// BenchmarkPurchaseOnlineCDA runs one whole online transaction with CDA on
// both GENERATE ACs, in process: kernel, the in-test card and the in-test
// issuer. Compare with BenchmarkCardCDASignatures, the bound the card's two
// RSA signatures alone set.
func BenchmarkPurchaseOnlineCDA(b *testing.B) {
	cfg := testConfig(b)
	base := newCard(b)
	k, err := NewKernel(cfg, WithRand(rand.New(rand.NewPCG(1, 2))), WithAuthorizer(&testIssuer{t: b}))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		card := *base
		card.lastSel = map[string]int{}
		o, err := k.Purchase(context.Background(), &card, purchase(20000))
		if err != nil || o.Result != ApprovedOnline {
			b.Fatalf("%v %s", err, o)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txn/s")
	b.ReportMetric(float64(base.apps[0].pki.ICCPrivate.Len()*8), "icc-bits")
}

// BenchmarkCardCDASignatures is the card side's RSA cost of one online CDA
// transaction: two CDA signatures.
func BenchmarkCardCDASignatures(b *testing.B) {
	c := newCard(b).apps[0].pki
	var ac [8]byte
	var h [20]byte
	un := []byte{1, 2, 3, 4}
	for b.Loop() {
		for range 2 {
			if _, err := c.SignCDA([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 0x80, ac, h, un); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txn/s-bound")
}
