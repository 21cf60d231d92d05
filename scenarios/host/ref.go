package host

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("HOST: refunds and voids", func() {
	It(labels.Title("HOST.REF.001"), labels.Case("HOST.REF.001"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		p, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(p.Outcome).To(BeApprovedOnline())
		ref, err := t.pos.Refund(ctx(), p.Entry.RRN, 5000, cardData(visaCard()))
		Expect(err).NotTo(HaveOccurred())
		Expect(ref.RC).To(Equal("00"))
		Expect(ref.Approved).To(BeTrue())
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - onlineAmount + 5000))
		j := r.txn(ref.RRN)
		Expect(j.Kind).To(Equal(journal.Refund))
		Expect(j.State).To(Equal(journal.Approved))
		Expect(j.OrigRRN).To(Equal(p.Entry.RRN), "the journal links the refund to its original (DE 37)")
		tx, ok := r.visa.Transaction(ref.RRN)
		Expect(ok).To(BeTrue())
		Expect(tx.Orig).To(Equal(p.Entry.RRN), "DE 62 orig= reached the issuer")
		Expect(t.pos.Totals()).To(Equal(hostlink.Totals{Debits: 1, DebitAmount: onlineAmount, Credits: 1, CreditAmount: 5000}))
	})

	It(labels.Title("HOST.REF.002"), labels.Case("HOST.REF.002"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()
		ref, err := t.pos.Refund(ctx(), r.node+"0000000000", 5000, cardData(visaCard()))
		Expect(err).NotTo(HaveOccurred())
		Expect(ref.RC).To(Equal("25")) // ISO 8583:1987 DE 39 25: unable to locate record
		Expect(ref.Approved).To(BeFalse())
		Expect(r.visa.Ledger()).To(Equal(start))
		Expect(r.visa.Transactions()).To(BeEmpty())
	})

	It(labels.Title("HOST.REF.003"), labels.Case("HOST.REF.003"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		p, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(p.Outcome).To(BeApprovedOnline())
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - onlineAmount))
		v, err := t.pos.Void(ctx(), p.Entry.RRN)
		Expect(err).NotTo(HaveOccurred())
		Expect(v.RC).To(Equal("00"))
		Expect(r.txn(p.Entry.RRN).State).To(Equal(journal.Voided))
		Eventually(balance(r.visa, visaPAN)).WithTimeout(settle).Should(Equal(start), "ledger back to its start")
		tx, _ := r.visa.Transaction(p.Entry.RRN)
		Expect(tx.Reversed).To(BeTrue())
		Expect(t.pos.Totals()).To(Equal(hostlink.Totals{}), "a voided purchase leaves the batch totals")
	})
})
