package hostlink

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// authData is kernel data for an online request (no valid ARQC: the fake
// host checks ARQCs only when given a card profile).
func authData(amount string) emv.TagValues {
	return emv.TagValues{
		emv.TagPAN:          hx("4761739001010119"),
		emv.TagPANSeq:       hx("01"),
		tagExpiry:           hx("491231"),
		tagTrack2Generic:    hx("4761739001010119D49122011234567800000F"),
		emv.TagAmount:       hx(amount),
		emv.TagAmountOther:  hx("000000000000"),
		emv.TagCurrencyCode: hx("0978"),
		emv.TagCountryCode:  hx("0056"),
		emv.TagTxnType:      hx("00"),
		emv.TagTxnDate:      hx("261128"),
		emv.TagTVR:          hx("0000000000"),
		emv.TagUN:           hx("11223344"),
		emv.TagAIP:          hx("3D00"),
		emv.TagATC:          hx("000B"),
		emv.TagCryptogram:   hx("1122334455667788"),
		emv.TagCID:          hx("80"),
		emv.TagIAD:          hx("06011203A00000"),
		tagDFName:           hx("F0544553541010"),
	}
}

func dial(t *testing.T, h *fakeHost, opts ...Option) *Link {
	t.Helper()
	l, err := Dial(context.Background(), h.addr(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestSignOnEchoSignOff(t *testing.T) {
	h := newFakeHost(t)
	l := dial(t, h, WithTerminal("TERM0001", "MERCHANT0000001"))
	ctx := context.Background()
	// Before sign-on the host refuses financial traffic: 58.
	resp, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000001000")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Decision != terminal.AuthDeclined || string(resp.ARC[:]) != "58" {
		t.Fatalf("before sign-on: %v %q, want declined 58", resp.Decision, resp.ARC)
	}
	for _, f := range []func(context.Context) error{l.SignOn, l.Echo, l.SignOff} {
		if err := f(ctx); err != nil {
			t.Fatal(err)
		}
	}
	nm := h.messages(800)
	if len(nm) != 3 {
		t.Fatalf("%d network management messages, want 3", len(nm))
	}
	for i, code := range []string{"001", "301", "002"} {
		if got := get(nm[i], 70); got != code {
			t.Errorf("0800 #%d DE 70 %q, want %q", i, got, code)
		}
		if get(nm[i], 41) != "TERM0001" || get(nm[i], 42) != "MERCHANT0000001" || len(get(nm[i], 7)) != 10 {
			t.Errorf("0800 #%d: DE 7/41/42 %q %q %q", i, get(nm[i], 7), get(nm[i], 41), get(nm[i], 42))
		}
	}
}

func TestAuthorizeBuildsContractMessage(t *testing.T) {
	h := newFakeHost(t)
	clock := func() time.Time { return time.Date(2026, 11, 28, 18, 4, 5, 0, time.UTC) }
	l := dial(t, h, WithClock(clock))
	ctx := context.Background()
	if err := l.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	pin := hx("241234FFFFFFFFFF")
	resp, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000001234"), PINBlock: pin})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Decision != terminal.AuthApproved || string(resp.ARC[:]) != "00" || len(resp.AuthCode) != 6 {
		t.Fatalf("response %+v", resp)
	}
	ms := h.messages(200)
	if len(ms) != 1 {
		t.Fatalf("%d 0200, want 1", len(ms))
	}
	m := ms[0]
	want := map[int]string{
		2: "4761739001010119", 3: "000000", 4: "000000001234", 7: "1128180405", 12: "180405", 13: "1128",
		14: "4912", 22: "051", 23: "001", 35: "4761739001010119=49122011234567800000", 41: DefaultTerminalID,
		// DE 52: PIN 1234 as an ISO 9564-1 format 0 block for the PAN
		// (clear 041223C6FFEFEFEE) under the fixture TPK; enciphered
		// independently with OpenSSL (des-ede, ECB).
		42: DefaultMerchantID, 49: "978", 52: "98EFEE53777C0D22",
	}
	for n, v := range want {
		if got := get(m, n); got != v {
			t.Errorf("DE %d = %q, want %q", n, got, v)
		}
	}
	objs, err := m.GetTLV(55)
	if err != nil {
		t.Fatal(err)
	}
	d := emv.Flatten(objs)
	for _, tag := range []emv.Tag{emv.TagCryptogram, emv.TagCID, emv.TagIAD, emv.TagUN, emv.TagATC, emv.TagTVR, emv.TagTxnDate,
		emv.TagTxnType, emv.TagAmount, emv.TagCurrencyCode, emv.TagAIP, emv.TagCountryCode, emv.TagAmountOther, tagDFName, emv.TagPANSeq} {
		if _, ok := d[tag]; !ok {
			t.Errorf("DE 55 lacks %X", uint32(tag))
		}
	}
	for _, tag := range []emv.Tag{emv.TagPAN, tagTrack2Generic, tagExpiry} {
		if _, ok := d[tag]; ok {
			t.Errorf("DE 55 carries %X, which has its own data element", uint32(tag))
		}
	}
	// The transcript is masked: no clear PAN, no track 2, no PIN block.
	text := l.TranscriptText()
	for _, secret := range []string{"4761739001010119", "D49122011", "=4912", "241234FFFF", "98EFEE53777C0D22", "041223C6FFEFEFEE"} {
		if strings.Contains(text, secret) {
			t.Errorf("transcript shows %q:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, "476173******0119") || !strings.Contains(text, "sent 0200") || !strings.Contains(text, "received 0210") {
		t.Errorf("transcript lacks the masked PAN or the messages:\n%s", text)
	}
}

// TestAuthorizePINKey: WithPINKey changes the key of DE 52; a PIN block
// the link cannot read, or a key of the wrong length, is an error that
// shows neither the PIN, the block nor the key, and nothing is sent.
func TestAuthorizePINKey(t *testing.T) {
	h := newFakeHost(t)
	ctx := context.Background()
	zpk := hx("192CAB2F293E8349E08CA78CCB2FE992") // fixtures/keys/pin.yaml zpk, a TEST KEY
	l := dial(t, h, WithPINKey(zpk))
	if err := l.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000001234"), PINBlock: hx("241234FFFFFFFFFF")}); err != nil {
		t.Fatal(err)
	}
	ms := h.messages(200)
	if len(ms) != 1 || get(ms[0], 52) != "DFCA506B4196C575" { // OpenSSL, as above, under the ZPK
		t.Fatalf("DE 52 under another key: %d messages", len(ms))
	}
	for _, bad := range [][]byte{hx("141234FFFFFFFFFF"), hx("241234FFFFFFFF"), hx("24123AFFFFFFFFFF")} {
		_, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000001234"), PINBlock: bad})
		if err == nil || !errors.Is(err, cryptogram.ErrPINBlock) {
			t.Fatalf("bad PIN block: %v", err)
		}
		if msg := strings.ToUpper(err.Error()); strings.Contains(msg, "1234") || strings.Contains(msg, fmt.Sprintf("%X", bad)) {
			t.Fatalf("error shows the PIN or the block: %v", err)
		}
	}
	if len(h.messages(200)) != 1 {
		t.Fatal("a request with an unreadable PIN block was sent")
	}
	if _, err := Dial(ctx, h.addr(), WithPINKey(zpk[:8])); err == nil || strings.Contains(strings.ToUpper(err.Error()), "192CAB2F") {
		t.Fatalf("single-length PIN key: %v", err)
	}
}

func TestAuthorizeMapsResponse(t *testing.T) {
	m := iso8583.NewMessage(iso8583.ISO1987, 210)
	m.SetString(39, "00")
	m.SetString(38, "123456")
	m.SetString(37, "000000000042")
	script := emv.TLV{Tag: 0x72, Children: []emv.TLV{{Tag: 0x9F18, Value: hx("00000001")}, {Tag: 0x86, Value: hx("8418000000")}}}
	m.SetTLV(55, []emv.TLV{{Tag: 0x91, Value: hx("11223344556677880000")}, script})
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	u, err := iso8583.Unpack(iso8583.ISO1987, b)
	if err != nil {
		t.Fatal(err)
	}
	resp, rrn, err := mapAuthResponse(u)
	if err != nil {
		t.Fatal(err)
	}
	if rrn != "000000000042" || resp.Decision != terminal.AuthApproved || string(resp.AuthCode) != "123456" ||
		fmt.Sprintf("%X", resp.IssuerAuthData) != "11223344556677880000" || fmt.Sprintf("%X", resp.Scripts) != fmt.Sprintf("%X", script.Encode()) {
		t.Fatalf("mapped %+v rrn %q", resp, rrn)
	}
	for rc, dec := range map[string]terminal.AuthDecision{"05": terminal.AuthDeclined, "51": terminal.AuthDeclined, "91": terminal.AuthDeclined, "00": terminal.AuthApproved} {
		m := iso8583.NewMessage(iso8583.ISO1987, 210)
		m.SetString(39, rc)
		resp, _, err := mapAuthResponse(m)
		if err != nil || resp.Decision != dec || string(resp.ARC[:]) != rc {
			t.Errorf("RC %s: %v %q %v", rc, resp.Decision, resp.ARC, err)
		}
	}
	if _, _, err := mapAuthResponse(iso8583.NewMessage(iso8583.ISO1987, 210)); !errors.Is(err, ErrResponse) {
		t.Errorf("no DE 39: %v, want ErrResponse", err)
	}
}

func TestPipelinedAnswersOutOfOrder(t *testing.T) {
	h := newFakeHost(t)
	const n = 16
	h.set(func(h *fakeHost) { h.holdN = n })
	l := dial(t, h)
	ctx := context.Background()
	if err := l.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			amt := fmt.Sprintf("%012d", 100+i)
			resp, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData(amt)})
			if err != nil {
				errs <- err
				return
			}
			if resp.Decision != terminal.AuthApproved {
				errs <- fmt.Errorf("amount %s: %v", amt, resp.Decision)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every answer went to its request: the host saw each STAN once and the
	// link has nothing pending.
	stans := map[string]bool{}
	for _, m := range h.messages(200) {
		stans[get(m, 11)] = true
	}
	if len(stans) != n {
		t.Errorf("%d distinct STANs, want %d", len(stans), n)
	}
	l.mu.Lock()
	pending := len(l.pending)
	l.mu.Unlock()
	if pending != 0 {
		t.Errorf("%d calls still pending", pending)
	}
}

func TestTimeoutQueuesReversalUntilAcknowledged(t *testing.T) {
	h := newFakeHost(t)
	h.set(func(h *fakeHost) { h.silentAmount = "000000000777"; h.silentRev = 1 })
	l := dial(t, h, WithTimeout(150*time.Millisecond), WithRetryInterval(20*time.Millisecond))
	ctx := context.Background()
	if err := l.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000000777")})
	var xe *ExchangeError
	if !errors.Is(err, ErrNoResponse) || !errors.As(err, &xe) || !xe.Sent {
		t.Fatalf("Authorize: %v, want an ExchangeError (sent) wrapping ErrNoResponse", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	orig := h.messages(200)[0]
	first, repeat := h.messages(400), h.messages(401)
	if len(first) != 1 || len(repeat) < 1 {
		t.Fatalf("%d 0400 and %d 0401, want 1 and at least 1", len(first), len(repeat))
	}
	r := first[0]
	if get(r, 39) != ReasonTimeout || get(r, 4) != "000000000777" || get(r, 11) == get(orig, 11) {
		t.Errorf("0400 DE 39 %q DE 4 %q DE 11 %q", get(r, 39), get(r, 4), get(r, 11))
	}
	if want := "0200" + get(orig, 11) + get(orig, 7) + strings.Repeat("0", 22); get(r, 90) != want {
		t.Errorf("DE 90 %q, want %q", get(r, 90), want)
	}
	if get(repeat[0], 11) != get(r, 11) {
		t.Errorf("the repeat has STAN %s, the 0400 %s", get(repeat[0], 11), get(r, 11))
	}
	revs := l.Reversals()
	if len(revs) != 1 || !revs[0].Acked || revs[0].RC != "00" || revs[0].Attempts < 2 {
		t.Errorf("reversals %+v", revs)
	}
	if l.PendingReversals() != 0 {
		t.Errorf("%d pending", l.PendingReversals())
	}
}

func TestConnectionLossReconnectsAndSignsOnAgain(t *testing.T) {
	h := newFakeHost(t)
	h.set(func(h *fakeHost) { h.dropAmount = "000000000666" })
	l := dial(t, h, WithTimeout(2*time.Second), WithRetryInterval(20*time.Millisecond))
	ctx := context.Background()
	if err := l.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000000666")})
	if !errors.Is(err, ErrNoResponse) {
		t.Fatalf("Authorize: %v, want ErrNoResponse", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	// The next request goes out on a new connection, signed on again.
	resp, err := l.Authorize(ctx, terminal.AuthRequest{Data: authData("000000000100")})
	if err != nil || resp.Decision != terminal.AuthApproved {
		t.Fatalf("after reconnection: %v %v", resp.Decision, err)
	}
	h.mu.Lock()
	conns := h.conns
	h.mu.Unlock()
	if conns != 2 {
		t.Errorf("%d connections, want 2", conns)
	}
	var signOns int
	for _, m := range h.messages(800) {
		if get(m, 70) == "001" {
			signOns++
		}
	}
	if signOns != 2 {
		t.Errorf("%d sign-ons, want 2", signOns)
	}
	if len(h.messages(400)) != 1 {
		t.Errorf("%d reversals, want 1", len(h.messages(400)))
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := Dial(context.Background(), "127.0.0.1:1", WithTimeout(time.Second)); err == nil {
		t.Error("dial to a closed port succeeded")
	}
	h := newFakeHost(t)
	for _, o := range []Option{WithTerminal("", "M"), WithTerminal("TOOLONGTID", "M"), WithTimeout(0), WithAuthorizationMTI(220), WithCurrency("97")} {
		if _, err := Dial(context.Background(), h.addr(), o); err == nil {
			t.Error("bad option accepted")
		}
	}
}

func TestClosedLink(t *testing.T) {
	h := newFakeHost(t)
	l := dial(t, h)
	l.Close()
	if err := l.Echo(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("echo on a closed link: %v", err)
	}
}

func TestBadKernelData(t *testing.T) {
	h := newFakeHost(t)
	l := dial(t, h)
	d := authData("000000000100")
	d[emv.TagAmount] = hx("00000000010A")
	if _, err := l.Authorize(context.Background(), terminal.AuthRequest{Data: d}); err == nil || strings.Contains(err.Error(), "4761739001010119") {
		t.Errorf("bad amount: %v", err)
	}
	d = authData("000000000100")
	d[emv.TagPAN] = hx("47617390010101AB")
	var de *DataError
	if _, err := l.Authorize(context.Background(), terminal.AuthRequest{Data: d}); !errors.As(err, &de) {
		t.Errorf("bad PAN: %v", err)
	}
}
