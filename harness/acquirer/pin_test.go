package acquirer

import (
	"bytes"
	"crypto/des"
	"encoding/hex"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// Online PIN through the acquirer: the terminal enciphers a format 0 block
// under its TPK, the acquirer translates it to the route's ZPK, the issuer
// emulator verifies it under that key. The right PIN is approved, a wrong
// one gets the issuer's 55, a block the acquirer cannot translate gets 63
// and never reaches the issuer. The log shows no PIN block.
func TestPINTranslation(t *testing.T) {
	keys, err := fixtures.LoadPINKeys(fixtures.FS)
	if err != nil {
		t.Fatal(err)
	}
	term2TPK, _ := hex.DecodeString("4C5E9B2A0D6E13F7A2C4F8D5E6B91A3D") // made up for this test
	routeZPK, _ := hex.DecodeString("7A3B1C9E5D0F2846E1D3B5A79C8F2064") // made up for this test
	const pin = "2468"
	accept := func(string, []emv.TLV) (string, []emv.TLV, error) { return "", nil, nil }
	is := issuer.New(issuer.WithVerifier(accept), issuer.WithPINKey(routeZPK), issuer.WithAccounts(
		issuer.Account{PAN: visaPAN, Balance: 100000, Status: issuer.Active, PIN: pin},
	))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go is.Serve(ln)
	t.Cleanup(func() { is.Close() })
	var logs bytes.Buffer
	j := journal.NewMemory()
	_, addr := startAcquirer(t, j,
		WithRoute(Route{Name: "visa-emu", Scheme: "visa", BINs: []string{"476173"}, Addr: ln.Addr().String(), PINKey: routeZPK}),
		WithTerminalPINKey("TERM0002", term2TPK),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		WithIssuerTimeout(time.Second))

	block := func(key []byte, pin, pan string) []byte {
		b, err := cryptogram.EncipherISOFormat0PINBlock(key, pin, pan)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var sent [][]byte
	tests := []struct {
		name, tid string
		pb        []byte
		want      string
	}{
		{"right PIN, default TPK", "TERM0001", block(keys.TPK, pin, visaPAN), "00"},
		{"wrong PIN", "TERM0001", block(keys.TPK, "1111", visaPAN), "55"},
		{"right PIN, the terminal's own TPK", "TERM0002", block(term2TPK, pin, visaPAN), "00"},
		{"another terminal's TPK", "TERM0001", block(term2TPK, pin, visaPAN), "63"},
		{"enciphered for another PAN", "TERM0001", block(keys.TPK, pin, visaPAN2), "63"},
		{"format 2 block", "TERM0001", mustFormat2Enciphered(t, keys.TPK, pin), "63"},
	}
	terms := map[string]*testTerminal{}
	for _, tc := range tests {
		tt := terms[tc.tid]
		if tt == nil {
			tt = dialTerminal(t, addr, tc.tid)
			tt.signOn()
			terms[tc.tid] = tt
		}
		before := is.Ledger()[visaPAN]
		m := tt.request("0200", "000000", visaPAN, 100)
		m.SetBytes(52, tc.pb)
		sent = append(sent, tc.pb)
		r := tt.rt(m)
		if rc(r) != tc.want {
			t.Errorf("%s: DE 39 %q, want %q", tc.name, rc(r), tc.want)
			continue
		}
		if tx := getTxn(t, j, str(r, 37)); tx.RC != tc.want {
			t.Errorf("%s: journal RC %q", tc.name, tx.RC)
		}
		if after := is.Ledger()[visaPAN]; (tc.want == "00") != (after == before-100) {
			t.Errorf("%s: ledger %d → %d", tc.name, before, after)
		}
	}
	if n := len(is.Transactions()); n != 3 {
		t.Errorf("issuer saw %d requests, want 3 (no 63 forwarded)", n)
	}
	out := strings.ToUpper(logs.String())
	if !strings.Contains(out, "63") {
		t.Errorf("no log of the failed translation:\n%s", logs.String())
	}
	for _, b := range sent {
		if strings.Contains(out, strings.ToUpper(hex.EncodeToString(b))) {
			t.Fatalf("the log shows a PIN block:\n%s", logs.String())
		}
	}
}

func mustFormat2Enciphered(t *testing.T, key []byte, pin string) []byte {
	t.Helper()
	f2, err := cryptogram.ISOFormat2PINBlock(pin)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel's format 2 block enciphered as is under the TPK: read as
	// format 0 it fails the control field check (the PAN field's first
	// nibble is 0, so the 2 stays).
	b, err := des.NewTripleDESCipher(append(append([]byte(nil), key...), key[:8]...))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 8)
	b.Encrypt(out, f2)
	return out
}

func TestPINKeyOptions(t *testing.T) {
	for name, o := range map[string]Option{
		"short TPK":    WithTerminalPINKey("", make([]byte, 8)),
		"long ZPK":     WithZonePINKey(make([]byte, 24)),
		"route ZPK":    WithRoute(Route{Name: "x", BINs: []string{"4"}, Addr: "127.0.0.1:1", PINKey: make([]byte, 15)}),
		"terminal TPK": WithTerminalPINKey("T1", nil),
	} {
		a := New(journal.NewMemory(), o)
		if err := a.Start(); err == nil || !strings.Contains(err.Error(), "PIN key") {
			t.Errorf("%s: %v", name, err)
		}
		a.Close()
	}
}
