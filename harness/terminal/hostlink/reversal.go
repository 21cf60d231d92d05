package hostlink

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

// Reversal reasons (DE 39 of an 0400/0420, host contract; as in many
// acquirer specifications).
const (
	// ReasonTimeout: response received too late, or not at all (0400).
	ReasonTimeout = "68"
	// ReasonCardDeclined: the host approved, the card declined at the
	// second GENERATE AC (0420; EMV Book 3, 10.11) or the transaction was
	// cancelled after the approval.
	ReasonCardDeclined = "06"
)

// Reversal is one queued 0400 or 0420 and where it stands.
type Reversal struct {
	MTI      string // "0400" or "0420" (first transmission)
	STAN     string // the reversal's own DE 11
	OrigSTAN string
	OrigRRN  string
	Reason   string
	Amount   string
	// Attempts counts transmissions (the first, then the 0401/0421
	// repeats); Acked says the host answered, with RC.
	Attempts int
	Acked    bool
	RC       string
	LastErr  string

	msg  *iso8583.Message
	done chan struct{}
}

// reversalQueue sends reversals one at a time, in order, each until the
// host answers it.
type reversalQueue struct {
	l     *Link
	mu    sync.Mutex
	items []*Reversal // not yet acknowledged, oldest first
	all   []*Reversal // every reversal of the link, for Reversals
	wake  chan struct{}
}

func newReversalQueue(l *Link) *reversalQueue {
	return &reversalQueue{l: l, wake: make(chan struct{}, 1)}
}

// queueReversal builds the reversal of orig and queues it: 0400 for reason
// 68 (no answer), 0420 (reversal advice) otherwise. Fields per the host
// contract: 3, 4 (the original amount), 7, 11 (a new STAN), 41, 42, 49, 37
// (the original RRN when known), 39 reason and 90 original data elements
// (ISO 8583:1987 DE 90, n 42: original MTI, STAN, DE 7, acquiring and
// forwarding institution ids, zeros here).
func (l *Link) queueReversal(orig *iso8583.Message, rrn, reason string) *Reversal {
	mti := iso8583.MTI(400)
	if reason != ReasonTimeout {
		mti = 420
	}
	m := iso8583.NewMessage(l.cfg.dialect, mti)
	for _, n := range []int{3, 4, 49} {
		if v, ok := orig.GetBytes(n); ok {
			_ = m.SetBytes(n, v)
		}
	}
	_ = l.stamp(m, l.cfg.clock())
	if rrn != "" {
		_ = m.SetString(37, rrn)
	}
	_ = m.SetString(39, reason)
	ostan, _ := orig.GetString(11)
	o7, _ := orig.GetString(7)
	_ = m.SetString(90, fmt.Sprintf("%04d%6s%10s%011d%011d", int(orig.MTI), ostan, o7, 0, 0))
	r := &Reversal{MTI: mti.String(), OrigSTAN: ostan, OrigRRN: rrn, Reason: reason, msg: m, done: make(chan struct{})}
	r.STAN, _ = m.GetString(11)
	r.Amount, _ = m.GetString(4)
	l.rev.push(r)
	return r
}

func (q *reversalQueue) push(r *Reversal) {
	q.mu.Lock()
	q.items = append(q.items, r)
	q.all = append(q.all, r)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *reversalQueue) head() *Reversal {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	return q.items[0]
}

// run sends the head of the queue until it is acknowledged, then the next.
func (q *reversalQueue) run() {
	defer q.l.wg.Done()
	for {
		r := q.head()
		if r == nil {
			select {
			case <-q.wake:
				continue
			case <-q.l.done:
				return
			}
		}
		if q.send(r) {
			continue
		}
		select {
		case <-time.After(q.l.cfg.retry):
		case <-q.l.done:
			return
		}
	}
}

// send transmits r once (0400/0420 the first time, 0401/0421 after, ISO
// 8583:1987 message origin "repeat") and reports whether it was answered.
func (q *reversalQueue) send(r *Reversal) bool {
	q.mu.Lock()
	if r.Attempts > 0 && r.msg.MTI%2 == 0 {
		r.msg.MTI++ // 0401 / 0421
	}
	r.Attempts++
	m := r.msg
	q.mu.Unlock()
	resp, err := q.l.roundTrip(context.Background(), m, "reverse")
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		r.LastErr = err.Error()
		return false
	}
	r.Acked = true
	r.RC, _ = resp.GetString(39)
	r.LastErr = ""
	q.items = q.items[1:]
	close(r.done)
	return true
}

// Reversals returns every reversal the link queued, acknowledged or not,
// oldest first (copies).
func (l *Link) Reversals() []Reversal {
	q := l.rev
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Reversal, len(q.all))
	for i, r := range q.all {
		out[i] = *r
		out[i].msg, out[i].done = nil, nil
	}
	return out
}

// PendingReversals returns how many reversals wait for the host's answer.
func (l *Link) PendingReversals() int {
	l.rev.mu.Lock()
	defer l.rev.mu.Unlock()
	return len(l.rev.items)
}

// Flush waits until every queued reversal is acknowledged, ctx ends or the
// link closes.
func (l *Link) Flush(ctx context.Context) error {
	q := l.rev
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.mu.Unlock()
			return nil
		}
		last := q.items[len(q.items)-1]
		q.mu.Unlock()
		select {
		case <-last.done:
		case <-ctx.Done():
			return fmt.Errorf("flush reversals: %d unacknowledged: %w", l.PendingReversals(), ctx.Err())
		case <-l.done:
			return fmt.Errorf("flush reversals: %w", ErrClosed)
		}
	}
}
