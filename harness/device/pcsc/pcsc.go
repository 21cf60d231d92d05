package pcsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/paylab/paylab/harness/device"
)

// Errors a caller branches on with errors.Is; the PC/SC error is in the
// message.
var (
	ErrNoService = errors.New("pcscd is not running")
	ErrNoReader  = errors.New("no such reader")
	ErrNoCard    = errors.New("no card in the reader")
	ErrProtocol  = errors.New("protocol not offered by the card")
	ErrClosed    = errors.New("card connection closed")
)

// Protocol is the transmission protocol asked for at Connect (ISO/IEC
// 7816-3: T=0 character, T=1 block).
type Protocol int

// Protocols. Any lets pcscd pick the card's first offered protocol.
const (
	Any Protocol = iota
	T0
	T1
)

func (p Protocol) String() string {
	switch p {
	case T0:
		return "T=0"
	case T1:
		return "T=1"
	}
	return "T=0 or T=1"
}

func (p Protocol) scard() scard.Protocol {
	switch p {
	case T0:
		return scard.ProtocolT0
	case T1:
		return scard.ProtocolT1
	}
	return scard.ProtocolAny
}

func fromScard(p scard.Protocol) Protocol {
	switch p {
	case scard.ProtocolT0:
		return T0
	case scard.ProtocolT1:
		return T1
	}
	return Any
}

// Option configures a Reader.
type Option func(*config)

type config struct {
	proto     Protocol
	exclusive bool
	raw       bool
	poll      time.Duration
}

// WithProtocol sets the protocol Connect asks for. Default: Any.
func WithProtocol(p Protocol) Option { return func(c *config) { c.proto = p } }

// WithExclusive connects in exclusive mode (no other application may talk
// to the card meanwhile). Default: shared, so pcsc_scan can watch the slot.
func WithExclusive() Option { return func(c *config) { c.exclusive = true } }

// WithRawStatus turns off the '61xx' and '6Cxx' handling of Transmit: the
// caller sees the card's answers as they are. Default: handled.
func WithRawStatus() Option { return func(c *config) { c.raw = true } }

// WithPoll sets how long one SCardGetStatusChange call waits before the
// wait loop looks at its context again (the context also cancels a
// waiting call at once). Default: 500 ms.
func WithPoll(d time.Duration) Option { return func(c *config) { c.poll = d } }

// wrap turns a PC/SC error into one of the package's errors.
func wrap(op, reader string, err error) error {
	if err == nil {
		return nil
	}
	what := op
	if reader != "" {
		what = fmt.Sprintf("%s %q", op, reader)
	}
	var se scard.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var kind error
	switch se {
	case scard.ErrNoService, scard.ErrServiceStopped:
		kind = ErrNoService
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		kind = ErrNoReader
	case scard.ErrNoSmartcard, scard.ErrRemovedCard, scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard:
		kind = ErrNoCard
	case scard.ErrProtoMismatch, scard.ErrUnsupportedCard:
		kind = ErrProtocol
	case scard.ErrInvalidHandle:
		kind = ErrClosed
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w (%v)", what, kind, err)
}

// Readers lists the readers pcscd knows. No reader is an empty list, no
// pcscd ErrNoService.
func Readers() ([]string, error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("list readers", "", err)
	}
	defer sc.Release()
	return listReaders(sc)
}

func listReaders(sc *scard.Context) ([]string, error) {
	names, err := sc.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	return names, wrap("list readers", "", err)
}

// SlotStatus is what a reader's slot holds now.
type SlotStatus struct {
	Reader  string
	Present bool   // a card is in the slot
	ATR     []byte // the card's ATR, when present
	InUse   bool   // an application is connected to the card
	Mute    bool   // the card does not answer to reset
}

// Status returns the slot of every reader pcscd knows, for `paylab devices`.
func Status() ([]SlotStatus, error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("reader status", "", err)
	}
	defer sc.Release()
	names, err := listReaders(sc)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	rs := make([]scard.ReaderState, len(names))
	for i, n := range names {
		rs[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if err := sc.GetStatusChange(rs, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, wrap("reader status", "", err)
	}
	out := make([]SlotStatus, len(rs))
	for i, s := range rs {
		out[i] = SlotStatus{Reader: s.Reader, Present: s.EventState&scard.StatePresent != 0,
			InUse: s.EventState&scard.StateInuse != 0, Mute: s.EventState&scard.StateMute != 0}
		if out[i].Present {
			out[i].ATR = bytes.Clone(s.Atr)
		}
	}
	return out, nil
}

// Resolve returns the reader called name, or else the first reader whose
// name starts with name ("Virtual PCD" finds "Virtual PCD 00 00").
func Resolve(name string) (string, error) {
	names, err := Readers()
	if err != nil {
		return "", err
	}
	return resolve(name, names)
}

func resolve(name string, names []string) (string, error) {
	for _, n := range names {
		if n == name {
			return n, nil
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, name) {
			return n, nil
		}
	}
	return "", fmt.Errorf("find reader %q among %q: %w", name, names, ErrNoReader)
}

// Reader is one PC/SC slot. It implements device.Reader.
type Reader struct {
	name string
	cfg  config
}

var _ device.Reader = (*Reader)(nil)

// NewReader returns the slot named name (an exact reader name or a prefix
// of one; see Resolve). Nothing is opened until it is used.
func NewReader(name string, opts ...Option) *Reader {
	c := config{poll: 500 * time.Millisecond}
	for _, o := range opts {
		o(&c)
	}
	return &Reader{name: name, cfg: c}
}

// Name returns the name the reader was asked for.
func (r *Reader) Name() string { return r.name }

// WaitInserted waits until a card is in the slot and returns its ATR.
func (r *Reader) WaitInserted(ctx context.Context) ([]byte, error) {
	s, err := r.wait(ctx, "wait for card", func(f scard.StateFlag) bool { return f&scard.StatePresent != 0 })
	if err != nil {
		return nil, err
	}
	return bytes.Clone(s.Atr), nil
}

// WaitRemoved waits until the slot is empty.
func (r *Reader) WaitRemoved(ctx context.Context) error {
	_, err := r.wait(ctx, "wait for card removal", func(f scard.StateFlag) bool { return f&scard.StateEmpty != 0 })
	return err
}

// Present reports whether a card is in the slot now, with its ATR.
func (r *Reader) Present() (bool, []byte, error) {
	name, err := Resolve(r.name)
	if err != nil {
		return false, nil, err
	}
	sts, err := Status()
	if err != nil {
		return false, nil, err
	}
	for _, s := range sts {
		if s.Reader == name {
			return s.Present, s.ATR, nil
		}
	}
	return false, nil, fmt.Errorf("reader status %q: %w", name, ErrNoReader)
}

// wait follows the slot with SCardGetStatusChange until done says yes. Its
// own PC/SC context is cancelled (SCardCancel) as soon as ctx ends; the
// call also returns every poll interval so that a cancellation racing the
// call's start is seen too.
func (r *Reader) wait(ctx context.Context, op string, done func(scard.StateFlag) bool) (scard.ReaderState, error) {
	if err := ctx.Err(); err != nil {
		return scard.ReaderState{}, fmt.Errorf("%s %q: %w", op, r.name, err)
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return scard.ReaderState{}, wrap(op, r.name, err)
	}
	defer sc.Release()
	names, err := listReaders(sc)
	if err != nil {
		return scard.ReaderState{}, err
	}
	name, err := resolve(r.name, names)
	if err != nil {
		return scard.ReaderState{}, fmt.Errorf("%s: %w", op, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = sc.Cancel() })
	defer stop()
	rs := []scard.ReaderState{{Reader: name, CurrentState: scard.StateUnaware}}
	for {
		err := sc.GetStatusChange(rs, r.cfg.poll)
		if cerr := ctx.Err(); cerr != nil {
			return scard.ReaderState{}, fmt.Errorf("%s %q: %w", op, name, cerr)
		}
		switch {
		case errors.Is(err, scard.ErrTimeout), errors.Is(err, scard.ErrCancelled):
			continue
		case err != nil:
			return scard.ReaderState{}, wrap(op, name, err)
		}
		if rs[0].EventState&(scard.StateUnknown|scard.StateUnavailable) != 0 {
			return scard.ReaderState{}, fmt.Errorf("%s %q: %w", op, name, ErrNoReader)
		}
		if done(rs[0].EventState) {
			return rs[0], nil
		}
		rs[0].CurrentState = rs[0].EventState &^ scard.StateChanged
	}
}

// Connect waits for a card and connects to it; see ConnectCard.
func (r *Reader) Connect(ctx context.Context) (device.Card, error) {
	c, err := r.ConnectCard(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ConnectCard waits for a card in the slot and connects to it with the
// reader's protocol and share mode (pcscd powers the card up if needed).
func (r *Reader) ConnectCard(ctx context.Context) (*Card, error) {
	for {
		c, err := r.connect(ctx)
		if !errors.Is(err, errRetry) {
			return c, err
		}
		// The slot still shows a card that has just gone (pcscd sees a
		// removal at its next poll of the reader): wait for what comes next.
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect card %q: %w (%v)", r.name, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// errRetry marks a connection refused because the card in the slot is
// gone or not answering yet.
var errRetry = errors.New("card not ready")

func (r *Reader) connect(ctx context.Context) (*Card, error) {
	if _, err := r.WaitInserted(ctx); err != nil {
		return nil, err
	}
	name, err := Resolve(r.name)
	if err != nil {
		return nil, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("connect card", name, err)
	}
	mode := scard.ShareShared
	if r.cfg.exclusive {
		mode = scard.ShareExclusive
	}
	h, err := sc.Connect(name, mode, r.cfg.proto.scard())
	if err != nil {
		sc.Release()
		switch {
		case errors.Is(err, scard.ErrUnpoweredCard), errors.Is(err, scard.ErrRemovedCard),
			errors.Is(err, scard.ErrNoSmartcard), errors.Is(err, scard.ErrUnresponsiveCard):
			return nil, fmt.Errorf("%w: %v", errRetry, err)
		}
		return nil, wrap("connect card with "+r.cfg.proto.String(), name, err)
	}
	c := &Card{sc: sc, h: h, reader: name, raw: r.cfg.raw, mode: mode, proto: r.cfg.proto}
	if err := c.refresh(); err != nil {
		_ = h.Disconnect(scard.LeaveCard)
		sc.Release()
		return nil, err
	}
	return c, nil
}

// Card is a card connected through PC/SC. It implements device.Card and is
// safe for concurrent use (one exchange at a time).
type Card struct {
	mu     sync.Mutex
	sc     *scard.Context
	h      *scard.Card
	reader string
	atr    []byte
	active Protocol
	proto  Protocol
	mode   scard.ShareMode
	raw    bool
	closed bool
}

var _ device.Card = (*Card)(nil)

// ATR returns the card's answer to reset as pcscd read it.
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.atr)
}

// Reader returns the full name of the card's reader.
func (c *Card) Reader() string { return c.reader }

// Protocol returns the active protocol, T0 or T1.
func (c *Card) Protocol() Protocol {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

// Identity describes the card and its reader for a trace or a report:
// reader name, ATR and active protocol (none of them is sensitive).
func (c *Card) Identity() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%s, ATR %X, %s", c.reader, c.atr, c.active)
}

// refresh reads the ATR and protocol again (after connect or reset).
func (c *Card) refresh() error {
	st, err := c.h.Status()
	if err != nil {
		return wrap("card status", c.reader, err)
	}
	c.atr = bytes.Clone(st.Atr)
	c.active = fromScard(c.h.ActiveProtocol())
	return nil
}

// Transmit sends one command APDU and returns the response APDU, status
// word included, with '61xx' and '6Cxx' resolved (see the package
// overview) unless the reader was made WithRawStatus. PC/SC calls cannot
// be interrupted: ctx is checked before each exchange.
func (c *Card) Transmit(ctx context.Context, capdu []byte) ([]byte, error) {
	if len(capdu) < 4 {
		return nil, fmt.Errorf("transmit apdu: %d bytes, a command APDU has at least 4", len(capdu))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("transmit apdu %q: %w", c.reader, ErrClosed)
	}
	send := func(cmd []byte) ([]byte, error) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("transmit apdu: %w", err)
		}
		r, err := c.h.Transmit(cmd)
		return r, wrap("transmit apdu", c.reader, err)
	}
	if c.raw {
		return send(capdu)
	}
	return exchange(send, capdu)
}

// Reset is a warm reset (ISO/IEC 7816-3, 6.2.3; SCardReconnect with
// SCARD_RESET_CARD): the card's volatile state is lost, the ATR read again.
func (c *Card) Reset(ctx context.Context) error {
	return c.reconnect(ctx, "warm reset", scard.ResetCard)
}

// ColdReset is a deactivation and a new activation (ISO/IEC 7816-3, 6.2.2;
// SCardReconnect with SCARD_UNPOWER_CARD).
func (c *Card) ColdReset(ctx context.Context) error {
	return c.reconnect(ctx, "cold reset", scard.UnpowerCard)
}

func (c *Card) reconnect(ctx context.Context, op string, d scard.Disposition) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("%s %q: %w", op, c.reader, ErrClosed)
	}
	if err := c.h.Reconnect(c.mode, c.proto.scard(), d); err != nil {
		return wrap(op, c.reader, err)
	}
	return c.refresh()
}

// Close disconnects and powers the card down (EMV Book 1, 6.1.5: the
// terminal deactivates the card at the end of the transaction).
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := wrap("disconnect card", c.reader, c.h.Disconnect(scard.UnpowerCard))
	if rerr := c.sc.Release(); err == nil {
		err = wrap("release context", c.reader, rerr)
	}
	return err
}
