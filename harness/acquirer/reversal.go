package acquirer

import (
	"context"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

// reverser delivers the reversals the acquirer owes issuers: 0400 with the
// original's DE 37, a new STAN and DE 90, retried with back-off until the
// issuer answers (ISO 8583:1987, 0400/0410). A few workers share one
// queue; an RRN is queued at most once at a time. The journal's
// ReversalOwed is the durable record: a restart queues them again
// (Acquirer.Start).
type reverser struct {
	a       *Acquirer
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []string
	queued  map[string]bool
	tries   map[string]int
	stopped bool
	wg      sync.WaitGroup
}

const reverserWorkers = 8

func newReverser(a *Acquirer) *reverser {
	r := &reverser{a: a, queued: map[string]bool{}, tries: map[string]int{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *reverser) start() {
	for i := 0; i < reverserWorkers; i++ {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.work() }()
	}
}

func (r *reverser) stop() {
	r.mu.Lock()
	r.stopped = true
	r.cond.Broadcast()
	r.mu.Unlock()
	r.wg.Wait()
}

// owe queues a reversal of rrn unless it is queued or in progress.
func (r *reverser) owe(rrn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queued[rrn] {
		return
	}
	r.queued[rrn] = true
	r.queue = append(r.queue, rrn)
	r.cond.Signal()
}

// requeue puts rrn back after a delay (it stays marked queued).
func (r *reverser) requeue(rrn string, after time.Duration) {
	time.AfterFunc(after, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.stopped {
			return
		}
		r.queue = append(r.queue, rrn)
		r.cond.Signal()
	})
}

func (r *reverser) work() {
	for {
		r.mu.Lock()
		for len(r.queue) == 0 && !r.stopped {
			r.cond.Wait()
		}
		if r.stopped {
			r.mu.Unlock()
			return
		}
		rrn := r.queue[0]
		r.queue = r.queue[1:]
		r.mu.Unlock()
		ok, retry := r.send(rrn)
		r.mu.Lock()
		if ok {
			delete(r.queued, rrn)
			delete(r.tries, rrn)
			r.mu.Unlock()
			continue
		}
		n := r.tries[rrn]
		r.tries[rrn] = n + 1
		r.mu.Unlock()
		if retry == 0 {
			retry = min(250*time.Millisecond<<min(n, 6), 10*time.Second)
		}
		r.requeue(rrn, retry)
	}
}

// send delivers one reversal. ok: nothing more is owed for rrn; else retry
// (after the returned delay when not zero).
func (r *reverser) send(rrn string) (ok bool, retry time.Duration) {
	a := r.a
	ctx := a.ctx
	e := a.lookupRRN(ctx, rrn)
	if e == nil {
		a.log.Error("reversal owed for a transaction the journal does not hold", "rrn", rrn)
		return true, 0
	}
	e.mu.Lock()
	t, gen := e.txn, e.revGen
	e.mu.Unlock()
	if t.Reversal != journal.ReversalOwed {
		return true, 0
	}
	l := a.links[t.Issuer]
	if l == nil {
		a.log.Error("reversal owed to an issuer with no route: kept owed", "rrn", rrn, "issuer", t.Issuer)
		return false, time.Minute
	}
	m := getMsg(mti0400)
	defer putMsg(m)
	buildReversal(m, t, a.cfg.acquirerID, a.now())
	resp, _, err := l.roundTrip(m, 0, time.Now().Add(a.cfg.timeout), nil)
	if err != nil {
		a.log.Warn("reversal not acknowledged: will retry", "rrn", rrn, "issuer", t.Issuer, "err", err)
		return false, 0
	}
	if rc := str(resp, 39); rc == rcIssuerUnavailable || rc == rcSystemError || rc == "" {
		a.log.Warn("reversal refused for now: will retry", "rrn", rrn, "issuer", t.Issuer, "rc", rc)
		return false, 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.revGen != gen {
		return false, time.Millisecond // a late approval since: reverse again
	}
	prev := e.txn
	e.txn.Reversal = journal.ReversalDone
	if e.txn.State == journal.TimedOut {
		e.txn.State = journal.Reversed
	}
	e.txn.Updated = a.now()
	if err := a.j.Put(context.WithoutCancel(ctx), e.txn); err != nil {
		e.txn = prev
		a.log.Error("journal put", "rrn", rrn, "err", err)
		return false, time.Second
	}
	if e.revDone != nil {
		select {
		case <-e.revDone:
		default:
			close(e.revDone)
		}
	}
	a.log.Info("reversal acknowledged", "rrn", rrn, "issuer", t.Issuer)
	return true, 0
}

// buildReversal fills an 0400 to the issuer for t: DE 3, 4, 7 (now), 32,
// 37 (the original RRN: the issuer's key), 41, 42, 49 and DE 90 original
// data elements (ISO 8583:1987, n 42: the original's MTI, DE 11 and DE 7
// as the issuer received them, acquirer id right-justified in 11,
// forwarding id zeros). The link sets DE 11. No PAN: the journal keeps
// none, and the issuer keys by RRN.
//
// DE 90's STAN is the one the acquirer gave the original (IssuerSTAN),
// not the terminal's: an issuer that matches by DE 90 when it does not
// know the RRN (the original never reached it) would otherwise find
// another terminal request that happened to carry that STAN and DE 7 on
// the link, and reverse it. TestHostsCrashUnderLoad found that.
func buildReversal(m *iso8583.Message, t journal.Txn, acquirerID string, now time.Time) {
	m.SetString(3, t.ProcCode)
	m.SetString(4, strconv12(t.Amount))
	m.SetString(7, now.Format("0102150405"))
	m.SetString(32, acquirerID)
	m.SetString(37, t.RRN)
	if t.TerminalID != "" {
		m.SetString(41, t.TerminalID)
	}
	if t.MerchantID != "" {
		m.SetString(42, t.MerchantID)
	}
	if t.Currency != "" {
		m.SetString(49, t.Currency)
	}
	m.SetString(90, originalData(t, acquirerID))
}

func originalData(t journal.Txn, acquirerID string) string {
	b := make([]byte, 0, 42)
	b = append(b, pad(t.MTI, 4)...)
	stan := t.IssuerSTAN
	if stan == "" {
		stan = t.STAN // never forwarded, or journalled before IssuerSTAN existed
	}
	b = append(b, pad(stan, 6)...)
	b = append(b, pad(t.Sent, 10)...)
	b = append(b, pad(acquirerID, 11)...)
	b = append(b, "00000000000"...)
	return string(b)
}

// pad right-justifies digits s in n with zeros (keeping the last n).
func pad(s string, n int) string {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			s = ""
			break
		}
	}
	if len(s) >= n {
		return s[len(s)-n:]
	}
	b := make([]byte, n-len(s), n)
	for i := range b {
		b[i] = '0'
	}
	return string(append(b, s...))
}

func strconv12(v int64) string {
	if v < 0 {
		v = 0
	}
	var b [12]byte
	for i := 11; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:])
}
