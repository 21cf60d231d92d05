package hostlink

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// loadCard is the fixture card visa-cda-online as the load generator needs
// it (its TEST issuer master key).
func loadCard(t testing.TB, profile string) (LoadCard, *card.Profile) {
	t.Helper()
	p, err := card.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Apps[0]
	imk, err := hex.DecodeString(strings.ReplaceAll(a.Cryptogram.IMKAC, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return LoadCard{PAN: a.PAN, PANSeq: a.PSN, Expiry: a.Expiry[:4], CVN: a.Cryptogram.CVN, IMKAC: imk, DKI: 1}, p
}

func TestLoadPoolARQCsVerify(t *testing.T) {
	for _, profile := range []string{"visa-cda-online", "visa-sda-offline", "mc-dda", "mc-cda", "no-pse"} {
		c, _ := loadCard(t, profile)
		pool, err := LoadPool(c, 20, 250, time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), 1)
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		v, _ := cryptogram.VersionByNumber(c.CVN)
		mk, err := v.DeriveICCMasterKey(c.IMKAC, c.PAN, c.PANSeq)
		if err != nil {
			t.Fatal(err)
		}
		uns := map[string]bool{}
		for i, r := range pool {
			if err := v.VerifyARQC(mk, r.Data, r.Data[emv.TagCryptogram]); err != nil {
				t.Errorf("%s entry %d: %v", profile, i, err)
			}
			uns[hex.EncodeToString(r.Data[emv.TagUN])] = true
		}
		if len(uns) != len(pool) {
			t.Errorf("%s: %d distinct unpredictable numbers in %d", profile, len(uns), len(pool))
		}
	}
	if _, err := LoadPool(LoadCard{PAN: "4761739001010119", Expiry: "4912", CVN: 99}, 1, 1, time.Now(), 1); err == nil {
		t.Error("unknown CVN accepted")
	}
}

func TestLoadAgainstFakeHost(t *testing.T) {
	c, p := loadCard(t, "visa-cda-online")
	h := newFakeHost(t).withCard(p)
	var progress int
	res, err := Load(context.Background(), h.addr(), LoadConfig{
		Conns: 4, InFlight: 4, Requests: 2000, Duration: time.Minute, Pool: 50, DeclineEvery: 10,
		Cards: []LoadCard{c}, Progress: func(LoadProgress) { progress++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Count != 2000 || res.Errors != 0 || res.RC["00"] != 1800 || res.RC["05"] != 200 || res.Approved() != 1800 {
		t.Errorf("result %+v", res)
	}
	if res.P50 <= 0 || res.P50 > res.P90 || res.P90 > res.P99 || res.P99 > res.Max || res.Rate <= 0 {
		t.Errorf("latencies %s", res)
	}
	// Every request was an 0100 with its own STAN per terminal, from four
	// terminals each signed on.
	seen := map[string]bool{}
	for _, m := range h.messages(100) {
		k := get(m, 41) + "/" + get(m, 11)
		if seen[k] {
			t.Fatalf("STAN reused: %s", k)
		}
		seen[k] = true
	}
	if len(seen) != 2000 || len(h.messages(800)) != 4 {
		t.Errorf("%d distinct requests, %d sign-ons", len(seen), len(h.messages(800)))
	}
}

func TestLoadPacedAndTimedOut(t *testing.T) {
	c, p := loadCard(t, "visa-cda-online")
	h := newFakeHost(t).withCard(p)
	h.set(func(h *fakeHost) { h.silentAmount = "000000000777" })
	res, err := Load(context.Background(), h.addr(), LoadConfig{
		Conns: 2, InFlight: 2, Requests: 8, Rate: 1000, Amount: 777, Cards: []LoadCard{c},
		Timeout: 100 * time.Millisecond, Link: []Option{WithRetryInterval(10 * time.Millisecond)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 0 || res.Errors != 8 || res.Reversals != 8 {
		t.Errorf("result %+v", res)
	}
	if _, err := Load(context.Background(), h.addr(), LoadConfig{}); err == nil {
		t.Error("load without cards accepted")
	}
}

func TestLatencyHistogram(t *testing.T) {
	h := newLatencyHist()
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * 10 * time.Microsecond) // 10 µs .. 10 ms
	}
	h.add(20 * time.Second)
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.99, 9900 * time.Microsecond}, {1, 20 * time.Second}} {
		got := h.quantile(c.q)
		if d := got - c.want; d < -20*time.Microsecond || d > 20*time.Microsecond {
			t.Errorf("q%.2f = %s, want about %s", c.q, got, c.want)
		}
	}
	for _, d := range []time.Duration{0, 999 * time.Microsecond, time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond, 9 * time.Second} {
		if i := histIndex(d); histUpper(i) < d || (i > 0 && histUpper(i-1) > d) {
			t.Errorf("%s in bucket %d (upper %s)", d, i, histUpper(i))
		}
	}
}
