package emvcrypto

import (
	"errors"
	"fmt"
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/scenarios/labels"
)

// iadFor lays out issuer application data as the version's cards do, with
// random CVR and counters.
func iadFor(r *rand.Rand, v *cryptogram.Version) []byte {
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return b
	}
	switch v.Number {
	case 10, 18: // Visa format 0/1: length, DKI, CVN, CVR (length 03 + 3 bytes)
		return append([]byte{0x06, 0x01, v.IADCVN, 0x03}, rnd(3)...)
	case 22: // Visa format 2: length 1F, CVN, DKI, CVR (5), 24 bytes
		return append(append([]byte{0x1F, v.IADCVN, 0x01}, rnd(5)...), rnd(24)...)
	default: // M/Chip: DKI, CVN, CVR (6), DAC/IDN (2), counters (8)
		return append([]byte{0x01, v.IADCVN}, rnd(16)...)
	}
}

// cvrByte picks a byte of the CVR inside the IAD, which every version MACs.
func cvrByte(r *rand.Rand, v *cryptogram.Version) int {
	switch v.Number {
	case 10, 18:
		return 4 + r.IntN(3) // Visa format 0/1: bytes 5-7
	case 22:
		return 3 + r.IntN(5) // Visa format 2: bytes 4-8
	default:
		return 2 + r.IntN(6) // M/Chip: bytes 3-8
	}
}

// randomTransaction draws every data element the version MACs.
func randomTransaction(r *rand.Rand, v *cryptogram.Version) map[emv.Tag][]byte {
	lens := map[emv.Tag]int{
		emv.TagAmount: 6, emv.TagAmountOther: 6, emv.TagCountryCode: 2, emv.TagTVR: 5,
		emv.TagCurrencyCode: 2, emv.TagTxnDate: 3, emv.TagTxnType: 1, emv.TagUN: 4,
		emv.TagAIP: 2, emv.TagATC: 2,
	}
	tx := map[emv.Tag][]byte{emv.TagIAD: iadFor(r, v)}
	for t, n := range lens {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		tx[t] = b
	}
	return tx
}

var _ = Describe("EMV cryptograms, card side against issuer side", func() {
	DescribeTable("random keys and transaction data",
		func(cvn int) {
			v, err := cryptogram.VersionByNumber(cvn)
			Expect(err).NotTo(HaveOccurred())
			r := rand.New(rand.NewPCG(uint64(cvn), uint64(GinkgoRandomSeed())))
			AddReportEntry("cryptogram version", v.String())
			const cards = 50
			for i := 0; i < cards; i++ {
				var issuer cryptogram.Keys
				for _, k := range []*[]byte{&issuer.AC, &issuer.SMI, &issuer.SMC} {
					*k = make([]byte, 16)
					for j := range *k {
						(*k)[j] = byte(r.UintN(256))
					}
				}
				pan := fmt.Sprintf("4%015d", r.Uint64N(1e15))
				psn := fmt.Sprintf("%02d", r.IntN(100))
				tx := randomTransaction(r, v)

				card, err := v.DeriveKeys(issuer, pan, psn) // personalisation
				Expect(err).NotTo(HaveOccurred())
				arqc, err := v.Generate(card.AC, tx) // the card
				Expect(err).NotTo(HaveOccurred())

				host, err := v.DeriveKeys(issuer, pan, psn) // the issuer host
				Expect(err).NotTo(HaveOccurred())
				Expect(v.VerifyARQC(host.AC, tx, arqc)).To(Succeed(), "issuer verifies the card's ARQC (EMV Book 2, 8.1)")

				// Every element the version MACs matters: one flipped bit
				// in any of them is a mismatch.
				for _, t := range v.RequiredTags() {
					orig := tx[t]
					bad := append([]byte{}, orig...)
					at := r.IntN(len(bad))
					if t == emv.TagIAD {
						at = cvrByte(r, v) // some versions MAC only the CVR of the IAD
					}
					bad[at] ^= 1 << r.IntN(8)
					tx[t] = bad
					err := v.VerifyARQC(host.AC, tx, arqc)
					tx[t] = orig
					Expect(errors.Is(err, cryptogram.ErrMismatch)).To(BeTrue(), "a changed %s must be refused, got %v", t, err)
				}
			}
			AddReportEntry("cards", fmt.Sprint(cards))
		},
		Entry(labels.Title("EMV.CRY.ARQC.003"), labels.Case("EMV.CRY.ARQC.003"), 10),
		Entry(labels.Title("EMV.CRY.ARQC.004"), labels.Case("EMV.CRY.ARQC.004"), 18),
		Entry(labels.Title("EMV.CRY.ARQC.005"), labels.Case("EMV.CRY.ARQC.005"), 22),
		Entry(labels.Title("EMV.CRY.ARQC.006"), labels.Case("EMV.CRY.ARQC.006"), 16),
		Entry(labels.Title("EMV.CRY.ARQC.007"), labels.Case("EMV.CRY.ARQC.007"), 17),
	)
})
