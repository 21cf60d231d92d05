package host

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// balance returns a function polling pan's ledger balance at is.
func balance(is *issuer.Issuer, pan string) func() int64 {
	return func() int64 { return is.Ledger()[pan] }
}

// reversalDone polls the journal until rrn's reversal is acknowledged by
// the issuer.
func (r *rig) reversalDone(rrn string) {
	GinkgoHelper()
	Eventually(func() journal.ReversalState { return r.txn(rrn).Reversal }).
		WithTimeout(settle).Should(Equal(journal.ReversalDone), "reversal of %s acknowledged", rrn)
}

// expectRestored waits for the issuer to credit back what a reversal
// undoes, and checks that it did so once.
func (r *rig) expectRestored(rrn string, start int64) {
	GinkgoHelper()
	r.reversalDone(rrn)
	Expect(r.txn(rrn).State).To(Equal(journal.Reversed))
	Eventually(balance(r.visa, visaPAN)).WithTimeout(settle).Should(Equal(start), "ledger back to its start")
	if tx, ok := r.visa.Transaction(rrn); ok {
		Expect(tx.Reversed).To(BeTrue(), "the issuer reversed %s", rrn)
	}
}

// faultedPurchase makes one online purchase on a new rig (issuer timeout
// faultTimeout) with the issuer's faults set, and checks that the terminal
// got 91, declined online. start is the card's ledger before it.
func faultedPurchase(faults ...issuer.Fault) (r *rig, t *term, rc hostlink.Receipt, start int64) {
	GinkgoHelper()
	r = newRig(withIssuerTimeout(faultTimeout))
	t = r.terminal()
	start = r.visa.Ledger()[visaPAN]
	for _, f := range faults {
		r.visa.AddFault(f)
	}
	rc, _ = t.purchase(visaCard(), onlineAmount, "1234")
	expectDeclinedOnline(t, rc, "91") // ISO 8583:1987 DE 39 91: issuer unavailable
	return r, t, rc, start
}

var _ = Describe("HOST: reversals", func() {
	It(labels.Title("HOST.REV.001"), labels.Case("HOST.REV.001"), func() {
		// The issuer debits, then its answer is lost.
		r, _, rc, start := faultedPurchase(issuer.Fault{NoResponse: true, MTI: "0200", Count: 1})
		Expect(rc.Entry.RRN).NotTo(BeEmpty())
		// TimedOut until the issuer acknowledges the reversal, Reversed
		// after: either may be seen here.
		Expect(r.txn(rc.Entry.RRN).State).To(BeElementOf(journal.TimedOut, journal.Reversed))
		r.expectRestored(rc.Entry.RRN, start)
	})

	It(labels.Title("HOST.REV.002"), labels.Case("HOST.REV.002"), func() {
		// The acquirer would wait for the issuer; the terminal does not.
		r := newRig(withIssuerTimeout(settle))
		t := r.terminal(hostlink.WithTimeout(time.Second), hostlink.WithRetryInterval(200*time.Millisecond))
		start := r.visa.Ledger()[visaPAN]
		r.visa.SetFault(issuer.Fault{Delay: lateBy, MTI: "0200", Count: 1})
		rc, _ := t.purchase(visaCard(), onlineAmount, "1234")
		o := rc.Outcome
		Expect(o.UnableToGoOnline).To(BeTrue()) // Book 3, 10.7 and 10.11: no answer, unable to go online
		Expect(o.ARC).To(Equal([]byte("Z3")))   // Book 4, A6: unable to go online, offline declined
		// Book 3, 10.11: TAC-Default byte 4 bit 8 (floor limit exceeded)
		// turns the unable-to-go-online transaction into an AAC.
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC))
		Expect(o).To(BeDeclinedOffline())
		Expect(o).NotTo(HaveTSIBit(emv.TSIIssuerAuthenticationPerformed)) // Book 3, Annex C6: no ARPC came
		Eventually(t.link.Reversals).WithTimeout(settle).Should(ContainElement(And(
			HaveField("MTI", "0400"), HaveField("Reason", hostlink.ReasonTimeout), HaveField("Acked", true))))
		js := r.txns(t.tid)
		Expect(js).To(HaveLen(1))
		rrn := js[0].RRN
		Eventually(func() journal.State { return r.txn(rrn).State }).WithTimeout(settle).
			Should(Equal(journal.Reversed), "the acquirer journals the original reversed")
		r.expectRestored(rrn, start)
	})

	It(labels.Title("HOST.REV.003"), labels.Case("HOST.REV.003"), func() {
		r, _, rc, start := faultedPurchase(issuer.Fault{Delay: lateBy, MTI: "0200", Count: 1})
		r.expectRestored(rc.Entry.RRN, start)
		tx, ok := r.visa.Transaction(rc.Entry.RRN)
		Expect(ok).To(BeTrue())
		Expect(tx.RC).To(Equal("00"), "the issuer approved, late")
		// The late approval arrives after the reversal went: the acquirer
		// reverses it again and the balance stays restored.
		Consistently(balance(r.visa, visaPAN)).WithTimeout(lateBy + time.Second).Should(Equal(start))
	})

	It(labels.Title("HOST.REV.004"), labels.Case("HOST.REV.004"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		p := visaCard()
		p.Apps[0].IssuerAuthRequired = true // the card declines when the ARPC fails
		r.visa.SetFault(issuer.Fault{WrongARPC: true, MTI: "0200"})
		rc, _ := t.purchase(p, onlineAmount, "1234")
		o := rc.Outcome
		Expect(rcOf(t.link, "0210")).To(Equal("00"))                                             // the host approved
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRIssuerAuthenticationFailed)) // Book 3, 10.9, Annex C5 byte 5 bit 7
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC))                                        // Book 3, 10.11: the card declines at the second GENERATE AC
		Expect(o).To(BeDeclinedOnline())
		Expect(rc.Entry.State).To(Equal(hostlink.StateReversed))
		Eventually(t.link.Reversals).WithTimeout(settle).Should(ContainElement(And(
			HaveField("MTI", "0420"), HaveField("Reason", hostlink.ReasonCardDeclined), HaveField("Acked", true))))
		Eventually(func() []string { return mtis(t.link) }).WithTimeout(settle).Should(ContainElements("0420", "0430"))
		Eventually(func() journal.State { return r.txn(rc.Entry.RRN).State }).WithTimeout(settle).Should(Equal(journal.Reversed))
		r.expectRestored(rc.Entry.RRN, start)
	})

	It(labels.Title("HOST.REV.005"), labels.Case("HOST.REV.005"), func() {
		r := newRig()
		raw := r.raw("HOSTRAW1")
		raw.signOn()
		start := r.visa.Ledger()[visaPAN]
		orig := raw.request("0200", "000000", visaPAN, 1500)
		a := raw.rt(orig)
		Expect(field(a, 39)).To(Equal("00"))
		rrn := field(a, 37)
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - 1500))
		rev := raw.reversal("0400", orig, rrn)
		Expect(field(raw.rt(rev), 39)).To(Equal("00"))
		r.expectRestored(rrn, start)
		// ISO 8583:1987: the repeat (0401) is the same message again.
		rep := rev.Clone()
		rep.MTI = iso8583.MustMTI("0401")
		Expect(field(raw.rt(rep), 39)).To(Equal("00"))
		again := raw.reversal("0400", orig, rrn) // and a second reversal with its own STAN
		Expect(field(raw.rt(again), 39)).To(Equal("00"))
		Consistently(balance(r.visa, visaPAN)).WithTimeout(time.Second).Should(Equal(start), "one credit")
		Expect(r.txn(rrn).State).To(Equal(journal.Reversed))
	})

	It(labels.Title("HOST.REV.006"), labels.Case("HOST.REV.006"), func() {
		r, t, rc, start := faultedPurchase(issuer.Fault{Drop: true, MTI: "0200", Count: 1})
		r.reversalDone(rc.Entry.RRN)
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start), "the dropped request was never processed")
		_, known := r.visa.Transaction(rc.Entry.RRN)
		Expect(known).To(BeFalse())
		next, _ := t.purchase(visaCard(), onlineAmount, "1234") // the acquirer dialled the issuer again
		Expect(next.Outcome).To(BeApprovedOnline())
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - onlineAmount))
	})

	It(labels.Title("HOST.REV.007"), labels.Case("HOST.REV.007"), func() {
		// The issuer debits and its answer is lost; every reversal is cut
		// off before the issuer processes it, so it stays owed.
		r, _, rc, start := faultedPurchase(
			issuer.Fault{NoResponse: true, MTI: "0200", Count: 1},
			issuer.Fault{Drop: true, MTI: "0400"})
		rrn := rc.Entry.RRN
		Expect(r.txn(rrn).Reversal).To(Equal(journal.ReversalOwed))
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start-onlineAmount), "the reversal has not reached the issuer")

		r.restart()
		Expect(r.txn(rrn).Reversal).To(Equal(journal.ReversalOwed), "the owed reversal survived the restart")
		r.visa.SetFault(issuer.Fault{})
		r.expectRestored(rrn, start)
		Consistently(balance(r.visa, visaPAN)).WithTimeout(time.Second).Should(Equal(start), "credited once")
	})
})
