package host

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// pansOf returns the PANs of an issuer's transactions.
func pansOf(is *issuer.Issuer) []string {
	var out []string
	for _, t := range is.Transactions() {
		out = append(out, t.PAN)
	}
	return out
}

var _ = Describe("HOST: financial transactions and routing", func() {
	It(labels.Title("HOST.FIN.001"), labels.Case("HOST.FIN.001"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		rc, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(rc.Outcome).To(BeApprovedOnline())
		Expect(rc.Entry.State).To(Equal(hostlink.StateApproved))
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - onlineAmount))
		txs := r.visa.Transactions()
		Expect(txs).To(HaveLen(1), "one movement at the issuer")
		Expect(txs[0].Kind).To(Equal(issuer.KindPurchase))
		Expect(txs[0].RRN).To(Equal(rc.Entry.RRN))
		js := r.txns(t.tid)
		Expect(js).To(HaveLen(1), "one transaction in the acquirer journal")
		Expect(js[0].Kind).To(Equal(journal.Purchase))
		Expect(js[0].State).To(Equal(journal.Approved))
		Expect(js[0].Amount).To(Equal(int64(onlineAmount)))
		Expect(js[0].RRN).To(Equal(rc.Entry.RRN))
	})

	It(labels.Title("HOST.FIN.002"), labels.Case("HOST.FIN.002"), func() {
		r := newRig()
		t := r.terminal()
		v, _ := t.purchase(visaCard(), onlineAmount, "1234")
		mc := profile("mc-cda")
		m, _ := t.purchase(mc, onlineAmount, pinOf(mc))
		Expect(v.Outcome).To(BeApprovedOnline())
		Expect(m.Outcome).To(BeApprovedOnline())
		Expect(pansOf(r.visa)).To(Equal([]string{visaPAN}), "the Visa card reached the Visa issuer only")
		Expect(pansOf(r.mc)).To(Equal([]string{mcPAN}), "the Mastercard card reached the Mastercard issuer only")
		Expect(r.txn(v.Entry.RRN).Issuer).To(Equal("visa-issuer"))
		Expect(r.txn(v.Entry.RRN).Scheme).To(Equal("visa"))
		Expect(r.txn(m.Entry.RRN).Issuer).To(Equal("mc-issuer"))
		Expect(r.txn(m.Entry.RRN).Scheme).To(Equal("mastercard"))
	})

	It(labels.Title("HOST.FIN.003"), labels.Case("HOST.FIN.003"), func() {
		r := newRig(withoutMastercard())
		t := r.terminal()
		mc := profile("mc-cda")
		rc, _ := t.purchase(mc, onlineAmount, pinOf(mc))
		expectDeclinedOnline(t, rc, "15") // ISO 8583:1987 DE 39 15: no such issuer
		Expect(r.mc.Transactions()).To(BeEmpty(), "nothing forwarded")
		Expect(r.visa.Transactions()).To(BeEmpty(), "nothing forwarded")
	})
})
