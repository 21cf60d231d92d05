package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

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

// WithWriters sets how many commits may be in flight at once: SQLite has one
// writer whatever this says; PostgreSQL defaults to 4, each commit on its
// own connection.
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

// SQLite is the default Journal: one file, write-ahead log, and
// synchronous=FULL so that a committed transaction survives a power cut
// (SQLite's WAL at NORMAL may lose the last commits). Concurrent Puts are
// group-committed: one fsync for everything that queued while the previous
// commit was on its way to the disk.
type SQLite struct {
	w, r    *sql.DB
	c       *committer
	get     *sql.Stmt
	path    string
	closeFn func() error
}

// OpenSQLite opens (creating when missing) the journal in the file at path.
func OpenSQLite(path string, opts ...Option) (*SQLite, error) {
	o := defaults()
	for _, opt := range opts {
		opt(&o)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(OFF)")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	// One writer connection: SQLite serialises writers anyway, and a single
	// connection keeps its prepared upsert.
	w.SetMaxOpenConns(1)
	for _, ddl := range createTable(table, table) {
		if _, err := w.Exec(ddl); err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite journal %s: create table: %w", path, err)
		}
	}
	var mode string
	if err := w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		w.Close()
		return nil, fmt.Errorf("open sqlite journal %s: journal_mode is %q, want wal: %v", path, mode, err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &SQLite{w: w, r: r, path: path}
	if s.get, err = r.Prepare(selectSQL(table) + " WHERE rrn = ?"); err != nil {
		s.w.Close()
		s.r.Close()
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	ins, err := w.Prepare(upsertSQL(table, func(int) string { return "?" }))
	if err != nil {
		s.w.Close()
		s.r.Close()
		return nil, fmt.Errorf("open sqlite journal %s: %w", path, err)
	}
	s.c = newCommitter(func(ctx context.Context, rows []Txn) error {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st := tx.StmtContext(ctx, ins)
		for _, t := range rows {
			if _, err := st.ExecContext(ctx, txnArgs(t)...); err != nil {
				tx.Rollback()
				return fmt.Errorf("rrn %s: %w", t.RRN, err)
			}
		}
		return tx.Commit()
	}, o.maxBatch, 1)
	s.closeFn = func() error {
		s.c.close()
		return errors.Join(ins.Close(), s.get.Close(), s.r.Close(), s.w.Close())
	}
	return s, nil
}

// Put implements Journal: it returns once the transaction is committed.
func (s *SQLite) Put(ctx context.Context, t Txn) error { return s.c.put(ctx, t) }

// Get implements Journal.
func (s *SQLite) Get(ctx context.Context, rrn string) (Txn, error) {
	if s.c.isClosed() {
		return Txn{}, ErrClosed
	}
	t, err := scanTxn(s.get.QueryRowContext(ctx, rrn))
	if errors.Is(err, sql.ErrNoRows) {
		return Txn{}, ErrNotFound
	}
	if err != nil {
		return Txn{}, fmt.Errorf("journal: get %s: %w", rrn, err)
	}
	return t, nil
}

// Find implements Journal.
func (s *SQLite) Find(ctx context.Context, f Filter) ([]Txn, error) {
	if s.c.isClosed() {
		return nil, ErrClosed
	}
	q, args := findSQL(table, "rowid", f, func(int) string { return "?" })
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: find: %w", err)
	}
	defer rows.Close()
	var out []Txn
	for rows.Next() {
		t, err := scanTxn(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: find: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: find: %w", err)
	}
	return out, nil
}

// Mode implements Journal: "sqlite-wal" (WAL, synchronous=FULL: durable).
func (s *SQLite) Mode() string { return "sqlite-wal" }

// Path is the journal's file.
func (s *SQLite) Path() string { return s.path }

// Close commits what is queued and closes the file.
func (s *SQLite) Close() error { return s.closeFn() }
