package vpcd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAddr is vpcd's first slot ("Virtual PCD 00 00"): port 35963
// (VPCDPORT in vsmartcard's vpcd.h; 0x8C7B in /etc/reader.conf.d/vpcd).
const DefaultAddr = "127.0.0.1:35963"

// Control commands, the 1-byte messages from vpcd (vsmartcard, vpcd.h).
const (
	CtrlPowerOff byte = 0x00
	CtrlPowerOn  byte = 0x01
	CtrlReset    byte = 0x02
	CtrlATR      byte = 0x04
)

// MaxMessage is the longest payload the 2-byte length can carry.
const MaxMessage = 0xFFFF

// Errors.
var (
	// ErrDisconnected is vpcd closing the connection (pcscd stopped or
	// restarted): the card is out of the reader.
	ErrDisconnected = errors.New("vpcd closed the connection")
	// ErrSlotBusy is a vpcd slot that another paylab process holds.
	ErrSlotBusy = errors.New("vpcd slot holds another paylab card")
	// ErrTooLong is a payload longer than MaxMessage.
	ErrTooLong = errors.New("vpcd message longer than 65535 bytes")
)

// ICC is the virtual card behind the reader; *card.Card of emulators/card
// is one. Power off is Close, power on and reset are Reset.
type ICC interface {
	ATR() []byte
	Transmit(ctx context.Context, capdu []byte) ([]byte, error)
	Reset()
	Close() error
}

// ReadMessage reads one message: a 2-byte big-endian length and that many
// bytes. buf is reused when it is large enough. A connection closed
// between messages is io.EOF; one closed inside a message
// io.ErrUnexpectedEOF.
func ReadMessage(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(hdr[0])<<8 | int(hdr[1])
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendMessage appends payload framed as one message to dst, so that it
// can go out in one write.
func AppendMessage(dst, payload []byte) ([]byte, error) {
	if len(payload) > MaxMessage {
		return dst, fmt.Errorf("frame vpcd message of %d bytes: %w", len(payload), ErrTooLong)
	}
	dst = append(dst, byte(len(payload)>>8), byte(len(payload)))
	return append(dst, payload...), nil
}

// Option configures Serve, Insert and Run.
type Option func(*options)

type options struct {
	logf     func(format string, args ...any)
	quickAck bool
	stats    *Stats
	retry    time.Duration
	slotWait time.Duration
}

func defaults(opts []Option) options {
	o := options{quickAck: true, retry: 250 * time.Millisecond, slotWait: 30 * time.Second, logf: func(string, ...any) {}}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithLog receives one line per connection event (connected, removed,
// vpcd gone, reconnecting). Default: silent. APDUs are never logged here:
// they hold card data (see emulators/card WithTranscript and harness/trace).
func WithLog(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// WithQuickAck turns the Linux TCP_QUICKACK after each read on or off.
// Default: on.
func WithQuickAck(on bool) Option { return func(o *options) { o.quickAck = on } }

// WithStats counts what the connection carried into s.
func WithStats(s *Stats) Option { return func(o *options) { o.stats = s } }

// WithRetry sets Run's first wait before connecting again (it doubles up
// to 2 s). Default: 250 ms.
func WithRetry(d time.Duration) Option { return func(o *options) { o.retry = d } }

// WithSlotWait sets how long Insert waits for a slot that another paylab
// process on this host holds (a card of its own inserted). Default: 30 s.
func WithSlotWait(d time.Duration) Option { return func(o *options) { o.slotWait = d } }

// waitSlot takes the host-wide lock of the slot at addr, waiting up to
// wait (or ctx's end) while another process holds it.
func waitSlot(ctx context.Context, addr string, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	for {
		unlock, busy, err := lockSlot(addr)
		if err != nil {
			return nil, err
		}
		if !busy {
			return unlock, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("insert card into vpcd %s: %w (waited %v)", addr, ErrSlotBusy, wait)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("insert card into vpcd %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stats counts the messages of a connection; safe for concurrent reads.
type Stats struct {
	APDUs, ATRs, PowerOns, PowerOffs, Resets atomic.Int64
}

// Serve answers vpcd on conn for icc until ctx ends (nil), vpcd closes the
// connection (ErrDisconnected) or the connection fails. It closes conn
// when it returns.
func Serve(ctx context.Context, conn net.Conn, icc ICC, opts ...Option) error {
	o := defaults(opts)
	return serve(ctx, conn, icc, o)
}

func serve(ctx context.Context, conn net.Conn, icc ICC, o options) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var ack func()
	if tc, ok := conn.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			return fmt.Errorf("serve vpcd: %w", err)
		}
		if o.quickAck {
			ack = quickAck(tc)
		}
	}
	st := o.stats
	if st == nil {
		st = &Stats{}
	}
	var src io.Reader = conn
	if ack != nil {
		src = ackReader{conn, ack}
	}
	rd := bufio.NewReaderSize(src, 4096)
	var in, out []byte
	for {
		msg, err := ReadMessage(rd, in)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("serve vpcd: %w", ErrDisconnected)
			}
			return fmt.Errorf("serve vpcd: %w", err)
		}
		in = msg
		var answer []byte
		switch {
		case len(msg) == 1:
			switch msg[0] {
			case CtrlPowerOff:
				st.PowerOffs.Add(1)
				_ = icc.Close()
				continue
			case CtrlPowerOn:
				st.PowerOns.Add(1)
				icc.Reset()
				continue
			case CtrlReset:
				st.Resets.Add(1)
				icc.Reset()
				continue
			case CtrlATR:
				st.ATRs.Add(1)
				answer = icc.ATR()
			default:
				o.logf("vpcd: unknown control command %02X ignored", msg[0])
				continue
			}
		case len(msg) == 0:
			continue
		default:
			st.APDUs.Add(1)
			r, err := icc.Transmit(ctx, msg)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// An unpowered or broken card: "no precise diagnosis"
				// (ISO/IEC 7816-4, 5.1.3) rather than no answer, which
				// vpcd would take for a removed card.
				r = []byte{0x6F, 0x00}
			}
			answer = r
		}
		if out, err = AppendMessage(out[:0], answer); err != nil {
			return fmt.Errorf("serve vpcd: %w", err)
		}
		if _, err := conn.Write(out); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("serve vpcd: %w", err)
		}
	}
}

// Session is a card inserted into vpcd's reader.
type Session struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Insert connects to vpcd at addr (DefaultAddr when empty) — the card is
// in the reader as soon as pcscd next polls the slot — and serves icc in
// the background until Remove, ctx's end or vpcd going away.
func Insert(ctx context.Context, addr string, icc ICC, opts ...Option) (*Session, error) {
	o := defaults(opts)
	if addr == "" {
		addr = DefaultAddr
	}
	unlock, err := waitSlot(ctx, addr, o.slotWait)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("insert card into vpcd %s: %w", addr, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Session{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer unlock()
		s.err = serve(sctx, conn, icc, o)
	}()
	o.logf("vpcd %s: card inserted", addr)
	return s, nil
}

// Remove takes the card out of the reader (closes the connection) and
// waits for the session to end.
func (s *Session) Remove() error {
	s.cancel()
	<-s.done
	return s.err
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended (nil for Remove or the end of ctx); valid
// after Done.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Run keeps icc inserted in vpcd at addr until ctx ends: it connects,
// serves, and connects again whenever vpcd goes away (pcscd restarted) or
// cannot be reached yet, waiting WithRetry's time, doubled up to 2 s.
// It returns nil when ctx ends.
func Run(ctx context.Context, addr string, icc ICC, opts ...Option) error {
	o := defaults(opts)
	if addr == "" {
		addr = DefaultAddr
	}
	wait := o.retry
	var mu sync.Mutex // one log line per state change
	last := ""
	note := func(s string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if line := fmt.Sprintf(s, args...); line != last {
			last = line
			o.logf("%s", line)
		}
	}
	for ctx.Err() == nil {
		s, err := Insert(ctx, addr, icc, append(opts, WithLog(func(string, ...any) {}))...)
		if err != nil {
			note("vpcd %s not reachable (%v); retrying", addr, err)
		} else {
			note("vpcd %s: card inserted", addr)
			wait = o.retry
			<-s.Done()
			if ctx.Err() != nil {
				break
			}
			note("vpcd %s: %v; reconnecting", addr, s.Err())
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
	return nil
}

// ackReader acknowledges every read at once. vpcd may send a message's
// length and its body as two segments; with Nagle's algorithm on vpcd's
// socket the body waits for the ACK of the length, and a delayed ACK here
// would cost ~40 ms per APDU. TCP_QUICKACK right after each read sends the
// pending ACK now (Linux tcp(7)).
type ackReader struct {
	r   io.Reader
	ack func()
}

func (a ackReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.ack()
	return n, err
}
