package host

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// get fetches path from the back-office API: its status and body, which
// goes into the report (the API holds masked PANs only, so it may).
func (r *rig) get(path string) (int, []byte) {
	GinkgoHelper()
	resp, err := http.Get(r.api.URL + path)
	Expect(err).NotTo(HaveOccurred(), "GET %s", path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry("GET "+path, string(b))
	return resp.StatusCode, b
}

// expectNoFullPAN checks a body holds no full test PAN of the spec.
func expectNoFullPAN(b []byte, pans ...string) {
	GinkgoHelper()
	for _, p := range pans {
		Expect(string(b)).NotTo(ContainSubstring(p), "a full PAN in the answer")
	}
}

// business runs a purchase, a refund of part of it and a second purchase
// on t: an open batch with debits and a credit.
func business(t *term) (first, second hostlink.Receipt) {
	GinkgoHelper()
	first, _ = t.purchase(visaCard(), onlineAmount, "1234")
	Expect(first.Outcome).To(BeApprovedOnline())
	ref, err := t.pos.Refund(ctx(), first.Entry.RRN, 5000, cardData(visaCard()))
	Expect(err).NotTo(HaveOccurred())
	Expect(ref.RC).To(Equal("00"))
	mc := profile("mc-cda")
	second, _ = t.purchase(mc, 15000, pinOf(mc))
	Expect(second.Outcome).To(BeApprovedOnline())
	return first, second
}

var _ = Describe("HOST: queries", func() {
	It(labels.Title("HOST.QRY.001"), labels.Case("HOST.QRY.001"), func() {
		r := newRig()
		t := r.terminal()
		p, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(p.Outcome).To(BeApprovedOnline())
		raw := r.raw(t.tid)
		raw.signOn()
		q := raw.request("0600", "960000", "", -1)
		set(q, 37, p.Entry.RRN)
		a := raw.rt(q)
		Expect(field(a, 39)).To(Equal("00"))
		Expect(field(a, 37)).To(Equal(p.Entry.RRN))
		got := kv(field(a, 48))
		j := r.txn(p.Entry.RRN)
		Expect(got).To(HaveKeyWithValue("state", string(j.State)))
		Expect(got).To(HaveKeyWithValue("state", "approved"))
		Expect(got).To(HaveKeyWithValue("rc", "00"))
		Expect(got).To(HaveKeyWithValue("amount", strconv.Itoa(onlineAmount)))
		Expect(got).To(HaveKeyWithValue("kind", "purchase"))
		Expect(got).To(HaveKeyWithValue("rrn", p.Entry.RRN))
		Expect(got).To(HaveKeyWithValue("stan", p.Entry.STAN))
		Expect(got).To(HaveKeyWithValue("auth", j.AuthCode))

		unknown := raw.request("0600", "960000", "", -1)
		set(unknown, 37, r.node+"0000000000")
		Expect(field(raw.rt(unknown), 39)).To(Equal("25")) // ISO 8583:1987 DE 39 25: unable to locate record
	})

	It(labels.Title("HOST.QRY.002"), labels.Case("HOST.QRY.002"), func() {
		r := newRig()
		t := r.terminal()
		business(t)
		raw := r.raw(t.tid)
		raw.signOn()
		a := raw.rt(raw.request("0600", "970000", "", -1))
		Expect(field(a, 39)).To(Equal("00"))
		want := journalTotals(r.txns(t.tid))
		Expect(want).To(Equal(hostlink.Totals{Debits: 2, DebitAmount: onlineAmount + 15000, Credits: 1, CreditAmount: 5000}))
		Expect(want).To(Equal(t.pos.Totals()), "the terminal agrees")
		// ISO 8583:1987 DE 74 credits number, 76 debits number, 86 credits
		// amount, 88 debits amount.
		Expect(num(a, 74)).To(BeEquivalentTo(want.Credits))
		Expect(num(a, 76)).To(BeEquivalentTo(want.Debits))
		Expect(num(a, 86)).To(BeEquivalentTo(want.CreditAmount))
		Expect(num(a, 88)).To(BeEquivalentTo(want.DebitAmount))
		schemes, err := hostlink.ParseSchemeTotals(field(a, 48))
		Expect(err).NotTo(HaveOccurred())
		Expect(schemes).To(Equal(map[string]hostlink.Totals{
			"visa":       {Debits: 1, DebitAmount: onlineAmount, Credits: 1, CreditAmount: 5000},
			"mastercard": {Debits: 1, DebitAmount: 15000},
		}))
	})

	It(labels.Title("HOST.QRY.003"), labels.Case("HOST.QRY.003"), func() {
		r := newRig()
		t := r.terminal()
		first, second := business(t)
		status, body := r.get("/v1/transactions?terminal=" + t.tid)
		Expect(status).To(Equal(http.StatusOK))
		expectNoFullPAN(body, visaPAN, mcPAN)
		var list []acquirer.TxnView
		Expect(json.Unmarshal(body, &list)).To(Succeed())
		js := r.txns(t.tid)
		Expect(list).To(HaveLen(len(js)))
		for i, v := range list {
			Expect(v.RRN).To(Equal(js[i].RRN))
			Expect(v.State).To(BeEquivalentTo(js[i].State))
			Expect(v.Amount).To(Equal(js[i].Amount))
			Expect(v.PAN).To(Equal(js[i].PANMasked))
			Expect(v.PAN).To(BeElementOf(masked(visaPAN), masked(mcPAN)))
		}

		status, body = r.get("/v1/transactions/" + second.Entry.RRN)
		Expect(status).To(Equal(http.StatusOK))
		expectNoFullPAN(body, visaPAN, mcPAN)
		var one acquirer.TxnView
		Expect(json.Unmarshal(body, &one)).To(Succeed())
		Expect(one.RRN).To(Equal(second.Entry.RRN))
		Expect(one.PAN).To(Equal(masked(mcPAN)))
		Expect(one.Scheme).To(Equal("mastercard"))
		Expect(one.State).To(Equal("approved"))
		Expect(one.Amount).To(Equal(int64(15000)))

		status, body = r.get("/v1/transactions/" + first.Entry.RRN)
		Expect(status).To(Equal(http.StatusOK))
		Expect(json.Unmarshal(body, &one)).To(Succeed())
		Expect(one.PAN).To(Equal(masked(visaPAN)))

		status, _ = r.get("/v1/transactions/" + r.node + "0000000000")
		Expect(status).To(Equal(http.StatusNotFound))
	})

	It(labels.Title("HOST.QRY.004"), labels.Case("HOST.QRY.004"), func() {
		r := newRig()
		t := r.terminal()
		business(t)
		status, body := r.get("/v1/bills/" + t.tid)
		Expect(status).To(Equal(http.StatusOK))
		expectNoFullPAN(body, visaPAN, mcPAN)
		var b acquirer.Bill
		Expect(json.Unmarshal(body, &b)).To(Succeed())
		want := journalTotals(r.txns(t.tid))
		Expect(b.Terminal).To(Equal(t.tid))
		Expect(b.Batch).To(Equal(0), "the open batch")
		Expect(b.Totals).To(Equal(acquirer.Totals{
			Debits:  acquirer.Count{Count: int64(want.Debits), Amount: int64(want.DebitAmount)},
			Credits: acquirer.Count{Count: int64(want.Credits), Amount: int64(want.CreditAmount)},
		}))
		Expect(b.Schemes).To(HaveKeyWithValue("visa", acquirer.Totals{
			Debits: acquirer.Count{Count: 1, Amount: onlineAmount}, Credits: acquirer.Count{Count: 1, Amount: 5000}}))
		Expect(b.Schemes).To(HaveKeyWithValue("mastercard", acquirer.Totals{
			Debits: acquirer.Count{Count: 1, Amount: 15000}}))
		Expect(b.Pending).To(Equal(0))
	})
})
