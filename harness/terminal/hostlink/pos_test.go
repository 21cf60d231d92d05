package hostlink

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/terminal"
)

var txDate = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

type fixedPad string

func (p fixedPad) EnterPIN(context.Context, terminal.PINPrompt) (terminal.PINEntry, error) {
	return terminal.PINEntry{PIN: string(p)}, nil
}

// bench is a POS on a fake host with an emulated card and the reference
// kernel, the link as its Authorizer.
type bench struct {
	host *fakeHost
	link *Link
	pos  *POS
	k    *terminal.Kernel
	card *card.Card
	prof *card.Profile
}

func newBench(t *testing.T, profile string, edit func(*card.Profile), opts ...Option) *bench {
	t.Helper()
	p, err := card.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	c, err := card.New(p, card.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	h := newFakeHost(t).withCard(p)
	opts = append([]Option{WithRetryInterval(20 * time.Millisecond)}, opts...)
	l := dial(t, h, opts...)
	if err := l.SignOn(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := terminal.DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	k, err := terminal.NewKernel(cfg, terminal.WithRand(rand.New(rand.NewPCG(1, 2))),
		terminal.WithAuthorizer(l), terminal.WithPINPad(fixedPad(p.Apps[0].PIN)))
	if err != nil {
		t.Fatal(err)
	}
	return &bench{host: h, link: l, pos: NewPOS(l), k: k, card: c, prof: p}
}

func (b *bench) purchase(t *testing.T, amount uint64) Receipt {
	t.Helper()
	b.card.Reset()
	r, err := b.pos.Purchase(context.Background(), b.k, b.card,
		terminal.Transaction{Amount: amount, Type: terminal.TypePurchase, Date: txDate, Sequence: 1})
	if err != nil {
		t.Fatalf("purchase: %v (%v)", err, r.Outcome)
	}
	return r
}

func flush(t *testing.T, l *Link) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPurchaseOnlineApproved(t *testing.T) {
	b := newBench(t, "visa-cda-online", nil)
	r := b.purchase(t, 20000)
	if r.Outcome.Result != terminal.ApprovedOnline {
		t.Fatalf("outcome %v", r.Outcome)
	}
	if r.Entry.State != StateApproved || r.Entry.RRN == "" || r.Entry.RC != "00" || r.Entry.PANMasked != "476173******0119" || r.Entry.Amount != 20000 {
		t.Errorf("journal entry %+v", r.Entry)
	}
	if b.host.arqcErrs != 0 {
		t.Errorf("the host failed %d ARQCs", b.host.arqcErrs)
	}
	if len(b.link.Reversals()) != 0 {
		t.Errorf("reversals %+v", b.link.Reversals())
	}
	// Settle: one debit, in balance.
	s, err := b.pos.Settle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.InBalance || s.Terminal != (Totals{Debits: 1, DebitAmount: 20000}) || s.Batch != 1 || b.pos.Batch() != 2 {
		t.Errorf("settlement %+v", s)
	}
	if b.pos.Totals() != (Totals{}) {
		t.Errorf("totals after close %+v", b.pos.Totals())
	}
}

func TestPurchaseCardDeclinesAfterApprovalSendsReversalAdvice(t *testing.T) {
	b := newBench(t, "visa-cda-online", func(p *card.Profile) { p.Apps[0].IssuerAuthRequired = true })
	b.host.set(func(h *fakeHost) { h.wrongARPC = true })
	r := b.purchase(t, 20000)
	if r.Outcome.Result != terminal.DeclinedOnline {
		t.Fatalf("outcome %v, want declined online (issuer authentication failed)", r.Outcome)
	}
	if r.Entry.State != StateReversed || r.Entry.RC != "00" {
		t.Errorf("journal entry %+v", r.Entry)
	}
	flush(t, b.link)
	adv := b.host.messages(420)
	if len(adv) != 1 {
		t.Fatalf("%d 0420, want 1", len(adv))
	}
	if get(adv[0], 39) != ReasonCardDeclined || get(adv[0], 37) != r.Entry.RRN || get(adv[0], 4) != "000000020000" {
		t.Errorf("0420 DE 39 %q DE 37 %q DE 4 %q", get(adv[0], 39), get(adv[0], 37), get(adv[0], 4))
	}
	s, err := b.pos.Settle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.InBalance || s.Terminal != (Totals{}) {
		t.Errorf("settlement %+v", s)
	}
}

func TestPurchaseTimeoutReversesAndAdvisesOfflineApproval(t *testing.T) {
	b := newBench(t, "visa-cda-online", nil, WithTimeout(150*time.Millisecond))
	b.host.set(func(h *fakeHost) { h.silentAmount = "000000020000" })
	r := b.purchase(t, 20000)
	if !r.Outcome.UnableToGoOnline {
		t.Fatalf("outcome %v: want unable to go online", r.Outcome)
	}
	flush(t, b.link)
	if len(b.host.messages(400)) != 1 {
		t.Fatalf("%d 0400, want 1", len(b.host.messages(400)))
	}
	j := b.pos.Journal()
	if j[0].State != StateReversed || j[0].Kind != KindPurchase {
		t.Errorf("online attempt journalled %+v", j[0])
	}
	switch r.Outcome.Result {
	case terminal.ApprovedOffline:
		if len(j) != 2 || r.Entry.Kind != KindAdvice || r.Entry.RC != "Y3" {
			t.Fatalf("journal %+v", j)
		}
	case terminal.DeclinedOffline:
		if len(j) != 1 {
			t.Fatalf("journal %+v", j)
		}
	default:
		t.Fatalf("outcome %v", r.Outcome)
	}
	b.host.set(func(h *fakeHost) { h.silentAmount = "" })
	s, err := b.pos.Settle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.InBalance {
		t.Errorf("settlement %+v", s)
	}
	if r.Outcome.Result == terminal.ApprovedOffline {
		advs := b.host.messages(220)
		if s.Advices != 1 || len(advs) != 1 || get(advs[0], 39) != "Y3" {
			t.Errorf("advices: %d uploaded, %d received", s.Advices, len(advs))
		}
	}
}

func TestPurchaseOfflineApprovalIsStoredAndForwarded(t *testing.T) {
	b := newBench(t, "visa-sda-offline", nil)
	r := b.purchase(t, 500)
	if r.Outcome.Result != terminal.ApprovedOffline || r.Outcome.WentOnline {
		t.Fatalf("outcome %v: want approved offline", r.Outcome)
	}
	if r.Entry.Kind != KindAdvice || r.Entry.RC != "Y1" || r.Entry.Uploaded {
		t.Errorf("journal entry %+v", r.Entry)
	}
	if n := len(b.host.messages(0)); n != 1 { // the sign-on only
		t.Errorf("%d messages before settlement, want 1 (sign-on)", n)
	}
	s, err := b.pos.Settle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.InBalance || s.Advices != 1 || s.Terminal != (Totals{Debits: 1, DebitAmount: 500}) {
		t.Errorf("settlement %+v", s)
	}
	adv := b.host.messages(220)
	if len(adv) != 1 || get(adv[0], 39) != "Y1" || get(adv[0], 4) != "000000000500" || !adv[0].Has(55) {
		t.Fatalf("0220 %v", adv)
	}
	j := b.pos.Journal()
	if !j[0].Uploaded || j[0].RRN == "" || j[0].Batch != 1 {
		t.Errorf("journal after settlement %+v", j[0])
	}
}

func TestRefundVoidBalanceAndSettlementMismatch(t *testing.T) {
	b := newBench(t, "visa-cda-online", nil)
	ctx := context.Background()
	p1 := b.purchase(t, 20000)
	p2 := b.purchase(t, 15000)
	if p1.Entry.State != StateApproved || p2.Entry.State != StateApproved {
		t.Fatalf("purchases %+v %+v", p1.Entry, p2.Entry)
	}
	cd := CardData{PAN: "4761739001010119", Expiry: "4912", PANSeq: "001"}
	ref, err := b.pos.Refund(ctx, p1.Entry.RRN, 5000, cd)
	if err != nil || !ref.Approved || ref.RRN == "" || ref.RRN == p1.Entry.RRN {
		t.Fatalf("refund %+v %v", ref, err)
	}
	rm := b.host.messages(200)
	last := rm[len(rm)-1]
	if get(last, 3) != ProcRefund || get(last, 37) != p1.Entry.RRN || get(last, 4) != "000000005000" {
		t.Errorf("refund message DE 3 %q DE 37 %q DE 4 %q", get(last, 3), get(last, 37), get(last, 4))
	}
	v, err := b.pos.Void(ctx, p2.Entry.RRN)
	if err != nil || !v.Approved {
		t.Fatalf("void %+v %v", v, err)
	}
	for _, rrn := range []string{p2.Entry.RRN, "", "NOSUCHRRN"} {
		if _, err := b.pos.Void(ctx, rrn); !errors.Is(err, ErrUnknownTransaction) {
			t.Errorf("void %q: %v", rrn, err)
		}
	}
	bal, err := b.pos.Balance(ctx, cd)
	if err != nil || !bal.HasAvailable || bal.Available != 12345 || bal.Currency != "978" {
		t.Fatalf("balance %+v %v", bal, err)
	}
	if got := b.host.messages(100); len(got) != 1 || get(got[0], 3) != ProcBalance {
		t.Errorf("balance inquiry messages %d", len(got))
	}
	want := Totals{Debits: 1, DebitAmount: 20000, Credits: 1, CreditAmount: 5000}
	if b.pos.Totals() != want {
		t.Errorf("totals %+v, want %+v", b.pos.Totals(), want)
	}
	// The host counts one more debit: 95, its totals and per-scheme DE 63.
	b.host.set(func(h *fakeHost) { h.settleMismatch = true })
	s, err := b.pos.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.InBalance || s.RC != "95" || !s.HasHost || s.Host.Debits != 2 || s.Terminal != want || b.pos.Batch() != 1 {
		t.Errorf("settlement %+v", s)
	}
	if vs, ok := s.Schemes["visa"]; !ok || vs.Debits != 1 || vs.Credits != 1 || vs.CreditAmount != 5000 {
		t.Errorf("per scheme %+v", s.Schemes)
	}
	b.host.set(func(h *fakeHost) { h.settleMismatch = false })
	if s, err := b.pos.Settle(ctx); err != nil || !s.InBalance || s.Batch != 1 {
		t.Errorf("second settlement %+v %v", s, err)
	}
}

func TestForeignAuthorizer(t *testing.T) {
	b := newBench(t, "visa-cda-online", nil)
	other, err := Dial(context.Background(), b.host.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	cfg, _ := terminal.DefaultConfig()
	k, err := terminal.NewKernel(cfg, terminal.WithRand(rand.New(rand.NewPCG(1, 2))),
		terminal.WithAuthorizer(authorizerFunc(func(ctx context.Context, r terminal.AuthRequest) (terminal.AuthResponse, error) {
			return other.Authorize(context.WithoutCancel(context.Background()), r)
		})), terminal.WithPINPad(fixedPad(b.prof.Apps[0].PIN)))
	if err != nil {
		t.Fatal(err)
	}
	b.card.Reset()
	_, err = b.pos.Purchase(context.Background(), k, b.card, terminal.Transaction{Amount: 20000, Date: txDate, Sequence: 1})
	if !errors.Is(err, ErrForeignAuthorizer) {
		t.Errorf("purchase through another authorizer: %v", err)
	}
}

type authorizerFunc func(context.Context, terminal.AuthRequest) (terminal.AuthResponse, error)

func (f authorizerFunc) Authorize(ctx context.Context, r terminal.AuthRequest) (terminal.AuthResponse, error) {
	return f(ctx, r)
}

func TestParseSchemeTotals(t *testing.T) {
	got, err := ParseSchemeTotals("visa:D=3/4500,C=1/1000;mastercard:D=2/200")
	if err != nil {
		t.Fatal(err)
	}
	if got["visa"] != (Totals{Debits: 3, DebitAmount: 4500, Credits: 1, CreditAmount: 1000}) || got["mastercard"] != (Totals{Debits: 2, DebitAmount: 200}) {
		t.Errorf("%+v", got)
	}
	if names := SchemeNames(got); len(names) != 2 || names[0] != "mastercard" {
		t.Errorf("names %v", names)
	}
	for _, bad := range []string{"visa", "visa:X=1/2", "visa:D=1", "visa:D=a/1", "visa:D=1/2;visa:C=1/2", ":D=1/2"} {
		if _, err := ParseSchemeTotals(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseAdditionalAmounts(t *testing.T) {
	got, err := ParseAdditionalAmounts("0002978C000000012345" + "0001978D000000000010")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Amount != 12345 || got[0].AmountType != "02" || got[1].Amount != -10 {
		t.Errorf("%+v", got)
	}
	for _, bad := range []string{"", "0002978C00000001234", "0002978X000000012345", "00029A8C000000012345"} {
		if _, err := ParseAdditionalAmounts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
