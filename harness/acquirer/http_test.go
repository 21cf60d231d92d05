package acquirer

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func getJSON(t *testing.T, srv *httptest.Server, path string, wantStatus int, v any) string {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return string(body)
}

var fullPAN = regexp.MustCompile(`\d{13,19}`)

// HOST.QRY.003/004: the back-office API lists, finds and bills without a
// full PAN.
func TestHTTPAPI(t *testing.T) {
	f := newFixture(t)
	tt := dialTerminal(t, f.addr, "TERM0001")
	tt.signOn()
	p := tt.purchase(visaPAN, 1000)
	tt.purchase(mcPAN, 2500)
	tt.purchase(visaPAN2, 99999) // declined
	srv := httptest.NewServer(f.a.Handler())
	defer srv.Close()

	var list []TxnView
	body := getJSON(t, srv, "/v1/transactions?terminal=TERM0001", 200, &list)
	if len(list) != 3 {
		t.Fatalf("%d transactions", len(list))
	}
	if m := fullPAN.FindString(body); m != "" {
		t.Fatalf("a full PAN in the JSON: %s", m)
	}
	if list[0].PAN != "476173******0010" || list[0].RRN != str(p, 37) || list[0].State != "approved" {
		t.Fatalf("first: %+v", list[0])
	}
	getJSON(t, srv, "/v1/transactions?terminal=TERM0001&state=declined", 200, &list)
	if len(list) != 1 || list[0].RC != "51" {
		t.Fatalf("declined: %+v", list)
	}
	getJSON(t, srv, "/v1/transactions?stan="+str(p, 11), 200, &list)
	if len(list) != 1 {
		t.Fatalf("by STAN: %d", len(list))
	}
	var one TxnView
	getJSON(t, srv, "/v1/transactions/"+str(p, 37), 200, &one)
	if one.Amount != 1000 || one.Scheme != "visa" {
		t.Fatalf("one: %+v", one)
	}
	getJSON(t, srv, "/v1/transactions/NOSUCHRRN000", 404, nil)
	getJSON(t, srv, "/v1/transactions?batch=x", 400, nil)

	var bill Bill
	getJSON(t, srv, "/v1/bills/TERM0001", 200, &bill)
	if bill.Totals.Debits != (Count{2, 3500}) || bill.Schemes["visa"].Debits != (Count{1, 1000}) || bill.Schemes["mastercard"].Debits != (Count{1, 2500}) {
		t.Fatalf("bill: %+v", bill)
	}
	if r := settlement(tt, "7", 0, 2, 0, 3500); rc(r) != "00" {
		t.Fatalf("settle: %q", rc(r))
	}
	var sets []Bill
	getJSON(t, srv, "/v1/settlements?terminal=TERM0001", 200, &sets)
	if len(sets) != 1 || sets[0].Batch != 7 || sets[0].Totals.Debits != (Count{2, 3500}) {
		t.Fatalf("settlements: %+v", sets)
	}
	getJSON(t, srv, "/v1/bills/TERM0001", 200, &bill)
	if bill.Count != 0 {
		t.Fatalf("open bill after the close: %+v", bill)
	}
	h := getJSON(t, srv, "/v1/health", 200, nil)
	if !strings.Contains(h, `"journal": "memory"`) {
		t.Fatalf("health: %s", h)
	}
}

func TestMaskedOnly(t *testing.T) {
	if got := maskedOnly("4761739001010010"); got != "476173******0010" {
		t.Fatalf("full PAN: %q", got)
	}
	if got := maskedOnly("476173******0010"); got != "476173******0010" {
		t.Fatalf("masked PAN: %q", got)
	}
}
