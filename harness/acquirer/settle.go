package acquirer

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

// Count is a number of transactions and their amount in minor units.
type Count struct {
	Count  int64 `json:"count"`
	Amount int64 `json:"amount"`
}

// Totals are the debits and credits of a batch (ISO 8583:1987, DE 74, 76,
// 86, 88): debits are approved purchases and advices, neither reversed nor
// voided; credits are approved refunds. Pre-authorisations, balance
// inquiries and voids count in neither.
type Totals struct {
	Debits  Count `json:"debits"`
	Credits Count `json:"credits"`
}

// Bill is the totals of a terminal's batch, overall and per scheme.
type Bill struct {
	Terminal  string            `json:"terminal"`
	Batch     int               `json:"batch"` // 0: the open batch
	Totals    Totals            `json:"totals"`
	Schemes   map[string]Totals `json:"schemes"`
	Pending   int               `json:"pending"` // transactions still at the issuer (not in the totals)
	Count     int               `json:"transactions"`
	ClosedAt  string            `json:"closed_at,omitempty"`
	Reconcile string            `json:"reconcile,omitempty"`
}

func (t *Totals) add(x journal.Txn) {
	if x.State != journal.Approved {
		return
	}
	switch x.Kind {
	case journal.Purchase, journal.Advice:
		t.Debits.Count++
		t.Debits.Amount += x.Amount
	case journal.Refund:
		t.Credits.Count++
		t.Credits.Amount += x.Amount
	}
}

func billOf(tid string, batch int, ts []journal.Txn) Bill {
	b := Bill{Terminal: tid, Batch: batch, Schemes: map[string]Totals{}, Count: len(ts)}
	for _, t := range ts {
		if t.State == journal.Pending {
			b.Pending++
			continue
		}
		b.Totals.add(t)
		s := t.Scheme
		if s == "" {
			s = "unknown"
		}
		st := b.Schemes[s]
		st.add(t)
		b.Schemes[s] = st
	}
	return b
}

// schemeText renders per-scheme totals for DE 63 (0510) and DE 48 (0610):
// "visa:D=<n>/<amount>,C=<n>/<amount>;mastercard:...", schemes sorted.
func schemeText(m map[string]Totals) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for i, n := range names {
		t := m[n]
		if i > 0 {
			sb.WriteByte(';')
		}
		fmt.Fprintf(&sb, "%s:D=%d/%d,C=%d/%d", n, t.Debits.Count, t.Debits.Amount, t.Credits.Count, t.Credits.Amount)
	}
	return sb.String()
}

// bill returns the open batch of terminal tid from the journal.
func (a *Acquirer) bill(ctx context.Context, tid string) (Bill, []journal.Txn, error) {
	ts, err := a.j.Find(ctx, journal.Filter{TerminalID: tid, Batch: 0})
	if err != nil {
		return Bill{}, nil, fmt.Errorf("find open batch of %s: %w", tid, err)
	}
	return billOf(tid, 0, ts), ts, nil
}

func setTotals(m *iso8583.Message, t Totals) {
	m.SetString(74, strconv.FormatInt(t.Credits.Count, 10))
	m.SetString(76, strconv.FormatInt(t.Debits.Count, 10))
	m.SetString(86, strconv.FormatInt(t.Credits.Amount, 10))
	m.SetString(88, strconv.FormatInt(t.Debits.Amount, 10))
}

func readCount(m *iso8583.Message, n int) (int64, bool) {
	v, ok := m.GetString(n)
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseInt(v, 10, 64)
	return x, err == nil
}

// settle answers 0500 (batch close; ISO 8583:1987, reconciliation request,
// DE 3 920000). The terminal's totals (DE 74, 76, 86, 88) are compared with
// the acquirer's open batch of that TID: equal, DE 39 00 and every
// transaction of the batch that is no longer at the issuer gets the batch
// number (DE 60); different, DE 39 95 and the batch stays open. The
// acquirer's totals are returned in DE 74, 76, 86, 88 and per scheme in
// DE 63 either way.
func (a *Acquirer) settle(ctx context.Context, req, resp *iso8583.Message) {
	echo(req, resp, []int{3, 7, 11, 41, 42, 49, 60})
	tid := str(req, 41)
	batchNo, err := strconv.Atoi(strings.TrimSpace(str(req, 60)))
	if err != nil || batchNo <= 0 {
		resp.SetString(39, rcFormatError)
		return
	}
	var term Totals
	var ok [4]bool
	term.Credits.Count, ok[0] = readCount(req, 74)
	term.Debits.Count, ok[1] = readCount(req, 76)
	term.Credits.Amount, ok[2] = readCount(req, 86)
	term.Debits.Amount, ok[3] = readCount(req, 88)
	if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
		resp.SetString(39, rcFormatError)
		return
	}
	b, ts, err := a.bill(ctx, tid)
	if err != nil {
		a.log.Error("settlement", "tid", tid, "err", err)
		resp.SetString(39, rcSystemError)
		return
	}
	setTotals(resp, b.Totals)
	resp.SetString(63, schemeText(b.Schemes))
	if term != b.Totals {
		a.log.Warn("settlement out of balance", "tid", tid, "batch", batchNo, "terminal", fmt.Sprint(term), "acquirer", fmt.Sprint(b.Totals))
		resp.SetString(39, rcReconcileError)
		return
	}
	for _, t := range ts {
		if t.State == journal.Pending {
			continue
		}
		if err := a.closeTxn(ctx, t, batchNo); err != nil {
			a.log.Error("settlement: close transaction", "rrn", t.RRN, "err", err)
			resp.SetString(39, rcSystemError)
			return
		}
	}
	a.log.Info("batch closed", "tid", tid, "batch", batchNo, "debits", b.Totals.Debits.Count, "credits", b.Totals.Credits.Count)
	resp.SetString(39, rcApproved)
}

// closeTxn sets a transaction's batch, through its index entry when it has
// one so that later updates keep it.
func (a *Acquirer) closeTxn(ctx context.Context, t journal.Txn, batch int) error {
	if e := a.idx.byRRN(t.RRN); e != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.txn.Batch = batch
		return a.j.Put(ctx, e.txn)
	}
	t.Batch = batch
	return a.j.Put(ctx, t)
}

// Processing codes of 0600 (paylab acquirer convention).
const (
	procTxnQuery  = "960000"
	procBillQuery = "970000"
)

// query answers 0600 administrative requests: a transaction query (DE 3
// 960000) by DE 37 RRN, else by the STAN in DE 48 "stan=NNNNNN", else by
// DE 11, of this TID; and a bill query (DE 3 970000) of the TID's open
// batch. See the package documentation for DE 48 of the 0610.
func (a *Acquirer) query(ctx context.Context, req, resp *iso8583.Message) {
	echo(req, resp, []int{3, 7, 11, 37, 41, 42})
	tid := str(req, 41)
	switch str(req, 3) {
	case procTxnQuery:
		t, ok := a.findForQuery(ctx, req, tid)
		if !ok {
			resp.SetString(39, rcNotFound)
			return
		}
		resp.SetString(37, t.RRN)
		resp.SetString(48, txnText(t))
		resp.SetString(39, rcApproved)
	case procBillQuery:
		b, _, err := a.bill(ctx, tid)
		if err != nil {
			a.log.Error("bill query", "tid", tid, "err", err)
			resp.SetString(39, rcSystemError)
			return
		}
		setTotals(resp, b.Totals)
		resp.SetString(48, schemeText(b.Schemes))
		resp.SetString(39, rcApproved)
	default:
		resp.SetString(39, rcInvalidTxn)
	}
}

func (a *Acquirer) findForQuery(ctx context.Context, req *iso8583.Message, tid string) (journal.Txn, bool) {
	if rrn, ok := req.GetString(37); ok {
		t, err := a.j.Get(ctx, rrn)
		if err != nil || t.TerminalID != tid {
			return journal.Txn{}, false
		}
		return t, true
	}
	stan := str(req, 11)
	if v, ok := req.GetString(48); ok {
		for _, kv := range strings.Split(v, ";") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(kv), "stan="); ok {
				stan = s
			}
		}
	}
	ts, err := a.j.Find(ctx, journal.Filter{TerminalID: tid, STAN: stan, Batch: -1})
	if err != nil || len(ts) == 0 {
		return journal.Txn{}, false
	}
	return ts[len(ts)-1], true
}

// txnText renders a transaction for DE 48 of a 0610.
func txnText(t journal.Txn) string {
	s := "state=" + string(t.State) + ";rc=" + t.RC + ";amount=" + strconv.FormatInt(t.Amount, 10) +
		";kind=" + string(t.Kind) + ";rrn=" + t.RRN + ";stan=" + t.STAN
	if t.AuthCode != "" {
		s += ";auth=" + t.AuthCode
	}
	if t.OrigRRN != "" {
		s += ";orig=" + t.OrigRRN
	}
	if t.Reversal != journal.NoReversal {
		s += ";reversal=" + string(t.Reversal)
	}
	return s
}
