package hostlink_test

import (
	"context"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
)

type pin string

func (p pin) EnterPIN(context.Context, terminal.PINPrompt) (terminal.PINEntry, error) {
	return terminal.PINEntry{PIN: string(p)}, nil
}

// TestEndToEnd runs the whole host path: the reference kernel with an
// emulated card, the terminal's link, the acquirer (harness/acquirer) and
// the issuer host (emulators/issuer) checking the card's ARQC with the
// profile's TEST keys and answering an ARPC that the card checks.
func TestEndToEnd(t *testing.T) {
	const profile = "visa-cda-online"
	p, err := card.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	pan := p.Apps[0].PAN
	keys, err := issuer.ProfileKeys(profile)
	if err != nil {
		t.Fatal(err)
	}
	iss := issuer.New(issuer.WithCardKeys(keys...),
		issuer.WithAccounts(issuer.Account{PAN: pan, Balance: 100000, Status: issuer.Active}))
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go iss.Serve(iln)
	defer iss.Close()

	acq := acquirer.New(journal.NewMemory(), acquirer.WithRoute(acquirer.Route{
		Name: "issuer-a", Scheme: "visa", BINs: []string{"476173"}, Addr: iln.Addr().String()}))
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go acq.Serve(aln)
	defer acq.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	link, err := hostlink.Dial(ctx, aln.Addr().String(), hostlink.WithTerminal("E2E00001", "MERCHANT0000001"))
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	if err := link.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := terminal.DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	k, err := terminal.NewKernel(cfg, terminal.WithRand(rand.New(rand.NewPCG(1, 2))),
		terminal.WithAuthorizer(link), terminal.WithPINPad(pin(p.Apps[0].PIN)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p, card.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	pos := hostlink.NewPOS(link)
	r, err := pos.Purchase(ctx, k, c, terminal.Transaction{Amount: 20000, Type: terminal.TypePurchase,
		Date: time.Now().UTC(), Sequence: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome.Result != terminal.ApprovedOnline || r.Outcome.TVR.Has(emv.TVRIssuerAuthenticationFailed) || !r.Outcome.TSI.Has(emv.TSIIssuerAuthenticationPerformed) {
		t.Fatalf("outcome %v", r.Outcome)
	}
	if r.Entry.State != hostlink.StateApproved || r.Entry.RRN == "" || r.Entry.AuthCode == "" {
		t.Errorf("journal entry %+v", r.Entry)
	}
	if bal := iss.Ledger()[pan]; bal != 100000-20000 {
		t.Errorf("issuer balance %d, want %d", bal, 100000-20000)
	}
	s, err := pos.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.InBalance || s.Terminal != (hostlink.Totals{Debits: 1, DebitAmount: 20000}) {
		t.Errorf("settlement %+v", s)
	}
	if v := s.Schemes["visa"]; v.Debits != 1 || v.DebitAmount != 20000 {
		t.Errorf("per-scheme totals %+v", s.Schemes)
	}
}
