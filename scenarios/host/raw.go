package host

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/iso8583"
)

// raw is a terminal that writes ISO 8583 by hand, for what the reference
// terminal never does on purpose: traffic before sign-on, a duplicate STAN,
// a malformed frame, a repeated reversal, the 0600 queries. Its transcript
// is the iso8583 masked printer's and goes into the report after the spec.
type raw struct {
	c    net.Conn
	br   *bufio.Reader
	tid  string
	stan int
	sent string // DE 7 of every message: fixed, so a repeat can match

	mu  sync.Mutex
	log strings.Builder
}

// raw dials the acquirer as terminal tid (not signed on).
func (r *rig) raw(tid string) *raw {
	GinkgoHelper()
	c, err := net.Dial("tcp", r.addr)
	Expect(err).NotTo(HaveOccurred(), "dial acquirer")
	// STANs from 500001: a raw terminal sharing a terminal id with a
	// hostlink (SET.002, QRY.*) never repeats its STAN and DE 7, which the
	// acquirer would take for a duplicate (94).
	t := &raw{c: c, br: bufio.NewReader(c), tid: tid, stan: 500000, sent: time.Now().UTC().Format("0102150405")}
	DeferCleanup(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		AddReportEntry("ISO 8583 transcript "+tid+" raw (masked)", t.log.String())
		c.Close()
	})
	return t
}

func (t *raw) note(dir string, m *iso8583.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(&t.log, "%s %s\n%s\n", time.Now().UTC().Format("15:04:05.000"), dir, m.String())
}

func (t *raw) nextSTAN() string {
	t.stan++
	return fmt.Sprintf("%06d", t.stan)
}

// send writes one message.
func (t *raw) send(m *iso8583.Message) {
	GinkgoHelper()
	b, err := m.Pack()
	Expect(err).NotTo(HaveOccurred(), "pack %s", m.MTI)
	t.note("sent", m)
	Expect(iso8583.DefaultFraming.Write(t.c, iso8583.TPDU{}, b)).To(Succeed())
}

// sendBytes writes one frame as given (a malformed message).
func (t *raw) sendBytes(b []byte) {
	GinkgoHelper()
	t.mu.Lock()
	fmt.Fprintf(&t.log, "%s sent %d bytes that do not unpack (MTI %q)\n", time.Now().UTC().Format("15:04:05.000"), len(b), b[:4])
	t.mu.Unlock()
	Expect(iso8583.DefaultFraming.Write(t.c, iso8583.TPDU{}, b)).To(Succeed())
}

// recv reads one answer; the deadline only keeps a broken acquirer from
// hanging the suite.
func (t *raw) recv() *iso8583.Message {
	GinkgoHelper()
	Expect(t.c.SetReadDeadline(time.Now().Add(settle))).To(Succeed())
	fr, err := iso8583.DefaultFraming.Read(t.br)
	Expect(err).NotTo(HaveOccurred(), "read answer")
	m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
	Expect(err).NotTo(HaveOccurred(), "unpack answer")
	t.note("received", m)
	return m
}

// rt sends m and reads its answer, which must be m's response MTI with
// m's STAN.
func (t *raw) rt(m *iso8583.Message) *iso8583.Message {
	GinkgoHelper()
	t.send(m)
	a := t.recv()
	want, err := m.MTI.Response()
	Expect(err).NotTo(HaveOccurred())
	Expect(a.MTI).To(Equal(want), "answer MTI")
	Expect(field(a, 11)).To(Equal(field(m, 11)), "answer STAN (DE 11)")
	return a
}

// network builds an 0800 with DE 70 code.
func (t *raw) network(code string) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	set(m, 7, t.sent, 11, t.nextSTAN(), 41, t.tid, 70, code)
	return m
}

// signOn signs the connection on (0800 DE 70 001).
func (t *raw) signOn() {
	GinkgoHelper()
	Expect(field(t.rt(t.network("001")), 39)).To(Equal("00"), "sign-on")
}

// request builds an 0100/0200/0600 for pan without DE 55 — the issuer has
// no ARQC to check (ARQCNotChecked) and decides on the account alone — and
// without track 2.
func (t *raw) request(mti, proc, pan string, amount int64) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	set(m, 3, proc, 7, t.sent, 11, t.nextSTAN(), 12, "103000", 13, "1128",
		22, "051", 41, t.tid, 42, "PAYLABMERCHANT1", 49, "978")
	if pan != "" {
		set(m, 2, pan, 14, "4912", 23, "001")
	}
	if amount >= 0 {
		set(m, 4, fmt.Sprintf("%012d", amount))
	}
	return m
}

// reversal builds the 0400 (or 0401) of orig, answered with rrn: DE 90
// original data elements (MTI, STAN, DE 7, acquirer and forwarding ids).
func (t *raw) reversal(mti string, orig *iso8583.Message, rrn string) *iso8583.Message {
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	set(m, 3, field(orig, 3), 4, field(orig, 4), 7, t.sent, 11, t.nextSTAN(), 37, rrn, 39, "68",
		41, t.tid, 42, "PAYLABMERCHANT1", 49, "978",
		90, orig.MTI.String()+field(orig, 11)+field(orig, 7)+strings.Repeat("0", 22))
	return m
}

// set sets string fields: number, value, number, value...
func set(m *iso8583.Message, kv ...any) {
	GinkgoHelper()
	for i := 0; i+1 < len(kv); i += 2 {
		Expect(m.SetString(kv[i].(int), kv[i+1].(string))).To(Succeed(), "DE %d", kv[i])
	}
}

// field returns DE n of m, "" when absent.
func field(m *iso8583.Message, n int) string {
	s, _ := m.GetString(n)
	return s
}

// kv parses a DE 48 "k=v;k=v" string.
func kv(s string) map[string]string {
	out := map[string]string{}
	for _, p := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			out[k] = v
		}
	}
	return out
}

// num parses a numeric field (DE 74, 76, 86, 88).
func num(m *iso8583.Message, n int) int64 {
	GinkgoHelper()
	v, err := strconv.ParseInt(field(m, n), 10, 64)
	Expect(err).NotTo(HaveOccurred(), "DE %d numeric", n)
	return v
}
