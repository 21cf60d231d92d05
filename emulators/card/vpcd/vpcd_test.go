package vpcd_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/harness/device/pcsc"
)

// vpcdAddr and readerName are the slot the tests use: vpcd's first one
// unless PAYLAB_VPCD / PAYLAB_VPCD_READER say otherwise.
func vpcdAddr() string {
	if a := os.Getenv("PAYLAB_VPCD"); a != "" {
		return a
	}
	return vpcd.DefaultAddr
}

func readerName() string {
	if n := os.Getenv("PAYLAB_VPCD_READER"); n != "" {
		return n
	}
	return "Virtual PCD 00 00"
}

// needVPCD skips (or, in CI, fails) when pcscd with vpcd's reader is not
// there.
func needVPCD(tb testing.TB) {
	tb.Helper()
	_, err := pcsc.Resolve(readerName())
	if err == nil {
		return
	}
	if pcsc.Required() {
		tb.Fatalf("pcscd with vpcd is required (CI or PAYLAB_REQUIRE=pcsc): %v; run ci/setup.sh", err)
	}
	tb.Skipf("pcscd with vpcd not available (%v): run ci/setup.sh as root", err)
}

// insert puts a fresh visa-cda-online card into the reader and connects to
// it through pcscd.
func insert(tb testing.TB, opts ...pcsc.Option) (*card.Card, *pcsc.Card, *vpcd.Session) {
	tb.Helper()
	needVPCD(tb)
	c, err := card.Open("visa-cda-online", card.WithSeed(1))
	if err != nil {
		tb.Fatal(err)
	}
	// Insert waits while another paylab process (the pcsc bench's suite)
	// holds the slot.
	var st vpcd.Stats
	s, err := vpcd.Insert(context.Background(), vpcdAddr(), c, vpcd.WithStats(&st))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for st.ATRs.Load() == 0 && ctx.Err() == nil { // pcscd has polled this card
		time.Sleep(20 * time.Millisecond)
	}
	tb.Cleanup(func() { remove(tb, s) })
	pc, err := pcsc.NewReader(readerName(), opts...).ConnectCard(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = pc.Close() })
	return c, pc, s
}

// remove takes the card out and waits until pcscd has seen it go, so that
// the next test finds an empty slot.
func remove(tb testing.TB, s *vpcd.Session) {
	_ = s.Remove()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pcsc.NewReader(readerName()).WaitRemoved(ctx); err != nil {
		tb.Errorf("card removal not seen: %v", err)
	}
}

var selectPSE = []byte{0x00, 0xA4, 0x04, 0x00, 0x0E, '1', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1', 0x00}

func TestSelectThroughPCSC(t *testing.T) {
	c, pc, _ := insert(t)
	if !slices.Equal(pc.ATR(), c.ATR()) {
		t.Errorf("ATR through pcscd %X, card's %X", pc.ATR(), c.ATR())
	}
	r, err := pc.Transmit(context.Background(), selectPSE)
	if err != nil {
		t.Fatal(err)
	}
	if sw := sw(r); sw != 0x9000 || r[0] != 0x6F {
		t.Fatalf("SELECT PSE answered %X", r)
	}
	t.Logf("%s: SELECT PSE → %d bytes, SW %04X", pc.Identity(), len(r), sw(r))
}

func TestRemovalEndsSession(t *testing.T) {
	_, pc, s := insert(t)
	rd := pcsc.NewReader(pc.Reader())
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rd.WaitRemoved(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Transmit(context.Background(), selectPSE); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("transmit to a removed card: %v, want ErrNoCard", err)
	}
}

func sw(r []byte) uint16 {
	if len(r) < 2 {
		return 0
	}
	return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

// BenchmarkSelectRoundTrip times SELECT PSE from harness/device/pcsc
// through pcscd and vpcd to the card emulator and back, and reports the
// median and 90th percentile of the round trips (issue 5: ≤ 0.3 ms median).
// Sub-benchmark "no-quickack" leaves Linux's delayed ACKs on.
func BenchmarkSelectRoundTrip(b *testing.B) {
	b.Run("quickack", func(b *testing.B) { benchRoundTrip(b, true) })
	b.Run("no-quickack", func(b *testing.B) { benchRoundTrip(b, false) })
}

func benchRoundTrip(b *testing.B, quick bool) {
	needVPCD(b)
	c, err := card.Open("visa-cda-online", card.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	s, err := vpcd.Insert(context.Background(), vpcdAddr(), c, vpcd.WithQuickAck(quick))
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pc, err := pcsc.NewReader(readerName()).ConnectCard(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		r, err := pc.Transmit(context.Background(), selectPSE)
		times = append(times, time.Since(t0))
		if err != nil || sw(r) != 0x9000 {
			b.Fatalf("SELECT PSE: %X %v", r, err)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	med, p90 := times[len(times)/2], times[len(times)*9/10]
	b.ReportMetric(float64(med.Microseconds()), "median-µs")
	b.ReportMetric(float64(p90.Microseconds()), "p90-µs")
	b.Logf("%d SELECT PSE round trips through pcscd and vpcd: median %v, p90 %v", len(times), med, p90)
}
