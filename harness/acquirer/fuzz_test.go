package acquirer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

var (
	fuzzOnce sync.Once
	fuzzAcq  *Acquirer
)

// fuzzAcquirer is one acquirer for the whole fuzzing process, routed to a
// test issuer that answers at once; it is never closed (the process ends).
func fuzzAcquirer(t testing.TB) *Acquirer {
	fuzzOnce.Do(func() {
		ti := &testIssuer{t: t, balance: map[string]int64{visaPAN: 1 << 40}, decline: map[string]string{},
			txns: map[string]*tiTxn{}, reversals: map[string]int{}, conns: map[net.Conn]bool{}}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ti.ln = ln
		ti.wg.Add(1)
		go ti.accept()
		fuzzAcq = New(journal.NewMemory(),
			WithRoute(Route{Name: "visa-test", Scheme: "visa", BINs: []string{"4"}, Addr: ln.Addr().String()}),
			WithIssuerTimeout(200*time.Millisecond), WithIndexSize(10000),
			WithLogger(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		if err := fuzzAcq.Start(); err != nil {
			t.Fatal(err)
		}
	})
	return fuzzAcq
}

// FuzzHandle feeds arbitrary frames to the request handler of a signed-on
// terminal connection: it must never panic, and whatever it answers must
// be a well-formed response.
func FuzzHandle(f *testing.F) {
	tt := &testTerminal{tid: "TERM0001"}
	add := func(m *iso8583.Message) {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	add(tt.request("0200", "000000", visaPAN, 100))
	add(tt.request("0100", "310000", visaPAN, 0))
	add(tt.request("0220", "000000", visaPAN, 100))
	ref := tt.request("0200", "200000", visaPAN, 100)
	ref.SetString(37, "T10000000001")
	add(ref)
	f.Add([]byte("0800"))
	f.Add([]byte("0200\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("0500\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		a := fuzzAcquirer(t)
		s := newSession()
		s.signOn("TERM0001", true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, closeConn := a.handle(ctx, s, frame)
		if out == nil {
			return
		}
		if closeConn {
			t.Fatal("an answer and a close")
		}
		fr, rest, err := iso8583.DefaultFraming.Split(out)
		if err != nil || len(rest) != 0 {
			t.Fatalf("answer frame: %v (%d bytes after)", err, len(rest))
		}
		m, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		if err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		if m.MTI.Function()%2 != 1 {
			t.Fatalf("answer MTI %s is not a response", m.MTI)
		}
		if v, _ := m.GetString(39); len(v) != 2 {
			t.Fatalf("answer without DE 39: %s", m)
		}
	})
}

// TestCorpusPresent keeps the committed seed corpus in place.
func TestCorpusPresent(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzHandle", "*"))
	if len(files) == 0 {
		t.Fatal("no seed corpus in testdata/fuzz/FuzzHandle")
	}
	for _, f := range files {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
}
