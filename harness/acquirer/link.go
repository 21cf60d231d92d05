package acquirer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

// Errors of an issuer round trip.
var (
	// ErrIssuerTimeout: the issuer did not answer within the timeout.
	ErrIssuerTimeout = errors.New("issuer did not answer in time")
	// ErrIssuerUnavailable: no connection to the issuer, or it dropped
	// while the request was in flight.
	ErrIssuerUnavailable = errors.New("issuer unavailable")
)

// lateWindow is how long a timed-out request's STAN stays reserved, so that
// a late answer is recognised (and reversed) rather than dropped.
const lateWindow = 2 * time.Minute

// link is the acquirer's client side of one issuer route: Route.Conns
// persistent TCP connections, each pipelined (many requests in flight),
// answers matched by the acquirer's own STAN (DE 11, per link) and the MTI
// class. A dropped connection fails its in-flight requests and is dialled
// again with back-off.
type link struct {
	a     *Acquirer
	route Route

	mu      sync.Mutex
	pending map[uint32]*call
	conns   []*linkConn
	rr      int
	ready   chan struct{} // closed while at least one connection is up
	closed  bool

	done chan struct{}
	wg   sync.WaitGroup
}

type linkConn struct {
	c        net.Conn
	out      chan []byte
	done     chan struct{}
	once     sync.Once
	lastRead atomic.Int64
}

func (lc *linkConn) shut() {
	lc.once.Do(func() { close(lc.done); lc.c.Close() })
}

// call is one request in flight on a link.
type call struct {
	ch       chan *iso8583.Message // buffered 1; nil message: connection dropped
	class    iso8583.Class
	lc       *linkConn
	timedOut bool
	late     func(*iso8583.Message)
	at       time.Time
}

func newLink(a *Acquirer, r Route) *link {
	return &link{a: a, route: r, pending: map[uint32]*call{}, ready: make(chan struct{}), done: make(chan struct{})}
}

// run keeps Route.Conns connections up until close.
func (l *link) run() {
	n := max(l.route.Conns, 1)
	for i := 0; i < n; i++ {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.keep() }()
	}
	l.wg.Add(1)
	go func() { defer l.wg.Done(); l.sweep() }()
	l.wg.Wait()
}

func (l *link) close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
		for _, lc := range l.conns {
			lc.shut()
		}
	}
	l.mu.Unlock()
}

// keep dials, serves one connection until it drops, and dials again.
func (l *link) keep() {
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-l.done:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(l.a.ctx, 2*time.Second)
		c, err := l.a.cfg.dial(ctx, l.route.Addr)
		cancel()
		if err != nil {
			l.a.log.Warn("dial issuer", "issuer", l.route.Name, "err", err)
			select {
			case <-l.done:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		lc := &linkConn{c: c, out: make(chan []byte, 4096), done: make(chan struct{})}
		lc.lastRead.Store(time.Now().UnixNano())
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns = append(l.conns, lc)
		if len(l.conns) == 1 {
			close(l.ready)
		}
		l.mu.Unlock()
		l.a.log.Info("issuer link up", "issuer", l.route.Name, "addr", l.route.Addr)
		go l.writeLoop(lc)
		l.readLoop(lc)
		lc.shut()
		l.drop(lc)
	}
}

// drop removes lc and fails its in-flight requests.
func (l *link) drop(lc *linkConn) {
	l.mu.Lock()
	for i, x := range l.conns {
		if x == lc {
			l.conns = append(l.conns[:i], l.conns[i+1:]...)
			break
		}
	}
	if len(l.conns) == 0 {
		select {
		case <-l.ready:
			l.ready = make(chan struct{})
		default:
		}
	}
	var failed []*call
	for stan, c := range l.pending {
		if c.lc == lc && !c.timedOut {
			delete(l.pending, stan)
			failed = append(failed, c)
		}
	}
	closed := l.closed
	l.mu.Unlock()
	for _, c := range failed {
		c.ch <- nil
	}
	if !closed {
		l.a.log.Warn("issuer link down", "issuer", l.route.Name, "in_flight_failed", len(failed))
	}
}

func (l *link) writeLoop(lc *linkConn) {
	bw := bufio.NewWriterSize(lc.c, 32<<10)
	for {
		select {
		case <-lc.done:
			return
		case b := <-lc.out:
			if _, err := bw.Write(b); err != nil {
				lc.shut()
				return
			}
			putBuf(b)
		drain:
			for {
				select {
				case b := <-lc.out:
					if _, err := bw.Write(b); err != nil {
						lc.shut()
						return
					}
					putBuf(b)
				default:
					break drain
				}
			}
			if err := bw.Flush(); err != nil {
				lc.shut()
				return
			}
		}
	}
}

func (l *link) readLoop(lc *linkConn) {
	br := bufio.NewReaderSize(lc.c, 32<<10)
	for {
		fr, err := l.a.framing.Read(br)
		if err != nil {
			select {
			case <-lc.done:
			default:
				l.a.log.Warn("read issuer", "issuer", l.route.Name, "err", err)
			}
			return
		}
		lc.lastRead.Store(time.Now().UnixNano())
		if len(fr.Message) == 0 {
			continue // keep-alive
		}
		m := iso8583.NewMessage(l.a.dialect, 0)
		if err := m.Unpack(fr.Message); err != nil {
			// A stream that carries garbage cannot be trusted to stay in
			// step: drop it, failing what is in flight (91 and reversal).
			l.a.log.Warn("malformed issuer message: dropping link", "issuer", l.route.Name, "err", err, "len", len(fr.Message))
			return
		}
		s, _ := m.GetString(11)
		stan, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			l.a.log.Warn("issuer message without a usable STAN", "issuer", l.route.Name, "mti", m.MTI.String())
			continue
		}
		l.mu.Lock()
		c := l.pending[uint32(stan)]
		if c != nil && c.class == m.MTI.Class() && m.MTI.Function()%2 == 1 {
			delete(l.pending, uint32(stan))
		} else {
			c = nil
		}
		l.mu.Unlock()
		switch {
		case c == nil:
			l.a.log.Warn("unmatched issuer message", "issuer", l.route.Name, "mti", m.MTI.String(), "stan", s)
		case c.timedOut:
			if c.late != nil {
				go c.late(m)
			}
		default:
			c.ch <- m
		}
	}
}

// sweep forgets timed-out requests after lateWindow and sends echo tests
// on idle connections.
func (l *link) sweep() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
		}
		now := time.Now()
		l.mu.Lock()
		for stan, c := range l.pending {
			if c.timedOut && now.Sub(c.at) > lateWindow {
				delete(l.pending, stan)
			}
		}
		conns := append([]*linkConn(nil), l.conns...)
		l.mu.Unlock()
		for _, lc := range conns {
			if now.Sub(time.Unix(0, lc.lastRead.Load())) > l.a.cfg.echoInterval {
				go l.echo(lc)
			}
		}
	}
}

// echo sends an 0800 echo test (DE 70 301) on lc; no answer drops lc.
func (l *link) echo(lc *linkConn) {
	lc.lastRead.Store(time.Now().UnixNano()) // one echo per interval
	m := iso8583.NewMessage(l.a.dialect, mti0800)
	m.SetString(7, l.a.now().Format("0102150405"))
	m.SetString(70, "301")
	_, err := l.roundTripOn(lc, m, 0, time.Now().Add(l.a.cfg.timeout), nil)
	if err != nil {
		l.a.log.Warn("issuer echo test failed: dropping link", "issuer", l.route.Name, "err", err)
		lc.shut()
	}
}

// pick waits until a connection is up (or deadline) and returns one,
// round robin.
func (l *link) pick(deadline time.Time) (*linkConn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, ErrIssuerUnavailable
		}
		if n := len(l.conns); n > 0 {
			l.rr++
			lc := l.conns[l.rr%n]
			l.mu.Unlock()
			return lc, nil
		}
		ready := l.ready
		l.mu.Unlock()
		d := time.Until(deadline)
		if d <= 0 {
			return nil, ErrIssuerUnavailable
		}
		t := time.NewTimer(d)
		select {
		case <-ready:
			t.Stop()
		case <-t.C:
			return nil, ErrIssuerUnavailable
		case <-l.done:
			t.Stop()
			return nil, ErrIssuerUnavailable
		}
	}
}

// freeSTAN is the acquirer's next STAN that no call pending on this link
// holds, or 0. mu held.
func (l *link) freeSTAN() uint32 {
	for i := 0; i < 999999; i++ {
		if v := l.a.stans.next(); l.pending[v] == nil {
			return v
		}
	}
	return 0
}

// roundTrip sends m with DE 11 stan (0: the next free one; the acquirer
// reserves and journals a request's STAN before it leaves, so that a
// reversal's DE 90 names the original as the issuer saw it) and waits for
// its answer until deadline. On ErrIssuerTimeout, late (when not nil) is
// called with the answer should it arrive within lateWindow. sent reports
// whether m may have reached the issuer.
func (l *link) roundTrip(m *iso8583.Message, stan uint32, deadline time.Time, late func(*iso8583.Message)) (resp *iso8583.Message, sent bool, err error) {
	lc, err := l.pick(deadline)
	if err != nil {
		return nil, false, err
	}
	resp, err = l.roundTripOn(lc, m, stan, deadline, late)
	return resp, true, err
}

func (l *link) roundTripOn(lc *linkConn, m *iso8583.Message, stan uint32, deadline time.Time, late func(*iso8583.Message)) (*iso8583.Message, error) {
	c := &call{ch: make(chan *iso8583.Message, 1), class: m.MTI.Class(), lc: lc}
	l.mu.Lock()
	if stan == 0 {
		stan = l.freeSTAN()
	} else if l.pending[stan] != nil {
		// A reserved STAN a million requests later still in flight: the
		// answer could not be told apart.
		l.mu.Unlock()
		return nil, fmt.Errorf("issuer %s: STAN %06d still in flight: %w", l.route.Name, stan, ErrIssuerUnavailable)
	}
	if stan == 0 {
		l.mu.Unlock()
		return nil, fmt.Errorf("issuer %s: no free STAN: %w", l.route.Name, ErrIssuerUnavailable)
	}
	l.pending[stan] = c
	l.mu.Unlock()

	sb := stanDigits(stan)
	out := getBuf()
	out = append(out, 0, 0)
	var err error
	if err = m.SetBytes(11, sb[:]); err == nil {
		out, err = m.AppendPack(out)
	}
	if err == nil && len(out)-2 > 0xFFFF {
		err = errors.New("message longer than a frame")
	}
	if err != nil {
		l.unregister(stan, c)
		putBuf(out)
		return nil, fmt.Errorf("pack %s for issuer %s: %w", m.MTI, l.route.Name, err)
	}
	n := len(out) - 2
	out[0], out[1] = byte(n>>8), byte(n)

	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case lc.out <- out:
	case <-lc.done:
		putBuf(out)
		if l.unregister(stan, c) {
			return nil, ErrIssuerUnavailable
		}
		return l.await(c)
	case <-t.C:
		putBuf(out)
		if l.unregister(stan, c) {
			return nil, ErrIssuerUnavailable
		}
		return l.await(c)
	}
	select {
	case r := <-c.ch:
		if r == nil {
			return nil, ErrIssuerUnavailable
		}
		return r, nil
	case <-t.C:
	}
	l.mu.Lock()
	if l.pending[stan] == c {
		c.timedOut, c.late, c.at = true, late, time.Now()
		l.mu.Unlock()
		return nil, ErrIssuerTimeout
	}
	l.mu.Unlock()
	return l.await(c) // answered (or dropped) just as the timer fired
}

// await takes the answer that a reader or drop has committed to deliver.
func (l *link) await(c *call) (*iso8583.Message, error) {
	r := <-c.ch
	if r == nil {
		return nil, ErrIssuerUnavailable
	}
	return r, nil
}

// unregister removes c if it is still pending; false when a reader or
// drop took it first (and will deliver on c.ch).
func (l *link) unregister(stan uint32, c *call) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending[stan] == c {
		delete(l.pending, stan)
		return true
	}
	return false
}

// bufFree recycles frame buffers (a channel rather than a sync.Pool: a
// slice put in a Pool is boxed, one allocation per put).
var bufFree = make(chan []byte, 4096)

func getBuf() []byte {
	select {
	case b := <-bufFree:
		return b[:0]
	default:
		return make([]byte, 0, 512)
	}
}

func putBuf(b []byte) {
	if cap(b) > 64<<10 || cap(b) == 0 {
		return
	}
	select {
	case bufFree <- b:
	default:
	}
}
