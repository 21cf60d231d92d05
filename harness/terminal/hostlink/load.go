package hostlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
)

// Load defaults.
const (
	DefaultLoadConns    = 16
	DefaultLoadDuration = 60 * time.Second
	// DefaultLoadInFlight: two per connection (32 in all) kept the hosts
	// as busy as four did on the 2-core lab machine, at half the latency
	// (in a closed loop, latency is what is in flight over the rate).
	DefaultLoadInFlight = 2
	DefaultLoadPool     = 256
	DefaultLoadAmount   = 100
)

// LoadCard is a card the load generator makes ARQCs for: its PAN, PAN
// sequence number and expiry, and the issuer master key AC (a TEST KEY, from
// a fixture card profile) with the cryptogram version that derives the ICC
// key and computes the cryptogram (package cryptogram; EMV Book 2, 8.1).
type LoadCard struct {
	PAN    string
	PANSeq string // two digits, "01"
	Expiry string // YYMM
	CVN    int    // 10, 18, 22, 16 or 17
	IMKAC  []byte // TEST issuer master key AC
	DKI    byte
}

// LoadConfig configures Load. Zero values take the defaults named beside
// them.
type LoadConfig struct {
	Conns    int           // terminal connections (DefaultLoadConns, 16), one TID each
	Duration time.Duration // how long to send (DefaultLoadDuration, 60 s), unless Requests ends first
	Requests int64         // stop after this many requests in all; 0: Duration decides
	InFlight int           // requests in flight per connection (DefaultLoadInFlight, 2)
	// Rate paces the requests at this many per second in all (open loop);
	// 0 sends as fast as the in-flight window allows (closed loop).
	Rate float64
	// Cards to authorise; each gets Pool precomputed valid ARQCs
	// (DefaultLoadPool, 256) cycled through by the requests.
	Cards []LoadCard
	Pool  int
	// Amount of each authorisation in minor units (DefaultLoadAmount, 100).
	Amount uint64
	// DeclineEvery makes every n-th request carry a corrupted ARQC, which
	// the issuer declines (05, do not honour); 0 makes none.
	DeclineEvery int
	// TerminalPrefix starts the terminal ids ("LD": LD000001, LD000002, ...).
	TerminalPrefix string
	MerchantID     string        // DE 42 (DefaultMerchantID)
	Timeout        time.Duration // per request (DefaultTimeout, 5 s)
	// Link adds options to every connection (dialect, framing, ...).
	Link []Option
	// Progress is called about once a second while the load runs.
	Progress func(LoadProgress)
}

// LoadProgress is a running count.
type LoadProgress struct {
	Elapsed time.Duration
	Count   int64   // answered so far
	Errors  int64   // requests without an answer so far
	Rate    float64 // answers per second over the last interval
}

// LoadResult is what a load run measured. Latency is from writing a request
// to reading its answer, per request, to within 1 µs below 1 ms, 10 µs below
// 100 ms and 1 ms above.
type LoadResult struct {
	Count     int64            // answered requests
	Errors    int64            // requests without an answer (timeouts, lost connections)
	RC        map[string]int64 // answers by response code (DE 39)
	Elapsed   time.Duration
	Rate      float64 // Count / Elapsed
	P50       time.Duration
	P90       time.Duration
	P99       time.Duration
	Max       time.Duration
	Reversals int // 0400 queued for requests without an answer
}

// Approved returns the number of answers with response code 00.
func (r LoadResult) Approved() int64 { return r.RC["00"] }

// String is a one-line summary.
func (r LoadResult) String() string {
	var codes []string
	for _, k := range sortedKeys(r.RC) {
		codes = append(codes, fmt.Sprintf("%s=%d", k, r.RC[k]))
	}
	return fmt.Sprintf("%d answers (%s), %d errors in %.1fs: %.0f auth/s, p50 %s, p90 %s, p99 %s, max %s",
		r.Count, strings.Join(codes, " "), r.Errors, r.Elapsed.Seconds(), r.Rate, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", sinceMillis(d)) }

// Milliseconds formats d in milliseconds with two decimals, as the bench
// line shows latencies.
func Milliseconds(d time.Duration) string { return fmt.Sprintf("%.2f", sinceMillis(d)) }

// LoadPool precomputes n authorisation requests for c, each with its own
// unpredictable number and ATC and a valid ARQC (EMV Book 2, 8.1.2: the
// issuer recomputes it from the ICC master key derived from the IMK).
func LoadPool(c LoadCard, n int, amount uint64, date time.Time, seed uint64) ([]terminal.AuthRequest, error) {
	v, err := cryptogram.VersionByNumber(c.CVN)
	if err != nil {
		return nil, fmt.Errorf("load pool: %w", err)
	}
	psn := c.PANSeq
	if psn == "" {
		psn = "00"
	}
	mk, err := v.DeriveICCMasterKey(c.IMKAC, c.PAN, psn)
	if err != nil {
		return nil, fmt.Errorf("load pool for %s: %w", emv.MaskPAN(c.PAN), err)
	}
	if len(c.Expiry) != 4 || !digits(c.Expiry) || len(psn) != 2 || !digits(psn) || !digits(c.PAN) {
		return nil, fmt.Errorf("load pool for %s: PAN, expiry YYMM and PAN sequence must be digits", emv.MaskPAN(c.PAN))
	}
	panCN := emv.PackCN(c.PAN, (len(c.PAN)+1)/2)
	rng := rand.New(rand.NewPCG(seed, uint64(len(c.PAN))))
	out := make([]terminal.AuthRequest, n)
	for i := range out {
		un := make([]byte, 4)
		binary.BigEndian.PutUint32(un, rng.Uint32())
		atc := []byte{byte((i + 1) >> 8), byte(i + 1)}
		d := emv.TagValues{
			emv.TagPAN:          panCN,
			emv.TagPANSeq:       mustBCD(psn),
			tagExpiry:           mustBCD(c.Expiry + "31"),
			emv.TagAmount:       mustBCD(fmt.Sprintf("%012d", amount)),
			emv.TagAmountOther:  make([]byte, 6),
			emv.TagCountryCode:  mustBCD("0056"),
			emv.TagTVR:          make([]byte, 5),
			emv.TagCurrencyCode: mustBCD("0978"),
			emv.TagTxnDate:      mustBCD(date.Format("060102")),
			emv.TagTxnType:      {0x00},
			emv.TagUN:           un,
			emv.TagAIP:          {0x3D, 0x00},
			emv.TagATC:          atc,
			emv.TagCID:          {0x80}, // ARQC
			emv.TagIAD:          loadIAD(v, c.DKI),
			tagTermType:         {0x22},
			tagTermCaps:         {0xE0, 0xF8, 0xC8},
			tagCVMResults:       {0x1E, 0x03, 0x00},
		}
		ac, err := v.Generate(mk, d)
		if err != nil {
			return nil, fmt.Errorf("load pool for %s: %w", emv.MaskPAN(c.PAN), err)
		}
		d[emv.TagCryptogram] = ac
		out[i] = terminal.AuthRequest{Data: d}
	}
	return out, nil
}

// loadIAD is Issuer Application Data of the version's layout with a CVR
// saying "ARQC returned in the first GENERATE AC" (VIS and M/Chip).
func loadIAD(v *cryptogram.Version, dki byte) []byte {
	switch v.Number {
	case 16, 17: // M/Chip: DKI CVN CVR(6) DAC(2) counters(8)
		iad := make([]byte, 18)
		iad[0], iad[1], iad[2] = dki, v.IADCVN, 0xA0
		return iad
	case 22: // Visa format 2: 1F CVN DKI CVR(5) ...
		iad := make([]byte, 32)
		iad[0], iad[1], iad[2], iad[3] = 0x1F, v.IADCVN, dki, 0xA0
		return iad
	}
	return []byte{0x06, dki, v.IADCVN, 0x03, 0xA0, 0x00, 0x00} // Visa format 0/1/3
}

func mustBCD(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = (s[2*i]-'0')<<4 | (s[2*i+1] - '0')
	}
	return b
}

// Load drives the acquirer at addr with authorisations and measures it:
// cfg.Conns terminals, each signed on over its own link, keep cfg.InFlight
// 0100s (pipelined, matched by STAN) in flight until cfg.Duration or
// cfg.Requests is reached; requests in flight then finish. Requests without
// an answer are counted as errors (and reversed by their link, which Load
// waits for, up to the timeout, before it closes).
func Load(ctx context.Context, addr string, cfg LoadConfig) (LoadResult, error) {
	cfg.defaults()
	if len(cfg.Cards) == 0 {
		return LoadResult{}, errors.New("load: no cards")
	}
	var pool []terminal.AuthRequest
	for i, c := range cfg.Cards {
		p, err := LoadPool(c, cfg.Pool, cfg.Amount, time.Now().UTC(), uint64(i)+1)
		if err != nil {
			return LoadResult{}, fmt.Errorf("load: %w", err)
		}
		pool = append(pool, p...)
	}
	// Interleave the cards' entries so that consecutive requests vary.
	if len(cfg.Cards) > 1 {
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	}
	// The deliberate declines: the same requests with the ARQC corrupted.
	bad := make([]terminal.AuthRequest, len(pool))
	for i, r := range pool {
		d := make(emv.TagValues, len(r.Data))
		for k, v := range r.Data {
			d[k] = v
		}
		ac := append([]byte(nil), d[emv.TagCryptogram]...)
		ac[0] ^= 0xFF
		d[emv.TagCryptogram] = ac
		bad[i] = terminal.AuthRequest{Data: d}
	}
	links := make([]*Link, cfg.Conns)
	defer func() {
		for _, l := range links {
			if l != nil {
				l.Close()
			}
		}
	}()
	for i := range links {
		opts := append([]Option{
			WithTerminal(fmt.Sprintf("%s%0*d", cfg.TerminalPrefix, 8-len(cfg.TerminalPrefix), i+1), cfg.MerchantID),
			WithTimeout(cfg.Timeout), WithTranscript(0), WithAuthorizationMTI(iso8583.MTI(100)),
		}, cfg.Link...)
		l, err := Dial(ctx, addr, opts...)
		if err != nil {
			return LoadResult{}, fmt.Errorf("load: connection %d: %w", i+1, err)
		}
		links[i] = l
		if err := l.SignOn(ctx); err != nil {
			return LoadResult{}, fmt.Errorf("load: connection %d: %w", i+1, err)
		}
	}

	var (
		count, errs, issued atomic.Int64
		stop                atomic.Bool
		wg                  sync.WaitGroup
	)
	workers := cfg.Conns * cfg.InFlight
	hists := make([]*latencyHist, workers)
	rcs := make([]map[string]int64, workers)
	start := time.Now()
	var lastDone atomic.Int64
	for w := range workers {
		hists[w], rcs[w] = newLatencyHist(), map[string]int64{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := links[w%cfg.Conns]
			h, rc := hists[w], rcs[w]
			for k := int64(0); ; k++ {
				if stop.Load() || ctx.Err() != nil {
					return
				}
				n := issued.Add(1)
				if cfg.Requests > 0 && n > cfg.Requests {
					return
				}
				if cfg.Rate > 0 {
					// Open loop: worker w sends its k-th request at
					// (k*workers + w) / Rate after the start.
					at := start.Add(time.Duration(float64(k*int64(workers)+int64(w)) / cfg.Rate * float64(time.Second)))
					if d := time.Until(at); d > 0 {
						time.Sleep(d)
					}
				}
				req := pool[int(n-1)%len(pool)]
				if cfg.DeclineEvery > 0 && n%int64(cfg.DeclineEvery) == 0 {
					req = bad[int(n-1)%len(pool)]
				}
				t0 := time.Now()
				resp, err := l.Authorize(ctx, req)
				t1 := time.Now()
				lastDone.Store(int64(t1.Sub(start)))
				if err != nil {
					errs.Add(1)
					continue
				}
				h.add(t1.Sub(t0))
				rc[string(resp.ARC[:])]++
				count.Add(1)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	deadline := time.NewTimer(cfg.Duration)
	defer deadline.Stop()
	var prev int64
	prevAt := start
loop:
	for {
		select {
		case <-done:
			break loop
		case <-deadline.C:
			stop.Store(true)
		case now := <-tick.C:
			if cfg.Progress != nil {
				c := count.Load()
				cfg.Progress(LoadProgress{Elapsed: now.Sub(start), Count: c, Errors: errs.Load(),
					Rate: float64(c-prev) / now.Sub(prevAt).Seconds()})
				prev, prevAt = c, now
			}
		}
	}
	res := LoadResult{Count: count.Load(), Errors: errs.Load(), RC: map[string]int64{}, Elapsed: time.Duration(lastDone.Load())}
	all := newLatencyHist()
	for w := range workers {
		all.merge(hists[w])
		for k, v := range rcs[w] {
			res.RC[k] += v
		}
	}
	if res.Elapsed > 0 {
		res.Rate = float64(res.Count) / res.Elapsed.Seconds()
	}
	res.P50, res.P90, res.P99, res.Max = all.quantile(0.50), all.quantile(0.90), all.quantile(0.99), all.max
	// Let the links deliver the reversals of unanswered requests.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Timeout)
	defer cancel()
	for _, l := range links {
		res.Reversals += len(l.Reversals())
		_ = l.Flush(fctx)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	return res, nil
}

func (c *LoadConfig) defaults() {
	if c.Conns <= 0 {
		c.Conns = DefaultLoadConns
	}
	if c.Duration <= 0 {
		c.Duration = DefaultLoadDuration
	}
	if c.InFlight <= 0 {
		c.InFlight = DefaultLoadInFlight
	}
	if c.Pool <= 0 {
		c.Pool = DefaultLoadPool
	}
	if c.Amount == 0 {
		c.Amount = DefaultLoadAmount
	}
	if c.TerminalPrefix == "" || len(c.TerminalPrefix) > 4 {
		c.TerminalPrefix = "LD"
	}
	if c.MerchantID == "" {
		c.MerchantID = DefaultMerchantID
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
}

// latencyHist counts latencies in buckets of 1 µs below 1 ms, 10 µs below
// 100 ms and 1 ms below 10 s; longer ones share an overflow bucket (Max
// stays exact).
type latencyHist struct {
	b   []uint32
	n   uint64
	max time.Duration
}

const (
	histFine   = 1000 // 0-1 ms by 1 µs
	histMid    = 9900 // 1-100 ms by 10 µs
	histCoarse = 9900 // 100 ms-10 s by 1 ms
	histLen    = histFine + histMid + histCoarse + 1
)

func newLatencyHist() *latencyHist { return &latencyHist{b: make([]uint32, histLen)} }

func histIndex(d time.Duration) int {
	switch {
	case d < 0:
		return 0
	case d < time.Millisecond:
		return int(d / time.Microsecond)
	case d < 100*time.Millisecond:
		return histFine + int((d-time.Millisecond)/(10*time.Microsecond))
	case d < 10*time.Second:
		return histFine + histMid + int((d-100*time.Millisecond)/time.Millisecond)
	}
	return histLen - 1
}

// histUpper is the upper bound of bucket i.
func histUpper(i int) time.Duration {
	switch {
	case i < histFine:
		return time.Duration(i+1) * time.Microsecond
	case i < histFine+histMid:
		return time.Millisecond + time.Duration(i-histFine+1)*10*time.Microsecond
	case i < histLen-1:
		return 100*time.Millisecond + time.Duration(i-histFine-histMid+1)*time.Millisecond
	}
	return 10 * time.Second
}

func (h *latencyHist) add(d time.Duration) {
	h.b[histIndex(d)]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, v := range o.b {
		h.b[i] += v
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the upper bound of the bucket holding the q-quantile,
// never above the maximum seen.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, v := range h.b {
		seen += uint64(v)
		if seen >= rank {
			if u := histUpper(i); i < histLen-1 && u < h.max {
				return u
			}
			return h.max
		}
	}
	return h.max
}
