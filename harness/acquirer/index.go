package acquirer

import (
	"strings"
	"sync"

	"github.com/paylab/paylab/harness/acquirer/journal"
)

// dupKey identifies a terminal request for duplicate detection: TID (DE 41),
// STAN (DE 11) and transmission date and time (DE 7). Fixed arrays keep it
// comparable without allocation.
type dupKey struct {
	tid  [8]byte
	stan [6]byte
	sent [10]byte
}

func makeKey(tid, stan, sent string) dupKey {
	var k dupKey
	copy(k.tid[:], tid)
	copy(k.stan[:], stan)
	copy(k.sent[:], sent)
	return k
}

func (k *dupKey) hash() uint32 {
	h := uint32(2166136261)
	for _, b := range k.tid {
		h = (h ^ uint32(b)) * 16777619
	}
	for _, b := range k.stan {
		h = (h ^ uint32(b)) * 16777619
	}
	for _, b := range k.sent {
		h = (h ^ uint32(b)) * 16777619
	}
	return h
}

func strHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// entry is the in-memory state of one transaction. mu guards everything
// below it; a journal Put of txn is made under mu so that Puts of one
// transaction never reorder.
type entry struct {
	key dupKey

	mu  sync.Mutex
	txn journal.Txn
	// done is closed when the outcome is journalled and answered; a repeat
	// (0101/0201/0221) waits on it (doneCh). It is made only when somebody
	// waits: most entries never need one.
	done     chan struct{}
	finished bool   // the outcome is journalled and answered
	inflight bool   // forwarded, no outcome yet
	de54     string // from the issuer, for repeats
	de55     string // from the issuer, for repeats (bytes)
	// reverseOnArrival: the terminal reversed (0400) while the request was
	// still at the issuer; an approval that arrives is reversed.
	reverseOnArrival bool
	// revGen counts decisions to reverse; a reversal acknowledged for an
	// older generation does not settle a newer one (a late approval that
	// arrived while the reversal was in flight).
	revGen  uint64
	revDone chan struct{} // closed when the reversal owed is acknowledged

	// Refunds of this original: the amount approved or in flight, loaded
	// from the journal on first use.
	refunded      int64
	refundsLoaded bool
	orig          *entry // a refund's original, while its amount is reserved
}

func newEntry(t journal.Txn) *entry {
	packStrings(&t.RRN, &t.TerminalID, &t.MerchantID, &t.STAN, &t.IssuerSTAN, &t.Sent, &t.MTI, &t.ProcCode,
		&t.PANMasked, &t.Currency, &t.RC, &t.AuthCode, &t.OrigRRN)
	return &entry{key: makeKey(t.TerminalID, t.STAN, t.Sent), txn: t}
}

// packStrings copies the strings into one allocation. An entry lives for
// minutes among hundreds of thousands: one object for its strings instead
// of a dozen is that much less for every garbage collection to mark, and
// long marks were what p99 latency under load was made of.
func packStrings(ps ...*string) {
	n := 0
	for _, p := range ps {
		n += len(*p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range ps {
		b.WriteString(*p)
	}
	s := b.String()
	for _, p := range ps {
		*p, s = s[:len(*p)], s[len(*p):]
	}
}

// rcs holds the numeric response codes "00" to "99", so that entries share
// them instead of each keeping its own copy.
var rcs = func() (t [100]string) {
	for i := range t {
		t[i] = string([]byte{'0' + byte(i/10), '0' + byte(i%10)})
	}
	return t
}()

// internRC returns the shared copy of a numeric response code, else rc.
func internRC(rc string) string {
	if len(rc) == 2 && rc[0] >= '0' && rc[0] <= '9' && rc[1] >= '0' && rc[1] <= '9' {
		return rcs[int(rc[0]-'0')*10+int(rc[1]-'0')]
	}
	return rc
}

// closed is a done channel for entries that finished before anybody
// waited.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// doneCh returns the channel closed when e is finished. mu held.
func (e *entry) doneCh() chan struct{} {
	if e.finished {
		return closed
	}
	if e.done == nil {
		e.done = make(chan struct{})
	}
	return e.done
}

// unfinish makes e wait for an outcome again (an advice forwarded anew).
// mu held.
func (e *entry) unfinish() {
	e.finished = false
	e.done = nil
}

// finish closes done once. mu held.
func (e *entry) finish() {
	e.inflight = false
	e.finished = true
	if e.done != nil {
		select {
		case <-e.done:
		default:
			close(e.done)
		}
	}
}

// newRevGen records a new decision to reverse. mu held.
func (e *entry) newRevGen() {
	e.revGen++
	if e.revDone == nil {
		e.revDone = make(chan struct{})
	} else {
		select {
		case <-e.revDone:
			e.revDone = make(chan struct{})
		default:
		}
	}
}

// index holds recent transactions by duplicate key and by RRN, in shards
// (no global lock on the hot path). Each shard keeps two generations of
// maps: when the current one is full it becomes the old one and the older
// one is dropped, so memory stays bounded while between one and two times
// the configured size is kept.
type index struct {
	shards [64]shard
	cap    int
}

type shard struct {
	mu             sync.Mutex
	keyCur, keyOld map[dupKey]*entry
	rrnCur, rrnOld map[string]*entry
}

func newIndex(size int) *index {
	ix := &index{cap: max(size/64, 16)}
	for i := range ix.shards {
		s := &ix.shards[i]
		s.keyCur, s.keyOld = map[dupKey]*entry{}, map[dupKey]*entry{}
		s.rrnCur, s.rrnOld = map[string]*entry{}, map[string]*entry{}
	}
	return ix
}

func (ix *index) keyShard(k *dupKey) *shard  { return &ix.shards[k.hash()%64] }
func (ix *index) rrnShard(rrn string) *shard { return &ix.shards[strHash(rrn)%64] }

// byKey returns the entry with k, or nil.
func (ix *index) byKey(k dupKey) *entry {
	s := ix.keyShard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.keyCur[k]; e != nil {
		return e
	}
	return s.keyOld[k]
}

// claim inserts e under its key unless the key is taken; it returns the
// entry holding the key and whether it is e.
func (ix *index) claim(e *entry) (*entry, bool) {
	s := ix.keyShard(&e.key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.keyCur[e.key]; o != nil {
		return o, false
	}
	if o := s.keyOld[e.key]; o != nil {
		return o, false
	}
	if len(s.keyCur) >= ix.cap {
		s.keyOld, s.keyCur = s.keyCur, make(map[dupKey]*entry, ix.cap)
	}
	s.keyCur[e.key] = e
	return e, true
}

// setRRN indexes e by rrn.
func (ix *index) setRRN(rrn string, e *entry) {
	s := ix.rrnShard(rrn)
	s.mu.Lock()
	if len(s.rrnCur) >= ix.cap {
		s.rrnOld, s.rrnCur = s.rrnCur, make(map[string]*entry, ix.cap)
	}
	s.rrnCur[rrn] = e
	s.mu.Unlock()
}

// byRRN returns the entry with rrn, or nil.
func (ix *index) byRRN(rrn string) *entry {
	s := ix.rrnShard(rrn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rrnCur[rrn]; e != nil {
		return e
	}
	return s.rrnOld[rrn]
}

// load indexes a journalled transaction (recovery, or a lookup that missed
// the index) and returns its entry: the one already indexed by RRN if any.
func (ix *index) load(t journal.Txn) *entry {
	if e := ix.byRRN(t.RRN); e != nil {
		return e
	}
	e := newEntry(t)
	e.finished = t.State != journal.Pending
	s := ix.rrnShard(t.RRN)
	s.mu.Lock()
	if o := s.rrnCur[t.RRN]; o != nil {
		s.mu.Unlock()
		return o
	}
	if o := s.rrnOld[t.RRN]; o != nil {
		s.mu.Unlock()
		return o
	}
	if len(s.rrnCur) >= ix.cap {
		s.rrnOld, s.rrnCur = s.rrnCur, make(map[string]*entry, ix.cap)
	}
	s.rrnCur[t.RRN] = e
	s.mu.Unlock()
	if t.TerminalID != "" && t.STAN != "" {
		ix.claim(e)
	}
	return e
}
