package acquirer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

// Defaults of the options.
const (
	DefaultIssuerTimeout = 2 * time.Second
	DefaultNodeID        = "01"
	DefaultAcquirerID    = "123456"
	DefaultIndexSize     = 50_000
	DefaultMaxInFlight   = 1024
	DefaultEchoInterval  = 30 * time.Second
)

// Option configures an Acquirer (functional options; each documents its
// default).
type Option func(*config)

type config struct {
	routes       []Route
	timeout      time.Duration
	nodeID       string
	acquirerID   string
	logger       *slog.Logger
	clock        func() time.Time
	indexSize    int
	maxInFlight  int
	echoInterval time.Duration
	dial         func(ctx context.Context, addr string) (net.Conn, error)
	pin          pinKeys
	err          error
}

// WithRoute adds an issuer route. Routes are matched by BIN (see Route); a
// card no route matches is declined with DE 39 15 (no such issuer). No
// route by default.
func WithRoute(r Route) Option {
	return func(c *config) {
		if err := r.check(); err != nil {
			c.err = errors.Join(c.err, err)
			return
		}
		c.routes = append(c.routes, r)
	}
}

// WithIssuerTimeout sets how long the acquirer waits for an issuer answer
// before it answers the terminal 91 and reverses (default 2 s).
func WithIssuerTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithNodeID sets the node identifier that prefixes every RRN this node
// assigns: one or two letters or digits, distinct for each acquirer node
// sharing a journal (default "01").
func WithNodeID(id string) Option {
	return func(c *config) {
		if len(id) < 1 || len(id) > 2 || !isAlnum(id) {
			c.err = errors.Join(c.err, fmt.Errorf("node id %q: want 1 or 2 letters or digits", id))
			return
		}
		c.nodeID = id
	}
}

// WithAcquirerID sets DE 32, the acquiring institution identification code
// sent to issuers (default "123456").
func WithAcquirerID(id string) Option {
	return func(c *config) {
		if len(id) < 1 || len(id) > 11 || !isDigits(id) {
			c.err = errors.Join(c.err, fmt.Errorf("acquirer id %q: want 1 to 11 digits", id))
			return
		}
		c.acquirerID = id
	}
}

// WithLogger sets the logger (default: discard). The acquirer logs no PAN
// beyond its first six and last four digits, and never track data, PIN
// blocks or DE 55.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock used for journal times and DE 7 (default
// time.Now); for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithIndexSize sets how many recent transactions the in-memory index keeps
// for duplicate detection and matching (default 50,000; between one and
// two times this many are kept). Older ones are found in the journal (the
// SQLite journal finds a terminal's STAN without a scan); a repeat of one
// is answered with the issuer's tag 91 but without DE 54 and the issuer's
// scripts, which only the index holds. The default covers hours at a lab's rates and 5–10 s at 10,000
// authorisations a second: at 250,000 the index was most of the heap and
// its garbage collection marks took p99 latency from 5 to 7 ms there
// (paylab bench hosts, 60 s).
func WithIndexSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.indexSize = n
		}
	}
}

// WithMaxInFlight bounds the requests one terminal connection may have in
// flight (default 1024); the connection stops reading beyond it.
func WithMaxInFlight(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxInFlight = n
		}
	}
}

// WithEchoInterval sets how long an issuer link may stay idle before the
// acquirer sends an 0800 echo test (DE 70 301) on it (default 30 s).
func WithEchoInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.echoInterval = d
		}
	}
}

// Acquirer is the acquirer host. Make it with New; it is safe for
// concurrent use.
type Acquirer struct {
	cfg     config
	j       journal.Journal
	log     *slog.Logger
	dialect *iso8583.Dialect
	framing iso8583.Framing
	routes  *router
	links   map[string]*link
	idx     *index
	ids     *idGen
	rev     *reverser
	stans   stanSeq // DE 11 of every message to an issuer, whichever link

	ctx    context.Context
	cancel context.CancelFunc

	startOnce sync.Once
	startErr  error

	mu     sync.Mutex
	lns    []net.Listener
	conns  map[*termConn]struct{}
	closed bool
	wg     sync.WaitGroup // connections
	bg     sync.WaitGroup // links, reverser
}

// New returns an acquirer that journals to j (which the caller closes after
// Close). It starts nothing: Serve or ListenAndServe do, after recovering
// from the journal. An invalid option is reported by Serve.
func New(j journal.Journal, opts ...Option) *Acquirer {
	cfg := config{
		timeout:      DefaultIssuerTimeout,
		nodeID:       DefaultNodeID,
		acquirerID:   DefaultAcquirerID,
		logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		clock:        time.Now,
		indexSize:    DefaultIndexSize,
		maxInFlight:  DefaultMaxInFlight,
		echoInterval: DefaultEchoInterval,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.loadDefaultPINKeys()
	if cfg.dial == nil {
		d := net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
		cfg.dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Acquirer{
		cfg:     cfg,
		j:       j,
		log:     cfg.logger,
		dialect: iso8583.ISO1987,
		framing: iso8583.Framing{Header: iso8583.Binary2, MaxLen: 8192},
		routes:  newRouter(cfg.routes),
		links:   map[string]*link{},
		idx:     newIndex(cfg.indexSize),
		ids:     newIDGen(cfg.nodeID, cfg.clock),
		ctx:     ctx,
		cancel:  cancel,
		conns:   map[*termConn]struct{}{},
	}
	if j == nil {
		cfg.err = errors.Join(cfg.err, errors.New("new acquirer: nil journal"))
		a.cfg.err = cfg.err
	}
	for _, r := range cfg.routes {
		if _, ok := a.links[r.Name]; !ok {
			a.links[r.Name] = newLink(a, r)
		}
	}
	// The STANs start where the clock puts them, not at 000001 again on
	// every start: a restarted acquirer does not reuse the STANs its last
	// run gave moments before (with DE 7 and DE 32 they name its messages).
	a.stans.n.Store(uint32(cfg.clock().UnixMicro() % 999999))
	a.rev = newReverser(a)
	return a
}

func (a *Acquirer) now() time.Time { return a.cfg.clock().UTC() }

// start recovers from the journal and starts the issuer links and the
// reversal workers, once.
func (a *Acquirer) start() error {
	a.startOnce.Do(func() {
		if a.cfg.err != nil {
			a.startErr = fmt.Errorf("configure acquirer: %w", a.cfg.err)
			return
		}
		for _, l := range a.links {
			a.bg.Add(1)
			go func() { defer a.bg.Done(); l.run() }()
		}
		a.rev.start()
		if err := a.recover(a.ctx); err != nil {
			a.startErr = err
		}
	})
	return a.startErr
}

// Start recovers from the journal (reversals owed, transactions left
// Pending by a crash) and connects to the issuers without serving
// terminals; Serve calls it. It is idempotent.
func (a *Acquirer) Start() error { return a.start() }

// recover loads the newest transactions into the index and queues the
// reversals the journal says are owed: every ReversalOwed, and every
// transaction left Pending by a crash (it may have reached the issuer), but
// advices, which the card approved and the terminal repeats (0221). Only
// the transactions whose RRN carries this node's id are recovered.
func (a *Acquirer) recover(ctx context.Context) error {
	recent, err := a.j.Find(ctx, journal.Filter{Batch: -1, Since: a.now().Add(-48 * time.Hour), Limit: a.cfg.indexSize, Newest: true})
	if err != nil {
		return fmt.Errorf("recover from journal: %w", err)
	}
	for _, t := range recent {
		a.idx.load(t)
	}
	pend, err := a.j.Find(ctx, journal.Filter{Batch: -1, States: []journal.State{journal.Pending}})
	if err != nil {
		return fmt.Errorf("recover pending transactions: %w", err)
	}
	for _, t := range pend {
		if t.Kind == journal.Advice || !a.ours(t) {
			continue
		}
		e := a.idx.load(t)
		e.mu.Lock()
		e.txn.State = journal.TimedOut
		if t.Kind == journal.Balance {
			e.txn.RC = rcIssuerUnavailable
		} else {
			e.txn.Reversal = journal.ReversalOwed
			e.newRevGen()
		}
		e.txn.Updated = a.now()
		err := a.j.Put(ctx, e.txn)
		e.finish()
		e.mu.Unlock()
		if err != nil {
			return fmt.Errorf("recover pending %s: %w", t.RRN, err)
		}
		a.log.Info("pending transaction left by a stop: reversing", "rrn", t.RRN, "kind", t.Kind)
	}
	owed, err := a.j.Find(ctx, journal.Filter{Batch: -1, Reversal: journal.ReversalOwed})
	if err != nil {
		return fmt.Errorf("recover owed reversals: %w", err)
	}
	n := 0
	for _, t := range owed {
		if !a.ours(t) {
			continue
		}
		n++
		e := a.idx.load(t)
		e.mu.Lock()
		if e.revDone == nil {
			e.newRevGen()
		}
		e.mu.Unlock()
		a.rev.owe(t.RRN)
	}
	if n > 0 {
		a.log.Info("reversals owed from the journal", "count", n)
	}
	return nil
}

// ours reports whether this node assigned t's RRN: with several nodes on
// one journal, each recovers only its own transactions (another node's
// Pending ones may be in flight right now).
func (a *Acquirer) ours(t journal.Txn) bool { return strings.HasPrefix(t.RRN, a.ids.node) }

// Serve accepts terminal connections on ln until ln or the acquirer is
// closed. It recovers from the journal first (see Start).
func (a *Acquirer) Serve(ln net.Listener) error {
	if err := a.start(); err != nil {
		ln.Close()
		return err
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	a.lns = append(a.lns, ln)
	a.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			a.mu.Lock()
			closed := a.closed
			a.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept terminal: %w", err)
		}
		tc := newTermConn(a, c)
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			c.Close()
			return nil
		}
		a.conns[tc] = struct{}{}
		a.wg.Add(1)
		a.mu.Unlock()
		go func() {
			defer a.wg.Done()
			tc.serve()
			a.mu.Lock()
			delete(a.conns, tc)
			a.mu.Unlock()
		}()
	}
}

// ListenAndServe listens on addr (TCP) and serves until ctx ends, then
// closes the acquirer.
func (a *Acquirer) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen acquirer: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { a.Close() })
	defer stop()
	return a.Serve(ln)
}

// Addr returns the address of the first listener, or nil before Serve.
func (a *Acquirer) Addr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.lns) == 0 {
		return nil
	}
	return a.lns[0].Addr()
}

// Close stops the listeners, closes the terminal connections once their
// in-flight requests are answered, and stops the issuer links and the
// reversal workers. Reversals still owed stay owed in the journal for the
// next start. It does not close the journal.
func (a *Acquirer) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	for _, ln := range a.lns {
		ln.Close()
	}
	for tc := range a.conns {
		tc.stop()
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.cancel()
	for _, l := range a.links {
		l.close()
	}
	a.rev.stop()
	a.bg.Wait()
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
