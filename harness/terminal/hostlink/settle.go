package hostlink

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/paylab/paylab/harness/iso8583"
)

// Totals are a batch's reconciliation totals (ISO 8583:1987 DE 74, 76, 86,
// 88): debits are purchases and advices approved and not reversed or
// voided, credits are approved refunds (host contract, 0500).
type Totals struct {
	Credits      int
	Debits       int
	CreditAmount uint64
	DebitAmount  uint64
}

// Totals returns the open batch's totals from the terminal's journal.
func (p *POS) Totals() Totals {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.totalsLocked()
}

func (p *POS) totalsLocked() Totals {
	var t Totals
	for _, e := range p.journal {
		if e.Batch != 0 || e.State != StateApproved {
			continue
		}
		switch e.Kind {
		case KindPurchase, KindAdvice:
			t.Debits++
			t.DebitAmount += e.Amount
		case KindRefund:
			t.Credits++
			t.CreditAmount += e.Amount
		}
	}
	return t
}

// Settlement is the host's answer to the batch close.
type Settlement struct {
	Batch     int
	RC        string // DE 39: 00 in balance (batch closed), 95 reconciliation error
	InBalance bool
	Terminal  Totals // what the terminal sent
	// Host is the acquirer's totals, when the 0510 carries them (on 95).
	Host    Totals
	HasHost bool
	// Schemes is DE 63 of the 0510, the acquirer's totals per scheme.
	Schemes map[string]Totals
	// Advices is how many 0220 advices were uploaded before the 0500.
	Advices int
}

// UploadAdvices sends the stored 0220 advices of the open batch (0221 when
// repeated) until each is answered by an 0230 (store-and-forward, host
// contract). It returns how many it uploaded.
func (p *POS) UploadAdvices(ctx context.Context) (int, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	return p.uploadAdvices(ctx)
}

func (p *POS) uploadAdvices(ctx context.Context) (int, error) {
	p.mu.Lock()
	var todo []*JournalEntry
	for _, e := range p.journal {
		if e.Kind == KindAdvice && !e.Uploaded && e.Batch == 0 {
			todo = append(todo, e)
		}
	}
	p.mu.Unlock()
	n := 0
	for _, e := range todo {
		p.mu.Lock()
		m := e.advice
		repeat := e.MTI == "0221"
		p.mu.Unlock()
		if repeat {
			m.MTI = 221
		}
		resp, err := p.link.roundTrip(ctx, m, "upload advice")
		if err != nil {
			p.mu.Lock()
			e.MTI = "0221" // the next attempt is a repeat
			p.mu.Unlock()
			return n, err
		}
		rrn, _ := resp.GetString(37)
		rc, _ := resp.GetString(39)
		if rc != "00" {
			return n, fmt.Errorf("upload advice STAN %s: host answered DE 39 %q", e.STAN, rc)
		}
		p.mu.Lock()
		e.Uploaded, e.RRN = true, rrn
		p.mu.Unlock()
		n++
	}
	return n, nil
}

// Settle closes the batch: it waits for the queued reversals to be
// acknowledged, uploads the stored advices, then sends an 0500 (DE 3
// 920000, DE 60 batch number, DE 74/76/86/88 the terminal's own totals)
// and reads the 0510: DE 39 00 means the totals agree and the batch is
// closed (the next one opens); 95 means they do not, and the acquirer's
// totals (DE 74/76/86/88, DE 63 per scheme) come back in the Settlement —
// the batch then stays open.
func (p *POS) Settle(ctx context.Context) (Settlement, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	if err := p.link.Flush(ctx); err != nil {
		return Settlement{}, fmt.Errorf("settle: %w", err)
	}
	n, err := p.uploadAdvices(ctx)
	if err != nil {
		return Settlement{Advices: n}, fmt.Errorf("settle: %w", err)
	}
	p.mu.Lock()
	tot := p.totalsLocked()
	batch := p.batch
	p.mu.Unlock()
	l := p.link
	m := iso8583.NewMessage(l.cfg.dialect, 500)
	errs := []error{
		m.SetString(3, ProcSettle), l.stamp(m, l.cfg.clock()), m.SetString(49, l.cfg.currency),
		m.SetString(60, fmt.Sprintf("%06d", batch)),
		m.SetString(74, fmt.Sprintf("%010d", tot.Credits)), m.SetString(76, fmt.Sprintf("%010d", tot.Debits)),
		m.SetString(86, fmt.Sprintf("%016d", tot.CreditAmount)), m.SetString(88, fmt.Sprintf("%016d", tot.DebitAmount)),
	}
	if err := errors.Join(errs...); err != nil {
		return Settlement{}, fmt.Errorf("settle: build 0500: %w", err)
	}
	resp, err := l.roundTrip(ctx, m, "settle")
	if err != nil {
		return Settlement{Batch: batch, Terminal: tot, Advices: n}, err
	}
	s := Settlement{Batch: batch, Terminal: tot, Advices: n}
	s.RC, _ = resp.GetString(39)
	s.InBalance = s.RC == "00"
	if h, ok, err := totalsOf(resp); err != nil {
		return s, fmt.Errorf("settle: 0510: %w", err)
	} else if ok {
		s.Host, s.HasHost = h, true
	}
	if v, ok := resp.GetString(63); ok {
		if s.Schemes, err = ParseSchemeTotals(v); err != nil {
			return s, fmt.Errorf("settle: 0510: %w", err)
		}
	}
	if s.InBalance {
		p.mu.Lock()
		for _, e := range p.journal {
			if e.Batch == 0 {
				e.Batch = batch
			}
		}
		p.batch++
		p.mu.Unlock()
	}
	return s, nil
}

// totalsOf reads DE 74, 76, 86 and 88 when all four are present.
func totalsOf(m *iso8583.Message) (Totals, bool, error) {
	var v [4]uint64
	for i, n := range []int{74, 76, 86, 88} {
		s, ok := m.GetString(n)
		if !ok {
			return Totals{}, false, nil
		}
		x, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return Totals{}, false, fmt.Errorf("DE %d: %w", n, err)
		}
		v[i] = x
	}
	return Totals{Credits: int(v[0]), Debits: int(v[1]), CreditAmount: v[2], DebitAmount: v[3]}, true, nil
}

// ParseSchemeTotals reads DE 63 of an 0510 (host contract):
// "visa:D=<n>/<amount>,C=<n>/<amount>;mastercard:D=...". Scheme names are
// lower case letters, digits and '-'; a scheme may give D, C or both.
func ParseSchemeTotals(s string) (map[string]Totals, error) {
	out := map[string]Totals{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ";") {
		name, rest, ok := strings.Cut(part, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("parse scheme totals: %q: want scheme:D=n/amount,C=n/amount", clip(part))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("parse scheme totals: scheme %q twice", clip(name))
		}
		var t Totals
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			cnt, amt, ok2 := strings.Cut(v, "/")
			if !ok || !ok2 || (k != "D" && k != "C") {
				return nil, fmt.Errorf("parse scheme totals: %s: %q: want D=n/amount or C=n/amount", clip(name), clip(kv))
			}
			c, err1 := strconv.ParseUint(cnt, 10, 31)
			a, err2 := strconv.ParseUint(amt, 10, 64)
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("parse scheme totals: %s: %w", clip(name), err)
			}
			if k == "D" {
				t.Debits, t.DebitAmount = int(c), a
			} else {
				t.Credits, t.CreditAmount = int(c), a
			}
		}
		out[name] = t
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// SchemeNames returns the schemes of a per-scheme map, sorted.
func SchemeNames(m map[string]Totals) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
