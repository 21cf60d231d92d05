package acquirer

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

// HOST.AUTH.001/002: sign-on before financial traffic; echo test.
func TestSignOnRequired(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	r := tt.purchase(visaPAN, 1000)
	if rc(r) != "58" {
		t.Fatalf("0200 before sign-on: DE 39 %q, want 58", rc(r))
	}
	if n := f.visa.count("0200"); n != 0 {
		t.Fatalf("issuer got %d requests before sign-on", n)
	}
	tt.signOn()
	e := tt.network("301")
	if rc(e) != "00" || str(e, 70) != "301" {
		t.Fatalf("echo: DE 39 %q DE 70 %q", rc(e), str(e, 70))
	}
	if r := tt.purchase(visaPAN, 1000); rc(r) != "00" {
		t.Fatalf("after sign-on: DE 39 %q", rc(r))
	}
	if rc(tt.network("002")) != "00" {
		t.Fatal("sign-off refused")
	}
	if r := tt.purchase(visaPAN, 1000); rc(r) != "58" {
		t.Fatalf("after sign-off: DE 39 %q, want 58", rc(r))
	}
	if rc(tt.network("999")) != "12" {
		t.Fatal("unknown DE 70 accepted")
	}
}

// HOST.FIN.001/002: a purchase debits once; routing by BIN.
func TestPurchaseApprovedAndRouted(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	r := tt.purchase(visaPAN, 1234)
	if rc(r) != "00" {
		t.Fatalf("DE 39 %q", rc(r))
	}
	rrn := str(r, 37)
	if len(rrn) != 12 || !strings.HasPrefix(rrn, "T1") {
		t.Fatalf("RRN %q: want 12 characters with the node prefix", rrn)
	}
	if str(r, 38) == "" || str(r, 2) != visaPAN || str(r, 4) != "000000001234" || str(r, 41) != "TERM0001" {
		t.Fatalf("answer fields: %s", r)
	}
	if got := f.visa.bal(visaPAN); got != 100000-1234 {
		t.Fatalf("visa ledger %d", got)
	}
	tx := getTxn(t, f.j, rrn)
	if tx.State != journal.Approved || tx.Kind != journal.Purchase || tx.Scheme != "visa" || tx.Issuer != "visa-test" {
		t.Fatalf("journal: %+v", tx)
	}
	if tx.PANMasked != "476173******0010" {
		t.Fatalf("journal PAN %q", tx.PANMasked)
	}
	r2 := tt.purchase(mcPAN, 500)
	if rc(r2) != "00" || f.mc.bal(mcPAN) != 100000-500 || f.visa.count("0200") != 1 {
		t.Fatalf("mastercard routing: DE 39 %q, mc ledger %d", rc(r2), f.mc.bal(mcPAN))
	}
	if str(r, 37) == str(r2, 37) {
		t.Fatal("two transactions share an RRN")
	}
	// The issuer got the acquirer's STAN, DE 32 and RRN, and no track 2.
	f.visa.mu.Lock()
	seen := f.visa.seen[0]
	f.visa.mu.Unlock()
	if seen != "0200"+rrn {
		t.Fatalf("issuer saw %q", seen)
	}
}

// HOST.FIN.003: no route → 15, nothing forwarded.
func TestNoRoute(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	r := tt.purchase("6011000990139424", 100)
	if rc(r) != "15" {
		t.Fatalf("DE 39 %q, want 15", rc(r))
	}
	if tx := getTxn(t, f.j, str(r, 37)); tx.State != journal.Declined || tx.RC != "15" {
		t.Fatalf("journal: %+v", tx)
	}
}

// HOST.AUTH.008-013: the issuer's decline codes pass through.
func TestDeclineCodesPassThrough(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	if r := tt.purchase("4761730000000000", 100); rc(r) != "14" {
		t.Fatalf("unknown card: DE 39 %q, want 14", rc(r))
	}
	if r := tt.purchase(visaPAN2, 1000); rc(r) != "51" {
		t.Fatalf("insufficient funds: DE 39 %q, want 51", rc(r))
	}
	for _, code := range []string{"05", "54", "55", "57", "61", "91"} {
		f.visa.set(func(ti *testIssuer) { ti.decline[visaPAN] = code })
		r := tt.purchase(visaPAN, 100)
		if rc(r) != code || r.Has(38) {
			t.Fatalf("issuer %s: DE 39 %q, DE 38 present %v", code, rc(r), r.Has(38))
		}
		if tx := getTxn(t, f.j, str(r, 37)); tx.State != journal.Declined || tx.RC != code {
			t.Fatalf("journal: %+v", tx)
		}
	}
	if f.visa.bal(visaPAN) != 100000 {
		t.Fatal("a decline moved money")
	}
}

// HOST.FLT.001: a duplicate is answered 94 and debits nothing; a repeat
// gets the first answer.
func TestDuplicateAndRepeat(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	req := tt.request("0200", "000000", visaPAN, 700)
	first := tt.rt(req)
	if rc(first) != "00" {
		t.Fatalf("first: %q", rc(first))
	}
	dup := tt.rt(req)
	if rc(dup) != "94" {
		t.Fatalf("duplicate: DE 39 %q, want 94", rc(dup))
	}
	req.MTI = iso8583.MustMTI("0201")
	rep := tt.rt(req)
	if rc(rep) != "00" || str(rep, 37) != str(first, 37) || str(rep, 38) != str(first, 38) {
		t.Fatalf("repeat: DE 39 %q RRN %q, want the first answer %q", rc(rep), str(rep, 37), str(first, 37))
	}
	if f.visa.bal(visaPAN) != 100000-700 || f.visa.count("0200") != 1 {
		t.Fatalf("ledger %d after %d forwards", f.visa.bal(visaPAN), f.visa.count("0200"))
	}
	all, _ := f.j.Find(context.Background(), journal.Filter{Batch: -1})
	if len(all) != 1 {
		t.Fatalf("journal holds %d transactions, want 1", len(all))
	}
	// A repeat of a request never seen is processed.
	r := tt.request("0201", "000000", visaPAN, 50)
	if got := tt.rt(r); rc(got) != "00" {
		t.Fatalf("repeat of an unseen request: %q", rc(got))
	}
}

// HOST.REV.001: no answer in time → 91 and a reversal restores the balance.
func TestTimeoutReversal(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	f.visa.set(func(ti *testIssuer) { ti.hold = true })
	start := time.Now()
	r := tt.purchase(visaPAN, 2500)
	if rc(r) != "91" || r.Has(38) {
		t.Fatalf("DE 39 %q, want 91", rc(r))
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Fatalf("answered after %v, want the 300 ms timeout", d)
	}
	rrn := str(r, 37)
	f.visa.set(func(ti *testIssuer) { ti.hold = false })
	eventually(t, "reversal acknowledged", func() bool {
		return getTxn(t, f.j, rrn).Reversal == journal.ReversalDone
	})
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d, want restored", b)
	}
	tx := getTxn(t, f.j, rrn)
	if tx.State != journal.Reversed || tx.RC != "91" {
		t.Fatalf("journal: %+v", tx)
	}
}

// HOST.REV.003: an approval arriving after the timeout is reversed, even
// when the first reversal overtook the original at the issuer.
func TestLateResponseReversed(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	f.visa.set(func(ti *testIssuer) { ti.delay = 700 * time.Millisecond })
	r := tt.purchase(visaPAN, 3000)
	if rc(r) != "91" {
		t.Fatalf("DE 39 %q, want 91", rc(r))
	}
	rrn := str(r, 37)
	f.visa.set(func(ti *testIssuer) { ti.delay = 0 })
	// The first reversal reaches the issuer before the original is decided
	// (unknown there: nothing to credit); the late approval debits; the
	// acquirer reverses again.
	eventually(t, "second reversal", func() bool {
		f.visa.mu.Lock()
		defer f.visa.mu.Unlock()
		return f.visa.reversals[rrn] >= 2
	})
	eventually(t, "ledger restored", func() bool { return f.visa.bal(visaPAN) == 100000 })
	eventually(t, "reversal done", func() bool { return getTxn(t, f.j, rrn).Reversal == journal.ReversalDone })
}

// HOST.REV.006: a dropped issuer connection gives 91, no money moves, and
// the link comes back.
func TestIssuerDrop(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	f.visa.set(func(ti *testIssuer) { ti.drop = true })
	r := tt.purchase(visaPAN, 100)
	if rc(r) != "91" {
		t.Fatalf("DE 39 %q, want 91", rc(r))
	}
	f.visa.set(func(ti *testIssuer) { ti.drop = false })
	eventually(t, "reversal done", func() bool { return getTxn(t, f.j, str(r, 37)).Reversal == journal.ReversalDone })
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d", b)
	}
	if r := tt.purchase(visaPAN, 100); rc(r) != "00" {
		t.Fatalf("after reconnect: DE 39 %q", rc(r))
	}
}

// HOST.FLT.003: a malformed issuer answer gives 91 and the debit is
// reversed.
func TestMalformedIssuerAnswer(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	f.visa.set(func(ti *testIssuer) { ti.malformed = true })
	r := tt.purchase(visaPAN, 900)
	if rc(r) != "91" {
		t.Fatalf("DE 39 %q, want 91", rc(r))
	}
	f.visa.set(func(ti *testIssuer) { ti.malformed = false })
	eventually(t, "ledger restored", func() bool { return f.visa.bal(visaPAN) == 100000 })
	eventually(t, "reversal done", func() bool { return getTxn(t, f.j, str(r, 37)).Reversal == journal.ReversalDone })
}

// HOST.REF.001/002: a refund linked by RRN credits; an unknown RRN is 25.
func TestRefund(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	p := tt.purchase(visaPAN, 5000)
	ref := tt.request("0200", "200000", visaPAN, 2000)
	ref.SetString(37, str(p, 37))
	r := tt.rt(ref)
	if rc(r) != "00" || str(r, 37) == str(p, 37) {
		t.Fatalf("refund: DE 39 %q RRN %q", rc(r), str(r, 37))
	}
	if b := f.visa.bal(visaPAN); b != 100000-5000+2000 {
		t.Fatalf("ledger %d", b)
	}
	tx := getTxn(t, f.j, str(r, 37))
	if tx.Kind != journal.Refund || tx.OrigRRN != str(p, 37) || tx.State != journal.Approved {
		t.Fatalf("journal: %+v", tx)
	}
	bad := tt.request("0200", "200000", visaPAN, 100)
	bad.SetString(37, "T1ZZZZZZZZZZ")
	if r := tt.rt(bad); rc(r) != "25" {
		t.Fatalf("unknown original: DE 39 %q, want 25", rc(r))
	}
	over := tt.request("0200", "200000", visaPAN, 6000)
	over.SetString(37, str(p, 37))
	if r := tt.rt(over); rc(r) != "13" {
		t.Fatalf("refund above the original: DE 39 %q, want 13", rc(r))
	}
	// Refunds add up to the original's amount at most: 2000 + 3000 of
	// 5000, then nothing more; a reversed refund gives its amount back.
	ref2 := tt.request("0200", "200000", visaPAN, 3000)
	ref2.SetString(37, str(p, 37))
	r2 := tt.rt(ref2)
	if rc(r2) != "00" {
		t.Fatalf("second refund: %q", rc(r2))
	}
	one := tt.request("0200", "200000", visaPAN, 1)
	one.SetString(37, str(p, 37))
	if r := tt.rt(one); rc(r) != "13" {
		t.Fatalf("refund beyond the original's amount: DE 39 %q, want 13", rc(r))
	}
	if r := tt.rt(reversalOf(tt, "0400", ref2, r2)); rc(r) != "00" {
		t.Fatalf("reversal of the refund: %q", rc(r))
	}
	if b := f.visa.bal(visaPAN); b != 100000-5000+2000 {
		t.Fatalf("ledger %d after the refund's reversal", b)
	}
	one = tt.request("0200", "200000", visaPAN, 3000)
	one.SetString(37, str(p, 37))
	if r := tt.rt(one); rc(r) != "00" {
		t.Fatalf("refund after a reversed refund: DE 39 %q", rc(r))
	}
}

// HOST.REF.003: a void cancels the purchase and restores the balance.
func TestVoid(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	p := tt.purchase(visaPAN, 4000)
	wrong := tt.request("0200", "020000", visaPAN, 3999)
	wrong.SetString(37, str(p, 37))
	if r := tt.rt(wrong); rc(r) != "13" {
		t.Fatalf("void of another amount: DE 39 %q, want 13", rc(r))
	}
	v := tt.request("0200", "020000", visaPAN, 4000)
	v.SetString(37, str(p, 37))
	r := tt.rt(v)
	if rc(r) != "00" {
		t.Fatalf("void: DE 39 %q", rc(r))
	}
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d, want restored", b)
	}
	orig := getTxn(t, f.j, str(p, 37))
	if orig.State != journal.Voided || orig.Reversal != journal.ReversalDone {
		t.Fatalf("original: %+v", orig)
	}
	if vt := getTxn(t, f.j, str(r, 37)); vt.Kind != journal.Void || vt.OrigRRN != str(p, 37) {
		t.Fatalf("void: %+v", vt)
	}
	again := tt.request("0200", "020000", visaPAN, 4000)
	again.SetString(37, str(p, 37))
	if r := tt.rt(again); rc(r) != "12" {
		t.Fatalf("second void: DE 39 %q, want 12", rc(r))
	}
}

// HOST.AUTH.004: a balance inquiry returns DE 54.
func TestBalanceInquiry(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	q := tt.request("0100", "310000", visaPAN, 0)
	r := tt.rt(q)
	if rc(r) != "00" || str(r, 54) != "0002978C000000100000" {
		t.Fatalf("DE 39 %q DE 54 %q", rc(r), str(r, 54))
	}
	if tx := getTxn(t, f.j, str(r, 37)); tx.Kind != journal.Balance {
		t.Fatalf("journal: %+v", tx)
	}
}

// HOST.ADV.001: an 0220 advice is forwarded, debited and journalled; its
// repeat is answered again without a second debit.
func TestAdvice(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	adv := tt.request("0220", "000000", visaPAN, 1500)
	adv.SetString(39, "Y1")
	r := tt.rt(adv)
	if rc(r) != "00" {
		t.Fatalf("0230 DE 39 %q", rc(r))
	}
	if b := f.visa.bal(visaPAN); b != 100000-1500 {
		t.Fatalf("ledger %d", b)
	}
	tx := getTxn(t, f.j, str(r, 37))
	if tx.Kind != journal.Advice || tx.State != journal.Approved {
		t.Fatalf("journal: %+v", tx)
	}
	adv.MTI = iso8583.MustMTI("0221")
	if r2 := tt.rt(adv); rc(r2) != "00" || str(r2, 37) != str(r, 37) {
		t.Fatalf("0221: DE 39 %q", rc(r2))
	}
	if b := f.visa.bal(visaPAN); b != 100000-1500 {
		t.Fatalf("ledger %d after the repeat", b)
	}
	// An advice the issuer could not take is answered 91 and taken on its
	// repeat, with the same RRN.
	f.visa.set(func(ti *testIssuer) { ti.drop = true })
	adv2 := tt.request("0220", "000000", visaPAN, 100)
	adv2.SetString(39, "Y3")
	r3 := tt.rt(adv2)
	if rc(r3) != "91" {
		t.Fatalf("advice with the issuer down: %q", rc(r3))
	}
	if tx := getTxn(t, f.j, str(r3, 37)); tx.State != journal.Pending || tx.Reversal != journal.NoReversal {
		t.Fatalf("advice not taken: %+v", tx)
	}
	f.visa.set(func(ti *testIssuer) { ti.drop = false })
	adv2.MTI = iso8583.MustMTI("0221")
	eventually(t, "advice taken", func() bool { return rc(tt.rt(adv2)) == "00" })
	if tx := getTxn(t, f.j, str(r3, 37)); tx.State != journal.Approved {
		t.Fatalf("advice: %+v", tx)
	}
	if b := f.visa.bal(visaPAN); b != 100000-1600 {
		t.Fatalf("ledger %d", b)
	}
}

func reversalOf(tt *testTerminal, mti string, orig *iso8583.Message, origResp *iso8583.Message) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	m.SetString(3, str(orig, 3))
	m.SetString(4, str(orig, 4))
	m.SetString(7, "1128120100")
	m.SetString(11, tt.nextSTAN())
	m.SetString(41, tt.tid)
	m.SetString(42, "MERCHANT0000001")
	m.SetString(49, "978")
	m.SetString(39, "68")
	m.SetString(90, orig.MTI.String()+str(orig, 11)+str(orig, 7)+"0000000000000000000000")
	if origResp != nil {
		m.SetString(37, str(origResp, 37))
	}
	return m
}

// HOST.REV.002/004/005: a terminal reversal restores the balance once.
func TestTerminalReversal(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	req := tt.request("0200", "000000", visaPAN, 800)
	p := tt.rt(req)
	rev := reversalOf(tt, "0400", req, nil) // found by DE 90 alone
	r := tt.rt(rev)
	if rc(r) != "00" || str(r, 37) != str(p, 37) {
		t.Fatalf("0410 DE 39 %q DE 37 %q", rc(r), str(r, 37))
	}
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d", b)
	}
	rev.MTI = iso8583.MustMTI("0401")
	if r := tt.rt(rev); rc(r) != "00" {
		t.Fatalf("0401: %q", rc(r))
	}
	adv := reversalOf(tt, "0420", req, p)
	if r := tt.rt(adv); rc(r) != "00" {
		t.Fatalf("0420: %q", rc(r))
	}
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d after repeats", b)
	}
	if tx := getTxn(t, f.j, str(p, 37)); tx.State != journal.Reversed || tx.Reversal != journal.ReversalDone {
		t.Fatalf("journal: %+v", tx)
	}
	f.visa.mu.Lock()
	n := f.visa.reversals[str(p, 37)]
	f.visa.mu.Unlock()
	if n != 1 {
		t.Fatalf("issuer got %d reversals, want 1", n)
	}
	// 0420 after a host approval the card declined (reason 06), found by
	// DE 37.
	req2 := tt.request("0200", "000000", visaPAN, 300)
	p2 := tt.rt(req2)
	a2 := reversalOf(tt, "0420", req2, p2)
	a2.Unset(90)
	a2.SetString(39, "06")
	if r := tt.rt(a2); rc(r) != "00" || f.visa.bal(visaPAN) != 100000 {
		t.Fatalf("0430 %q ledger %d", rc(r), f.visa.bal(visaPAN))
	}
	// Unknown original: 00, nothing changes.
	unk := reversalOf(tt, "0400", tt.request("0200", "000000", visaPAN, 1), nil)
	if r := tt.rt(unk); rc(r) != "00" {
		t.Fatalf("unknown: %q", rc(r))
	}
}

func settlement(tt *testTerminal, batch string, credits, debits, creditAmt, debitAmt int64) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0500"))
	m.SetString(3, "920000")
	m.SetString(7, "1128180000")
	m.SetString(11, tt.nextSTAN())
	m.SetString(41, tt.tid)
	m.SetString(42, "MERCHANT0000001")
	m.SetString(49, "978")
	m.SetString(60, batch)
	m.SetString(74, itoa(credits))
	m.SetString(76, itoa(debits))
	m.SetString(86, itoa(creditAmt))
	m.SetString(88, itoa(debitAmt))
	return tt.rt(m)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// HOST.SET.001-003: settlement in and out of balance, totals per scheme.
func TestSettlement(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	p1 := tt.purchase(visaPAN, 1000)
	tt.purchase(mcPAN, 2000)
	tt.purchase(visaPAN2, 99999) // declined: not counted
	ref := tt.request("0200", "200000", visaPAN, 400)
	ref.SetString(37, str(p1, 37))
	tt.rt(ref)
	req := tt.request("0200", "000000", visaPAN, 50)
	tt.rt(req)
	tt.rt(reversalOf(tt, "0400", req, nil)) // reversed: not counted
	auth := tt.request("0100", "000000", visaPAN, 77)
	tt.rt(auth) // pre-authorisation: not counted

	out := settlement(tt, "000001", 1, 2, 400, 2999)
	if rc(out) != "95" {
		t.Fatalf("out of balance: DE 39 %q, want 95", rc(out))
	}
	if str(out, 76) != "0000000002" || str(out, 88) != "0000000000003000" || str(out, 74) != "0000000001" || str(out, 86) != "0000000000000400" {
		t.Fatalf("acquirer totals: 74=%s 76=%s 86=%s 88=%s", str(out, 74), str(out, 76), str(out, 86), str(out, 88))
	}
	if got, want := str(out, 63), "mastercard:D=1/2000,C=0/0;visa:D=1/1000,C=1/400"; got != want {
		t.Fatalf("DE 63 %q, want %q", got, want)
	}
	open, _ := f.j.Find(context.Background(), journal.Filter{TerminalID: "TERM0001", Batch: 0})
	if len(open) == 0 {
		t.Fatal("a 95 closed the batch")
	}
	in := settlement(tt, "000001", 1, 2, 400, 3000)
	if rc(in) != "00" {
		t.Fatalf("in balance: DE 39 %q", rc(in))
	}
	open, _ = f.j.Find(context.Background(), journal.Filter{TerminalID: "TERM0001", Batch: 0})
	if len(open) != 0 {
		t.Fatalf("%d transactions left open after the close", len(open))
	}
	closed, _ := f.j.Find(context.Background(), journal.Filter{TerminalID: "TERM0001", Batch: 1})
	if len(closed) != 6 {
		t.Fatalf("batch 1 holds %d transactions, want 6", len(closed))
	}
	// The next batch starts empty.
	if r := settlement(tt, "000002", 0, 0, 0, 0); rc(r) != "00" {
		t.Fatalf("empty batch: %q", rc(r))
	}
}

func query(tt *testTerminal, proc string, set func(m *iso8583.Message)) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0600"))
	m.SetString(3, proc)
	m.SetString(7, "1128180000")
	m.SetString(11, tt.nextSTAN())
	m.SetString(41, tt.tid)
	if set != nil {
		set(m)
	}
	return tt.rt(m)
}

// HOST.QRY.001/002: transaction and bill queries.
func TestQueries(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	req := tt.request("0200", "000000", visaPAN, 1000)
	p := tt.rt(req)
	r := query(tt, "960000", func(m *iso8583.Message) { m.SetString(37, str(p, 37)) })
	if rc(r) != "00" || !strings.HasPrefix(str(r, 48), "state=approved;rc=00;amount=1000;kind=purchase;") {
		t.Fatalf("query by RRN: %q %q", rc(r), str(r, 48))
	}
	r = query(tt, "960000", func(m *iso8583.Message) { m.SetString(48, "stan="+str(req, 11)) })
	if rc(r) != "00" || str(r, 37) != str(p, 37) {
		t.Fatalf("query by STAN: %q %q", rc(r), str(r, 37))
	}
	if r := query(tt, "960000", func(m *iso8583.Message) { m.SetString(37, "T1NOSUCHRRN0") }); rc(r) != "25" {
		t.Fatalf("unknown RRN: %q", rc(r))
	}
	tt.purchase(mcPAN, 250)
	b := query(tt, "970000", nil)
	if rc(b) != "00" || str(b, 48) != "mastercard:D=1/250,C=0/0;visa:D=1/1000,C=0/0" || str(b, 76) != "0000000002" {
		t.Fatalf("bill: %q %q 76=%q", rc(b), str(b, 48), str(b, 76))
	}
	other := dialTerminal(t, f.addr, "TERM0002")
	other.signOn()
	if r := query(other, "960000", func(m *iso8583.Message) { m.SetString(37, str(p, 37)) }); rc(r) != "25" {
		t.Fatalf("another terminal's transaction: %q", rc(r))
	}
}

// Pipelining: many requests in flight on one connection, answered by STAN.
func TestPipelined(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	const n = 200
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		m := tt.request("0200", "000000", visaPAN, 10)
		want[str(m, 11)] = true
		tt.send(m)
	}
	for i := 0; i < n; i++ {
		r := tt.recv()
		if rc(r) != "00" || !want[str(r, 11)] {
			t.Fatalf("answer %d: DE 39 %q STAN %q", i, rc(r), str(r, 11))
		}
		delete(want, str(r, 11))
	}
	if b := f.visa.bal(visaPAN); b != 100000-n*10 {
		t.Fatalf("ledger %d", b)
	}
}

// HOST.FLT.002: a malformed frame with a readable MTI gets 30 and the
// connection survives; an unreadable one closes the connection.
func TestMalformedTerminalInput(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	iso8583.DefaultFraming.Write(tt.c, iso8583.TPDU{}, []byte("0200\xff\xff\xff\xff\xff\xff\xff\xffjunk"))
	r := tt.recv()
	if r.MTI != iso8583.MustMTI("0210") || rc(r) != "30" {
		t.Fatalf("answer %s DE 39 %q, want 0210 30", r.MTI, rc(r))
	}
	// A well-formed request without a PAN is a format error too.
	m := tt.request("0200", "000000", visaPAN, 1)
	m.Unset(2)
	if r := tt.rt(m); rc(r) != "30" {
		t.Fatalf("no PAN: %q", rc(r))
	}
	if r := tt.purchase(visaPAN, 100); rc(r) != "00" {
		t.Fatalf("after the malformed frame: %q", rc(r))
	}
	tt.c.Write([]byte{0, 0}) // keep-alive: not answered
	iso8583.DefaultFraming.Write(tt.c, iso8583.TPDU{}, []byte("\x00\x01garbage"))
	tt.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := iso8583.DefaultFraming.Read(tt.br); err == nil {
		t.Fatal("an unreadable frame got an answer, want the connection closed")
	}
	// The acquirer still serves others.
	t2 := dialTerminal(t, f.addr, "TERM0001")
	t2.signOn()
	if r := t2.purchase(visaPAN, 100); rc(r) != "00" {
		t.Fatalf("another connection: %q", rc(r))
	}
}

// A terminal that drops its connection mid-request loses nothing: the
// outcome is journalled, and the terminal's reversal on its next
// connection restores the balance.
func TestDroppedTerminalConnection(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	f.visa.set(func(ti *testIssuer) { ti.delay = 100 * time.Millisecond })
	req := tt.request("0200", "000000", visaPAN, 600)
	tt.send(req)
	tt.c.Close()
	eventually(t, "outcome journalled", func() bool {
		ts, _ := f.j.Find(context.Background(), journal.Filter{TerminalID: "TERM0001", States: []journal.State{journal.Approved}})
		return len(ts) == 1
	})
	f.visa.set(func(ti *testIssuer) { ti.delay = 0 })
	t2 := dialTerminal(t, f.addr, "TERM0001")
	if r := t2.rt(reversalOf(t2, "0400", req, nil)); rc(r) != "00" {
		t.Fatalf("reversal: %q", rc(r))
	}
	if b := f.visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d", b)
	}
}

// HOST.REV.007: reversals owed when the acquirer stops, and a transaction
// a crash left Pending, are sent after a restart, once.
func TestRestartSendsOwedReversals(t *testing.T) {
	j := journal.NewMemory()
	visa := newTestIssuer(t, map[string]int64{visaPAN: 100000})
	route := WithRoute(Route{Name: "visa-test", Scheme: "visa", BINs: []string{"476173"}, Addr: visa.addr()})

	a1 := New(j, route, WithIssuerTimeout(200*time.Millisecond), WithNodeID("A"))
	ln, _ := newListener(t)
	go a1.Serve(ln)
	tt := dialTerminal(t, ln.Addr().String(), "TERM0001")
	tt.signOn()
	visa.set(func(ti *testIssuer) { ti.hold, ti.mute = true, true })
	r := tt.purchase(visaPAN, 1000)
	if rc(r) != "91" {
		t.Fatalf("DE 39 %q", rc(r))
	}
	owedRRN := str(r, 37)
	if b := visa.bal(visaPAN); b != 99000 {
		t.Fatalf("ledger %d: the held purchase was not debited", b)
	}
	time.Sleep(100 * time.Millisecond)
	a1.Close()
	if tx := getTxn(t, j, owedRRN); tx.Reversal != journal.ReversalOwed {
		t.Fatalf("after stop: %+v", tx)
	}
	// A crash after forwarding: the issuer debited, the journal says Pending.
	crashRRN := "0ACRASH00001"
	now := time.Now().UTC()
	j.Put(context.Background(), journal.Txn{RRN: crashRRN, TerminalID: "TERM0001", STAN: "000099", Sent: "1128120000",
		MTI: "0200", Kind: journal.Purchase, ProcCode: "000000", PANMasked: "476173******0010", Scheme: "visa",
		Issuer: "visa-test", Amount: 500, Currency: "978", State: journal.Pending, Created: now, Updated: now})
	visa.set(func(ti *testIssuer) {
		ti.balance[visaPAN] -= 500
		ti.txns[crashRRN] = &tiTxn{pan: visaPAN, amount: 500, approved: true}
		ti.mute, ti.hold = false, false
	})
	visa.mu.Lock()
	before := visa.reversals[owedRRN]
	visa.mu.Unlock()

	startAcquirer(t, j, route, WithIssuerTimeout(200*time.Millisecond), WithNodeID("A"))
	// Another node on the same journal leaves node A's transactions alone.
	startAcquirer(t, j, route, WithIssuerTimeout(200*time.Millisecond), WithNodeID("B"))
	eventually(t, "both reversals done", func() bool {
		return getTxn(t, j, owedRRN).Reversal == journal.ReversalDone && getTxn(t, j, crashRRN).Reversal == journal.ReversalDone
	})
	if b := visa.bal(visaPAN); b != 100000 {
		t.Fatalf("ledger %d, want restored", b)
	}
	if tx := getTxn(t, j, crashRRN); tx.State != journal.Reversed {
		t.Fatalf("crashed transaction: %+v", tx)
	}
	time.Sleep(300 * time.Millisecond)
	visa.mu.Lock()
	after, crash := visa.reversals[owedRRN], visa.reversals[crashRRN]
	visa.mu.Unlock()
	if after != before+1 || crash != 1 {
		t.Fatalf("reversals after restart: owed %d (before %d), crashed %d; want one each", after, before, crash)
	}
}

func TestRoutes(t *testing.T) {
	rt := newRouter([]Route{
		{Name: "wide", BINs: []string{"400000-499999"}},
		{Name: "narrow", BINs: []string{"476000-476999"}},
		{Name: "prefix", BINs: []string{"476173"}},
		{Name: "long", BINs: []string{"47617390"}},
	})
	for pan, want := range map[string]string{
		"4000000000000002": "wide",
		"4760000000000000": "narrow",
		"4761730000000000": "prefix",
		"4761739001010010": "long",
		"5100000000000000": "",
		"47":               "",
	} {
		r, ok := rt.lookup(pan)
		if r.Name != want || ok != (want != "") {
			t.Errorf("%s: route %q, want %q", pan, r.Name, want)
		}
	}
	for _, bad := range []string{"", "4x", "49-4", "400-4999", "5-4"} {
		if err := (Route{Name: "x", Addr: "y", BINs: []string{bad}}).check(); err == nil {
			t.Errorf("BIN %q accepted", bad)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	a := New(journal.NewMemory(), WithNodeID("ABC"), WithAcquirerID("x"), WithRoute(Route{Name: "n"}))
	ln, _ := newListener(t)
	if err := a.Serve(ln); err == nil || !strings.Contains(err.Error(), "node id") {
		t.Fatalf("Serve with bad options: %v", err)
	}
	if err := New(nil).Start(); err == nil {
		t.Fatal("nil journal accepted")
	}
}

func TestRRNUnique(t *testing.T) {
	now := func() time.Time { return time.Unix(1700000000, 0) }
	g1, g2 := newIDGen("1", now), newIDGen("2", now)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		for _, r := range []string{g1.rrn(), g2.rrn()} {
			if len(r) != 12 || seen[r] {
				t.Fatalf("RRN %q repeated or malformed", r)
			}
			seen[r] = true
		}
	}
	// A restart a second later does not reuse the first run's RRNs.
	g3 := newIDGen("1", func() time.Time { return time.Unix(1700000001, 0) })
	if r := g3.rrn(); seen[r] {
		t.Fatalf("restart reused %q", r)
	}
}

// With several nodes on one journal, a node recovers only its own
// transactions: another node's Pending one may be in flight.
func TestRecoveryOnlyOwnNode(t *testing.T) {
	j := journal.NewMemory()
	visa := newTestIssuer(t, map[string]int64{visaPAN: 100000})
	now := time.Now().UTC()
	j.Put(context.Background(), journal.Txn{RRN: "0AINFLIGHT01", TerminalID: "TERM0001", STAN: "000001", Sent: "1128120000",
		MTI: "0200", Kind: journal.Purchase, ProcCode: "000000", Issuer: "visa-test", Amount: 5, State: journal.Pending,
		Created: now, Updated: now})
	a := New(j, WithRoute(Route{Name: "visa-test", Scheme: "visa", BINs: []string{"476173"}, Addr: visa.addr()}), WithNodeID("B"))
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	time.Sleep(200 * time.Millisecond)
	if tx := getTxn(t, j, "0AINFLIGHT01"); tx.State != journal.Pending || tx.Reversal != journal.NoReversal {
		t.Fatalf("node B touched node A's transaction: %+v", tx)
	}
	if n := visa.count("0400"); n != 0 {
		t.Fatalf("%d reversals sent", n)
	}
}

// The log never holds a full PAN or track 2, whatever happens.
func TestLogMasked(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, WithLogger(log))
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	tt.purchase(visaPAN, 100)
	f.visa.set(func(ti *testIssuer) { ti.malformed = true })
	tt.purchase(visaPAN, 100)
	f.visa.set(func(ti *testIssuer) { ti.malformed = false })
	good := tt.request("0200", "000000", visaPAN, 100)
	b, _ := good.Pack()
	iso8583.DefaultFraming.Write(tt.c, iso8583.TPDU{}, append(b, "trailing"...))
	if r := tt.recv(); rc(r) != "30" {
		t.Fatalf("trailing bytes: %q", rc(r))
	}
	eventually(t, "reversal logged", func() bool { return strings.Contains(buf.String(), "reversal acknowledged") })
	out := buf.String()
	if strings.Contains(out, visaPAN) || strings.Contains(out, "=2912") {
		t.Fatalf("sensitive data in the log:\n%s", out)
	}
	if !strings.Contains(out, "476173******0010") {
		t.Fatalf("the malformed message's masked fields are not logged:\n%s", out)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestListenAndServe(t *testing.T) {
	ti := newTestIssuer(t, map[string]int64{visaPAN: 1000})
	a := New(journal.NewMemory(), WithRoute(Route{Name: "v", Scheme: "visa", BINs: []string{"4"}, Addr: ti.addr()}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ListenAndServe(ctx, "127.0.0.1:0") }()
	eventually(t, "listening", func() bool { return a.Addr() != nil })
	tt := dialTerminal(t, a.Addr().String(), "TERM0001")
	tt.signOn()
	// A request in flight when the acquirer stops is still answered.
	ti.set(func(ti *testIssuer) { ti.delay = 200 * time.Millisecond })
	tt.send(tt.request("0200", "000000", visaPAN, 10))
	time.Sleep(50 * time.Millisecond)
	cancel()
	if r := tt.recv(); rc(r) != "00" {
		t.Fatalf("in-flight answer: %q", rc(r))
	}
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
	if _, err := net.Dial("tcp", a.Addr().String()); err == nil {
		t.Fatal("still listening after the context ended")
	}
}

// An idle issuer link gets an 0800 echo test (DE 70 301).
func TestIssuerEchoOnIdle(t *testing.T) {
	f := newFixture(t, WithEchoInterval(500*time.Millisecond))
	eventually(t, "echo test at the issuer", func() bool { return f.visa.count("0800") > 0 && f.mc.count("0800") > 0 })
}
