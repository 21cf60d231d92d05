package journal

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the Journal for several acquirer nodes sharing one database
// (pgx; this package is its only importer). PostgreSQL's default
// synchronous_commit=on makes a committed batch durable. Puts are
// group-committed by several writers, each sending its batch as one
// pipelined round trip that the server runs as one implicit transaction.
type Postgres struct {
	pool   *pgxpool.Pool
	c      *committer
	table  string
	schema string
}

// OpenPostgres connects to the database at dsn (a libpq URL or key=value
// string) and creates the journal's table when missing.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Postgres, error) {
	o := defaults()
	o.writers = 4
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse error may quote the DSN with its password.
		return nil, errors.New("open postgres journal: malformed DSN")
	}
	if cfg.MaxConns < int32(o.writers)+4 {
		cfg.MaxConns = int32(o.writers) + 4
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres journal: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres journal: %w", err)
	}
	p := &Postgres{pool: pool, schema: o.schema}
	if o.schema != "" {
		p.table = pgx.Identifier{o.schema, table}.Sanitize()
	} else {
		p.table = pgx.Identifier{table}.Sanitize()
	}
	if err := p.create(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres journal: %w", err)
	}
	upsert := upsertSQL(p.table, pgPlaceholder)
	p.c = newCommitter(func(ctx context.Context, rows []putReq) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(upsert, txnArgs(r.t)...)
		}
		return pool.SendBatch(ctx, b).Close()
	}, o.maxBatch, o.writers)
	return p, nil
}

func pgPlaceholder(i int) string { return "$" + strconv.Itoa(i) }

// create runs the DDL under an advisory lock: nodes starting together
// would otherwise race on CREATE ... IF NOT EXISTS.
func (p *Postgres) create(ctx context.Context) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7420583)"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if p.schema != "" {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{p.schema}.Sanitize()); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	// Index names are unqualified: an index lives in its table's schema.
	for _, ddl := range createTable(p.table, table) {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// Put implements Journal: it returns once the transaction is committed.
func (p *Postgres) Put(ctx context.Context, t Txn) error { return p.c.put(ctx, t, nil) }

// Get implements Journal.
func (p *Postgres) Get(ctx context.Context, rrn string) (Txn, error) {
	if p.c.isClosed() {
		return Txn{}, ErrClosed
	}
	t, err := scanTxn(p.pool.QueryRow(ctx, selectSQL(p.table)+" WHERE rrn = $1", rrn))
	if errors.Is(err, pgx.ErrNoRows) {
		return Txn{}, ErrNotFound
	}
	if err != nil {
		return Txn{}, fmt.Errorf("journal: get %s: %w", rrn, err)
	}
	return t, nil
}

// Find implements Journal. Ties in Created order fall back to the RRN,
// which the acquirer assigns in sequence per node.
func (p *Postgres) Find(ctx context.Context, f Filter) ([]Txn, error) {
	if p.c.isClosed() {
		return nil, ErrClosed
	}
	q, args := findSQL(p.table, "rrn", f, pgPlaceholder)
	rows, err := p.pool.Query(ctx, q, args...)
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

// Mode implements Journal.
func (p *Postgres) Mode() string { return "postgres" }

// DropSchema drops the store's schema and everything in it (tests clean up
// with it). It refuses when the store was opened without WithSchema.
func (p *Postgres) DropSchema(ctx context.Context) error {
	if p.schema == "" {
		return errors.New("journal: drop schema: opened without WithSchema")
	}
	if p.c.isClosed() {
		return ErrClosed
	}
	if _, err := p.pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{p.schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("journal: drop schema %s: %w", p.schema, err)
	}
	return nil
}

// Close commits what is queued and closes the connections.
func (p *Postgres) Close() error {
	p.c.close()
	p.pool.Close()
	return nil
}

// Schema is the schema WithSchema named ("" for the default search_path).
func (p *Postgres) Schema() string { return p.schema }
