package acquirer

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// testIssuer is a tiny issuer host for the acquirer's tests: a ledger by
// PAN, transactions by RRN (DE 37), each request handled on its own
// goroutine (pipelined), and switchable faults.
type testIssuer struct {
	t  testing.TB
	ln net.Listener

	mu        sync.Mutex
	balance   map[string]int64
	decline   map[string]string // PAN → response code
	txns      map[string]*tiTxn
	delay     time.Duration // before deciding a 01xx/02xx
	hold      bool          // never answer 01xx/02xx (but decide)
	drop      bool          // close the connection on a 01xx/02xx
	malformed bool          // answer 01xx/02xx with garbage
	mute      bool          // neither decide nor answer reversals (04xx)
	seen      []string      // MTI and DE 37 of each request, in arrival order
	reversals map[string]int
	conns     map[net.Conn]bool
	wg        sync.WaitGroup
}

type tiTxn struct {
	pan      string
	amount   int64 // signed: debit positive, credit negative
	resp     []byte
	approved bool
	reversed bool
}

func newTestIssuer(t testing.TB, accounts map[string]int64) *testIssuer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ti := &testIssuer{t: t, ln: ln, balance: map[string]int64{}, decline: map[string]string{},
		txns: map[string]*tiTxn{}, reversals: map[string]int{}, conns: map[net.Conn]bool{}}
	for p, b := range accounts {
		ti.balance[p] = b
	}
	ti.wg.Add(1)
	go ti.accept()
	t.Cleanup(ti.close)
	return ti
}

func (ti *testIssuer) addr() string { return ti.ln.Addr().String() }

func (ti *testIssuer) close() {
	ti.ln.Close()
	ti.mu.Lock()
	for c := range ti.conns {
		c.Close()
	}
	ti.mu.Unlock()
	ti.wg.Wait()
}

func (ti *testIssuer) set(f func(ti *testIssuer)) {
	ti.mu.Lock()
	f(ti)
	ti.mu.Unlock()
}

func (ti *testIssuer) bal(pan string) int64 {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.balance[pan]
}

func (ti *testIssuer) count(mti string) int {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	n := 0
	for _, s := range ti.seen {
		if s[:4] == mti {
			n++
		}
	}
	return n
}

func (ti *testIssuer) accept() {
	defer ti.wg.Done()
	for {
		c, err := ti.ln.Accept()
		if err != nil {
			return
		}
		ti.mu.Lock()
		ti.conns[c] = true
		ti.mu.Unlock()
		ti.wg.Add(1)
		go ti.serve(c)
	}
}

func (ti *testIssuer) serve(c net.Conn) {
	defer ti.wg.Done()
	defer func() {
		c.Close()
		ti.mu.Lock()
		delete(ti.conns, c)
		ti.mu.Unlock()
	}()
	var wmu sync.Mutex
	var inflight sync.WaitGroup
	defer inflight.Wait()
	br := bufio.NewReader(c)
	for {
		fr, err := iso8583.DefaultFraming.Read(br)
		if err != nil {
			return
		}
		if len(fr.Message) == 0 {
			continue
		}
		m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		if err != nil {
			ti.t.Errorf("test issuer: unpack: %v", err)
			return
		}
		ti.mu.Lock()
		ti.seen = append(ti.seen, m.MTI.String()+str(m, 37))
		drop := ti.drop && (m.MTI.Class() == 1 || m.MTI.Class() == 2)
		mute := ti.mute && m.MTI.Class() == 4
		ti.mu.Unlock()
		if drop {
			return
		}
		if mute {
			continue
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			out, answer := ti.handle(m)
			if !answer {
				return
			}
			wmu.Lock()
			iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, out)
			wmu.Unlock()
		}()
	}
}

func (ti *testIssuer) handle(m *iso8583.Message) ([]byte, bool) {
	rmti, _ := m.MTI.Response()
	resp := iso8583.NewMessage(iso8583.ISO1987, rmti)
	for _, n := range []int{2, 3, 4, 7, 11, 32, 37, 41, 42, 49, 70, 90} {
		if v, ok := m.GetBytes(n); ok {
			resp.SetBytes(n, v)
		}
	}
	switch m.MTI.Class() {
	case 8:
		resp.SetString(39, "00")
	case 4:
		rrn := str(m, 37)
		ti.mu.Lock()
		ti.reversals[rrn]++
		if tx := ti.txns[rrn]; tx != nil && tx.approved && !tx.reversed {
			tx.reversed = true
			ti.balance[tx.pan] += tx.amount
		}
		ti.mu.Unlock()
		resp.SetString(39, "00")
	case 1, 2:
		ti.mu.Lock()
		d, hold, mal := ti.delay, ti.hold, ti.malformed
		ti.mu.Unlock()
		time.Sleep(d)
		b := ti.decide(m, resp)
		if hold {
			return nil, false
		}
		if mal {
			return []byte("0210garbage"), true
		}
		return b, true
	default:
		resp.SetString(39, "12")
	}
	b, _ := resp.Pack()
	return b, true
}

func (ti *testIssuer) decide(m, resp *iso8583.Message) []byte {
	rrn, pan, proc := str(m, 37), str(m, 2), str(m, 3)
	amt, _ := strconv.ParseInt(str(m, 4), 10, 64)
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if tx := ti.txns[rrn]; tx != nil {
		return tx.resp
	}
	bal, known := ti.balance[pan]
	rc := "00"
	signed := amt
	switch {
	case !known:
		rc = "14"
	case ti.decline[pan] != "":
		rc = ti.decline[pan]
	case m.MTI.Function() == 2: // advice: no checks
	case proc[:2] == "31":
		signed = 0
		resp.SetString(54, fmt.Sprintf("0002%sC%012d", str(m, 49), bal))
	case proc[:2] == "20":
		signed = -amt
	case amt > bal:
		rc = "51"
	}
	if rc == "00" {
		ti.balance[pan] -= signed
		resp.SetString(38, "A"+rrn[len(rrn)-5:])
		if m.Has(55) {
			// Issuer authentication data (an ARPC-shaped value from the
			// RRN, and ARC "00") and an issuer script (PIN change shaped).
			resp.SetBytes(55, emv.Encode(
				emv.TLV{Tag: 0x91, Value: append([]byte(rrn[len(rrn)-8:]), '0', '0')},
				emv.TLV{Tag: 0x72, Children: []emv.TLV{
					{Tag: 0x9F18, Value: []byte{0, 0, 0, 1}},
					{Tag: 0x86, Value: []byte{0x84, 0x24, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}},
				}}))
		}
	}
	resp.SetString(39, rc)
	b, _ := resp.Pack()
	ti.txns[rrn] = &tiTxn{pan: pan, amount: signed, resp: b, approved: rc == "00"}
	return b
}

// testTerminal is a terminal's end of a connection to the acquirer.
type testTerminal struct {
	t    testing.TB
	c    net.Conn
	br   *bufio.Reader
	tid  string
	stan int
}

func dialTerminal(t testing.TB, addr, tid string) *testTerminal {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testTerminal{t: t, c: c, br: bufio.NewReader(c), tid: tid}
}

func (tt *testTerminal) nextSTAN() string {
	tt.stan++
	return fmt.Sprintf("%06d", tt.stan)
}

func (tt *testTerminal) send(m *iso8583.Message) {
	tt.t.Helper()
	b, err := m.Pack()
	if err != nil {
		tt.t.Fatalf("pack %s: %v", m.MTI, err)
	}
	if err := iso8583.DefaultFraming.Write(tt.c, iso8583.TPDU{}, b); err != nil {
		tt.t.Fatalf("write: %v", err)
	}
}

func (tt *testTerminal) recv() *iso8583.Message {
	tt.t.Helper()
	tt.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	fr, err := iso8583.DefaultFraming.Read(tt.br)
	if err != nil {
		tt.t.Fatalf("read answer: %v", err)
	}
	m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
	if err != nil {
		tt.t.Fatalf("unpack answer: %v", err)
	}
	return m
}

func (tt *testTerminal) rt(m *iso8583.Message) *iso8583.Message {
	tt.t.Helper()
	tt.send(m)
	r := tt.recv()
	if want, _ := m.MTI.Response(); r.MTI != want {
		tt.t.Fatalf("answer MTI %s, want %s", r.MTI, want)
	}
	if str(r, 11) != str(m, 11) {
		tt.t.Fatalf("answer STAN %s, want %s", str(r, 11), str(m, 11))
	}
	return r
}

func (tt *testTerminal) network(code string) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	m.SetString(7, "1128120000")
	m.SetString(11, tt.nextSTAN())
	m.SetString(41, tt.tid)
	m.SetString(70, code)
	return tt.rt(m)
}

func (tt *testTerminal) signOn() {
	tt.t.Helper()
	if rc := str(tt.network("001"), 39); rc != "00" {
		tt.t.Fatalf("sign-on: DE 39 %s", rc)
	}
}

// request builds an 0100/0200/0220 for pan.
func (tt *testTerminal) request(mti, proc, pan string, amount int64) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	m.SetString(2, pan)
	m.SetString(3, proc)
	m.SetString(4, strconv.FormatInt(amount, 10))
	m.SetString(7, "1128120000")
	m.SetString(11, tt.nextSTAN())
	m.SetString(12, "120000")
	m.SetString(13, "1128")
	m.SetString(14, "2912")
	m.SetString(22, "051")
	m.SetString(23, "001")
	m.SetString(35, pan+"=29122011143804400000")
	m.SetString(41, tt.tid)
	m.SetString(42, "MERCHANT0000001")
	m.SetString(49, "978")
	m.SetBytes(55, []byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x9F, 0x27, 0x01, 0x80})
	return m
}

func (tt *testTerminal) purchase(pan string, amount int64) *iso8583.Message {
	return tt.rt(tt.request("0200", "000000", pan, amount))
}

func rc(m *iso8583.Message) string { return str(m, 39) }

const (
	visaPAN  = "4761739001010010"
	visaPAN2 = "4761739001010028"
	mcPAN    = "5413330089010434"
)

type fixture struct {
	a    *Acquirer
	j    *journal.Memory
	visa *testIssuer
	mc   *testIssuer
	addr string
}

func startAcquirer(t testing.TB, j journal.Journal, opts ...Option) (*Acquirer, string) {
	t.Helper()
	a := New(j, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- a.Serve(ln) }()
	t.Cleanup(func() {
		a.Close()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return a, ln.Addr().String()
}

func newFixture(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{j: journal.NewMemory()}
	f.visa = newTestIssuer(t, map[string]int64{visaPAN: 100000, visaPAN2: 500})
	f.mc = newTestIssuer(t, map[string]int64{mcPAN: 100000})
	opts = append([]Option{
		WithRoute(Route{Name: "visa-test", Scheme: "visa", BINs: []string{"476173"}, Addr: f.visa.addr()}),
		WithRoute(Route{Name: "mc-test", Scheme: "mastercard", BINs: []string{"510000-559999"}, Addr: f.mc.addr()}),
		WithIssuerTimeout(300 * time.Millisecond),
		WithNodeID("T1"),
	}, opts...)
	f.a, f.addr = startAcquirer(t, f.j, opts...)
	return f
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getTxn(t testing.TB, j journal.Journal, rrn string) journal.Txn {
	t.Helper()
	tx, err := j.Get(context.Background(), rrn)
	if err != nil {
		t.Fatalf("journal get %s: %v", rrn, err)
	}
	return tx
}

func newListener(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().String()
}
