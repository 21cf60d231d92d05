package host

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/harness/trace"
	"github.com/paylab/paylab/scenarios/emvcontact"
)

// txDate is every kernel transaction's date (9A), inside the fixture
// cards' validity, so the card side answers the same each run.
var txDate = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

// Timeouts. None is asserted on: they only bound how long a spec waits.
const (
	// issuerTimeout is the acquirer's wait for an issuer on the happy
	// paths: generous, a loaded two-core CI machine must not time out.
	issuerTimeout = 5 * time.Second
	// faultTimeout is the acquirer's wait in the specs that make the
	// issuer late or mute: short, so the spec does not idle.
	faultTimeout = 500 * time.Millisecond
	// lateBy is how late a delayed issuer answers: far beyond the timeout
	// it is meant to miss.
	lateBy = 3 * time.Second
	// settle bounds every Eventually (reversals run in the background).
	settle = 30 * time.Second
)

// rig is one spec's host side over loopback TCP: the acquirer with its
// journal and back-office API, and two issuer hosts loaded from
// fixtures/issuers/test-issuer.yaml — visa (BIN 476173) and mastercard
// (BIN 541333), each with its own ledger.
type rig struct {
	store *store
	visa  *issuer.Issuer
	mc    *issuer.Issuer
	acq   *acquirer.Acquirer
	addr  string
	api   *httptest.Server
	node  string
	opts  []acquirer.Option
	stop  func() // closes the API and the acquirer, waits for Serve
	terms int
}

type rigConfig struct {
	timeout time.Duration
	noMC    bool   // no route for the Mastercard BIN
	issuer  string // fixtures/issuers configuration of both issuers
}

type rigOption func(*rigConfig)

// withIssuerTimeout sets the acquirer's issuer timeout.
func withIssuerTimeout(d time.Duration) rigOption { return func(c *rigConfig) { c.timeout = d } }

// withIssuerConfig loads both issuers from fixtures/issuers/<name>.yaml and
// routes every range it declares to the second one (the lab's cards).
func withIssuerConfig(name string) rigOption { return func(c *rigConfig) { c.issuer = name } }

// withoutMastercard leaves BIN 541333 without a route.
func withoutMastercard() rigOption { return func(c *rigConfig) { c.noMC = true } }

var nodeSeq atomic.Int64

// nodeID returns a two-character node id that differs between the specs of
// one process and, very probably, between processes: RRNs never collide,
// even on a shared PostgreSQL database.
func nodeID() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	n := (int64(os.Getpid())*37 + nodeSeq.Add(1)) % (36 * 36)
	return string([]byte{digits[n/36], digits[n%36]})
}

// newRig starts the issuers and the acquirer; everything stops after the
// spec.
func newRig(opts ...rigOption) *rig {
	GinkgoHelper()
	c := rigConfig{timeout: issuerTimeout, issuer: "test-issuer"}
	for _, o := range opts {
		o(&c)
	}
	r := &rig{store: newStore(), node: nodeID()}
	cfg, err := issuer.LoadConfig(c.issuer)
	Expect(err).NotTo(HaveOccurred(), "load issuer config")
	ctx, cancel := context.WithCancel(context.Background())
	DeferCleanup(cancel)
	for _, is := range []**issuer.Issuer{&r.visa, &r.mc} {
		*is, err = issuer.Start(ctx, "127.0.0.1:0", issuer.WithConfig(cfg))
		Expect(err).NotTo(HaveOccurred(), "start issuer")
		Expect((*is).Err()).NotTo(HaveOccurred(), "issuer card keys")
		DeferCleanup((*is).Close)
	}
	r.opts = []acquirer.Option{
		acquirer.WithNodeID(r.node),
		acquirer.WithIssuerTimeout(c.timeout),
		acquirer.WithRoute(acquirer.Route{Name: "visa-issuer", Scheme: "visa", BINs: []string{"476173"}, Addr: r.visa.Addr().String()}),
	}
	if !c.noMC {
		r.opts = append(r.opts, acquirer.WithRoute(acquirer.Route{Name: "mc-issuer", Scheme: "mastercard", BINs: []string{"541333"}, Addr: r.mc.Addr().String()}))
	}
	if c.issuer != "test-issuer" {
		for i, b := range cfg.BINs {
			rng := b.Low
			if b.High != b.Low {
				rng += "-" + b.High
			}
			r.opts = append(r.opts, acquirer.WithRoute(acquirer.Route{Name: fmt.Sprintf("%s-%d", c.issuer, i), Scheme: b.Scheme, BINs: []string{rng}, Addr: r.mc.Addr().String()}))
		}
	}
	r.start()
	AddReportEntry("acquirer journal", fmt.Sprintf("mode %s (PAYLAB_JOURNAL=%s), node %s", r.store.j.Mode(), r.store.kind, r.node))
	return r
}

// start serves a new acquirer on the store's journal.
func (r *rig) start() {
	GinkgoHelper()
	r.acq = acquirer.New(r.store.j, r.opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	r.addr = ln.Addr().String()
	done := make(chan struct{})
	var serveErr error
	acq := r.acq
	go func() { serveErr = acq.Serve(ln); close(done) }()
	api := httptest.NewServer(acq.Handler())
	r.api = api
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			api.Close()
			Expect(acq.Close()).To(Succeed())
			Eventually(done).WithTimeout(settle).Should(BeClosed(), "acquirer Serve returns")
			Expect(serveErr).NotTo(HaveOccurred(), "acquirer Serve")
		})
	}
	DeferCleanup(r.stop)
}

// restart stops the acquirer, reopens its journal and serves a new one
// with the same node id on it (the id decides which owed reversals it
// recovers).
func (r *rig) restart() {
	GinkgoHelper()
	r.stop()
	r.store.reopen()
	r.start()
}

// txn returns the journalled transaction rrn.
func (r *rig) txn(rrn string) journal.Txn {
	GinkgoHelper()
	t, err := r.store.j.Get(context.Background(), rrn)
	Expect(err).NotTo(HaveOccurred(), "journal has %s", rrn)
	return t
}

// txns returns every journalled transaction of terminal tid.
func (r *rig) txns(tid string) []journal.Txn {
	GinkgoHelper()
	ts, err := r.store.j.Find(context.Background(), journal.Filter{TerminalID: tid, Batch: -1})
	Expect(err).NotTo(HaveOccurred())
	return ts
}

// term is one reference terminal: the EMV kernel on the default terminal
// configuration (random selection off) behind a signed-on hostlink.
type term struct {
	r    *rig
	tid  string
	cfg  *terminal.Config
	link *hostlink.Link
	pos  *hostlink.POS
}

// terminal dials the acquirer and signs on. Its masked ISO 8583
// transcript goes into the report after the spec, passed or failed.
func (r *rig) terminal(opts ...hostlink.Option) *term {
	GinkgoHelper()
	r.terms++
	t := &term{r: r, tid: fmt.Sprintf("HOST%04d", r.terms)}
	cfg, err := terminal.DefaultConfig()
	Expect(err).NotTo(HaveOccurred())
	for i := range cfg.Applications {
		cfg.Applications[i].TargetPercent, cfg.Applications[i].MaxTargetPercent = 0, 0
	}
	t.cfg = cfg
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()
	opts = append([]hostlink.Option{hostlink.WithTerminal(t.tid, "PAYLABMERCHANT1"), hostlink.WithTimeout(2 * issuerTimeout)}, opts...)
	t.link, err = hostlink.Dial(ctx, r.addr, opts...)
	Expect(err).NotTo(HaveOccurred(), "dial acquirer")
	link := t.link
	DeferCleanup(func() {
		AddReportEntry("ISO 8583 transcript "+t.tid+" (masked)", link.TranscriptText())
		Expect(link.Close()).To(Succeed())
	})
	Expect(t.link.SignOn(ctx)).To(Succeed(), "sign on")
	t.pos = hostlink.NewPOS(t.link)
	return t
}

// ctx is a context bounded by settle.
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), settle)
	DeferCleanup(cancel)
	return c
}

// profile loads a fixture card profile.
func profile(name string) *card.Profile {
	GinkgoHelper()
	p, err := card.LoadProfile(name)
	Expect(err).NotTo(HaveOccurred())
	return p
}

// visaCard is visa-cda-online (CDA, offline enciphered PIN 1234, issuer
// authentication by EXTERNAL AUTHENTICATE, CVN 18); pan, when given,
// replaces its PAN — the emulator signs the ICC certificate for it and the
// issuer derives the card keys from the BIN's master keys.
func visaCard(pan ...string) *card.Profile {
	GinkgoHelper()
	p := profile("visa-cda-online")
	if len(pan) > 0 {
		p.Apps[0].PAN = pan[0]
	}
	return p
}

// pinOf returns the offline PIN of the profile's first application.
func pinOf(p *card.Profile) string { return p.Apps[0].PIN }

// purchase runs one EMV purchase of amount with card p through the POS,
// the cardholder entering pin, and records the APDU transcript and the
// outcome as evidence.
func (t *term) purchase(p *card.Profile, amount uint64, pin string, copts ...card.Option) (hostlink.Receipt, *card.Card) {
	GinkgoHelper()
	c, err := card.New(p, append([]card.Option{card.WithSeed(7)}, copts...)...)
	Expect(err).NotTo(HaveOccurred(), "card personalises")
	return t.purchaseOn(emvcontact.PowerUp(c), amount, pin), c
}

// purchaseOn runs the purchase with a card already powered up: an
// emulator, or a card in a PC/SC reader.
func (t *term) purchaseOn(dc device.Card, amount uint64, pin string) hostlink.Receipt {
	GinkgoHelper()
	rec := trace.New()
	k, err := terminal.NewKernel(t.cfg,
		terminal.WithRand(rand.New(rand.NewPCG(1, 2))),
		terminal.WithAuthorizer(t.link),
		terminal.WithPINPad(pinPad(pin)),
		terminal.WithTranscript(func(ex terminal.Exchange) {
			if ex.Err != nil {
				rec.APDUError("", ex.Command, ex.Err, ex.Time)
				return
			}
			rec.APDU("", ex.Command, ex.Response, ex.Time)
		}))
	Expect(err).NotTo(HaveOccurred())
	r, err := t.pos.Purchase(ctx(), k, dc, terminal.Transaction{Amount: amount, Type: terminal.TypePurchase, Date: txDate, Sequence: 1})
	AddReportEntry("APDU transcript (masked)", rec.String()) // before any assertion: a failed spec needs it most
	Expect(err).NotTo(HaveOccurred(), "no transport failure")
	record(r)
	return r
}

// cardData is what a refund or balance inquiry sends for p.
func cardData(p *card.Profile) hostlink.CardData {
	a := p.Apps[0]
	return hostlink.CardData{PAN: a.PAN, Expiry: a.Expiry[:4], PANSeq: "0" + a.PSN}
}

// record adds one purchase's outcome to the report: Outcome.String masks
// the PAN; no PIN, track data or key is printed.
func record(r hostlink.Receipt) {
	o := r.Outcome
	var b strings.Builder
	fmt.Fprintf(&b, "outcome: %s\n", o)
	fmt.Fprintf(&b, "TVR %X: %s\n", o.TVR[:], orNone(o.TVR.String()))
	fmt.Fprintf(&b, "TSI %X: %s\n", o.TSI[:], orNone(o.TSI.String()))
	fmt.Fprintf(&b, "first GENERATE AC: %s; final: %s; went online: %t; unable to go online: %t\n",
		o.FirstCID.Type(), o.CID.Type(), o.WentOnline, o.UnableToGoOnline)
	if o.ScriptResults != nil {
		fmt.Fprintf(&b, "Issuer Script Results 9F5B: %X\n", o.ScriptResults)
	}
	e := r.Entry
	fmt.Fprintf(&b, "terminal journal: %s %s rc=%s rrn=%s stan=%s amount=%d pan=%s reversal=%s",
		e.Kind, e.State, e.RC, e.RRN, e.STAN, e.Amount, e.PANMasked, e.Reversal)
	AddReportEntry("transaction (PAN masked)", b.String())
}

func orNone(s string) string {
	if s == "" {
		return "none set"
	}
	return s
}

// pinPad enters one PIN at every prompt.
type pinPad string

func (p pinPad) EnterPIN(context.Context, terminal.PINPrompt) (terminal.PINEntry, error) {
	return terminal.PINEntry{PIN: string(p)}, nil
}

// masked is the PAN as evidence may show it.
func masked(pan string) string { return emv.MaskPAN(pan) }
