package card

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync"

	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/pki"
)

// ErrClosed is returned by Transmit after Close.
var ErrClosed = errors.New("card emulator closed")

// pseName is the Payment System Environment DDF name (EMV Book 1, 12.2.2).
var pseName = []byte("1PAY.SYS.DDF01")

// Card is an emulated EMV contact card. It implements device.Card and is safe
// for concurrent use (commands are processed one at a time, as on a card).
type Card struct {
	mu       sync.Mutex
	name     string
	atr      []byte
	pse      bool
	blocked  bool
	apps     []*app
	states   []*AppState
	faults   []Fault
	seen     map[byte]int // INS → commands received, for Fault.Occurrence
	rand     io.Reader
	hook     func(capdu, rapdu []byte)
	closed   bool
	commands int
	pending  []byte // T=0 data held back for GET RESPONSE
	txn      txn
}

var _ device.Card = (*Card)(nil)

// AppState is the persistent state of one application: the counters and
// flags a real card keeps in its non-volatile memory.
type AppState struct {
	AID                []byte
	ATC                uint16 // 9F36
	LastOnlineATC      uint16 // 9F13
	PINTryCounter      int    // 9F17
	PINTryLimit        int
	Blocked            bool
	ConsecutiveOffline int // transactions approved offline since the last online one
	ScriptCounter      int // issuer script commands processed (successfully or not)
	ScriptFailed       bool
	// Flags carried to the next transaction's CVR (VIS CVR byte 3).
	LastOnlineNotCompleted bool
	LastIssuerAuthFailed   bool
	PIN                    string `json:"-"` // TEST PIN; String leaves it out
}

// Snapshot is a copy of the card's state that a test can read after a
// transaction.
type Snapshot struct {
	CardBlocked bool
	Selected    []byte // AID of the selected application, nil when none
	Apps        []AppState
	Commands    int
	// The last transaction.
	GPODone               bool
	GenerateACs           int
	FirstCID, SecondCID   byte
	FirstAC, SecondAC     []byte
	IssuerAuthPerformed   bool
	IssuerAuthFailed      bool
	OfflinePINPerformed   bool
	OfflinePINFailed      bool
	ScriptCommands        int
	ScriptCommandsFailed  int
	LastCVR, LastIAD      []byte
	CDAPerformed, DDADone bool
}

// Option configures a Card.
type Option func(*options)

type options struct {
	rand      io.Reader
	authority *pki.Authority
	faults    []Fault
	hook      func(capdu, rapdu []byte)
}

// WithRand sets the source of the ICC dynamic numbers and challenges.
func WithRand(r io.Reader) Option { return func(o *options) { o.rand = r } }

// WithSeed makes the card's random numbers a deterministic ChaCha8 stream.
func WithSeed(seed uint64) Option {
	return func(o *options) {
		var s [32]byte
		for i := 0; i < 8; i++ {
			s[i] = byte(seed >> (8 * i))
		}
		o.rand = mrand.NewChaCha8(s)
	}
}

// WithAuthority personalises ODA data from a given test authority instead of
// the embedded fixtures/pki.
func WithAuthority(a *pki.Authority) Option { return func(o *options) { o.authority = a } }

// WithFault adds a misbehaviour knob (in addition to the profile's faults).
func WithFault(f Fault) Option { return func(o *options) { o.faults = append(o.faults, f) } }

// WithTranscript calls fn with every command and response APDU (copies).
// They are raw — PIN blocks, PAN and track 2 included — so whatever keeps
// them (harness/trace) must mask them.
func WithTranscript(fn func(capdu, rapdu []byte)) Option {
	return func(o *options) { o.hook = fn }
}

// Open loads fixtures/cards/<name>.yaml and builds the card.
func Open(name string, opts ...Option) (*Card, error) {
	p, err := LoadProfile(name)
	if err != nil {
		return nil, err
	}
	return New(p, opts...)
}

// New personalises a card from a profile.
func New(p *Profile, opts ...Option) (*Card, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	o := options{rand: rand.Reader}
	for _, opt := range opts {
		opt(&o)
	}
	auth := o.authority
	needPKI := false
	for _, a := range p.Apps {
		needPKI = needPKI || !a.ODA.None
	}
	if auth == nil && needPKI {
		var err error
		if auth, err = DefaultAuthority(); err != nil {
			return nil, fmt.Errorf("new card %s: %w", p.Name, err)
		}
	}
	c := &Card{name: p.Name, atr: mustHex(p.ATR), pse: p.PSE, blocked: p.Blocked,
		rand: o.rand, hook: o.hook, seen: map[byte]int{}}
	if len(c.atr) == 0 {
		// T=0, no interface bytes beyond TD1, historical bytes "PAYLAB EMU".
		c.atr = append([]byte{0x3B, 0x6A, 0x00, 0x00}, []byte("PAYLAB EMU")...)
	}
	for _, fc := range p.Faults {
		f, _ := fc.Fault()
		c.faults = append(c.faults, f)
	}
	c.faults = append(c.faults, o.faults...)
	for _, ap := range p.Apps {
		a, err := personalise(ap, auth)
		if err != nil {
			return nil, err
		}
		limit := ap.PINTryLimit
		if limit == 0 {
			limit = 3
		}
		tries := limit
		if ap.PINTries != nil {
			tries = *ap.PINTries
		}
		c.apps = append(c.apps, a)
		c.states = append(c.states, &AppState{
			AID: a.aid, ATC: uint16(ap.ATC), LastOnlineATC: uint16(ap.LastOnlineATC),
			PINTryCounter: tries, PINTryLimit: limit, Blocked: ap.Blocked,
			ConsecutiveOffline: ap.ConsecutiveOffline, PIN: ap.PIN,
		})
	}
	c.txn.reset()
	return c, nil
}

// Name returns the profile name.
func (c *Card) Name() string { return c.name }

// ATR returns the answer to reset.
func (c *Card) ATR() []byte { return bytes.Clone(c.atr) }

// Close powers the card down. State persists; Reset powers it up again.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// Reset is a power cycle: the transaction state (selection, GPO, GENERATE
// AC sequence, challenge) is lost, the persistent counters remain.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = false
	c.pending = nil
	c.txn.reset()
}

// Snapshot returns a copy of the card's state.
func (c *Card) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &c.txn
	s := Snapshot{
		CardBlocked: c.blocked, Commands: c.commands, GPODone: t.gpoDone, GenerateACs: t.genACs,
		FirstCID: t.firstCID, SecondCID: t.secondCID, FirstAC: bytes.Clone(t.firstAC), SecondAC: bytes.Clone(t.secondAC),
		IssuerAuthPerformed: t.issuerAuthPerformed, IssuerAuthFailed: t.issuerAuthFailed,
		OfflinePINPerformed: t.pinPerformed, OfflinePINFailed: t.pinFailed,
		ScriptCommands: t.scripts, ScriptCommandsFailed: t.scriptsFailed,
		LastCVR: bytes.Clone(t.lastCVR), LastIAD: bytes.Clone(t.lastIAD), CDAPerformed: t.cdaDone, DDADone: t.ddaDone,
	}
	if t.app >= 0 {
		s.Selected = bytes.Clone(c.apps[t.app].aid)
	}
	for _, st := range c.states {
		cp := *st
		cp.AID = bytes.Clone(st.AID)
		s.Apps = append(s.Apps, cp)
	}
	return s
}

// Transmit processes one command APDU and returns the response APDU. A
// malformed APDU gets a status word, never an error: errors are only for a
// closed card or a cancelled context.
func (c *Card) Transmit(ctx context.Context, capdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("transmit apdu: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("transmit apdu: %w", ErrClosed)
	}
	c.commands++
	r := c.process(capdu)
	if c.hook != nil {
		c.hook(bytes.Clone(capdu), bytes.Clone(r))
	}
	return r, nil
}

func (c *Card) process(capdu []byte) []byte {
	cmd, err := emv.ParseCommand(capdu)
	if err != nil {
		return sw(emv.SWWrongLength) // no case of ISO/IEC 7816-4 fits
	}
	if cmd.INS == emv.InsGetResponse && cmd.CLA == emv.ClaISO {
		return c.getResponse(cmd)
	}
	c.pending = nil
	c.seen[cmd.INS]++
	var active []Fault
	for _, f := range c.faults {
		if f.matches(cmd, c.seen[cmd.INS]) {
			active = append(active, f)
		}
	}
	for _, f := range active {
		if f.SW != 0 {
			return sw(f.SW)
		}
	}
	c.txn.wrongAC = false
	for _, f := range active {
		c.txn.wrongAC = c.txn.wrongAC || f.WrongCryptogram
	}
	data, status := c.dispatch(cmd)
	for _, f := range active {
		data = f.tamper(data)
	}
	if status == emv.SWNoError && len(data) > 0 {
		for _, f := range active {
			if f.GetResponse {
				c.pending = append(bytes.Clone(data), 0x90, 0x00)
				return sw(0x6100 | uint16(min(len(data), 256)&0xFF))
			}
			if f.WrongLe && (!cmd.HasLe || cmd.Le != len(data)) {
				return sw(0x6C00 | uint16(min(len(data), 256)&0xFF))
			}
		}
	}
	return append(data, byte(status>>8), byte(status))
}

// getResponse returns data held back by a 61xx answer (ISO/IEC 7816-4, 7.1;
// EMV Book 1, 9.3.1.3).
func (c *Card) getResponse(cmd emv.Command) []byte {
	if len(c.pending) == 0 {
		return sw(emv.SWConditionsNotSatisfied)
	}
	n := len(c.pending) - 2
	if cmd.Le != 0 && cmd.Le != 256 && cmd.Le != n {
		return sw(0x6C00 | uint16(n&0xFF))
	}
	r := c.pending
	c.pending = nil
	return r
}

func (c *Card) dispatch(cmd emv.Command) ([]byte, uint16) {
	switch cmd.CLA {
	case emv.ClaISO, emv.ClaProprietary, emv.ClaSecureMessaging:
	default:
		return nil, emv.SWCLANotSupported
	}
	if c.blocked && cmd.INS != emv.InsSelect {
		// A blocked card answers nothing useful (EMV Book 3, 6.5.1.3 and
		// 10.10: CARD BLOCK disables every application).
		return nil, emv.SWFunctionNotSupported
	}
	switch cmd.INS {
	case emv.InsSelect:
		return c.selectCmd(cmd)
	case emv.InsReadRecord:
		return c.readRecord(cmd)
	case emv.InsGetProcessingOptions:
		return c.gpo(cmd)
	case emv.InsGetData:
		return c.getData(cmd)
	case emv.InsGetChallenge:
		return c.getChallenge(cmd)
	case emv.InsVerify:
		return c.verify(cmd)
	case emv.InsInternalAuthenticate:
		return c.internalAuth(cmd)
	case emv.InsGenerateAC:
		return c.generateAC(cmd)
	case emv.InsExternalAuthenticate:
		return c.externalAuth(cmd)
	case emv.InsApplicationBlock, emv.InsApplicationUnblock, emv.InsCardBlock,
		emv.InsPINChangeUnblock, emv.InsPutData:
		return c.script(cmd)
	}
	return nil, emv.SWINSNotSupported
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

// String describes the state without the PIN.
func (s AppState) String() string {
	return fmt.Sprintf("AID %X ATC %d last online ATC %d PIN tries %d/%d blocked %t consecutive offline %d scripts %d",
		s.AID, s.ATC, s.LastOnlineATC, s.PINTryCounter, s.PINTryLimit, s.Blocked, s.ConsecutiveOffline, s.ScriptCounter)
}
