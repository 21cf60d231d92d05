package host

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("HOST: advices and faults", func() {
	It(labels.Title("HOST.ADV.001"), labels.Case("HOST.ADV.001"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		// 10.00 is under the floor limit: no TVR bit asks for online, the
		// card answers a TC to the first GENERATE AC.
		rc, _ := t.purchase(visaCard(), 1000, "1234")
		o := rc.Outcome
		Expect(o).To(BeApprovedOffline())                        // Book 3, 10.8
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramTC))    // Book 3, 10.8: TC at the first GENERATE AC
		Expect(o.ARC).To(BeNil())                                // no online response, no 8A from a host
		Expect(o).To(HaveExactTVR())                             // Book 3, Annex C5: nothing set
		Expect(o).To(HaveExactTSI(tsiOffline...))                // Book 3, Annex C6: no issuer authentication
		Expect(rc.Entry.Kind).To(Equal(hostlink.KindAdvice))     // store-and-forward
		Expect(rc.Entry.RC).To(Equal("Y1"))                      // Book 4, A6: offline approved
		Expect(mtis(t.link)).To(Equal([]string{"0800", "0810"})) // nothing sent at the time
		Expect(r.visa.Transactions()).To(BeEmpty())              // the issuer knows nothing yet
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start))        //
		s, err := t.pos.Settle(ctx())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Advices).To(Equal(1))
		Expect(s.RC).To(Equal("00"))
		seq := mtis(t.link)
		Expect(seq).To(ContainElements("0220", "0230", "0500", "0510"))
		Expect(slices.Index(seq, "0230")).To(BeNumerically("<", slices.Index(seq, "0500")), "the advice is acknowledged before the batch closes")
		txs := r.visa.Transactions()
		Expect(txs).To(HaveLen(1))
		Expect(txs[0].Kind).To(Equal(issuer.KindAdvice))
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - 1000))
		js := r.txns(t.tid)
		Expect(js).To(HaveLen(1))
		Expect(js[0].Kind).To(Equal(journal.Advice))
	})

	It(labels.Title("HOST.FLT.001"), labels.Case("HOST.FLT.001"), func() {
		r := newRig()
		raw := r.raw("HOSTRAW1")
		raw.signOn()
		start := r.visa.Ledger()[visaPAN]
		m := raw.request("0200", "000000", visaPAN, 2500)
		first := raw.rt(m)
		Expect(field(first, 39)).To(Equal("00"))
		second := raw.rt(m)                       // same TID, STAN and DE 7
		Expect(field(second, 39)).To(Equal("94")) // ISO 8583:1987 DE 39 94: duplicate transmission
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - 2500))
		Expect(r.visa.Transactions()).To(HaveLen(1), "one debit at the issuer")
		stan := field(m, 11)
		var same []journal.Txn
		for _, tx := range r.txns(raw.tid) {
			if tx.STAN == stan {
				same = append(same, tx)
			}
		}
		Expect(same).To(HaveLen(1), "one transaction in the journal")
		Expect(same[0].RRN).To(Equal(field(first, 37)))
	})

	It(labels.Title("HOST.FLT.002"), labels.Case("HOST.FLT.002"), func() {
		r := newRig()
		raw := r.raw("HOSTRAW1")
		raw.signOn()
		// An 0200 whose bitmap announces DE 2, 3 and 4 and whose DE 2
		// length prefix promises more digits than follow.
		raw.sendBytes([]byte("0200\x70\x00\x00\x00\x00\x00\x00\x001947617"))
		a := raw.recv()
		Expect(a.MTI.String()).To(Equal("0210"))
		Expect(field(a, 39)).To(Equal("30")) // ISO 8583:1987 DE 39 30: format error
		next := raw.rt(raw.request("0200", "000000", visaPAN, 1000))
		Expect(field(next, 39)).To(Equal("00"), "the connection survived")
	})

	It(labels.Title("HOST.FLT.003"), labels.Case("HOST.FLT.003"), func() {
		// The issuer debits and answers bytes that are not ISO 8583.
		r, t, rc, start := faultedPurchase(issuer.Fault{Malformed: true, MTI: "0200", Count: 1})
		r.expectRestored(rc.Entry.RRN, start)
		next, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(next.Outcome).To(BeApprovedOnline())
	})
})
