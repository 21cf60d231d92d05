package issuer

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is a misbehaviour chosen by a test. The issuer processes a request
// before misbehaving (the ledger moves; a reversal then restores it), except
// under Drop, where the request never got in.
type Fault struct {
	Delay      time.Duration // answer late; other requests on the connection are not held up
	NoResponse bool          // process, never answer (the answer was lost)
	Drop       bool          // close the connection on the request, without processing it
	Malformed  bool          // process, answer bytes that are not ISO 8583
	WrongARPC  bool          // answer with a corrupted ARPC in DE 55 tag 91
	// RC answers with this response code without processing, e.g. "91"
	// (issuer or switch inoperative) or "96" (system malfunction).
	RC string

	// Scope: every field set must match.
	PAN string // requests whose DE 2 is this PAN (reversals included when they carry DE 2)
	MTI string // requests of this MTI, e.g. "0200"; "" any
	// Count is how many matching requests the fault applies to before it
	// expires; 0 keeps it until SetFault clears it.
	Count int
}

// ErrNoResponse is Handle's answer under a NoResponse or Drop fault.
var ErrNoResponse = errors.New("issuer fault: no response")

func (f *Fault) zero() bool {
	return f.Delay == 0 && !f.NoResponse && !f.Drop && !f.Malformed && !f.WrongARPC && f.RC == ""
}

type faultSet struct {
	n  atomic.Int32 // len(list), read without the lock on the hot path
	mu sync.Mutex
	l  []Fault
}

func (s *faultSet) set(f Fault) {
	s.mu.Lock()
	s.l = s.l[:0]
	if !f.zero() {
		s.l = append(s.l, f)
	}
	s.n.Store(int32(len(s.l)))
	s.mu.Unlock()
}

func (s *faultSet) add(f Fault) {
	if f.zero() {
		return
	}
	s.mu.Lock()
	s.l = append(s.l, f)
	s.n.Store(int32(len(s.l)))
	s.mu.Unlock()
}

// match returns the first fault whose scope matches and counts it.
func (s *faultSet) match(mti []byte, pan []byte) Fault {
	if s.n.Load() == 0 {
		return Fault{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.l {
		f := &s.l[i]
		if (f.PAN != "" && f.PAN != string(pan)) || (f.MTI != "" && f.MTI != string(mti)) {
			continue
		}
		out := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.l = append(s.l[:i], s.l[i+1:]...)
				s.n.Store(int32(len(s.l)))
			}
		}
		return out
	}
	return Fault{}
}
