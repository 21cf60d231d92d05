package issuer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// Response codes (ISO 8583:1987, DE 39).
const (
	Approved          = "00"
	DoNotHonour       = "05"
	InvalidCard       = "14"
	InsufficientFunds = "51"
	ExpiredCard       = "54"
	NotPermitted      = "57"
	ExceedsLimit      = "61"
	IssuerUnavailable = "91"
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

// Account is one card account. Amounts are in minor units.
type Account struct {
	PAN     string
	Balance int64
	Status  Status
	// TxnLimit bounds one transaction's amount; zero means no limit.
	TxnLimit int64
}

// Fault is a misbehaviour applied to every request while set.
type Fault struct {
	Delay      time.Duration // wait before answering
	NoResponse bool          // read the request, never answer
	Drop       bool          // close the connection on a request
	Malformed  bool          // answer with bytes that are not ISO 8583
}

// Verifier checks a request's DE 55 (ARQC) and returns a response code
// ("" to let the account decide) and the DE 55 to answer with (ARPC).
type Verifier func(pan string, de55 []emv.TLV) (rc string, resp []emv.TLV, err error)

// Option configures an Issuer.
type Option func(*Issuer)

// WithAccounts adds accounts.
func WithAccounts(accts ...Account) Option {
	return func(is *Issuer) {
		for _, a := range accts {
			a := a
			is.accounts[a.PAN] = &a
		}
	}
}

// WithVerifier sets the ARQC verifier.
func WithVerifier(v Verifier) Option { return func(is *Issuer) { is.verify = v } }

// WithFault sets the initial fault.
func WithFault(f Fault) Option { return func(is *Issuer) { is.fault = f } }

type txnKey struct{ stan, tid, rrn string }

type txn struct {
	pan      string
	amount   int64
	resp     []byte // the packed answer
	approved bool
	reversed bool
}

// Issuer is the issuer host.
type Issuer struct {
	mu       sync.Mutex
	accounts map[string]*Account
	txns     map[txnKey]*txn
	fault    Fault
	verify   Verifier
	dialect  *iso8583.Dialect
	framing  iso8583.Framing

	lnMu   sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	closed bool
}

// New returns an issuer with the ISO 8583:1987 dialect.
func New(opts ...Option) *Issuer {
	is := &Issuer{
		accounts: map[string]*Account{},
		txns:     map[txnKey]*txn{},
		dialect:  iso8583.ISO1987,
		framing:  iso8583.DefaultFraming,
		conns:    map[net.Conn]struct{}{},
	}
	for _, o := range opts {
		o(is)
	}
	return is
}

// SetFault changes the fault at run time; the zero Fault clears it.
func (is *Issuer) SetFault(f Fault) { is.mu.Lock(); is.fault = f; is.mu.Unlock() }

// Ledger returns a snapshot of the balances by PAN.
func (is *Issuer) Ledger() map[string]int64 {
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make(map[string]int64, len(is.accounts))
	for p, a := range is.accounts {
		out[p] = a.Balance
	}
	return out
}

// ListenAndServe listens on addr and serves until ctx ends.
func (is *Issuer) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen issuer: %w", err)
	}
	go func() { <-ctx.Done(); ln.Close() }()
	return is.Serve(ln)
}

// Serve accepts connections on ln, one goroutine each, until ln closes.
func (is *Issuer) Serve(ln net.Listener) error {
	is.lnMu.Lock()
	if is.closed {
		is.lnMu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	is.lns = append(is.lns, ln)
	is.lnMu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept connection: %w", err)
		}
		is.lnMu.Lock()
		if is.closed {
			is.lnMu.Unlock()
			c.Close()
			return nil
		}
		is.conns[c] = struct{}{}
		is.wg.Add(1)
		is.lnMu.Unlock()
		go is.serveConn(c)
	}
}

// Close stops the listeners, closes the connections and waits for them.
func (is *Issuer) Close() error {
	is.lnMu.Lock()
	is.closed = true
	for _, ln := range is.lns {
		ln.Close()
	}
	for c := range is.conns {
		c.Close()
	}
	is.lnMu.Unlock()
	is.wg.Wait()
	return nil
}

func (is *Issuer) serveConn(c net.Conn) {
	defer func() {
		c.Close()
		is.lnMu.Lock()
		delete(is.conns, c)
		is.lnMu.Unlock()
		is.wg.Done()
	}()
	var wmu sync.Mutex
	for {
		fr, err := is.framing.Read(c)
		if err != nil {
			return
		}
		if len(fr.Message) == 0 {
			continue // keep-alive
		}
		is.mu.Lock()
		f := is.fault
		is.mu.Unlock()
		if f.Drop {
			return
		}
		if f.NoResponse {
			continue
		}
		var out []byte
		if f.Malformed {
			out = []byte("\xffnot iso 8583")
		} else {
			out, err = is.Handle(fr.Message)
			if err != nil {
				return // not even an MTI to answer: drop
			}
		}
		if f.Delay > 0 {
			time.Sleep(f.Delay)
		}
		wmu.Lock()
		err = is.framing.Write(c, fr.TPDU, out)
		wmu.Unlock()
		if err != nil {
			return
		}
	}
}

// echoed are the fields a response copies from its request.
var echoed = []int{2, 3, 4, 7, 11, 12, 13, 14, 22, 32, 37, 41, 42, 49, 70}

// Handle answers one packed request with one packed response. A request
// that does not unpack gets an error; one whose MTI is known but whose
// content is bad gets a 0x10 answer with response code 30 (format error).
func (is *Issuer) Handle(req []byte) ([]byte, error) {
	m, err := iso8583.Unpack(is.dialect, req)
	if err != nil {
		return nil, fmt.Errorf("unpack request: %w", err)
	}
	rmti, err := m.MTI.Response()
	if err != nil {
		return nil, fmt.Errorf("answer request: %w", err)
	}
	resp := iso8583.NewMessage(is.dialect, rmti)
	for _, n := range echoed {
		if v, ok := m.GetString(n); ok {
			if err := resp.SetString(n, v); err != nil {
				return nil, fmt.Errorf("copy field %d: %w", n, err)
			}
		}
	}
	switch m.MTI.Class() {
	case 8:
		resp.SetString(39, Approved)
		return resp.Pack()
	case 1, 2:
		return is.authorise(m, resp)
	case 4:
		return is.reverse(m, resp)
	}
	resp.SetString(39, "12") // invalid transaction
	return resp.Pack()
}

func keyOf(m *iso8583.Message) txnKey {
	s, _ := m.GetString(11)
	t, _ := m.GetString(41)
	r, _ := m.GetString(37)
	return txnKey{s, t, r}
}

func (is *Issuer) authorise(m, resp *iso8583.Message) ([]byte, error) {
	k := keyOf(m)
	pan, _ := m.GetString(2)
	amt := int64(0)
	if s, ok := m.GetString(4); ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			resp.SetString(39, "13") // invalid amount
			return resp.Pack()
		}
		amt = v
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if t, ok := is.txns[k]; ok {
		return t.resp, nil // duplicate: the first answer, no second debit
	}
	rc := Approved
	a := is.accounts[pan]
	switch {
	case a == nil:
		rc = InvalidCard
	case a.Status == Expired:
		rc = ExpiredCard
	case a.Status != Active:
		rc = NotPermitted
	case a.TxnLimit > 0 && amt > a.TxnLimit:
		rc = ExceedsLimit
	case amt > a.Balance:
		rc = InsufficientFunds
	}
	if rc == Approved && is.verify != nil {
		var objs []emv.TLV
		if m.Has(55) {
			var err error
			if objs, err = m.GetTLV(55); err != nil {
				rc = DoNotHonour
			}
		}
		if rc == Approved {
			vrc, out, err := is.verify(pan, objs)
			switch {
			case err != nil:
				rc = DoNotHonour
			case vrc != "":
				rc = vrc
			}
			if out != nil {
				if err := resp.SetTLV(55, out); err != nil {
					return nil, fmt.Errorf("set ARPC for %s: %w", emv.MaskPAN(pan), err)
				}
			}
		}
	}
	if rc == Approved {
		a.Balance -= amt // hold on 0100, debit on 0200
		resp.SetString(38, authCode(len(is.txns)))
	}
	resp.SetString(39, rc)
	b, err := resp.Pack()
	if err != nil {
		return nil, fmt.Errorf("pack response for %s: %w", emv.MaskPAN(pan), err)
	}
	is.txns[k] = &txn{pan: pan, amount: amt, resp: b, approved: rc == Approved}
	return b, nil
}

func authCode(n int) string { return fmt.Sprintf("%06d", n+1) }

func (is *Issuer) reverse(m, resp *iso8583.Message) ([]byte, error) {
	k := keyOf(m)
	is.mu.Lock()
	if t, ok := is.txns[k]; ok && t.approved && !t.reversed {
		t.reversed = true
		if a := is.accounts[t.pan]; a != nil {
			a.Balance += t.amount
		}
	}
	is.mu.Unlock()
	resp.SetString(39, Approved)
	return resp.Pack()
}
