package hostlink

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
)

// fakeHost is a small acquirer+issuer speaking the host contract, for the
// link's tests: sign-on gating (58), 0100/0200 with ARQC verification and an
// ARPC (when a card profile is given), refunds, voids, balance (DE 54),
// 0220 advices, 0400/0420 reversals by DE 90 or DE 37, and a 0500 that
// compares the terminal's totals with its own. Knobs make it silent, drop
// connections or answer pipelined requests out of order.
type fakeHost struct {
	t  testing.TB
	ln net.Listener

	mu       sync.Mutex
	received []*iso8583.Message
	conns    int
	txns     []*fakeTxn
	rrn      int

	// knobs
	silentAmount   string // DE 4 of financial requests never answered
	dropAmount     string // DE 4 of financial requests answered by closing the connection
	silentRev      int    // reversals left unanswered (then answered)
	holdN          int    // hold answers until N are ready, then write them in reverse order
	declineAmount  string // DE 4 answered 51
	wrongARPC      bool
	balance        int64
	version        *cryptogram.Version
	imk            []byte
	arqcErrs       int
	settleMismatch bool // add one phantom debit to the host's totals
}

type fakeTxn struct {
	mti, proc, stan, de7, rrn, amount, pan string
	approved, reversed, voided, advice     bool
}

func newFakeHost(t testing.TB) *fakeHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{t: t, ln: ln, balance: 12345}
	go h.serve()
	t.Cleanup(func() { ln.Close() })
	return h
}

// withCard makes the host verify ARQCs and answer ARPCs with profile's
// TEST issuer master key AC.
func (h *fakeHost) withCard(p *card.Profile) *fakeHost {
	a := p.Apps[0]
	v, err := cryptogram.VersionByNumber(a.Cryptogram.CVN)
	if err != nil {
		h.t.Fatal(err)
	}
	imk, err := hex.DecodeString(strings.ReplaceAll(a.Cryptogram.IMKAC, " ", ""))
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.version, h.imk = v, imk
	h.mu.Unlock()
	return h
}

func (h *fakeHost) addr() string { return h.ln.Addr().String() }

func (h *fakeHost) set(fn func(h *fakeHost)) { h.mu.Lock(); fn(h); h.mu.Unlock() }

// messages returns the requests received with MTI mti (all when 0).
func (h *fakeHost) messages(mti iso8583.MTI) []*iso8583.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*iso8583.Message
	for _, m := range h.received {
		if mti == 0 || m.MTI == mti {
			out = append(out, m)
		}
	}
	return out
}

func (h *fakeHost) serve() {
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		h.conns++
		h.mu.Unlock()
		go h.serveConn(c)
	}
}

func (h *fakeHost) serveConn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	signedOn := false
	var held [][]byte
	for {
		fr, err := iso8583.DefaultFraming.Read(r)
		if err != nil {
			return
		}
		if len(fr.Message) == 0 {
			continue
		}
		m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		if err != nil {
			return
		}
		m = m.Clone()
		h.mu.Lock()
		h.received = append(h.received, m)
		resp, drop := h.answer(m, &signedOn)
		hold := h.holdN
		h.mu.Unlock()
		if drop {
			return
		}
		if resp == nil {
			continue
		}
		b, err := resp.Pack()
		if err != nil {
			h.t.Errorf("fake host: pack %s: %v", resp.MTI, err)
			return
		}
		if hold > 0 && (m.MTI == 100 || m.MTI == 200) {
			held = append(held, b)
			if len(held) < hold {
				continue
			}
			for i := len(held) - 1; i >= 0; i-- {
				if err := iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, held[i]); err != nil {
					return
				}
			}
			held = held[:0]
			continue
		}
		if err := iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b); err != nil {
			return
		}
	}
}

func get(m *iso8583.Message, n int) string { s, _ := m.GetString(n); return s }

// answer decides; h.mu is held.
func (h *fakeHost) answer(m *iso8583.Message, signedOn *bool) (*iso8583.Message, bool) {
	rmti, err := m.MTI.Response()
	if err != nil {
		return nil, false
	}
	r := iso8583.NewMessage(iso8583.ISO1987, rmti)
	for _, n := range []int{2, 3, 4, 7, 11, 41, 42, 49, 70} {
		if v, ok := m.GetString(n); ok {
			r.SetString(n, v)
		}
	}
	base := m.MTI - m.MTI%2 // first-time MTI of a repeat
	switch base {
	case 800:
		switch get(m, 70) {
		case "001":
			*signedOn = true
		case "002":
			*signedOn = false
		}
		r.SetString(39, "00")
		return r, false
	case 100, 200:
		if !*signedOn {
			r.SetString(39, "58")
			return r, false
		}
		amt := get(m, 4)
		if amt == h.silentAmount {
			return nil, false
		}
		if amt == h.dropAmount {
			return nil, true
		}
		h.rrn++
		rrn := fmt.Sprintf("FAKE%08d", h.rrn)
		r.SetString(37, rrn)
		rc := "00"
		proc := get(m, 3)
		tx := &fakeTxn{mti: m.MTI.String(), proc: proc, stan: get(m, 11), de7: get(m, 7), rrn: rrn, amount: amt, pan: get(m, 2)}
		switch {
		case amt == h.declineAmount:
			rc = "51"
		case proc == ProcVoid:
			rc = "25"
			for _, o := range h.txns {
				if o.rrn == get(m, 37) && o.approved && !o.reversed && !o.voided && o.amount == amt {
					o.voided, rc = true, "00"
				}
			}
		case proc == ProcBalance:
			r.SetString(54, fmt.Sprintf("0002%3sC%012d", get(m, 49), h.balance))
		}
		if rc == "00" && m.Has(55) && h.version != nil {
			objs, _ := m.GetTLV(55)
			out, ok := h.arpc(get(m, 2), get(m, 23), objs)
			if !ok {
				rc = "05"
			}
			r.SetTLV(55, out)
		}
		r.SetString(39, rc)
		if rc == "00" {
			r.SetString(38, "A"+tx.stan[1:])
		}
		tx.approved = rc == "00"
		h.txns = append(h.txns, tx)
		return r, false
	case 220:
		h.rrn++
		rrn := fmt.Sprintf("FAKE%08d", h.rrn)
		h.txns = append(h.txns, &fakeTxn{mti: "0220", proc: get(m, 3), stan: get(m, 11), de7: get(m, 7), rrn: rrn, amount: get(m, 4), approved: true, advice: true})
		r.SetString(37, rrn)
		r.SetString(39, "00")
		return r, false
	case 400, 420:
		if h.silentRev > 0 {
			h.silentRev--
			return nil, false
		}
		de90 := get(m, 90)
		for _, o := range h.txns {
			if (len(de90) == 42 && o.stan == de90[4:10] && o.de7 == de90[10:20]) || (o.rrn != "" && o.rrn == get(m, 37)) {
				o.reversed = true
			}
		}
		r.SetString(39, "00")
		return r, false
	case 500:
		var c, d, ca, da uint64
		schemes := map[string][4]uint64{}
		for _, o := range h.txns {
			if !o.approved || o.reversed || o.voided || o.proc == ProcVoid || o.proc == ProcBalance {
				continue
			}
			a, _ := strconv.ParseUint(o.amount, 10, 64)
			s := "visa"
			if strings.HasPrefix(o.pan, "5") {
				s = "mastercard"
			}
			x := schemes[s]
			if o.proc == ProcRefund {
				c, ca = c+1, ca+a
				x[2], x[3] = x[2]+1, x[3]+a
			} else {
				d, da = d+1, da+a
				x[0], x[1] = x[0]+1, x[1]+a
			}
			schemes[s] = x
		}
		if h.settleMismatch {
			d, da = d+1, da+1
		}
		mine := fmt.Sprintf("%010d%010d%016d%016d", c, d, ca, da)
		theirs := get(m, 74) + get(m, 76) + get(m, 86) + get(m, 88)
		if mine == theirs {
			r.SetString(39, "00")
			return r, false
		}
		r.SetString(39, "95")
		r.SetString(74, fmt.Sprintf("%010d", c))
		r.SetString(76, fmt.Sprintf("%010d", d))
		r.SetString(86, fmt.Sprintf("%016d", ca))
		r.SetString(88, fmt.Sprintf("%016d", da))
		var parts []string
		for _, s := range []string{"mastercard", "visa"} {
			if x, ok := schemes[s]; ok {
				parts = append(parts, fmt.Sprintf("%s:D=%d/%d,C=%d/%d", s, x[0], x[1], x[2], x[3]))
			}
		}
		r.SetString(63, strings.Join(parts, ";"))
		return r, false
	}
	r.SetString(39, "12")
	return r, false
}

// arpc verifies the ARQC (EMV Book 2, 8.1) and returns DE 55 with 91: ARPC
// by the version's method (Book 2, 8.2).
func (h *fakeHost) arpc(pan, psn string, objs []emv.TLV) ([]emv.TLV, bool) {
	d := emv.Flatten(objs)
	if len(psn) == 3 {
		psn = psn[1:]
	}
	keys, err := h.version.DeriveKeys(cryptogram.Keys{AC: h.imk, SMI: h.imk, SMC: h.imk}, pan, psn)
	if err != nil {
		h.arqcErrs++
		return nil, false
	}
	arqc := d[emv.TagCryptogram]
	ok := h.version.VerifyARQC(keys.AC, d, arqc) == nil
	if !ok {
		h.arqcErrs++
	}
	arc := []byte("00")
	if !ok {
		arc = []byte("05")
	}
	in := cryptogram.ARPCInput{ARQC: arqc, ATC: d[emv.TagATC]}
	csu := []byte{0, 0, 0, 0}
	if h.version.ARPCMethod == 2 {
		in.CSU = csu
	} else {
		in.ARC = arc
	}
	a, err := h.version.ARPC(keys.AC, in)
	if err != nil {
		return nil, false
	}
	if h.wrongARPC {
		a[0] ^= 0xFF
	}
	if h.version.ARPCMethod == 2 {
		a = append(a, csu...)
	} else {
		a = append(a, arc...)
	}
	return []emv.TLV{{Tag: 0x91, Value: a}}, ok
}
