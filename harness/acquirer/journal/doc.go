// Package journal is the acquirer host's durable record of transactions:
// the Journal interface, an in-memory implementation for tests, the
// embedded SQLite store (modernc.org/sqlite, WAL; the default) and the
// PostgreSQL store (pgx; for several acquirer nodes). It is the only
// package that imports the SQLite and PostgreSQL drivers.
//
// Every store passes the same conformance tests. A Put is durable when it
// returns; stores batch concurrent Puts into one commit (group commit) so
// that durability does not cost one fsync per transaction.
package journal
