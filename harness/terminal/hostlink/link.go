package hostlink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/iso8583"
)

// Defaults of the options.
const (
	DefaultTerminalID    = "PAYLAB01"
	DefaultMerchantID    = "PAYLABMERCHANT1"
	DefaultTimeout       = 5 * time.Second
	DefaultRetryInterval = 2 * time.Second
	DefaultTranscript    = 1024
	DefaultCurrency      = "978"
)

// Errors a caller branches on.
var (
	// ErrClosed: the link was closed.
	ErrClosed = errors.New("link closed")
	// ErrNoResponse: the host did not answer in time or the connection was
	// lost after the request was written (the cause is wrapped beside it).
	ErrNoResponse = errors.New("no response from host")
	// ErrResponse: the host's answer does not fit the request (wrong MTI,
	// no response code).
	ErrResponse = errors.New("unusable response")
)

// ExchangeError is a request that got no usable answer. Sent says whether
// the request may have reached the host (it was written, fully or in part):
// a financial request then owes a reversal.
type ExchangeError struct {
	Op   string // "authorize", "sign on", ...
	MTI  iso8583.MTI
	STAN string
	Sent bool
	Err  error
}

func (e *ExchangeError) Error() string {
	return fmt.Sprintf("%s: %s STAN %s: %v", e.Op, e.MTI, e.STAN, e.Err)
}
func (e *ExchangeError) Unwrap() error { return e.Err }

// config holds the options; see the With functions for the defaults.
type config struct {
	tid, mid      string
	timeout       time.Duration
	retry         time.Duration
	dialect       *iso8583.Dialect
	framing       iso8583.Framing
	clock         func() time.Time
	transcript    int
	authMTI       iso8583.MTI
	entryMode     string
	currency      string
	dialer        net.Dialer
	reversalLimit int
	pinKey        []byte // TPK; nil: the fixture's
}

// Option configures a Link.
type Option func(*config)

// WithTerminal sets the terminal identification (DE 41, ans 8) and the
// merchant identification (DE 42, ans 15). Defaults: DefaultTerminalID,
// DefaultMerchantID.
func WithTerminal(tid, mid string) Option {
	return func(c *config) { c.tid, c.mid = tid, mid }
}

// WithTimeout sets how long a request waits for its answer when the
// caller's context allows longer. Default DefaultTimeout (5 s), which is
// above the acquirer's issuer timeout (2 s), so that the acquirer's 91
// reaches the terminal before the terminal gives up.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetryInterval sets the pause between two transmissions of a queued
// reversal or reversal advice. Default DefaultRetryInterval (2 s).
func WithRetryInterval(d time.Duration) Option { return func(c *config) { c.retry = d } }

// WithDialect sets the ISO 8583 dialect. Default iso8583.ISO1987, the host
// contract's.
func WithDialect(d *iso8583.Dialect) Option { return func(c *config) { c.dialect = d } }

// WithFraming sets the stream framing. Default iso8583.DefaultFraming
// (2-byte binary length, no TPDU).
func WithFraming(f iso8583.Framing) Option { return func(c *config) { c.framing = f } }

// WithClock sets the clock of DE 7, 12 and 13 and of the transcript.
// Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithTranscript keeps the last n messages, masked, for Transcript. Default
// DefaultTranscript (1024); 0 keeps none (load generation).
func WithTranscript(n int) Option { return func(c *config) { c.transcript = n } }

// WithAuthorizationMTI chooses the message Authorize sends: 0200 financial
// request (the default: the authorisation is the capture, EMV Book 4, 12.2)
// or 0100 authorisation request (pre-authorisation, completion later).
func WithAuthorizationMTI(mti iso8583.MTI) Option { return func(c *config) { c.authMTI = mti } }

// WithEntryMode sets DE 22, the POS entry mode of Authorize. Default "051"
// (chip, PIN capability); "071" contactless.
func WithEntryMode(mode string) Option { return func(c *config) { c.entryMode = mode } }

// WithPINKey sets the terminal PIN key (TPK): the double-length triple-DES
// key under which Authorize enciphers the online PIN as an ISO 9564-1
// format 0 block in DE 52. Default: the TEST KEY tpk of
// fixtures/keys/pin.yaml, which the acquirer's default matches. A key that
// is not 16 bytes makes Dial fail (the error does not show it).
func WithPINKey(tpk []byte) Option {
	return func(c *config) { c.pinKey = append([]byte(nil), tpk...) }
}

// WithCurrency sets DE 49 when the kernel data has no 5F2A (refunds, balance
// inquiries). Default DefaultCurrency ("978", EUR).
func WithCurrency(code string) Option { return func(c *config) { c.currency = code } }

// Link is the terminal's ISO 8583 connection to its acquirer: one long-lived
// TCP connection on which requests are pipelined and answers matched by
// DE 11 (STAN; one terminal per link, so DE 41 is the link's) and the MTI
// class. A lost connection is dialled again by the next exchange, with a
// new sign-on when the link had signed on. A Link is safe for concurrent
// use.
type Link struct {
	addr string
	cfg  config
	stan atomic.Uint32

	dialMu sync.Mutex // one dial at a time

	mu       sync.Mutex // guards the fields below
	conn     *wire
	gen      uint64
	pending  map[uint32]*call
	closed   bool
	signedOn bool
	trans    []Entry
	transN   int

	rev  *reversalQueue
	done chan struct{}
	wg   sync.WaitGroup
}

// call is one request waiting for its answer.
type call struct {
	mti iso8583.MTI // the request's
	gen uint64
	ch  chan result
}

type result struct {
	m   *iso8583.Message
	err error
}

// Dial connects to the acquirer at addr. It does not sign on (SignOn does).
func Dial(ctx context.Context, addr string, opts ...Option) (*Link, error) {
	cfg := config{
		tid: DefaultTerminalID, mid: DefaultMerchantID,
		timeout: DefaultTimeout, retry: DefaultRetryInterval,
		dialect: iso8583.ISO1987, framing: iso8583.DefaultFraming,
		clock: time.Now, transcript: DefaultTranscript,
		authMTI: iso8583.MTI(200), entryMode: "051", currency: DefaultCurrency,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.pinKey == nil {
		keys, err := fixtures.LoadPINKeys(fixtures.FS)
		if err != nil {
			return nil, fmt.Errorf("dial %s: default PIN key: %w", addr, err)
		}
		cfg.pinKey = keys.TPK
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	l := &Link{addr: addr, cfg: cfg, pending: map[uint32]*call{}, done: make(chan struct{})}
	l.rev = newReversalQueue(l)
	if _, _, err := l.ensureConn(ctx); err != nil {
		return nil, err
	}
	l.wg.Add(1)
	go l.rev.run()
	return l, nil
}

func (c *config) check() error {
	switch {
	case c.tid == "" || len(c.tid) > 8:
		return fmt.Errorf("terminal id %q: want 1 to 8 characters", c.tid)
	case c.mid == "" || len(c.mid) > 15:
		return fmt.Errorf("merchant id %q: want 1 to 15 characters", c.mid)
	case c.timeout <= 0 || c.retry <= 0:
		return errors.New("timeout and retry interval must be positive")
	case c.dialect == nil:
		return errors.New("no dialect")
	case c.authMTI != 100 && c.authMTI != 200:
		return fmt.Errorf("authorization MTI %s: want 0100 or 0200", c.authMTI)
	case len(c.entryMode) != 3 || len(c.currency) != 3:
		return errors.New("entry mode and currency are 3 digits")
	case len(c.pinKey) != 16:
		return fmt.Errorf("PIN key: want 16 bytes, got %d", len(c.pinKey))
	}
	return nil
}

// TerminalID returns DE 41 of this link.
func (l *Link) TerminalID() string { return l.cfg.tid }

// MerchantID returns DE 42 of this link.
func (l *Link) MerchantID() string { return l.cfg.mid }

// Addr returns the acquirer's address.
func (l *Link) Addr() string { return l.addr }

// nextSTAN returns the next systems trace audit number, 000001 to 999999
// and round again (ISO 8583:1987 DE 11, n 6): unique on the link for the
// last 999 999 requests.
func (l *Link) nextSTAN() uint32 {
	for {
		old := l.stan.Load()
		n := old + 1
		if n > 999999 {
			n = 1
		}
		if l.stan.CompareAndSwap(old, n) {
			return n
		}
	}
}

func stanString(n uint32) string {
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = '0' + byte(n%10)
		n /= 10
	}
	return string(b[:])
}

// ensureConn returns the live connection, dialling (and signing on again)
// when there is none.
func (l *Link) ensureConn(ctx context.Context) (*wire, uint64, error) {
	if c, g, err := l.current(); c != nil || err != nil {
		return c, g, err
	}
	l.dialMu.Lock()
	defer l.dialMu.Unlock()
	if c, g, err := l.current(); c != nil || err != nil {
		return c, g, err
	}
	dctx, cancel := context.WithTimeout(ctx, l.cfg.timeout)
	defer cancel()
	nc, err := l.cfg.dialer.DialContext(dctx, "tcp", l.addr)
	if err != nil {
		return nil, 0, fmt.Errorf("dial acquirer %s: %w", l.addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c := &wire{Conn: nc, framing: l.cfg.framing}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		c.Close()
		return nil, 0, ErrClosed
	}
	l.gen++
	g := l.gen
	l.conn = c
	resign := l.signedOn
	l.wg.Add(1)
	l.mu.Unlock()
	go l.readLoop(c, g)
	if resign {
		// A terminal signs on again on every new connection before
		// financial traffic (host contract, 0800).
		if _, err := l.exchange(ctx, c, g, l.netMgmt("001"), "sign on"); err != nil {
			c.Close()
			return nil, 0, err
		}
	}
	return c, g, nil
}

func (l *Link) current() (*wire, uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, 0, ErrClosed
	}
	return l.conn, l.gen, nil
}

// readLoop delivers the answers of one connection until it fails, then
// fails the calls still waiting on it.
func (l *Link) readLoop(c *wire, g uint64) {
	defer l.wg.Done()
	r := bufio.NewReaderSize(c.Conn, 32<<10)
	var err error
	for {
		var fr iso8583.Frame
		fr, err = l.cfg.framing.Read(r)
		if err != nil {
			break
		}
		if len(fr.Message) == 0 {
			continue // keep-alive (host contract)
		}
		m, uerr := iso8583.Unpack(l.cfg.dialect, fr.Message)
		if uerr != nil {
			// Not ISO 8583: nothing to match it to. The request it
			// answers, if any, times out and is reversed.
			l.note(Entry{Time: l.cfg.clock(), Dir: Received, Text: "unparsable message: " + uerr.Error()})
			continue
		}
		l.record(Received, m)
		l.deliver(c, m)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	l.mu.Lock()
	if l.conn == c {
		l.conn = nil
	}
	var failed []*call
	for k, cl := range l.pending {
		if cl.gen == g {
			failed = append(failed, cl)
			delete(l.pending, k)
		}
	}
	l.mu.Unlock()
	c.Close()
	for _, cl := range failed {
		cl.ch <- result{err: fmt.Errorf("connection lost: %w", err)}
	}
}

// deliver hands an answer to the request with its STAN, or answers a
// host's own network management request.
func (l *Link) deliver(c *wire, m *iso8583.Message) {
	if f := m.MTI.Function(); f%2 == 0 && m.MTI.Class() == 8 {
		// The host's echo test (0800 301): answer 0810 DE 39 00.
		if resp, err := answerNetMgmt(m); err == nil {
			l.record(Sent, resp)
			if b, err := resp.Pack(); err == nil {
				_ = c.writeFrame(b)
			}
		}
		return
	}
	s, _ := m.GetBytes(11)
	n, ok := parseSTAN(s)
	if !ok {
		return
	}
	l.mu.Lock()
	cl := l.pending[n]
	if cl != nil {
		if want, err := cl.mti.Response(); err != nil || want != m.MTI {
			cl = nil // not the answer to this request: a late or stray message
		} else {
			delete(l.pending, n)
		}
	}
	l.mu.Unlock()
	if cl != nil {
		cl.ch <- result{m: m}
	}
}

func parseSTAN(s []byte) (uint32, bool) {
	if len(s) != 6 {
		return 0, false
	}
	var n uint32
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint32(c-'0')
	}
	return n, true
}

func answerNetMgmt(m *iso8583.Message) (*iso8583.Message, error) {
	rmti, err := m.MTI.Response()
	if err != nil {
		return nil, err
	}
	r := iso8583.NewMessage(m.Dialect(), rmti)
	for _, n := range []int{7, 11, 41, 70} {
		if v, ok := m.GetBytes(n); ok {
			if err := r.SetBytes(n, v); err != nil {
				return nil, err
			}
		}
	}
	return r, r.SetString(39, "00")
}

// roundTrip sends req (whose DE 11 is set) and waits for its answer.
func (l *Link) roundTrip(ctx context.Context, req *iso8583.Message, op string) (*iso8583.Message, error) {
	c, g, err := l.ensureConn(ctx)
	if err != nil {
		stan, _ := req.GetString(11)
		return nil, &ExchangeError{Op: op, MTI: req.MTI, STAN: stan, Err: err}
	}
	return l.exchange(ctx, c, g, req, op)
}

// exchange writes req on c and waits for the answer with its STAN, the
// link's timeout or ctx, whichever ends first.
func (l *Link) exchange(ctx context.Context, c *wire, g uint64, req *iso8583.Message, op string) (*iso8583.Message, error) {
	sb, _ := req.GetBytes(11)
	stan, ok := parseSTAN(sb)
	if !ok {
		return nil, &ExchangeError{Op: op, MTI: req.MTI, STAN: string(sb), Err: errors.New("request without a valid DE 11")}
	}
	fail := func(sent bool, err error) (*iso8583.Message, error) {
		return nil, &ExchangeError{Op: op, MTI: req.MTI, STAN: string(sb), Sent: sent, Err: err}
	}
	b, err := req.Pack()
	if err != nil {
		return fail(false, fmt.Errorf("pack: %w", err))
	}
	if err := ctx.Err(); err != nil {
		return fail(false, err)
	}
	cl := &call{mti: req.MTI, gen: g, ch: make(chan result, 1)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fail(false, ErrClosed)
	}
	l.pending[stan] = cl
	l.mu.Unlock()
	l.record(Sent, req)
	if err := c.writeFrame(b); err != nil {
		l.forget(stan, cl)
		c.Close() // the reader fails what else waits on it
		return fail(true, fmt.Errorf("%w: %w", ErrNoResponse, err))
	}
	timer := time.NewTimer(l.cfg.timeout)
	defer timer.Stop()
	select {
	case r := <-cl.ch:
		if r.err != nil {
			return fail(true, fmt.Errorf("%w: %w", ErrNoResponse, r.err))
		}
		return r.m, nil
	case <-timer.C:
		l.forget(stan, cl)
		return fail(true, fmt.Errorf("%w within %s", ErrNoResponse, l.cfg.timeout))
	case <-ctx.Done():
		l.forget(stan, cl)
		return fail(true, fmt.Errorf("%w: %w", ErrNoResponse, ctx.Err()))
	case <-l.done:
		l.forget(stan, cl)
		return fail(true, fmt.Errorf("%w: %w", ErrNoResponse, ErrClosed))
	}
}

func (l *Link) forget(stan uint32, cl *call) {
	l.mu.Lock()
	if l.pending[stan] == cl {
		delete(l.pending, stan)
	}
	l.mu.Unlock()
}

// stamp sets DE 7 (transmission date and time, MMDDhhmmss UTC), DE 11 (a
// new STAN), DE 41 and DE 42.
func (l *Link) stamp(m *iso8583.Message, now time.Time) error {
	u := now.UTC()
	var errs []error
	errs = append(errs, m.SetString(7, u.Format("0102150405")))
	errs = append(errs, m.SetString(11, stanString(l.nextSTAN())))
	errs = append(errs, m.SetString(41, l.cfg.tid))
	errs = append(errs, m.SetString(42, l.cfg.mid))
	return errors.Join(errs...)
}

// netMgmt builds an 0800 with network management information code code
// (DE 70: 001 sign-on, 002 sign-off, 301 echo test).
func (l *Link) netMgmt(code string) *iso8583.Message {
	m := iso8583.NewMessage(l.cfg.dialect, iso8583.MTI(800))
	_ = l.stamp(m, l.cfg.clock())
	_ = m.SetString(70, code)
	return m
}

func (l *Link) network(ctx context.Context, code, op string) error {
	resp, err := l.roundTrip(ctx, l.netMgmt(code), op)
	if err != nil {
		return err
	}
	if rc, _ := resp.GetString(39); rc != "00" {
		return fmt.Errorf("%s: host answered DE 39 %q", op, rc)
	}
	return nil
}

// SignOn sends 0800 DE 70 001. The acquirer refuses financial traffic (DE
// 39 58) on a connection whose terminal has not signed on; the link signs
// on again by itself after a reconnection.
func (l *Link) SignOn(ctx context.Context) error {
	if err := l.network(ctx, "001", "sign on"); err != nil {
		return err
	}
	l.mu.Lock()
	l.signedOn = true
	l.mu.Unlock()
	return nil
}

// SignOff sends 0800 DE 70 002.
func (l *Link) SignOff(ctx context.Context) error {
	l.mu.Lock()
	l.signedOn = false
	l.mu.Unlock()
	return l.network(ctx, "002", "sign off")
}

// Echo sends 0800 DE 70 301, the echo test.
func (l *Link) Echo(ctx context.Context) error { return l.network(ctx, "301", "echo") }

// Close closes the connection and stops the reversal queue. Reversals not
// yet acknowledged are dropped with it (they live in memory): call Flush
// first to wait for them.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	c := l.conn
	l.conn = nil
	close(l.done)
	l.mu.Unlock()
	if c != nil {
		c.Close()
	}
	l.wg.Wait()
	return nil
}

// Direction of a transcript entry.
const (
	Sent     = "sent"
	Received = "received"
)

// Entry is one message of the transcript, already masked: Text is the
// iso8583 masked rendering (PAN first six and last four, no track data, no
// PIN block, sensitive DE 55 objects masked).
type Entry struct {
	Time time.Time `json:"time"`
	Dir  string    `json:"dir"` // Sent or Received
	MTI  string    `json:"mti"`
	STAN string    `json:"stan,omitempty"`
	RC   string    `json:"rc,omitempty"`
	Text string    `json:"text"`
}

func (l *Link) record(dir string, m *iso8583.Message) {
	if l.cfg.transcript <= 0 {
		return
	}
	e := Entry{Time: l.cfg.clock(), Dir: dir, MTI: m.MTI.String(), Text: m.String()}
	e.STAN, _ = m.GetString(11)
	e.RC, _ = m.GetString(39)
	l.note(e)
}

func (l *Link) note(e Entry) {
	if l.cfg.transcript <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.trans) >= l.cfg.transcript {
		copy(l.trans, l.trans[1:])
		l.trans = l.trans[:len(l.trans)-1]
	}
	l.trans = append(l.trans, e)
	l.transN++
}

// Transcript returns the last messages sent and received (see
// WithTranscript), masked, oldest first.
func (l *Link) Transcript() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.trans...)
}

// TranscriptText renders the transcript as text, one block per message.
func (l *Link) TranscriptText() string {
	var b []byte
	for _, e := range l.Transcript() {
		b = append(b, e.Time.UTC().Format("15:04:05.000")...)
		b = append(b, ' ')
		b = append(b, e.Dir...)
		b = append(b, ' ')
		b = append(b, e.MTI...)
		if e.STAN != "" {
			b = append(b, " STAN "...)
			b = append(b, e.STAN...)
		}
		if e.RC != "" {
			b = append(b, " RC "...)
			b = strconv.AppendQuote(b, e.RC)
		}
		b = append(b, '\n')
		b = append(b, e.Text...)
		if len(e.Text) > 0 && e.Text[len(e.Text)-1] != '\n' {
			b = append(b, '\n')
		}
	}
	return string(b)
}

// wire is one connection. Frames that several goroutines write while a
// write is under way are coalesced into the next single write (one system
// call for a burst of pipelined requests); a frame is never split or
// interleaved with another.
type wire struct {
	net.Conn
	framing iso8583.Framing

	mu         sync.Mutex
	buf, spare []byte
	flushing   bool
	err        error
}

// writeFrame frames msg and writes it, or leaves it to the goroutine
// already writing, which takes it in its next write. A write error is
// sticky: the connection is then closed and every later write fails.
func (w *wire) writeFrame(msg []byte) error {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	var err error
	if w.buf, err = w.framing.Append(w.buf, iso8583.TPDU{}, msg); err != nil {
		w.mu.Unlock()
		return err
	}
	if w.flushing {
		w.mu.Unlock()
		return nil
	}
	w.flushing = true
	for len(w.buf) > 0 && w.err == nil {
		b := w.buf
		w.buf = w.spare[:0]
		w.mu.Unlock()
		_, werr := w.Conn.Write(b)
		w.mu.Lock()
		w.spare = b[:0]
		if werr != nil {
			w.err = &iso8583.FrameError{Op: "write", Err: werr}
		}
	}
	w.flushing = false
	err = w.err
	w.mu.Unlock()
	if err != nil {
		w.Conn.Close()
	}
	return err
}
