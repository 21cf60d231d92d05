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

// journalTotals sums journalled transactions as the host contract's 0500
// does: debits are approved purchases and advices (a reversed or voided
// one is no longer Approved), credits approved refunds; pre-authorisations,
// balance inquiries and voids count in neither.
func journalTotals(ts []journal.Txn) hostlink.Totals {
	var out hostlink.Totals
	for _, t := range ts {
		if t.State != journal.Approved {
			continue
		}
		switch t.Kind {
		case journal.Purchase, journal.Advice:
			out.Debits++
			out.DebitAmount += uint64(t.Amount)
		case journal.Refund:
			out.Credits++
			out.CreditAmount += uint64(t.Amount)
		}
	}
	return out
}

// issuerTotals is an issuer's movements of one scheme as settlement totals.
func issuerTotals(is *issuer.Issuer, scheme string) hostlink.Totals {
	t := is.Totals()[scheme]
	return hostlink.Totals{Debits: t.Debits.N, DebitAmount: uint64(t.Debits.Amount),
		Credits: t.Credits.N, CreditAmount: uint64(t.Credits.Amount)}
}

var _ = Describe("HOST: settlement", func() {
	It(labels.Title("HOST.SET.001"), labels.Case("HOST.SET.001"), func() {
		r := newRig()
		t := r.terminal()
		kept, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(kept.Outcome).To(BeApprovedOnline())
		voided, _ := t.purchase(visaCard(), 30000, "1234")
		Expect(voided.Outcome).To(BeApprovedOnline())
		v, err := t.pos.Void(ctx(), voided.Entry.RRN)
		Expect(err).NotTo(HaveOccurred())
		Expect(v.RC).To(Equal("00"))
		ref, err := t.pos.Refund(ctx(), kept.Entry.RRN, 5000, cardData(visaCard()))
		Expect(err).NotTo(HaveOccurred())
		Expect(ref.RC).To(Equal("00"))
		declined, _ := t.purchase(visaCard(blocked), onlineAmount, "1234")
		Expect(declined.Outcome).To(BeDeclinedOnline())

		s, err := t.pos.Settle(ctx())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.RC).To(Equal("00")) // ISO 8583:1987 0510 DE 39 00: in balance
		Expect(s.InBalance).To(BeTrue())
		want := hostlink.Totals{Debits: 1, DebitAmount: onlineAmount, Credits: 1, CreditAmount: 5000}
		Expect(s.Terminal).To(Equal(want)) // DE 74, 76, 86, 88 sent
		js := r.txns(t.tid)
		Expect(journalTotals(js)).To(Equal(want), "the acquirer journal")
		for _, tx := range js {
			if tx.State == journal.Approved && tx.Kind != journal.Void {
				Expect(tx.Batch).To(Equal(s.Batch), "%s closed in batch %d", tx.RRN, s.Batch)
			}
		}
		// The void's 0400 may still be on its way to the issuer (the
		// acquirer answers the void once it is durable, host contract).
		Eventually(func() hostlink.Totals { return issuerTotals(r.visa, "visa") }).WithTimeout(settle).
			Should(Equal(want), "the issuer's ledger movements")
		Expect(t.pos.Batch()).To(Equal(s.Batch + 1))
	})

	It(labels.Title("HOST.SET.002"), labels.Case("HOST.SET.002"), func() {
		r := newRig()
		t := r.terminal()
		p, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(p.Outcome).To(BeApprovedOnline())
		// A purchase of the same terminal id that the POS's journal never
		// saw: the acquirer's totals now differ from the terminal's.
		raw := r.raw(t.tid)
		raw.signOn()
		Expect(field(raw.rt(raw.request("0200", "000000", visaPAN, 1000)), 39)).To(Equal("00"))

		s, err := t.pos.Settle(ctx())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.RC).To(Equal("95")) // ISO 8583:1987 DE 39 95: reconciliation error
		Expect(s.InBalance).To(BeFalse())
		Expect(s.Terminal).To(Equal(hostlink.Totals{Debits: 1, DebitAmount: onlineAmount}))
		Expect(s.HasHost).To(BeTrue())
		host := hostlink.Totals{Debits: 2, DebitAmount: onlineAmount + 1000}
		Expect(s.Host).To(Equal(host))                       // DE 74, 76, 86, 88 of the 0510
		Expect(journalTotals(r.txns(t.tid))).To(Equal(host)) // the acquirer's are its journal's
		Expect(s.Schemes).To(HaveKeyWithValue("visa", host))
		for _, tx := range r.txns(t.tid) {
			Expect(tx.Batch).To(Equal(0), "the batch stays open")
		}
		Expect(t.pos.Batch()).To(Equal(s.Batch))
	})

	It(labels.Title("HOST.SET.003"), labels.Case("HOST.SET.003"), func() {
		r := newRig()
		t := r.terminal()
		v, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(v.Outcome).To(BeApprovedOnline())
		mc := profile("mc-cda")
		m, _ := t.purchase(mc, 15000, pinOf(mc))
		Expect(m.Outcome).To(BeApprovedOnline())
		ref, err := t.pos.Refund(ctx(), m.Entry.RRN, 2500, cardData(mc))
		Expect(err).NotTo(HaveOccurred())
		Expect(ref.RC).To(Equal("00"))

		s, err := t.pos.Settle(ctx())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.RC).To(Equal("00"))
		visa := hostlink.Totals{Debits: 1, DebitAmount: onlineAmount}
		master := hostlink.Totals{Debits: 1, DebitAmount: 15000, Credits: 1, CreditAmount: 2500}
		Expect(s.Schemes).To(Equal(map[string]hostlink.Totals{"visa": visa, "mastercard": master})) // DE 63
		Expect(issuerTotals(r.visa, "visa")).To(Equal(visa))
		Expect(issuerTotals(r.mc, "mastercard")).To(Equal(master))
		byScheme := map[string][]journal.Txn{}
		for _, tx := range r.txns(t.tid) {
			byScheme[tx.Scheme] = append(byScheme[tx.Scheme], tx)
		}
		Expect(journalTotals(byScheme["visa"])).To(Equal(visa))
		Expect(journalTotals(byScheme["mastercard"])).To(Equal(master))
	})
})
