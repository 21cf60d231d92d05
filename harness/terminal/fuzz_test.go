package terminal

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

// FuzzCardResponse replaces the card's answer to one command with arbitrary
// bytes: whatever a broken card says, the kernel ends the transaction with
// an outcome, never a panic, and a transaction the card did not complete is
// never approved.
func FuzzCardResponse(f *testing.F) {
	f.Add(byte(0), []byte{0x90, 0x00})
	f.Add(byte(1), []byte{0x77, 0x03, 0x82, 0x01, 0x00, 0x90, 0x00})
	f.Add(byte(2), []byte{0x70, 0x81, 0x90, 0x00})
	f.Add(byte(3), []byte{0x77, 0x05, 0x9F, 0x27, 0x01, 0x40, 0x00, 0x90, 0x00})
	f.Add(byte(3), []byte{0x80, 0x0B, 0x40, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00})
	f.Add(byte(4), []byte{0x61, 0x10})
	cfg := testConfig(f)
	ins := []byte{emv.InsSelect, emv.InsGetProcessingOptions, emv.InsReadRecord, emv.InsGenerateAC, emv.InsInternalAuthenticate, emv.InsGetData}
	base := newCard(f)
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		card := *base
		card.t = t
		card.lastSel = map[string]int{}
		card.raw = map[byte][]byte{ins[int(which)%len(ins)]: data}
		card.sw = map[byte]uint16{}
		k, err := NewKernel(cfg, WithRand(rand.New(rand.NewPCG(1, 2))))
		if err != nil {
			t.Fatal(err)
		}
		o, err := k.Purchase(context.Background(), &card, purchase(1000))
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		if o.Result == 0 {
			t.Fatalf("no result: %s", o)
		}
		if o.Result.Approved() && o.CID.Type() != emv.CryptogramTC {
			t.Fatalf("approved without a TC: %s", o)
		}
	})
}
