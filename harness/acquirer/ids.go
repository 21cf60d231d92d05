package acquirer

import (
	"sync/atomic"
	"time"
)

// idGen assigns retrieval reference numbers (DE 37, an 12): the node id
// (padded to two characters with "0") and ten base-36 digits of a counter
// that starts at the start-up time in microseconds since the Unix epoch and
// grows by one per RRN. RRNs are unique across nodes (distinct node ids)
// and across restarts of one node (the counter starts past every value the
// previous run used unless that run sustained more than a million RRNs a
// second or the clock went back), and sort in issue order within a node.
// Ten base-36 digits hold microseconds until the year 2084.
type idGen struct {
	node string
	seq  atomic.Uint64
	auth atomic.Uint64
}

func newIDGen(node string, now func() time.Time) *idGen {
	if len(node) == 1 {
		node = "0" + node
	}
	g := &idGen{node: node}
	g.seq.Store(uint64(now().UnixMicro()))
	g.auth.Store(uint64(now().UnixNano()/1000) % 1000000)
	return g
}

const base36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// rrn returns a new RRN.
func (g *idGen) rrn() string {
	v := g.seq.Add(1)
	var b [12]byte
	b[0], b[1] = g.node[0], g.node[1]
	for i := 11; i >= 2; i-- {
		b[i] = base36[v%36]
		v /= 36
	}
	return string(b[:])
}

// authCode returns a six-digit approval code, for an issuer that approves
// without one (DE 38 is mandatory in an approved 0110/0210 to the terminal).
func (g *idGen) authCode() string {
	v := g.auth.Add(1) % 1000000
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:])
}

// stanSeq numbers the acquirer's messages to issuers (DE 11, 000001 to
// 999999, then again). One sequence for all links, not one per link: the
// STAN identifies a message of this acquirer (DE 32) with DE 7, and an
// issuer host that two routes lead to would otherwise see one STAN on two
// requests of a second, and a reversal's DE 90 could name the wrong one.
type stanSeq struct{ n atomic.Uint32 }

func (s *stanSeq) next() uint32 { return (s.n.Add(1)-1)%999999 + 1 }

// stanDigits is v as DE 11's six digits, without an allocation.
func stanDigits(v uint32) (b [6]byte) {
	for i := 5; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}
