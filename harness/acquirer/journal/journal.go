package journal

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get when no transaction has the RRN.
var ErrNotFound = errors.New("journal: no such transaction")

// Kind is what a journalled transaction does.
type Kind string

// Kinds. The processing code (DE 3) and MTI the acquirer saw decide them.
const (
	Auth     Kind = "auth"     // 0100, processing code 00: pre-authorisation
	Purchase Kind = "purchase" // 0200, processing code 00
	Refund   Kind = "refund"   // 0200, processing code 20, linked by OrigRRN
	Void     Kind = "void"     // 0200, processing code 02, linked by OrigRRN
	Balance  Kind = "balance"  // 0100, processing code 31
	Advice   Kind = "advice"   // 0220: approved offline by the card, uploaded later
)

// State is where a transaction is in its life.
type State string

// States. A transaction starts Pending (forwarded to the issuer, no answer
// yet) and ends in one of the others; Reversed and Voided are set on the
// original when its reversal or void is done at the issuer.
const (
	Pending  State = "pending"
	Approved State = "approved"
	Declined State = "declined"
	TimedOut State = "timeout" // the terminal got 91; a reversal is owed to the issuer
	Reversed State = "reversed"
	Voided   State = "voided"
)

// ReversalState tracks the reversal the acquirer owes the issuer, so that a
// restart neither forgets one (money lost) nor sends one twice (money
// doubled).
type ReversalState string

// Reversal states.
const (
	NoReversal   ReversalState = ""
	ReversalOwed ReversalState = "owed" // decided, not yet acknowledged by the issuer
	ReversalDone ReversalState = "done" // the issuer answered the 0400/0420
)

// Txn is one journalled transaction. It holds no sensitive data: the PAN
// only masked (first six, last four), never track data, PIN blocks or
// keys. Amounts are in minor units.
type Txn struct {
	RRN        string // retrieval reference number (DE 37), assigned by the acquirer: the key
	TerminalID string // DE 41
	MerchantID string // DE 42
	STAN       string // DE 11 as the terminal sent it
	IssuerSTAN string // DE 11 the acquirer gave the request to the issuer: its reversal's DE 90 names it
	Sent       string // DE 7 as the terminal sent it (MMDDhhmmss)
	MTI        string // the terminal's request MTI
	Kind       Kind
	ProcCode   string // DE 3
	PANMasked  string // first six and last four, as emv.MaskPAN gives
	Scheme     string // from the BIN route, e.g. "visa", "mastercard"
	Issuer     string // the issuer route's name
	Amount     int64  // DE 4
	Currency   string // DE 49
	RC         string // DE 39 answered to the terminal ("" while pending)
	AuthCode   string // DE 38
	// IssuerAuth is tag 91 of the issuer's DE 55 in hex (issuer
	// authentication data: ARPC and response code), so that a repeat
	// answered from the journal still lets the card authenticate the
	// issuer. Never the scripts (templates 71 and 72): they may carry an
	// enciphered PIN.
	IssuerAuth string
	State      State
	Reversal   ReversalState
	OrigRRN    string // the original of a refund, void or reversal
	Batch      int    // 0 while open; the terminal's batch number once settled
	Created    time.Time
	Updated    time.Time
}

// Filter selects transactions for Find. Zero fields match everything but
// Batch, whose zero selects the open batch (-1 selects any);
// Limit 0 means no limit. Results come in Created order.
type Filter struct {
	TerminalID string
	STAN       string
	States     []State
	Reversal   ReversalState // match this reversal state when non-empty
	Batch      int           // -1: any; 0: open (not yet settled); n: batch n
	Since      time.Time
	Limit      int
	// Newest makes Limit keep the newest transactions instead of the
	// oldest; they still come in Created order.
	Newest bool
}

// Journal is the acquirer's durable record of transactions. Put returns only
// when the transaction is on stable storage (group commit is the
// implementation's business). Implementations: Memory (tests, not durable),
// SQLite (default, WAL) and PostgreSQL (several acquirer nodes).
type Journal interface {
	// Put inserts or replaces the transaction with t.RRN.
	Put(ctx context.Context, t Txn) error
	// Get returns the transaction with rrn, or ErrNotFound.
	Get(ctx context.Context, rrn string) (Txn, error)
	// Find returns the transactions f selects.
	Find(ctx context.Context, f Filter) ([]Txn, error)
	// Mode names the store and its durability, for figures and reports:
	// "memory", "sqlite-wal", "postgres".
	Mode() string
	Close() error
}
