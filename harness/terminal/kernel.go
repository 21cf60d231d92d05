package terminal

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/emv"
)

// ErrPINPadNotWorking is what a PINPad returns when it cannot take a PIN
// (EMV Book 3, 10.5: "PIN entry required and PIN pad not present or not
// working").
var ErrPINPadNotWorking = errors.New("pin pad not working")

// PINPad takes the cardholder's PIN. A lab bench prompts a person; tests
// script the answers.
type PINPad interface {
	EnterPIN(ctx context.Context, p PINPrompt) (PINEntry, error)
}

// PINPrompt says which PIN is asked for.
type PINPrompt struct {
	Online    bool   // online PIN (enciphered for the issuer) rather than offline
	TriesLeft int    // offline PIN tries left from GET DATA 9F17 or 63Cx; -1 unknown
	Amount    uint64 // displayed with the prompt (Book 4, 11.2)
}

// PINEntry is the cardholder's answer: the PIN digits, or a bypass
// (EMV Book 4, 6.3.4.1: the attendant or cardholder bypassed PIN entry).
type PINEntry struct {
	PIN    string
	Bypass bool
}

// Cardholder is the cardholder's side of application selection (EMV Book 1,
// 12.4): confirming one application or choosing among several.
type Cardholder interface {
	// Confirm asks whether to use c; false declines it.
	Confirm(ctx context.Context, c Candidate) (bool, error)
	// Choose returns the index in cs of the chosen application, or -1.
	Choose(ctx context.Context, cs []Candidate) (int, error)
}

// AuthDecision is the issuer's answer as the kernel needs it.
type AuthDecision int

// Issuer decisions (EMV Book 3, 10.9; Book 4, A6).
const (
	AuthApproved AuthDecision = iota + 1
	AuthDeclined
	AuthUnableToGoOnline
)

func (d AuthDecision) String() string {
	switch d {
	case AuthApproved:
		return "approved"
	case AuthDeclined:
		return "declined"
	case AuthUnableToGoOnline:
		return "unable to go online"
	}
	return fmt.Sprintf("AuthDecision(%d)", int(d))
}

// AuthRequest is what the kernel sends online: the ARQC and the data objects
// the issuer needs to check it (the DE 55 content).
type AuthRequest struct {
	Data emv.TagValues // 9F26, 9F27, 9F10, 9F36, 9F37, 95, 9A, 9C, 9F02, 9F03, 5F2A, 82, 9F1A, 9F34, 9F33, 9F35, 84, 5A, 5F34, ...
	// PINBlock is the online PIN as the PIN pad hands it, a plaintext ISO
	// 9564-1 format 2 block; nil when no online PIN was entered. It is
	// sensitive: the Authorizer enciphers it before anything leaves the
	// terminal (hostlink: format 0 under the terminal PIN key, EMV Book 3,
	// 10.5.2) and never logs it.
	PINBlock []byte
}

// AuthResponse is the issuer's answer (EMV Book 3, 10.9 and 10.10).
type AuthResponse struct {
	Decision       AuthDecision
	ARC            [2]byte // 8A, e.g. "00"
	AuthCode       []byte  // 89
	IssuerAuthData []byte  // 91
	Scripts        []byte  // issuer script templates 71 and 72, BER-TLV coded
}

// Authorizer takes an authorisation request online: the acquirer path in a
// bench, an in-process issuer in tests. An error means the terminal could not
// go online.
type Authorizer interface {
	Authorize(ctx context.Context, req AuthRequest) (AuthResponse, error)
}

// Exchange is one command/response pair as the card saw it. The bytes are
// raw, PAN included: whoever records them (harness/trace) masks them.
type Exchange struct {
	Time     time.Time
	Command  []byte
	Response []byte
	Err      error
}

// Option configures a Kernel.
type Option func(*Kernel)

// WithRand sets the random source of random transaction selection
// (Book 3, 10.6.2) and of the unpredictable number 9F37; seed it for
// reproducible runs.
func WithRand(r *rand.Rand) Option { return func(k *Kernel) { k.rng = r } }

// WithPINPad sets the PIN pad; without one the terminal has no PIN pad.
func WithPINPad(p PINPad) Option { return func(k *Kernel) { k.pinpad = p } }

// WithCardholder sets the cardholder's interface for application selection.
func WithCardholder(c Cardholder) Option { return func(k *Kernel) { k.cardholder = c } }

// WithAuthorizer sets the online path; without one the terminal is unable to
// go online.
func WithAuthorizer(a Authorizer) Option { return func(k *Kernel) { k.auth = a } }

// WithTranscript calls fn after every APDU exchange, for the trace.
func WithTranscript(fn func(Exchange)) Option { return func(k *Kernel) { k.hook = fn } }

// Kernel is the reference EMV contact kernel (EMV Book 3, 10; Book 1, 12).
// A Kernel is safe for sequential use by several goroutines; transactions run
// one at a time per card.
type Kernel struct {
	cfg        *Config
	mu         sync.Mutex // guards rng
	rng        *rand.Rand
	pinpad     PINPad
	cardholder Cardholder
	auth       Authorizer
	hook       func(Exchange)
}

// NewKernel returns a kernel for cfg.
func NewKernel(cfg *Config, opts ...Option) (*Kernel, error) {
	if cfg == nil || len(cfg.Applications) == 0 {
		return nil, errors.New("new kernel: configuration without applications")
	}
	k := &Kernel{cfg: cfg}
	for _, o := range opts {
		o(k)
	}
	if k.rng == nil {
		var seed [16]byte
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("new kernel: seed: %w", err)
		}
		k.rng = rand.New(rand.NewPCG(binary.BigEndian.Uint64(seed[:8]), binary.BigEndian.Uint64(seed[8:])))
	}
	return k, nil
}

// Config returns the kernel's configuration.
func (k *Kernel) Config() *Config { return k.cfg }

func (k *Kernel) randomPercent() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return 1 + k.rng.IntN(99) // Book 3, 10.6.2: a random number from 1 to 99
}

func (k *Kernel) unpredictable() []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], k.rng.Uint32())
	return b[:]
}

// Transaction types (9C, ISO 8583 processing code positions 1-2).
const (
	TypePurchase         byte = 0x00
	TypeCash             byte = 0x01
	TypePurchaseCashback byte = 0x09
)

// Transaction is what the merchant asks for.
type Transaction struct {
	Amount   uint64    // 9F02, minor units, cashback included (Book 3, Annex A)
	Other    uint64    // 9F03, cashback
	Type     byte      // 9C
	Date     time.Time // 9A and 9F21; zero means now
	Sequence uint32    // 9F41
	// Services marks a purchase of services rather than goods, for the AUC
	// check (Book 3, 10.4.2).
	Services bool
	// ForceOnline is the merchant forcing the transaction online (TVR byte
	// 4 b4, Book 3 10.7 note).
	ForceOnline bool
}

// terminated ends a transaction: the error carries the reason.
type terminated struct {
	reason string
	err    error
}

func (t *terminated) Error() string {
	if t.err != nil {
		return t.reason + ": " + t.err.Error()
	}
	return t.reason
}
func (t *terminated) Unwrap() error { return t.err }

func terminate(reason string, err error) error { return &terminated{reason, err} }

// Purchase runs one EMV contact transaction with card, in Book 3 order. EMV
// outcomes, terminations included, come back as an Outcome with a nil error;
// the error is non-nil only when the card could not be talked to (transport
// failure or cancelled ctx), and the Outcome then says Terminated.
func (k *Kernel) Purchase(ctx context.Context, card device.Card, tx Transaction) (Outcome, error) {
	t := newTxn(k, card, tx)
	err := t.run(ctx)
	out := t.outcome()
	if err != nil {
		var term *terminated
		if errors.As(err, &term) {
			out.Result = Terminated
			out.Reason = term.reason
			out.Err = term.err
			var te *transportError
			if errors.As(err, &te) {
				return out, err
			}
			return out, nil
		}
		out.Result = Terminated
		out.Reason = "error"
		out.Err = err
		return out, err
	}
	return out, nil
}

// transportError is a failure below the APDU layer.
type transportError struct{ err error }

func (e *transportError) Error() string { return "transmit: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// transmit sends cmd and returns the response; a transport failure ends the
// transaction.
func (t *txn) transmit(ctx context.Context, cmd emv.Command) (emv.Response, error) {
	raw, err := cmd.Encode()
	if err != nil {
		return emv.Response{}, terminate("encode command", err)
	}
	if err := ctx.Err(); err != nil {
		return emv.Response{}, terminate("cancelled", &transportError{err})
	}
	resp, err := t.card.Transmit(ctx, raw)
	ex := Exchange{Time: time.Now(), Command: raw, Response: resp, Err: err}
	t.transcript = append(t.transcript, ex)
	if t.k.hook != nil {
		t.k.hook(ex)
	}
	if err != nil {
		return emv.Response{}, terminate("card communication", &transportError{err})
	}
	r, err := emv.ParseResponse(resp)
	if err != nil {
		return emv.Response{}, terminate("card communication", err)
	}
	return r, nil
}
