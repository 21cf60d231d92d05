package emvcontact

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/terminal"
)

// txDate is every spec's transaction date, so that the profiles' dates
// (effective 2020-01-01, expiry 2049-12-31) give the same answer each run.
var txDate = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

// bench is one transaction's set-up: the terminal configuration, the card
// profile and emulator options, the issuer and the cardholder's side.
type bench struct {
	cfg     *terminal.Config
	profile *card.Profile
	opts    []card.Option
	issuer  *issuer // nil: no online path (unable to go online)
	pad     *scriptedPad
	holder  *scriptedHolder
	seed    uint64
	tx      terminal.Transaction

	card *card.Card // after run
}

// newBench loads profile name and the default terminal with random
// transaction selection off; the issuer is the profile's first
// application's.
func newBench(name string) *bench {
	GinkgoHelper()
	p, err := card.LoadProfile(name)
	Expect(err).NotTo(HaveOccurred())
	cfg, err := terminal.DefaultConfig()
	Expect(err).NotTo(HaveOccurred())
	for i := range cfg.Applications {
		cfg.Applications[i].TargetPercent, cfg.Applications[i].MaxTargetPercent = 0, 0
	}
	iss, err := newIssuer(p, 0)
	Expect(err).NotTo(HaveOccurred())
	return &bench{cfg: cfg, profile: p, issuer: iss, seed: 1,
		opts: []card.Option{card.WithSeed(7)},
		tx:   terminal.Transaction{Amount: 1000, Type: terminal.TypePurchase, Date: txDate, Sequence: 1}}
}

// app returns the profile's first application for editing.
func (b *bench) app() *card.AppProfile { return &b.profile.Apps[0] }

// termApp returns the terminal's application for AID aid (hex).
func (b *bench) termApp(aid string) *terminal.Application {
	GinkgoHelper()
	for i := range b.cfg.Applications {
		if fmt.Sprintf("%X", b.cfg.Applications[i].AID) == aid {
			return &b.cfg.Applications[i]
		}
	}
	Fail("terminal has no application " + aid)
	return nil
}

// run personalises the card and runs one purchase.
func (b *bench) run() terminal.Outcome {
	GinkgoHelper()
	c, err := card.New(b.profile, b.opts...)
	Expect(err).NotTo(HaveOccurred(), "card personalises")
	b.card = c
	return b.again()
}

// again runs one more purchase with the same card (its state carried over).
func (b *bench) again() terminal.Outcome {
	GinkgoHelper()
	opts := []terminal.Option{terminal.WithRand(rand.New(rand.NewPCG(b.seed, 2)))}
	if b.issuer != nil {
		opts = append(opts, terminal.WithAuthorizer(b.issuer))
	}
	if b.pad != nil {
		opts = append(opts, terminal.WithPINPad(b.pad))
	}
	if b.holder != nil {
		opts = append(opts, terminal.WithCardholder(b.holder))
	}
	rec, traceOpt := apduTrace()
	opts = append(opts, traceOpt)
	k, err := terminal.NewKernel(b.cfg, opts...)
	Expect(err).NotTo(HaveOccurred())
	o, err := k.Purchase(context.Background(), b.powerUp(), b.tx)
	recordTranscript(rec) // before any assertion: a failed spec needs it most
	Expect(err).NotTo(HaveOccurred(), "no transport failure: %s", o)
	record(o)
	return o
}

// record adds the evidence of one transaction to the report: never a full
// PAN (Outcome.String masks it), PIN or key.
func record(o terminal.Outcome) {
	var b strings.Builder
	fmt.Fprintf(&b, "outcome: %s\n", o)
	fmt.Fprintf(&b, "TVR %X: %s\n", o.TVR[:], orNone(o.TVR.String()))
	fmt.Fprintf(&b, "TSI %X: %s\n", o.TSI[:], orNone(o.TSI.String()))
	cvm := o.CVMResults.Bytes()
	fmt.Fprintf(&b, "CVM Results %X: %s\n", cvm[:], o.CVMResults)
	fmt.Fprintf(&b, "ODA: %s", o.ODA)
	if o.ODAErr != nil {
		fmt.Fprintf(&b, " (%v)", o.ODAErr)
	}
	fmt.Fprintf(&b, "\nfirst GENERATE AC: %s; final: %s; went online: %t; unable to go online: %t\n",
		o.FirstCID.Type(), o.CID.Type(), o.WentOnline, o.UnableToGoOnline)
	if o.ScriptResults != nil {
		fmt.Fprintf(&b, "Issuer Script Results 9F5B: %X\n", o.ScriptResults)
	}
	fmt.Fprintf(&b, "APDU exchanges: %d", len(o.Transcript))
	AddReportEntry("transaction (PAN masked)", b.String())
}

func orNone(s string) string {
	if s == "" {
		return "none set"
	}
	return s
}

// scriptedPad answers PIN prompts from a list; past its end the PIN pad
// does not work.
type scriptedPad struct {
	entries []terminal.PINEntry
	errs    []error
	prompts int
}

func (p *scriptedPad) EnterPIN(_ context.Context, _ terminal.PINPrompt) (terminal.PINEntry, error) {
	n := p.prompts
	p.prompts++
	if n < len(p.errs) && p.errs[n] != nil {
		return terminal.PINEntry{}, p.errs[n]
	}
	if n < len(p.entries) {
		return p.entries[n], nil
	}
	return terminal.PINEntry{}, terminal.ErrPINPadNotWorking
}

func pins(p ...string) *scriptedPad {
	s := &scriptedPad{}
	for _, x := range p {
		s.entries = append(s.entries, terminal.PINEntry{PIN: x})
	}
	return s
}

// scriptedHolder is the cardholder at application selection.
type scriptedHolder struct {
	confirm   bool
	choose    int
	confirmed []string
	offered   [][]string
}

func (h *scriptedHolder) Confirm(_ context.Context, c terminal.Candidate) (bool, error) {
	h.confirmed = append(h.confirmed, c.Label)
	return h.confirm, nil
}

func (h *scriptedHolder) Choose(_ context.Context, cs []terminal.Candidate) (int, error) {
	var l []string
	for _, c := range cs {
		l = append(l, c.Label)
	}
	h.offered = append(h.offered, l)
	return h.choose, nil
}
