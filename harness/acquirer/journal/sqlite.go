package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"; this package is its only importer
)

const table = "txns"

// Option configures a SQL store (OpenSQLite, OpenPostgres).
type Option func(*options)

type options struct {
	maxBatch int
	writers  int
	schema   string
}

func defaults() options { return options{maxBatch: 1024, writers: 0} }

// WithMaxBatch caps the transactions one commit carries (default 1024).
func WithMaxBatch(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBatch = n
		}
	}
}

// WithWriters sets how many commits PostgreSQL may have in flight at once,
// each on its own connection (default 4). SQLite has one writer.
func WithWriters(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.writers = n
		}
	}
}

// WithSchema makes a PostgreSQL store keep its table in schema name,
// created when missing (default: the role's search_path, normally
// "public"). Tests give each run its own and DropSchema it afterwards.
// SQLite ignores it.
func WithSchema(name string) Option { return func(o *options) { o.schema = name } }

// insertRows is the most rows one INSERT appends.
const insertRows = 32

// SQLite is the default Journal, for one acquirer node: a single file in
// write-ahead-log mode with synchronous=FULL, so that a committed
// transaction survives a power cut, not only a crash.
//
// The file is an append-only log: every Put appends the transaction's new
// version to table events (seq, rrn, txn as JSON). In memory the journal
// keeps, per transaction, only the seq of its newest version and the
// fields a Filter selects on, without pointers (see latest), rebuilt from
// the log when the file is opened; Get and Find read the versions by seq
// (the table's primary key). Appending to one B-tree without secondary
// indexes is what lets one SQLite writer keep up with two durable Puts
// per authorisation at 10,000 authorisations a second (an upsert into an
// indexed table managed less than half that on the lab machine); the
// node's filtering is in memory anyway. Concurrent Puts are group-committed:
// one fsync for everything that queued while the previous commit was on
// its way to the disk.
//
// The file is opened in exclusive locking mode: one acquirer node owns it
// (several nodes share PostgreSQL instead). For a look inside with the
// sqlite3 shell once the node is stopped, view txns holds each
// transaction's latest version.
type SQLite struct {
	db   *sql.DB
	c    *committer
	lat  *latest
	next int64 // the seq the next appended row gets; the writer's alone
	path string
}

// OpenSQLite opens (creating when missing) the journal in the file at path
// and reads its log.
func OpenSQLite(path string, opts ...Option) (*SQLite, error) {
	o := defaults()
	for _, opt := range opts {
		opt(&o)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	// One connection: SQLite has one writer, exclusive locking admits no
	// other reader, and the connection keeps its prepared statement.
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db, lat: newLatest(), path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	// A batch is appended by one INSERT of up to insertRows rows: one
	// statement step for many rows instead of one each.
	var ins [insertRows + 1]*sql.Stmt
	for n := 1; n <= insertRows; n++ {
		q := "INSERT INTO events (seq, rrn, txn) VALUES (?, ?, ?)" + strings.Repeat(", (?, ?, ?)", n-1)
		if ins[n], err = db.Prepare(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
		}
	}
	args := make([]any, 0, 3*insertRows)
	s.c = newCommitter(func(ctx context.Context, rows []putReq) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		// The writer numbers the rows itself, so that it knows where each
		// version is without reading it back.
		first := s.next
		seq := first
		for rest := rows; len(rest) > 0; {
			chunk := rest[:min(len(rest), insertRows)]
			rest = rest[len(chunk):]
			args = args[:0]
			for _, r := range chunk {
				args = append(args, seq, r.t.RRN, r.enc)
				seq++
			}
			if _, err := tx.StmtContext(ctx, ins[len(chunk)]).ExecContext(ctx, args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("append %d transactions: %w", len(chunk), err)
			}
		}
		if err := tx.Commit(); err != nil {
			// Whether the rows reached the file is not for the error to
			// say: the log's end does, or every later batch would collide.
			s.resync()
			return err
		}
		s.next = seq
		// Only what is on the disk becomes visible.
		for i, r := range rows {
			s.lat.put(first+int64(i), r.t)
		}
		return nil
	}, o.maxBatch, 1)
	return s, nil
}

// resync sets next from the log after a commit failed.
func (s *SQLite) resync() {
	var next int64
	if err := s.db.QueryRow("SELECT coalesce(max(seq), 0) + 1 FROM events").Scan(&next); err == nil {
		s.next = next
	}
}

// init creates the log when missing, checks that the WAL is in use, and
// replays the log into memory.
func (s *SQLite) init() error {
	for _, ddl := range []string{
		`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, rrn TEXT NOT NULL, txn TEXT NOT NULL)`,
		`CREATE VIEW IF NOT EXISTS ` + table + ` AS SELECT rrn,
			txn ->> '$.TerminalID' AS terminal_id, txn ->> '$.STAN' AS stan, txn ->> '$.MTI' AS mti,
			txn ->> '$.Kind' AS kind, txn ->> '$.PANMasked' AS pan_masked, txn ->> '$.Scheme' AS scheme,
			txn ->> '$.Amount' AS amount, txn ->> '$.Currency' AS currency, txn ->> '$.RC' AS rc,
			txn ->> '$.State' AS state, txn ->> '$.Reversal' AS reversal, txn ->> '$.OrigRRN' AS orig_rrn,
			txn ->> '$.Batch' AS batch, txn ->> '$.Created' AS created, txn
			FROM (SELECT rrn, txn, row_number() OVER (PARTITION BY rrn ORDER BY seq DESC) AS v FROM events)
			WHERE v = 1`,
	} {
		if _, err := s.db.Exec(ddl); err != nil {
			return fmt.Errorf("create log: %w", err)
		}
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	rows, err := s.db.Query("SELECT seq, txn FROM events ORDER BY seq")
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	defer rows.Close()
	s.next = 1
	for rows.Next() {
		var seq int64
		var b []byte
		if err := rows.Scan(&seq, &b); err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		var t Txn
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("read log: event %d: %w", seq, err)
		}
		s.lat.put(seq, t)
		s.next = seq + 1
	}
	return rows.Err()
}

// Put implements Journal: it returns once the transaction is committed.
func (s *SQLite) Put(ctx context.Context, t Txn) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("journal: put %s: %w", t.RRN, err)
	}
	return s.c.put(ctx, t, b)
}

// Get implements Journal.
func (s *SQLite) Get(ctx context.Context, rrn string) (Txn, error) {
	if s.c.isClosed() {
		return Txn{}, ErrClosed
	}
	seq, ok := s.lat.seq(rrn)
	if !ok {
		return Txn{}, ErrNotFound
	}
	ts, err := s.read(ctx, []int64{seq})
	if err != nil {
		return Txn{}, fmt.Errorf("journal: get %s: %w", rrn, err)
	}
	return ts[0], nil
}

// Find implements Journal.
func (s *SQLite) Find(ctx context.Context, f Filter) ([]Txn, error) {
	if s.c.isClosed() {
		return nil, ErrClosed
	}
	seqs, exact := s.lat.find(f)
	ts, err := s.read(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("journal: find: %w", err)
	}
	if !exact {
		// A rec could not tell (a value too long for it): the Txns decide.
		ts = limitSlice(slices.DeleteFunc(ts, func(t Txn) bool { return !f.Match(t) }), f)
	}
	return ts, nil
}

// readChunk is the most rows one SELECT of read names.
const readChunk = 256

// read returns the versions with seqs, in that order (one query per
// readChunk of them).
func (s *SQLite) read(ctx context.Context, seqs []int64) ([]Txn, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	out := make([]Txn, len(seqs))
	at := make(map[int64]int, min(len(seqs), readChunk))
	args := make([]any, 0, readChunk)
	for start := 0; start < len(seqs); start += readChunk {
		chunk := seqs[start:min(len(seqs), start+readChunk)]
		clear(at)
		args = args[:0]
		for i, q := range chunk {
			at[q] = start + i
			args = append(args, q)
		}
		q := "SELECT seq, txn FROM events WHERE seq IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		n := 0
		for rows.Next() {
			var seq int64
			var b []byte
			if err := rows.Scan(&seq, &b); err != nil {
				rows.Close()
				return nil, err
			}
			if err := json.Unmarshal(b, &out[at[seq]]); err != nil {
				rows.Close()
				return nil, fmt.Errorf("event %d: %w", seq, err)
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		if n != len(chunk) {
			return nil, fmt.Errorf("%d of %d events missing from the log", len(chunk)-n, len(chunk))
		}
	}
	return out, nil
}

// MayHave reports, from memory, whether the journal may hold a
// transaction of terminalID with stan: false is certain. The acquirer asks
// before it treats a request its index does not know as new, so that a
// duplicate of a transaction the index has forgotten is still one.
func (s *SQLite) MayHave(terminalID, stan string) bool { return s.lat.mayHave(terminalID, stan) }

// Mode implements Journal: "sqlite-wal" (WAL, synchronous=FULL: durable).
func (s *SQLite) Mode() string { return "sqlite-wal" }

// Path is the journal's file.
func (s *SQLite) Path() string { return s.path }

// Close commits what is queued and closes the file.
func (s *SQLite) Close() error {
	if s.c.isClosed() {
		return nil
	}
	s.c.close()
	return s.db.Close()
}
