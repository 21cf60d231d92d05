package issuer

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// cardTxn drives an emulated card (emulators/card) through SELECT, GPO and
// the first GENERATE AC (ARQC), as a terminal does, so that the issuer
// checks a real card-profile cryptogram.
type cardTxn struct {
	t    *testing.T
	c    *card.Card
	app  card.AppProfile
	vals map[emv.Tag][]byte
	arqc []byte
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (ct *cardTxn) send(cmd emv.Command) ([]byte, uint16) {
	ct.t.Helper()
	b, err := cmd.Encode()
	if err != nil {
		ct.t.Fatal(err)
	}
	return ct.sendRaw(b)
}

func (ct *cardTxn) sendRaw(b []byte) ([]byte, uint16) {
	ct.t.Helper()
	r, err := ct.c.Transmit(context.Background(), b)
	if err != nil || len(r) < 2 {
		ct.t.Fatalf("transmit: %v", err)
	}
	return r[:len(r)-2], uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

func bcdAmount(v int64) []byte {
	b, _ := hex.DecodeString(fmt.Sprintf("%012d", v))
	return b
}

var unSeq atomic.Uint32

// newCardTxn runs profile's first application up to an ARQC for amount.
func newCardTxn(t *testing.T, profile string, amount int64) *cardTxn {
	t.Helper()
	p, err := card.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p, card.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	ct := &cardTxn{t: t, c: c, app: p.Apps[0]}
	un := unSeq.Add(1)
	ct.vals = map[emv.Tag][]byte{
		emv.TagAmount: bcdAmount(amount), emv.TagAmountOther: bcdAmount(0),
		emv.TagCountryCode: {0x00, 0x56}, emv.TagTVR: make([]byte, 5), emv.TagCurrencyCode: {0x09, 0x78},
		emv.TagTxnDate: {0x26, 0x11, 0x28}, emv.TagTxnType: {0x00},
		emv.TagUN: {0xA1, byte(un >> 16), byte(un >> 8), byte(un)},
		0x9F35:    {0x22}, 0x9F34: {0x1F, 0x03, 0x02},
	}
	aid := mustHex(t, ct.app.AID)
	if _, sw := ct.send(emv.SelectByName(aid, false)); sw != emv.SWNoError {
		t.Fatalf("%s: SELECT: %04X", profile, sw)
	}
	lookup := func(tag emv.Tag) ([]byte, bool) { v, ok := ct.vals[tag]; return v, ok }
	pdol, _ := emv.ParseDOL(mustHex(t, ct.app.PDOL))
	gpo := emv.GetProcessingOptions(emv.BuildDOL(pdol, lookup))
	r, sw := ct.send(gpo)
	if sw != emv.SWNoError {
		t.Fatalf("%s: GPO: %04X", profile, sw)
	}
	objs, err := emv.Decode(r)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: GPO response: %v", profile, err)
	}
	if objs[0].Tag == 0x80 {
		ct.vals[emv.TagAIP] = objs[0].Value[:2]
	} else {
		ct.vals[emv.TagAIP] = emv.Flatten(objs)[emv.TagAIP]
	}
	cdol1, _ := emv.ParseDOL(mustHex(t, ct.app.CDOL1))
	r, sw = ct.send(emv.GenerateAC(0x80, emv.BuildDOL(cdol1, lookup)))
	if sw != emv.SWNoError {
		t.Fatalf("%s: GENERATE AC: %04X", profile, sw)
	}
	if objs, err = emv.Decode(r); err != nil || len(objs) != 1 {
		t.Fatalf("%s: GENERATE AC response: %v", profile, err)
	}
	if objs[0].Tag == 0x80 {
		v := objs[0].Value
		ct.vals[emv.TagCID], ct.vals[emv.TagATC], ct.vals[emv.TagCryptogram], ct.vals[emv.TagIAD] = v[:1], v[1:3], v[3:11], v[11:]
	} else {
		fl := emv.Flatten(objs)
		for _, tag := range []emv.Tag{emv.TagCID, emv.TagATC, emv.TagCryptogram, emv.TagIAD} {
			ct.vals[tag] = fl[tag]
		}
	}
	if ct.vals[emv.TagCID][0]&0xC0 != 0x80 {
		t.Fatalf("%s: the card answered CID %02X, not an ARQC", profile, ct.vals[emv.TagCID][0])
	}
	ct.arqc = ct.vals[emv.TagCryptogram]
	if ct.app.PSN != "" {
		ct.vals[emv.TagPANSeq] = mustHex(t, ct.app.PSN)
	}
	ct.vals[0x84] = aid
	return ct
}

// de55 is the ICC data a terminal sends (host contract, DE 55).
func (ct *cardTxn) de55() []emv.TLV {
	var out []emv.TLV
	for _, tag := range []emv.Tag{emv.TagCryptogram, emv.TagCID, emv.TagIAD, emv.TagUN, emv.TagATC, emv.TagTVR,
		emv.TagTxnDate, emv.TagTxnType, emv.TagAmount, emv.TagCurrencyCode, emv.TagAIP, emv.TagCountryCode,
		emv.TagAmountOther, 0x9F35, 0x9F34, 0x84, emv.TagPANSeq} {
		if v, ok := ct.vals[tag]; ok {
			out = append(out, emv.TLV{Tag: tag, Value: v})
		}
	}
	return out
}

// complete hands the issuer's DE 55 to the card: EXTERNAL AUTHENTICATE
// with tag 91, template 71 commands, the second GENERATE AC (TC), then
// template 72 commands. It returns the EXTERNAL AUTHENTICATE status and
// each script command's status.
func (ct *cardTxn) complete(resp []emv.TLV, arc string) (extAuth uint16, scripts []uint16) {
	ct.t.Helper()
	fl := emv.Flatten(resp)
	if iad, ok := fl[0x91]; ok {
		_, extAuth = ct.send(emv.ExternalAuthenticate(iad))
		ct.vals[0x91] = iad
	}
	run := func(tmpl emv.Tag) {
		for _, o := range resp {
			if o.Tag != tmpl {
				continue
			}
			for _, k := range o.Children {
				if k.Tag == 0x86 {
					_, sw := ct.sendRaw(k.Value)
					scripts = append(scripts, sw)
				}
			}
		}
	}
	run(0x71)
	ct.vals[0x8A] = []byte(arc)
	cdol2, _ := emv.ParseDOL(mustHex(ct.t, ct.app.CDOL2))
	if _, sw := ct.send(emv.GenerateAC(0x40, emv.BuildDOL(cdol2, func(tag emv.Tag) ([]byte, bool) { v, ok := ct.vals[tag]; return v, ok }))); sw != emv.SWNoError {
		ct.t.Fatalf("second GENERATE AC: %04X", sw)
	}
	run(0x72)
	return extAuth, scripts
}

// startIssuer serves the test-issuer fixture on a free port.
func startIssuer(t testing.TB, opts ...Option) (*Issuer, string) {
	t.Helper()
	cfg, err := LoadConfig("test-issuer")
	if err != nil {
		t.Fatal(err)
	}
	is, err := Start(context.Background(), "127.0.0.1:0", append([]Option{WithConfig(cfg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { is.Close() })
	return is, is.Addr().String()
}

// client is a pipelining ISO 8583 client matching answers by DE 11.
type client struct {
	t       testing.TB
	c       net.Conn
	mu      sync.Mutex
	waiting map[string]chan *iso8583.Message
	stan    atomic.Uint32
	closed  chan struct{}
}

func newClient(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl := &client{t: t, c: c, waiting: map[string]chan *iso8583.Message{}, closed: make(chan struct{})}
	go func() {
		defer close(cl.closed)
		for {
			fr, err := iso8583.DefaultFraming.Read(c)
			if err != nil {
				return
			}
			m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
			if err != nil {
				continue
			}
			stan, _ := m.GetString(11)
			cl.mu.Lock()
			ch := cl.waiting[stan]
			delete(cl.waiting, stan)
			cl.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return cl
}

// send sends m with a fresh STAN (unless set) and returns a channel of the answer.
func (cl *client) send(m *iso8583.Message) <-chan *iso8583.Message {
	cl.t.Helper()
	stan, ok := m.GetString(11)
	if !ok {
		stan = fmt.Sprintf("%06d", cl.stan.Add(1))
		m.SetString(11, stan)
	}
	ch := make(chan *iso8583.Message, 1)
	cl.mu.Lock()
	cl.waiting[stan] = ch
	cl.mu.Unlock()
	b, err := m.Pack()
	if err != nil {
		cl.t.Fatal(err)
	}
	if err := iso8583.DefaultFraming.Write(cl.c, iso8583.TPDU{}, b); err != nil {
		cl.t.Fatal(err)
	}
	return ch
}

// do sends m and waits up to 2 s for its answer (nil on timeout).
func (cl *client) do(m *iso8583.Message) *iso8583.Message {
	cl.t.Helper()
	select {
	case r := <-cl.send(m):
		return r
	case <-time.After(2 * time.Second):
		return nil
	}
}

var rrnSeq atomic.Uint64

func newRRN() string { return fmt.Sprintf("T%011d", rrnSeq.Add(1)) }

// msg builds a request as the acquirer forwards it (host contract).
func msg(t testing.TB, mti, proc, pan string, amount int64, rrn string) *iso8583.Message {
	t.Helper()
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI(mti))
	set := func(n int, v string) {
		if err := m.SetString(n, v); err != nil {
			t.Fatalf("set %d: %v", n, err)
		}
	}
	if pan != "" {
		set(2, pan)
	}
	set(3, proc)
	if amount >= 0 {
		set(4, fmt.Sprintf("%012d", amount))
	}
	set(7, "1128120000")
	set(12, "120000")
	set(13, "1128")
	set(22, "051")
	set(32, "123456")
	if rrn != "" {
		set(37, rrn)
	}
	set(41, "TERM0001")
	set(42, "MERCHANT0000001")
	set(49, "978")
	return m
}

func rcOf(m *iso8583.Message) string {
	if m == nil {
		return "<no answer>"
	}
	s, _ := m.GetString(39)
	return s
}
