// Package journal is the acquirer host's durable record of transactions:
// the Journal interface and three stores —
//
//   - Memory: for tests and fakes, not durable;
//   - SQLite (modernc.org/sqlite; the default, one acquirer node): an
//     append-only log of transaction versions in one file, WAL with
//     synchronous=FULL, queries answered from the latest versions in
//     memory, rebuilt from the log on open;
//   - PostgreSQL (pgx; several acquirer nodes sharing one database): one
//     row per transaction, upserted, queried in SQL.
//
// It is the only package that imports the SQLite and PostgreSQL drivers.
//
// A Put is durable when it returns. The SQL stores batch concurrent Puts
// into one commit (group commit), so durability costs one fsync per batch,
// not per transaction. Every store passes the same conformance tests, with
// Memory as the reference for Find; PostgreSQL's run needs
// PAYLAB_POSTGRES_DSN (ci/setup.d/30-postgres.sh writes it into
// .paylab/env) and fails without it under CI=true.
package journal
