package acquirer

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// A transaction the index no longer holds is found in the journal: a
// duplicate gets 94, its repeat gets the first answer, and its reversal finds it by DE 90 and
// restores the balance once (HOST.REV.002 and HOST.FLT.002's rules, past
// the index). The SQLite journal answers the lookup by terminal and STAN
// from its chains, not a scan.
func TestEvictedFromIndex(t *testing.T) {
	j, err := journal.OpenSQLite(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	visa := newTestIssuer(t, map[string]int64{visaPAN: 1_000_000})
	a, addr := startAcquirer(t, j,
		WithRoute(Route{Name: "visa-test", Scheme: "visa", BINs: []string{"476173"}, Addr: visa.addr()}),
		WithIssuerTimeout(time.Second), WithNodeID("T1"), WithIndexSize(1))
	tt := dialTerminal(t, addr, "TERM0001")
	tt.signOn()

	req := tt.request("0200", "000000", visaPAN, 800)
	first := tt.rt(req)
	if rc(first) != "00" {
		t.Fatalf("first: %q", rc(first))
	}
	rrn := str(first, 37)
	key := makeKey("TERM0001", str(req, 11), str(req, 7))
	n := 0
	for a.idx.byKey(key) != nil || a.idx.byRRN(rrn) != nil {
		if n++; n > 20_000 {
			t.Fatal("the index still holds the first transaction after 20,000 more")
		}
		if p := tt.purchase(visaPAN, 1); rc(p) != "00" {
			t.Fatalf("purchase %d: %q", n, rc(p))
		}
	}
	t.Logf("evicted after %d more transactions", n)
	want := int64(1_000_000 - 800 - n)
	if b := visa.bal(visaPAN); b != want {
		t.Fatalf("ledger %d, want %d", b, want)
	}

	// The same request again: a duplicate, 94, not a second purchase.
	if r := tt.rt(req); rc(r) != "94" {
		t.Fatalf("duplicate of a forgotten purchase: DE 39 %q, want 94", rc(r))
	}
	req.MTI = iso8583.MustMTI("0201")
	rep := tt.rt(req)
	if rc(rep) != "00" || str(rep, 37) != rrn || str(rep, 38) != str(first, 38) {
		t.Fatalf("repeat: DE 39 %q DE 37 %q DE 38 %q, want 00 %s %s", rc(rep), str(rep, 37), str(rep, 38), rrn, str(first, 38))
	}
	// The issuer's authentication data came back from the journal, its
	// script did not (it is never journalled).
	firstAuth, firstScript := de55Tag(t, first, 0x91), de55Tag(t, first, 0x72)
	if firstAuth == nil || firstScript == nil {
		t.Fatalf("first answer's DE 55 %X: want tags 91 and 72", str(first, 55))
	}
	if got := de55Tag(t, rep, 0x91); !bytes.Equal(got, firstAuth) || de55Tag(t, rep, 0x72) != nil {
		t.Fatalf("repeat's DE 55 %X: want tag 91 %X alone", str(rep, 55), firstAuth)
	}
	if c := visa.count("0200"); c != n+1 {
		t.Fatalf("issuer got %d purchases, want %d: the repeat was forwarded", c, n+1)
	}

	req.MTI = iso8583.MustMTI("0200")
	rev := reversalOf(tt, "0400", req, nil) // by DE 90 alone
	if r := tt.rt(rev); rc(r) != "00" || str(r, 37) != rrn {
		t.Fatalf("0410 DE 39 %q DE 37 %q, want 00 %s", rc(r), str(r, 37), rrn)
	}
	if b := visa.bal(visaPAN); b != want+800 {
		t.Fatalf("ledger %d after the reversal, want %d", b, want+800)
	}
	rev.MTI = iso8583.MustMTI("0401")
	if r := tt.rt(rev); rc(r) != "00" || visa.bal(visaPAN) != want+800 {
		t.Fatalf("0401 %q: ledger %d, want %d", rc(r), visa.bal(visaPAN), want+800)
	}
	if tx := getTxn(t, j, rrn); tx.State != journal.Reversed || tx.Reversal != journal.ReversalDone {
		t.Fatalf("journal: state %s reversal %q", tx.State, tx.Reversal)
	}
}

// de55Tag returns the value of tag in m's DE 55, or nil.
func de55Tag(t *testing.T, m *iso8583.Message, tag emv.Tag) []byte {
	t.Helper()
	v, ok := m.GetBytes(55)
	if !ok {
		return nil
	}
	objs, err := emv.Decode(v)
	if err != nil {
		t.Fatalf("DE 55: %v", err)
	}
	if o, ok := emv.Find(objs, tag); ok {
		if o.Value == nil {
			return []byte{} // constructed: present
		}
		return o.Value
	}
	return nil
}
