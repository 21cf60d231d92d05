package acquirer

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
)

// The acquirer in front of the issuer host emulator: approvals and the
// emulator's declines pass through, and its ledger moves once.
func TestWithIssuerEmulator(t *testing.T) {
	accept := func(string, []emv.TLV) (string, []emv.TLV, error) { return "", nil, nil }
	is := issuer.New(issuer.WithVerifier(accept), issuer.WithAccounts(
		issuer.Account{PAN: visaPAN, Balance: 10000, Status: issuer.Active},
		issuer.Account{PAN: visaPAN2, Balance: 10000, Status: issuer.Blocked},
	))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go is.Serve(ln)
	t.Cleanup(func() { is.Close() })
	j := journal.NewMemory()
	_, addr := startAcquirer(t, j,
		WithRoute(Route{Name: "visa-emu", Scheme: "visa", BINs: []string{"476173"}, Addr: ln.Addr().String()}),
		WithIssuerTimeout(time.Second))
	tt := dialTerminal(t, addr, "TERM0001")
	tt.signOn()
	r := tt.purchase(visaPAN, 1234)
	if rc(r) != "00" || str(r, 38) == "" {
		t.Fatalf("purchase: DE 39 %q", rc(r))
	}
	if got := is.Ledger()[visaPAN]; got != 10000-1234 {
		t.Fatalf("emulator ledger %d", got)
	}
	for pan, want := range map[string]string{visaPAN2: "57", "4761730000000000": "14"} {
		if r := tt.purchase(pan, 100); rc(r) != want {
			t.Fatalf("%s: DE 39 %q, want %q", pan[:6], rc(r), want)
		}
	}
	if r := tt.purchase(visaPAN, 20000); rc(r) != "51" {
		t.Fatalf("over balance: %q", rc(r))
	}
	tx := getTxn(t, j, str(r, 37))
	if tx.State != journal.Approved {
		t.Fatalf("journal: %+v", tx)
	}
	all, _ := j.Find(context.Background(), journal.Filter{Batch: -1})
	if len(all) != 4 {
		t.Fatalf("journal holds %d", len(all))
	}
}

// HOST.REV.001 against the emulator: no answer in time gives 91, and the
// reversal, retried until the issuer answers, restores its ledger.
func TestIssuerEmulatorTimeoutReversal(t *testing.T) {
	accept := func(string, []emv.TLV) (string, []emv.TLV, error) { return "", nil, nil }
	is := issuer.New(issuer.WithVerifier(accept), issuer.WithAccounts(issuer.Account{PAN: visaPAN, Balance: 10000, Status: issuer.Active}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go is.Serve(ln)
	t.Cleanup(func() { is.Close() })
	j := journal.NewMemory()
	_, addr := startAcquirer(t, j,
		WithRoute(Route{Name: "visa-emu", Scheme: "visa", BINs: []string{"476173"}, Addr: ln.Addr().String()}),
		WithIssuerTimeout(200*time.Millisecond))
	tt := dialTerminal(t, addr, "TERM0001")
	tt.signOn()
	is.SetFault(issuer.Fault{NoResponse: true})
	r := tt.purchase(visaPAN, 700)
	if rc(r) != "91" {
		t.Fatalf("DE 39 %q, want 91", rc(r))
	}
	is.SetFault(issuer.Fault{})
	eventually(t, "reversal done", func() bool { return getTxn(t, j, str(r, 37)).Reversal == journal.ReversalDone })
	if got := is.Ledger()[visaPAN]; got != 10000 {
		t.Fatalf("emulator ledger %d, want restored", got)
	}
}
