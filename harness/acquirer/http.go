package acquirer

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
)

// TxnView is a transaction as the back-office API shows it. PAN is the
// masked PAN (first six, last four): the journal holds no other.
type TxnView struct {
	RRN        string    `json:"rrn"`
	TerminalID string    `json:"terminal"`
	MerchantID string    `json:"merchant,omitempty"`
	STAN       string    `json:"stan"`
	IssuerSTAN string    `json:"issuer_stan,omitempty"` // DE 11 as forwarded to the issuer
	Sent       string    `json:"sent"`
	MTI        string    `json:"mti"`
	Kind       string    `json:"kind"`
	ProcCode   string    `json:"processing_code"`
	PAN        string    `json:"pan"`
	Scheme     string    `json:"scheme,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	RC         string    `json:"rc"`
	AuthCode   string    `json:"auth_code,omitempty"`
	State      string    `json:"state"`
	Reversal   string    `json:"reversal,omitempty"`
	OrigRRN    string    `json:"orig_rrn,omitempty"`
	Batch      int       `json:"batch"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

func viewOf(t journal.Txn) TxnView {
	return TxnView{
		RRN: t.RRN, TerminalID: t.TerminalID, MerchantID: t.MerchantID, STAN: t.STAN, IssuerSTAN: t.IssuerSTAN, Sent: t.Sent,
		MTI: t.MTI, Kind: string(t.Kind), ProcCode: t.ProcCode, PAN: maskedOnly(t.PANMasked),
		Scheme: t.Scheme, Issuer: t.Issuer, Amount: t.Amount, Currency: t.Currency, RC: t.RC,
		AuthCode: t.AuthCode, State: string(t.State), Reversal: string(t.Reversal), OrigRRN: t.OrigRRN,
		Batch: t.Batch, Created: t.Created, Updated: t.Updated,
	}
}

// maskedOnly re-masks a journalled PAN that a foreign writer left with more
// than the first six and last four digits visible.
func maskedOnly(p string) string {
	digits := 0
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			digits++
		}
	}
	if digits > 10 {
		return emv.MaskPAN(p)
	}
	return p
}

// Handler returns the back-office HTTP JSON API:
//
//	GET /v1/transactions?terminal=&stan=&state=&batch=&limit=   transactions, oldest first
//	GET /v1/transactions/{rrn}                                  one transaction (404 when unknown)
//	GET /v1/bills/{terminal}                                    the terminal's open batch totals (Bill)
//	GET /v1/settlements?terminal=                               closed batches with their totals
//	GET /v1/health                                              journal mode and issuer links
//
// batch is "any" (the default), "open" or a batch number; state may be
// repeated; limit 0 is no limit. Errors are {"error": "..."} with status 400, 404 or 500.
func (a *Acquirer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/transactions", a.httpTransactions)
	mux.HandleFunc("GET /v1/transactions/{rrn}", a.httpTransaction)
	mux.HandleFunc("GET /v1/bills/{terminal}", a.httpBill)
	mux.HandleFunc("GET /v1/settlements", a.httpSettlements)
	mux.HandleFunc("GET /v1/health", a.httpHealth)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func httpError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (a *Acquirer) httpTransactions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := journal.Filter{TerminalID: q.Get("terminal"), STAN: q.Get("stan"), Batch: -1}
	for _, s := range q["state"] {
		f.States = append(f.States, journal.State(s))
	}
	switch b := q.Get("batch"); b {
	case "", "any":
	case "open":
		f.Batch = 0
	default:
		n, err := strconv.Atoi(b)
		if err != nil || n < 0 {
			httpError(w, http.StatusBadRequest, "batch: want open, any or a number")
			return
		}
		f.Batch = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			httpError(w, http.StatusBadRequest, "limit: want a number")
			return
		}
		f.Limit = n
	}
	ts, err := a.j.Find(r.Context(), f)
	if err != nil {
		a.log.Error("http find", "err", err)
		httpError(w, http.StatusInternalServerError, "journal unavailable")
		return
	}
	out := make([]TxnView, 0, len(ts))
	for _, t := range ts {
		out = append(out, viewOf(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Acquirer) httpTransaction(w http.ResponseWriter, r *http.Request) {
	t, err := a.j.Get(r.Context(), r.PathValue("rrn"))
	switch {
	case errors.Is(err, journal.ErrNotFound):
		httpError(w, http.StatusNotFound, "no such transaction")
	case err != nil:
		a.log.Error("http get", "err", err)
		httpError(w, http.StatusInternalServerError, "journal unavailable")
	default:
		writeJSON(w, http.StatusOK, viewOf(t))
	}
}

func (a *Acquirer) httpBill(w http.ResponseWriter, r *http.Request) {
	b, _, err := a.bill(r.Context(), r.PathValue("terminal"))
	if err != nil {
		a.log.Error("http bill", "err", err)
		httpError(w, http.StatusInternalServerError, "journal unavailable")
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (a *Acquirer) httpSettlements(w http.ResponseWriter, r *http.Request) {
	tid := r.URL.Query().Get("terminal")
	ts, err := a.j.Find(r.Context(), journal.Filter{TerminalID: tid, Batch: -1})
	if err != nil {
		a.log.Error("http settlements", "err", err)
		httpError(w, http.StatusInternalServerError, "journal unavailable")
		return
	}
	type key struct {
		tid   string
		batch int
	}
	groups := map[key][]journal.Txn{}
	for _, t := range ts {
		if t.Batch > 0 {
			k := key{t.TerminalID, t.Batch}
			groups[k] = append(groups[k], t)
		}
	}
	out := make([]Bill, 0, len(groups))
	for k, g := range groups {
		b := billOf(k.tid, k.batch, g)
		var last time.Time
		for _, t := range g {
			if t.Updated.After(last) {
				last = t.Updated
			}
		}
		b.ClosedAt = last.UTC().Format(time.RFC3339)
		b.Reconcile = rcApproved
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Terminal != out[j].Terminal {
			return out[i].Terminal < out[j].Terminal
		}
		return out[i].Batch < out[j].Batch
	})
	writeJSON(w, http.StatusOK, out)
}

func (a *Acquirer) httpHealth(w http.ResponseWriter, r *http.Request) {
	links := map[string]int{}
	for name, l := range a.links {
		l.mu.Lock()
		links[name] = len(l.conns)
		l.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]any{"journal": a.j.Mode(), "issuer_connections": links})
}
