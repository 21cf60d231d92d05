package journal

import (
	"slices"
	"sync"
)

// latest is what the SQLite journal keeps in memory of its log: for every
// transaction, the seq of its newest version and the fields a Filter
// selects on. Get and Find read the versions they return from the file.
//
// It holds no pointers, so the garbage collector never scans it. An
// acquirer at 10,000 authorisations a second gathers millions of
// transactions; kept as Txn values (a score of strings each) they made
// every collection's mark phase seconds long, and p99 latency rose with
// the heap (paylab bench hosts, 60 s: p99 8.7–9.5 ms with Txn values,
// 5.4–5.6 ms without them).
type latest struct {
	mu    sync.RWMutex
	recs  []rec            // in the order of each transaction's first Put
	byRRN map[short]int32  // index in recs
	long  map[string]int32 // RRNs too long for short (none in ISO 8583's 12-character DE 37)
	// byKey chains the recs of one terminal and STAN (rec.prev), newest
	// first: the acquirer looks a repeat or reversal up by them when its
	// index no longer holds the original, and a scan of millions of recs
	// would take milliseconds.
	byKey map[termSTAN]int32
	// unchained: a version changed its TerminalID or STAN, so a chain may
	// be stale; Find scans instead.
	unchained bool
}

type termSTAN struct{ tid, stan short }

// short is a string of up to 15 bytes without a pointer; n is 255 when the
// string did not fit.
type short struct {
	n uint8
	b [15]byte
}

const tooLong = 255

func toShort(s string) short {
	if len(s) > len(short{}.b) {
		return short{n: tooLong}
	}
	v := short{n: uint8(len(s))}
	copy(v.b[:], s)
	return v
}

// is reports whether v holds s; sure is false when v could not hold the
// string it was made from.
func (v *short) is(s string) (eq, sure bool) {
	if v.n == tooLong {
		return false, false
	}
	return int(v.n) == len(s) && string(v.b[:v.n]) == s, true
}

// rec is one transaction's newest version: where it is in the log and
// what Filter.Match looks at.
type rec struct {
	seq      int64
	sec      int64 // Created.Unix()
	nsec     int32 // Created.Nanosecond()
	state    uint8 // index in states, or unknownEnum
	reversal uint8 // index in reversals, or unknownEnum
	batch    int64
	tid      short
	stan     short
	prev     int32 // the previous rec of this terminal and STAN, or -1
}

var (
	states    = []State{Pending, Approved, Declined, TimedOut, Reversed, Voided}
	reversals = []ReversalState{NoReversal, ReversalOwed, ReversalDone}
)

const unknownEnum = 255

func enumIndex[T comparable](all []T, v T) uint8 {
	if i := slices.Index(all, v); i >= 0 {
		return uint8(i)
	}
	return unknownEnum
}

func newRec(seq int64, t Txn) rec {
	return rec{
		seq: seq, sec: t.Created.Unix(), nsec: int32(t.Created.Nanosecond()),
		state: enumIndex(states, t.State), reversal: enumIndex(reversals, t.Reversal),
		batch: int64(t.Batch), tid: toShort(t.TerminalID), stan: toShort(t.STAN), prev: -1,
	}
}

// before orders by Created.
func (r *rec) before(o *rec) bool {
	return r.sec < o.sec || r.sec == o.sec && r.nsec < o.nsec
}

// match is Filter.Match on a rec. sure is false when the rec cannot tell
// (a value it could not hold): the caller decides on the Txn itself.
func (r *rec) match(f *Filter) (ok, sure bool) {
	sure = true
	check := func(eq, s bool) bool {
		if !s {
			sure = false
			return true
		}
		return eq
	}
	if f.TerminalID != "" && !check(r.tid.is(f.TerminalID)) {
		return false, true
	}
	if f.STAN != "" && !check(r.stan.is(f.STAN)) {
		return false, true
	}
	if len(f.States) > 0 {
		if r.state == unknownEnum {
			sure = false
		} else if !slices.Contains(f.States, states[r.state]) {
			return false, true
		}
	}
	if f.Reversal != "" {
		if r.reversal == unknownEnum {
			sure = false
		} else if reversals[r.reversal] != f.Reversal {
			return false, true
		}
	}
	if f.Batch >= 0 && r.batch != int64(f.Batch) {
		return false, true
	}
	if !f.Since.IsZero() {
		s := rec{sec: f.Since.Unix(), nsec: int32(f.Since.Nanosecond())}
		if r.before(&s) {
			return false, true
		}
	}
	return true, sure
}

func newLatest() *latest {
	return &latest{byRRN: map[short]int32{}, long: map[string]int32{}, byKey: map[termSTAN]int32{}}
}

// put records that seq holds t's newest version.
func (l *latest) put(seq int64, t Txn) {
	r := newRec(seq, t)
	k := toShort(t.RRN)
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.index(k, t.RRN)
	if ok {
		old := &l.recs[i]
		if old.tid != r.tid || old.stan != r.stan {
			l.unchained = true
		}
		r.prev = old.prev
		*old = r
		return
	}
	i = int32(len(l.recs))
	if r.tid.n != tooLong && r.stan.n != tooLong {
		ts := termSTAN{r.tid, r.stan}
		if head, ok := l.byKey[ts]; ok {
			r.prev = head
		}
		l.byKey[ts] = i
	}
	l.recs = append(l.recs, r)
	if k.n == tooLong {
		l.long[t.RRN] = i
	} else {
		l.byRRN[k] = i
	}
}

// index finds rrn's rec. mu held.
func (l *latest) index(k short, rrn string) (int32, bool) {
	if k.n == tooLong {
		i, ok := l.long[rrn]
		return i, ok
	}
	i, ok := l.byRRN[k]
	return i, ok
}

// seq returns the seq of rrn's newest version.
func (l *latest) seq(rrn string) (int64, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	i, ok := l.index(toShort(rrn), rrn)
	if !ok {
		return 0, false
	}
	return l.recs[i].seq, true
}

// find returns the seqs of the versions f selects, in Created order (ties
// in the order of first Put), with f.Limit (and Newest) applied when every rec could
// tell; otherwise all candidates, and exact is false: the caller matches
// the Txns, sorts and limits.
func (l *latest) find(f Filter) (seqs []int64, exact bool) {
	l.mu.RLock()
	var hits []rec
	exact = true
	take := func(i int32) {
		if ok, sure := l.recs[i].match(&f); ok {
			hits = append(hits, l.recs[i])
			exact = exact && sure
		}
	}
	ts := termSTAN{toShort(f.TerminalID), toShort(f.STAN)}
	if f.TerminalID != "" && f.STAN != "" && ts.tid.n != tooLong && ts.stan.n != tooLong && !l.unchained {
		// Recs with a TerminalID or STAN too long for short are in no
		// chain, but such a rec never equals a short filter value.
		head, ok := l.byKey[ts]
		for i := head; ok && i >= 0; i = l.recs[i].prev {
			take(i)
		}
		slices.Reverse(hits) // first-Put order, as a scan gives
	} else {
		for i := range l.recs {
			take(int32(i))
		}
	}
	l.mu.RUnlock()
	slices.SortStableFunc(hits, func(a, b rec) int {
		switch {
		case a.before(&b):
			return -1
		case b.before(&a):
			return 1
		}
		return 0
	})
	if exact {
		hits = limitSlice(hits, f)
	}
	seqs = make([]int64, len(hits))
	for i := range hits {
		seqs[i] = hits[i].seq
	}
	return seqs, exact
}

// mayHave reports whether a transaction of terminal tid with stan may be
// held: false is certain, true means look.
func (l *latest) mayHave(tid, stan string) bool {
	ts := termSTAN{toShort(tid), toShort(stan)}
	if ts.tid.n == tooLong || ts.stan.n == tooLong {
		return true
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	_, ok := l.byKey[ts]
	return ok || l.unchained
}
