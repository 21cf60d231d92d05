package emvcontact

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv/pki"
	"github.com/paylab/paylab/harness/terminal"
)

// fixedPad always enters the profile's TEST PIN.
type fixedPad string

func (p fixedPad) EnterPIN(context.Context, terminal.PINPrompt) (terminal.PINEntry, error) {
	return terminal.PINEntry{PIN: string(p)}, nil
}

// BenchmarkContactOnlineCDA is one full online CDA transaction in process:
// the reference kernel, the visa-cda-online card emulator (offline
// enciphered PIN, CDA on both GENERATE ACs, EXTERNAL AUTHENTICATE) and the
// in-process issuer (ARQC check, ARPC). It reports txn/s and, in the same
// run, the bound set by the card's RSA signatures alone: two CDA signatures
// per transaction with the ICC private key (Book 2, 6.6), timed on their
// own. The card's third private operation, deciphering the enciphered PIN
// with its PIN encipherment key (Book 2, 7.2), gives a second, tighter
// bound. Key sizes are reported as metrics.
//
// Sub-benchmark "enciphered-PIN" runs the profile as committed (CVM 44 03);
// "signature" takes the CVM List down to signature (1E 03), so that the
// two CDA signatures are the card's only private-key operations.
func BenchmarkContactOnlineCDA(b *testing.B) {
	b.Run("enciphered-PIN", func(b *testing.B) { benchOnlineCDA(b, "") })
	b.Run("signature", func(b *testing.B) { benchOnlineCDA(b, "00000000 00000000 1E03 1F03") })
}

func benchOnlineCDA(b *testing.B, cvmList string) {
	p, err := card.LoadProfile("visa-cda-online")
	if err != nil {
		b.Fatal(err)
	}
	if cvmList != "" {
		p.Apps[0].CVMList = cvmList
	}
	iss, err := newIssuer(p, 0)
	if err != nil {
		b.Fatal(err)
	}
	c, err := card.New(p, card.WithSeed(7))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := terminal.DefaultConfig()
	if err != nil {
		b.Fatal(err)
	}
	k, err := terminal.NewKernel(cfg, terminal.WithRand(rand.New(rand.NewPCG(1, 2))),
		terminal.WithAuthorizer(iss), terminal.WithPINPad(fixedPad(p.Apps[0].PIN)))
	if err != nil {
		b.Fatal(err)
	}
	tx := terminal.Transaction{Amount: 20000, Type: terminal.TypePurchase, Date: txDate, Sequence: 1}
	ctx := context.Background()

	b.ReportAllocs()
	for b.Loop() {
		c.Reset()
		o, err := k.Purchase(ctx, c, tx)
		if err != nil || o.Result != terminal.ApprovedOnline || o.ODA != terminal.ODACDA || o.ODAErr != nil {
			b.Fatalf("transaction: %v (%v)", o, err)
		}
	}
	txnPerSec := float64(b.N) / b.Elapsed().Seconds()

	// The card's private keys: the same spec the emulator personalises
	// with (issuer and key pool pick are deterministic).
	auth, err := card.DefaultAuthority()
	if err != nil {
		b.Fatal(err)
	}
	a := p.Apps[0]
	oc, err := auth.Card(pki.CardSpec{PAN: a.PAN, StaticData: []byte{0x5A}, Issuer: a.ODA.Issuer,
		ICCKey: a.ODA.ICCKey, PINEncipherment: a.ODA.PINEncipherment})
	if err != nil {
		b.Fatal(err)
	}
	const rounds = 200
	num, un := make([]byte, 8), make([]byte, 4)
	start := time.Now()
	for range rounds {
		if _, err := oc.SignCDA(num, 0x80, [8]byte{}, [20]byte{}, un); err != nil {
			b.Fatal(err)
		}
	}
	sign := time.Since(start) / rounds
	block := make([]byte, oc.PINPrivate.Len())
	block[1] = 1
	start = time.Now()
	for range rounds {
		if _, err := oc.PINPrivate.Decrypt(block); err != nil {
			b.Fatal(err)
		}
	}
	decipher := time.Since(start) / rounds

	const signatures = 2 // CDA on the ARQC and on the TC
	sigBound := 1 / (signatures * sign.Seconds())
	deciphers := 0.0 // offline enciphered PIN: one PIN decipherment per transaction
	if cvmList == "" {
		deciphers = 1
	}
	allBound := 1 / (signatures*sign.Seconds() + deciphers*decipher.Seconds())
	b.ReportMetric(txnPerSec, "txn/s")
	b.ReportMetric(sigBound, "rsa-sig-bound-txn/s")
	b.ReportMetric(100*txnPerSec/sigBound, "%-of-sig-bound")
	b.ReportMetric(allBound, "rsa-all-bound-txn/s")
	b.ReportMetric(float64(oc.ICCPrivate.Len()*8), "icc-key-bits")
	b.ReportMetric(float64(oc.PINPrivate.Len()*8), "pin-key-bits")
	b.ReportMetric(float64(oc.Issuer.Key.Len()*8), "issuer-key-bits")
}
