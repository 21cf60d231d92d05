package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

func TestParseIssuerRoute(t *testing.T) {
	r, err := parseIssuerRoute("mc/mastercard=127.0.0.1:9583,510000-559999,222100")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "mc" || r.Scheme != "mastercard" || r.Addr != "127.0.0.1:9583" || len(r.BINs) != 2 {
		t.Fatalf("%+v", r)
	}
	if r, _ := parseIssuerRoute("visa=h:1,4"); r.Scheme != "visa" {
		t.Fatalf("default scheme: %+v", r)
	}
	for _, bad := range []string{"", "visa", "visa=127.0.0.1:9583", "=a:1,4", "visa=nohost,4"} {
		if _, err := parseIssuerRoute(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHostsUpBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"hosts", "up", "--journal", "memory"},
		{"hosts", "up", "--journal", "nosuch:x", "--issuer", "v=127.0.0.1:1,4"},
		{"hosts", "up", "--journal", "memory", "--issuer", "broken"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
		if n := strings.Count(strings.TrimSpace(errb.String()), "\n"); n != 0 {
			t.Errorf("%v: want one line on stderr, got %q", args, errb.String())
		}
	}
}

// paylab hosts up --with-issuer: a terminal signs on and buys through the
// acquirer and the in-process issuer; the back office sees it, masked.
func TestHostsUpWithIssuer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb hostsOutput
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- hostsUp(ctx, hostsUpFlags{
			listen: "127.0.0.1:0", http: "127.0.0.1:0", journal: "memory", withIssuer: true,
			issuerListen: "127.0.0.1:0", issuerConfig: "test-issuer", nodeID: "01", acquirerID: "123456",
			timeout: 2 * time.Second,
		}, &out, &errb, func(a, h string) { addrs <- [2]string{a, h} })
	}()
	var addr [2]string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("hosts up: %v (%s)", err, errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("hosts up did not start")
	}
	c, err := net.Dial("tcp", addr[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rt := func(m *iso8583.Message) *iso8583.Message {
		t.Helper()
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		fr, err := iso8583.DefaultFraming.Read(c)
		if err != nil {
			t.Fatal(err)
		}
		r, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	on := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	for n, v := range map[int]string{7: "1128120000", 11: "000001", 41: "TERM0001", 70: "001"} {
		on.SetString(n, v)
	}
	if r := rt(on); mustGet(r, 39) != "00" {
		t.Fatalf("sign-on: %s", r)
	}
	buy := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0200"))
	for n, v := range map[int]string{2: "4761739001010119", 3: "000000", 4: "1500", 7: "1128120001", 11: "000002",
		12: "120001", 13: "1128", 14: "3012", 22: "051", 41: "TERM0001", 42: "MERCHANT0000001", 49: "978"} {
		buy.SetString(n, v)
	}
	r := rt(buy)
	if mustGet(r, 39) != "00" {
		t.Fatalf("purchase: DE 39 %q", mustGet(r, 39))
	}
	resp, err := http.Get("http://" + addr[1] + "/v1/transactions/" + mustGet(r, 37))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		PAN   string `json:"pan"`
		State string `json:"state"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if v.PAN != "476173******0119" || v.State != "approved" {
		t.Fatalf("back office: %+v", v)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("hosts up: %v", err)
	}
	if !strings.Contains(out.String(), "acquirer listening on") {
		t.Fatalf("stdout: %s", out.String())
	}
}

func mustGet(m *iso8583.Message, n int) string {
	v, _ := m.GetString(n)
	return v
}

type hostsOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *hostsOutput) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *hostsOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
