package issuer

import (
	"errors"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// Response codes (ISO 8583:1987, DE 39) the issuer answers with.
const (
	Approved          = "00"
	DoNotHonour       = "05" // ARQC does not verify (EMV Book 2, 8.1)
	InvalidTxn        = "12"
	InvalidAmount     = "13"
	InvalidCard       = "14" // no such account
	NoRecord          = "25" // refund or void of an unknown original
	FormatError       = "30"
	InsufficientFunds = "51"
	ExpiredCard       = "54"
	IncorrectPIN      = "55"
	NotPermitted      = "57" // blocked, lost or stolen
	ExceedsLimit      = "61"
	IssuerUnavailable = "91"
	Duplicate         = "94"
)

// Status is an account's state.
type Status string

// Account statuses.
const (
	Active  Status = "active"
	Blocked Status = "blocked"
	Lost    Status = "lost"
	Stolen  Status = "stolen"
	Expired Status = "expired"
)

// Account is one card account. Amounts are in minor units of the issuer's
// currency.
type Account struct {
	PAN     string
	Balance int64
	Status  Status
	// TxnLimit bounds one transaction's amount; zero means no limit.
	TxnLimit int64
	// DailyLimit bounds the approved debits and holds of one UTC day, net of
	// reversals; zero means no limit.
	DailyLimit int64
	// Expiry YYMM: the account is expired after that month; "" = not checked.
	Expiry string
	// PIN is the online PIN (TEST DATA) a DE 52 PIN block must carry; ""
	// means no online PIN check.
	PIN string
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithAccounts adds accounts (a PAN given twice keeps the last).
func WithAccounts(accts ...Account) Option {
	return func(is *Issuer) {
		for _, a := range accts {
			is.accounts[a.PAN] = &account{Account: a}
		}
	}
}

// WithVerifier replaces the built-in ARQC check (card keys) with v.
func WithVerifier(v Verifier) Option { return func(is *Issuer) { is.verify = v } }

// WithFault sets the initial fault (see SetFault).
func WithFault(f Fault) Option { return func(is *Issuer) { is.faults.set(f) } }

// WithCardKeys adds the keys that verify ARQCs of card applications.
func WithCardKeys(keys ...CardKeys) Option {
	return func(is *Issuer) { is.keys.add(keys...) }
}

// WithProfiles adds the card keys of the named profiles of fixtures/cards
// (ProfileKeys), so that every application of those cards has its ARQC
// checked with its own issuer master keys. A profile that does not load is
// reported by Err.
func WithProfiles(names ...string) Option {
	return func(is *Issuer) {
		for _, n := range names {
			keys, err := ProfileKeys(n)
			if err != nil {
				is.keys.mu.Lock()
				is.keys.errs = append(is.keys.errs, err)
				is.keys.mu.Unlock()
				continue
			}
			is.keys.add(keys...)
		}
	}
}

// WithBINs adds BIN ranges: their scheme and default keys.
func WithBINs(bins ...BIN) Option {
	return func(is *Issuer) { is.bins = append(is.bins, bins...) }
}

// WithScripts adds issuer script rules.
func WithScripts(rules ...ScriptRule) Option {
	return func(is *Issuer) { is.scripts = append(is.scripts, rules...) }
}

// WithPINKey sets the zone PIN key (ZPK, a TEST KEY: double-length triple
// DES, 16 bytes) under which DE 52 carries ISO 9564-1 format 0 PIN blocks.
// A key of another length leaves PIN blocks unverifiable (answered 55).
func WithPINKey(key []byte) Option {
	return func(is *Issuer) {
		is.pinKey = nil
		if len(key) == 16 {
			is.pinKey = append([]byte(nil), key...)
		}
	}
}

// WithMaxTransactions bounds the transactions remembered (for repeats,
// reversals, refunds and Transactions) to the newest n, for long load runs;
// 0, the default, keeps all. Totals and balances are never forgotten.
func WithMaxTransactions(n int) Option { return func(is *Issuer) { is.maxTxns = n } }

// WithCurrency sets the accounts' currency (ISO 4217 numeric); default 978.
func WithCurrency(code string) Option { return func(is *Issuer) { is.currency = code } }

// WithClock sets the clock used for daily limits, expiry and timestamps.
func WithClock(now func() time.Time) Option { return func(is *Issuer) { is.now = now } }

// WithConfig applies a configuration: currency, PIN key, BINs, accounts,
// card keys and script rules.
func WithConfig(cfg *Config) Option {
	return func(is *Issuer) {
		if cfg.Currency != "" {
			WithCurrency(cfg.Currency)(is)
		}
		if cfg.PINKey != nil {
			WithPINKey(cfg.PINKey)(is)
		}
		WithBINs(cfg.BINs...)(is)
		WithAccounts(cfg.Accounts...)(is)
		WithCardKeys(cfg.Cards...)(is)
		WithScripts(cfg.Scripts...)(is)
	}
}

// account is an Account with its run-time state.
type account struct {
	Account
	scheme string
	held   int64 // open authorisation holds
	day    int32 // the UTC day spent counts
	spent  int64
}

// Issuer is the issuer host. Its methods are safe for concurrent use.
type Issuer struct {
	mu       sync.Mutex
	accounts map[string]*account
	txns     map[string]*txn // by DE 37 RRN
	byOrig   map[origKey]*txn
	order    []*txn
	totals   map[string]*Totals
	authSeq  uint32
	maxTxns  int

	currency string
	pinKey   []byte // ZPK
	keys     *keyring
	bins     []BIN
	scripts  []ScriptRule
	verify   Verifier
	now      func() time.Time
	faults   faultSet

	dialect *iso8583.Dialect
	framing iso8583.Framing
	pool    sync.Pool // *iso8583.Message

	lnMu   sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	closed bool
}

// New returns an issuer with the ISO 8583:1987 dialect and 2-byte binary
// length framing, currency 978 and no accounts.
func New(opts ...Option) *Issuer {
	is := &Issuer{
		accounts: map[string]*account{},
		txns:     map[string]*txn{},
		byOrig:   map[origKey]*txn{},
		totals:   map[string]*Totals{},
		currency: "978",
		keys:     newKeyring(),
		now:      time.Now,
		dialect:  iso8583.ISO1987,
		framing:  iso8583.DefaultFraming,
		conns:    map[net.Conn]struct{}{},
	}
	for _, o := range opts {
		o(is)
	}
	is.keys.bins = is.bins
	for _, a := range is.accounts {
		a.scheme = is.schemeOf(a.PAN)
	}
	is.pool.New = func() any { return iso8583.NewMessage(is.dialect, 0) }
	return is
}

func (is *Issuer) schemeOf(pan string) string {
	for _, b := range is.bins {
		if b.Contains(pan) {
			return b.Scheme
		}
	}
	return ""
}

// Err reports the card keys New could not use (an unknown cryptogram
// version, a key of the wrong length); their ARQCs fail. LoadConfig has
// already refused such keys, so this concerns hand-built CardKeys.
func (is *Issuer) Err() error {
	is.keys.mu.RLock()
	defer is.keys.mu.RUnlock()
	return errors.Join(is.keys.errs...)
}

// SetFault replaces every fault with f; the zero Fault clears them.
func (is *Issuer) SetFault(f Fault) { is.faults.set(f) }

// AddFault adds f to the faults in force; the first that matches a request
// applies (see Fault for scoping by PAN, MTI and count).
func (is *Issuer) AddFault(f Fault) { is.faults.add(f) }

// FaultFor adds f for the requests of one PAN only.
func (is *Issuer) FaultFor(pan string, f Fault) { f.PAN = pan; is.faults.add(f) }

// Ledger returns a snapshot of the ledger balances by PAN (holds are not
// deducted; see Holds and Available).
func (is *Issuer) Ledger() map[string]int64 {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make(map[string]int64, len(is.accounts))
	for p, a := range is.accounts {
		out[p] = a.Balance
	}
	return out
}

// Holds returns the open authorisation holds by PAN (accounts with none
// are left out).
func (is *Issuer) Holds() map[string]int64 {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := map[string]int64{}
	for p, a := range is.accounts {
		if a.held != 0 {
			out[p] = a.held
		}
	}
	return out
}

// Available returns the balance less the holds of pan's account.
func (is *Issuer) Available(pan string) (int64, bool) {
	is.mu.Lock()
	defer is.mu.Unlock()
	a, ok := is.accounts[pan]
	if !ok {
		return 0, false
	}
	return a.Balance - a.held, true
}

// Account returns a copy of pan's account as it is now.
func (is *Issuer) Account(pan string) (Account, bool) {
	is.mu.Lock()
	defer is.mu.Unlock()
	a, ok := is.accounts[pan]
	if !ok {
		return Account{}, false
	}
	return a.Account, true
}

// Count is a number of transactions and their amount (minor units).
type Count struct {
	N      int
	Amount int64
}

func (c *Count) add(amt int64, sign int) { c.N += sign; c.Amount += int64(sign) * amt }

// Totals are the movements of a scheme that a settlement compares: debits
// (purchases, completions and advices approved and not reversed), credits
// (refunds approved and not reversed) and the open holds.
type Totals struct {
	Debits, Credits, Holds Count
}

// Totals returns the totals by scheme ("visa", "mastercard"; "" for PANs
// outside every BIN range).
func (is *Issuer) Totals() map[string]Totals {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make(map[string]Totals, len(is.totals))
	for s, t := range is.totals {
		out[s] = *t
	}
	return out
}

// Kind is what a transaction did to the account.
type Kind string

// Transaction kinds.
const (
	KindHold       Kind = "hold"       // 0100 proc 00: authorisation hold
	KindPurchase   Kind = "purchase"   // 0200 proc 00: debit
	KindCompletion Kind = "completion" // 0200/0220 proc 00 with DE 62 orig= a hold
	KindAdvice     Kind = "advice"     // 0220 proc 00: offline approved, debit
	KindRefund     Kind = "refund"     // 0200/0220 proc 20: credit
	KindVoid       Kind = "void"       // 0200 proc 02: the original reversed
	KindBalance    Kind = "balance"    // proc 31: balance inquiry
)

// Transaction is the issuer's record of one request, keyed by its RRN.
type Transaction struct {
	Seq      int
	RRN      string
	MTI      string
	Kind     Kind
	PAN      string // full test PAN: mask it (emv.MaskPAN) before logging
	Scheme   string
	Amount   int64
	RC       string
	AuthCode string
	ARQC     ARQCCheck
	Reversed bool
	Refunded int64  // refunds credited against this transaction
	Orig     string // RRN of the original (refund, completion, void)
	At       time.Time
}

// Approved reports DE 39 00.
func (t Transaction) Approved() bool { return t.RC == Approved }

func (t Transaction) String() string {
	return t.MTI + " " + string(t.Kind) + " " + t.RRN + " " + emv.MaskPAN(t.PAN) + " rc " + t.RC + " ARQC " + t.ARQC.Result.String()
}

// Transactions returns every recorded transaction in arrival order.
func (is *Issuer) Transactions() []Transaction {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make([]Transaction, len(is.order))
	for i, t := range is.order {
		out[i] = t.snapshot()
	}
	return out
}

// Transaction returns the transaction of one RRN.
func (is *Issuer) Transaction(rrn string) (Transaction, bool) {
	is.mu.Lock()
	defer is.mu.Unlock()
	t, ok := is.txns[rrn]
	if !ok {
		return Transaction{}, false
	}
	return t.snapshot(), true
}

// ARQCChecks returns the ARQC check of every transaction that had one, in
// arrival order.
func (is *Issuer) ARQCChecks() []ARQCCheck {
	is.mu.Lock()
	defer is.mu.Unlock()
	var out []ARQCCheck
	for _, t := range is.order {
		if t.arqc.Result != ARQCNotChecked {
			out = append(out, t.arqc)
		}
	}
	return out
}

// PANs returns the account PANs, sorted.
func (is *Issuer) PANs() []string {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make([]string, 0, len(is.accounts))
	for p := range is.accounts {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
