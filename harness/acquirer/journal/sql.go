package journal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The PostgreSQL store's table layout, column order and translation of
// Filter into SQL (SQLite keeps an append-only log instead: sqlite.go), and
// the group commit both SQL stores use.

// columns in the order of txnArgs and scanTxn.
var columns = []string{
	"rrn", "terminal_id", "merchant_id", "stan", "sent", "mti", "kind", "proc_code",
	"pan_masked", "scheme", "issuer", "amount", "currency", "rc", "auth_code",
	"state", "reversal", "orig_rrn", "batch", "created", "updated", "issuer_stan", "issuer_auth",
}

// txnArgs flattens t in column order; times are Unix nanoseconds (UTC), so
// both stores sort and compare them the same way.
func txnArgs(t Txn) []any {
	return []any{
		t.RRN, t.TerminalID, t.MerchantID, t.STAN, t.Sent, t.MTI, string(t.Kind), t.ProcCode,
		t.PANMasked, t.Scheme, t.Issuer, t.Amount, t.Currency, t.RC, t.AuthCode,
		string(t.State), string(t.Reversal), t.OrigRRN, int64(t.Batch), nanos(t.Created), nanos(t.Updated),
		t.IssuerSTAN, t.IssuerAuth,
	}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// rowScanner is what *sql.Row, *sql.Rows and pgx.Rows have in common.
type rowScanner interface{ Scan(dest ...any) error }

func scanTxn(r rowScanner) (Txn, error) {
	var t Txn
	var kind, state, rev string
	var batch, created, updated int64
	err := r.Scan(&t.RRN, &t.TerminalID, &t.MerchantID, &t.STAN, &t.Sent, &t.MTI, &kind, &t.ProcCode,
		&t.PANMasked, &t.Scheme, &t.Issuer, &t.Amount, &t.Currency, &t.RC, &t.AuthCode,
		&state, &rev, &t.OrigRRN, &batch, &created, &updated, &t.IssuerSTAN, &t.IssuerAuth)
	if err != nil {
		return Txn{}, err
	}
	t.Kind, t.State, t.Reversal = Kind(kind), State(state), ReversalState(rev)
	t.Batch = int(batch)
	t.Created, t.Updated = fromNanos(created), fromNanos(updated)
	return t, nil
}

// createTable is the DDL both stores run (types both understand).
func createTable(table, idx string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + table + ` (
			rrn TEXT PRIMARY KEY,
			terminal_id TEXT NOT NULL, merchant_id TEXT NOT NULL, stan TEXT NOT NULL,
			sent TEXT NOT NULL, mti TEXT NOT NULL, kind TEXT NOT NULL, proc_code TEXT NOT NULL,
			pan_masked TEXT NOT NULL, scheme TEXT NOT NULL, issuer TEXT NOT NULL,
			amount BIGINT NOT NULL, currency TEXT NOT NULL, rc TEXT NOT NULL, auth_code TEXT NOT NULL,
			state TEXT NOT NULL, reversal TEXT NOT NULL, orig_rrn TEXT NOT NULL,
			batch BIGINT NOT NULL, created BIGINT NOT NULL, updated BIGINT NOT NULL,
			issuer_stan TEXT NOT NULL DEFAULT '', issuer_auth TEXT NOT NULL DEFAULT '')`,
		// Tables made before the columns existed.
		`ALTER TABLE ` + table + ` ADD COLUMN IF NOT EXISTS issuer_stan TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE ` + table + ` ADD COLUMN IF NOT EXISTS issuer_auth TEXT NOT NULL DEFAULT ''`,
		// Settlement, bills and duplicate checks select by terminal.
		`CREATE INDEX IF NOT EXISTS ` + idx + `_terminal ON ` + table + ` (terminal_id, batch, created)`,
		`CREATE INDEX IF NOT EXISTS ` + idx + `_created ON ` + table + ` (created)`,
		// Recovery looks for the few pending transactions and owed
		// reversals; partial indexes keep that cheap without taxing every
		// settled row.
		`CREATE INDEX IF NOT EXISTS ` + idx + `_pending ON ` + table + ` (created) WHERE state = 'pending'`,
		`CREATE INDEX IF NOT EXISTS ` + idx + `_owed ON ` + table + ` (created) WHERE reversal = 'owed'`,
	}
}

// upsertSQL inserts or replaces a row by RRN, keeping its place in the
// insertion order. ph numbers placeholders from 1.
func upsertSQL(table string, ph func(int) string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES (")
	for i := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ph(i + 1))
	}
	b.WriteString(") ON CONFLICT (rrn) DO UPDATE SET ")
	for i, c := range columns[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

func selectSQL(table string) string {
	return "SELECT " + strings.Join(columns, ", ") + " FROM " + table
}

// findSQL translates f into a query with the same meaning as Filter.Match,
// in Created order (ties in insertion order: seq is rowid or a serial).
func findSQL(table, seq string, f Filter, ph func(int) string) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", ph(len(args)), 1))
	}
	if f.TerminalID != "" {
		add("terminal_id = ?", f.TerminalID)
	}
	if f.STAN != "" {
		add("stan = ?", f.STAN)
	}
	if len(f.States) > 0 {
		var or []string
		for _, s := range f.States {
			args = append(args, string(s))
			or = append(or, "state = "+ph(len(args)))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if f.Reversal != "" {
		add("reversal = ?", string(f.Reversal))
	}
	if f.Batch >= 0 {
		add("batch = ?", int64(f.Batch))
	}
	if !f.Since.IsZero() {
		add("created >= ?", f.Since.UnixNano())
	}
	q := selectSQL(table)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	switch {
	case f.Limit > 0 && f.Newest:
		q = "SELECT " + strings.Join(columns, ", ") + " FROM (" + q + " ORDER BY created DESC, " + seq + " DESC LIMIT " +
			strconv.Itoa(f.Limit) + ") AS newest ORDER BY created, " + seq
	case f.Limit > 0:
		q += " ORDER BY created, " + seq + " LIMIT " + strconv.Itoa(f.Limit)
	default:
		q += " ORDER BY created, " + seq
	}
	return q, args
}

// group commit: Put hands its row to a writer, which gathers every row
// waiting, writes them in one transaction and answers each Put once the
// transaction is committed — one fsync for many transactions.

type putReq struct {
	t    Txn
	enc  []byte // the row as the store encodes it, made by the caller (off the writer's path)
	done chan error
}

// newDone returns a buffered answer channel (the writer never blocks on a
// caller that gave up).
func newDone() chan error { return make(chan error, 1) }

// ErrClosed is returned by a store's methods after Close.
var ErrClosed = errors.New("journal: closed")

// writeBatch is how a store commits rows in one transaction.
type writeBatch func(ctx context.Context, rows []putReq) error

// committer runs the group commit loops of a store's writers.
type committer struct {
	mu       sync.RWMutex // held for reading while a Put queues; Close takes it to close reqs
	closed   bool
	reqs     chan putReq
	maxBatch int
	write    writeBatch
	stopped  chan struct{}
}

func newCommitter(write writeBatch, maxBatch, writers int) *committer {
	c := &committer{reqs: make(chan putReq, maxBatch*writers), maxBatch: maxBatch, write: write, stopped: make(chan struct{})}
	done := make(chan struct{}, writers)
	for range writers {
		go func() { c.loop(); done <- struct{}{} }()
	}
	go func() {
		for range writers {
			<-done
		}
		close(c.stopped)
	}()
	return c
}

func (c *committer) loop() {
	batch := make([]putReq, 0, c.maxBatch)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < c.maxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		// Two puts of one RRN in a batch: the later wins, as it would
		// one after the other; the batch is applied in order.
		err := c.write(context.Background(), batch)
		if err != nil {
			err = fmt.Errorf("journal: commit %d transactions: %w", len(batch), err)
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// put queues t and waits for its commit or ctx. A Put whose ctx ends may
// still be committed: the journal never half-writes a row.
func (c *committer) put(ctx context.Context, t Txn, enc []byte) error {
	done := newDone()
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	select {
	case c.reqs <- putReq{t: t, enc: enc, done: done}:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return fmt.Errorf("journal: put %s: %w", t.RRN, ctx.Err())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("journal: put %s: %w", t.RRN, ctx.Err())
	}
}

// close stops accepting rows, lets the writers commit what is queued and
// waits for them.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) isClosed() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.closed
}
