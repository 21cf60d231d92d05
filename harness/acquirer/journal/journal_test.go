package journal_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
)

// Every store passes the same conformance tests; Memory is the reference
// the SQL stores' Find is compared with.

type store struct {
	name string
	open func(t testing.TB) journal.Journal
	// reopen returns a new handle on the same data (durability), or nil.
	reopen func(t testing.TB, j journal.Journal) journal.Journal
}

func stores(t testing.TB) []store {
	ss := []store{
		{name: "memory", open: func(testing.TB) journal.Journal { return journal.NewMemory() }},
		{
			name: "sqlite",
			open: func(t testing.TB) journal.Journal {
				j, err := journal.OpenSQLite(filepath.Join(t.TempDir(), "journal.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { j.Close() })
				return j
			},
			reopen: func(t testing.TB, j journal.Journal) journal.Journal {
				path := j.(*journal.SQLite).Path()
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
				k, err := journal.OpenSQLite(path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { k.Close() })
				return k
			},
		},
	}
	if dsn := postgresDSN(t); dsn != "" {
		ss = append(ss, store{
			name: "postgres",
			open: func(t testing.TB) journal.Journal {
				return openPostgres(t, dsn, fmt.Sprintf("journal_test_%d_%d", os.Getpid(), time.Now().UnixNano()), true)
			},
			reopen: func(t testing.TB, j journal.Journal) journal.Journal {
				schema := j.(*journal.Postgres).Schema()
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
				return openPostgres(t, dsn, schema, true)
			},
		})
	}
	return ss
}

func openPostgres(t testing.TB, dsn, schema string, drop bool) *journal.Postgres {
	ctx := context.Background()
	j, err := journal.OpenPostgres(ctx, dsn, journal.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if drop {
			if err := j.DropSchema(ctx); err != nil && !errors.Is(err, journal.ErrClosed) {
				t.Error(err)
			}
		}
		j.Close()
	})
	return j
}

// postgresDSN is the database the setup script prepared (ci/setup.d,
// PAYLAB_POSTGRES_DSN). Without it the PostgreSQL store is skipped, but
// under CI=true that is a failure: the path must run there.
func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("PAYLAB_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PAYLAB_POSTGRES_DSN is not set: run ci/setup.sh (it starts PostgreSQL and writes .paylab/env)")
		}
		t.Log("PAYLAB_POSTGRES_DSN not set: PostgreSQL store not tested")
	}
	return dsn
}

var base = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func txn(i int) journal.Txn {
	kinds := []journal.Kind{journal.Auth, journal.Purchase, journal.Refund, journal.Void, journal.Balance, journal.Advice}
	states := []journal.State{journal.Pending, journal.Approved, journal.Declined, journal.TimedOut, journal.Reversed, journal.Voided}
	revs := []journal.ReversalState{journal.NoReversal, journal.ReversalOwed, journal.ReversalDone}
	return journal.Txn{
		RRN:        fmt.Sprintf("N1%010d", i),
		TerminalID: "TERM000" + strconv.Itoa(i%3),
		MerchantID: "MERCHANT0000001",
		STAN:       fmt.Sprintf("%06d", i%7),
		IssuerSTAN: fmt.Sprintf("%06d", 500000+i),
		Sent:       "1128120000",
		MTI:        "0200",
		Kind:       kinds[i%len(kinds)],
		ProcCode:   "000000",
		PANMasked:  "476173******0119",
		Scheme:     "visa",
		Issuer:     "test-issuer",
		Amount:     int64(100 * i),
		Currency:   "978",
		RC:         "00",
		AuthCode:   "A1B2C3",
		IssuerAuth: fmt.Sprintf("%016X3030", i),
		State:      states[i%len(states)],
		Reversal:   revs[i%len(revs)],
		OrigRRN:    "",
		Batch:      i % 4,
		Created:    base.Add(time.Duration(i%10) * time.Second),
		Updated:    base.Add(time.Duration(i) * time.Second),
	}
}

func TestConformance(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			t.Run("get", func(t *testing.T) {
				j := s.open(t)
				if _, err := j.Get(ctx, "nothing"); !errors.Is(err, journal.ErrNotFound) {
					t.Fatalf("Get of a missing RRN: %v, want ErrNotFound", err)
				}
				want := txn(5)
				if err := j.Put(ctx, want); err != nil {
					t.Fatal(err)
				}
				got, err := j.Get(ctx, want.RRN)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("Get = %+v\nwant %+v", got, want)
				}
				want.State, want.RC, want.Updated = journal.Reversed, "05", base.Add(time.Hour)
				if err := j.Put(ctx, want); err != nil {
					t.Fatal(err)
				}
				if got, _ := j.Get(ctx, want.RRN); !reflect.DeepEqual(got, want) {
					t.Fatalf("after replace Get = %+v\nwant %+v", got, want)
				}
			})
			t.Run("find", func(t *testing.T) {
				j := s.open(t)
				ref := journal.NewMemory()
				for i := range 120 {
					x := txn(i)
					if i%11 == 0 {
						x.Created = base.Add(30 * time.Second) // later than the rest
					}
					putAll(t, x, j, ref)
				}
				// A replace keeps a transaction's place.
				x := txn(3)
				x.State = journal.Approved
				putAll(t, x, j, ref)
				rng := rand.New(rand.NewPCG(1, 2))
				for n := range 300 {
					f := randomFilter(rng)
					want, _ := ref.Find(ctx, f)
					got, err := j.Find(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					// Ties in Created order: insertion order (SQLite's
					// rowid) and RRN order (PostgreSQL) agree here.
					if len(got) != len(want) {
						t.Fatalf("filter %d %+v: %d transactions, want %d", n, f, len(got), len(want))
					}
					for i := range got {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("filter %d %+v: [%d] = %s, want %s", n, f, i, got[i].RRN, want[i].RRN)
						}
					}
				}
			})
			t.Run("concurrent", func(t *testing.T) {
				j := s.open(t)
				var wg sync.WaitGroup
				errs := make(chan error, 400)
				for g := range 8 {
					wg.Go(func() {
						for i := range 50 {
							x := txn(g*1000 + i)
							x.Batch = 0
							errs <- j.Put(ctx, x)
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				all, err := j.Find(ctx, journal.Filter{Batch: -1})
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != 400 {
					t.Fatalf("%d transactions after 400 concurrent puts", len(all))
				}
			})
			t.Run("durable", func(t *testing.T) {
				if s.reopen == nil {
					t.Skip("memory is not durable by design")
				}
				j := s.open(t)
				want := []journal.Txn{txn(1), txn(2), txn(3)}
				for _, x := range want {
					if err := j.Put(ctx, x); err != nil {
						t.Fatal(err)
					}
				}
				k := s.reopen(t, j)
				if _, err := j.Get(ctx, want[0].RRN); !errors.Is(err, journal.ErrClosed) {
					t.Errorf("Get after Close: %v, want ErrClosed", err)
				}
				if err := j.Put(ctx, txn(9)); !errors.Is(err, journal.ErrClosed) {
					t.Errorf("Put after Close: %v, want ErrClosed", err)
				}
				got, err := k.Find(ctx, journal.Filter{Batch: -1})
				if err != nil {
					t.Fatal(err)
				}
				sortCreated(want)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("after reopen: %v, want %v", rrns(got), rrns(want))
				}
			})
			// Values longer than the fixed-size fields SQLite keeps in memory,
			// and a state no constant names: Find still agrees with Memory.
			t.Run("odd values", func(t *testing.T) {
				j := s.open(t)
				ref := journal.NewMemory()
				for i := range 40 {
					x := txn(i)
					if i%2 == 0 {
						x.RRN = fmt.Sprintf("LONG-RRN-FROM-ANOTHER-NETWORK-%04d", i)
						x.TerminalID = "A-TERMINAL-ID-OF-24-BYTE"[:16+i%9]
						x.STAN = fmt.Sprintf("%016d", i%5)
					}
					if i%5 == 0 {
						x.State = journal.State("held-" + strconv.Itoa(i%3))
					}
					putAll(t, x, j, ref)
				}
				long := txn(4)
				long.RRN = "LONG-RRN-FROM-ANOTHER-NETWORK-0004"
				if got, err := j.Get(ctx, long.RRN); err != nil || got.Amount != long.Amount {
					t.Fatalf("Get(%s) = %+v, %v", long.RRN, got, err)
				}
				for n, f := range []journal.Filter{
					{Batch: -1, TerminalID: "A-TERMINAL-ID-OF-24-BYTE"[:16]},
					{Batch: -1, STAN: fmt.Sprintf("%016d", 3), Limit: 1},
					{Batch: -1, States: []journal.State{"held-1", journal.Approved}},
					{Batch: -1, States: []journal.State{journal.Declined}, Limit: 2},
					{Batch: 2, TerminalID: "TERM0001"},
				} {
					want, _ := ref.Find(ctx, f)
					got, err := j.Find(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(rrns(got), rrns(want)) {
						t.Fatalf("filter %d %+v: %v, want %v", n, f, rrns(got), rrns(want))
					}
				}
			})
			t.Run("append after reopen", func(t *testing.T) {
				if s.reopen == nil {
					t.Skip("memory is not durable by design")
				}
				j := s.open(t)
				x := txn(7)
				if err := j.Put(ctx, x); err != nil {
					t.Fatal(err)
				}
				j = s.reopen(t, j)
				x.State, x.RC = journal.Declined, "51"
				for _, y := range []journal.Txn{x, txn(8)} {
					if err := j.Put(ctx, y); err != nil {
						t.Fatal(err)
					}
				}
				j = s.reopen(t, j)
				if got, err := j.Get(ctx, x.RRN); err != nil || !reflect.DeepEqual(got, x) {
					t.Fatalf("after two reopens Get = %+v, %v\nwant %+v", got, err, x)
				}
				if all, err := j.Find(ctx, journal.Filter{Batch: -1}); err != nil || len(all) != 2 {
					t.Fatalf("after two reopens Find = %v, %v; want two transactions", rrns(all), err)
				}
			})
			t.Run("cancelled", func(t *testing.T) {
				j := s.open(t)
				c, cancel := context.WithCancel(ctx)
				cancel()
				if s.name == "memory" {
					t.Skip("memory puts do not wait")
				}
				if err := j.Put(c, txn(1)); !errors.Is(err, context.Canceled) {
					t.Fatalf("Put with a cancelled context: %v, want context.Canceled", err)
				}
			})
		})
	}
}

// putAll puts x into every journal.
func putAll(t *testing.T, x journal.Txn, js ...journal.Journal) {
	t.Helper()
	for _, j := range js {
		if err := j.Put(context.Background(), x); err != nil {
			t.Fatal(err)
		}
	}
}

func randomFilter(rng *rand.Rand) journal.Filter {
	var f journal.Filter
	if rng.IntN(2) == 0 {
		f.TerminalID = "TERM000" + strconv.Itoa(rng.IntN(4))
	}
	if rng.IntN(3) == 0 {
		f.STAN = fmt.Sprintf("%06d", rng.IntN(8))
	}
	for _, s := range []journal.State{journal.Pending, journal.Approved, journal.TimedOut, journal.Voided} {
		if rng.IntN(4) == 0 {
			f.States = append(f.States, s)
		}
	}
	if rng.IntN(3) == 0 {
		f.Reversal = []journal.ReversalState{journal.ReversalOwed, journal.ReversalDone}[rng.IntN(2)]
	}
	f.Batch = rng.IntN(6) - 1
	if f.Batch == 4 {
		f.Batch = -1
	}
	if rng.IntN(3) == 0 {
		f.Since = base.Add(time.Duration(rng.IntN(12)) * time.Second)
	}
	if rng.IntN(3) == 0 {
		f.Limit = 1 + rng.IntN(5)
		f.Newest = rng.IntN(2) == 0
	}
	return f
}

func sortCreated(ts []journal.Txn) {
	// stable insertion sort: the reference is in insertion order, and RRNs
	// were put in ascending order.
	for i := 1; i < len(ts); i++ {
		for k := i; k > 0 && ts[k].Created.Before(ts[k-1].Created); k-- {
			ts[k], ts[k-1] = ts[k-1], ts[k]
		}
	}
}

func rrns(ts []journal.Txn) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.RRN)
	}
	return out
}

// BenchmarkPut is the journal's share of an authorisation: parallel Puts,
// each returning once durable (group commit).
func BenchmarkPut(b *testing.B) {
	for _, s := range stores(b) {
		if s.name == "memory" {
			continue
		}
		b.Run(s.name, func(b *testing.B) {
			j := s.open(b)
			ctx := context.Background()
			var n int64
			var mu sync.Mutex
			b.SetParallelism(parallelism)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mu.Lock()
				n++
				g := n
				mu.Unlock()
				i := 0
				for pb.Next() {
					x := txn(int(g)*10_000_000 + i)
					i++
					if err := j.Put(ctx, x); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// parallelism × GOMAXPROCS goroutines put at once: about the transactions
// in flight under `paylab bench hosts` (16 connections × a window of 8).
const parallelism = 64

func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{"", "sqlite", "sqlite:", "postgres:", "mysql:x", "memory:"} {
		if _, err := journal.Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	j, err := journal.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Mode() != "sqlite-wal" {
		t.Errorf("mode %q", j.Mode())
	}
	m, _ := journal.Open(ctx, "memory")
	if m.Mode() != "memory" {
		t.Errorf("mode %q", m.Mode())
	}
}

// TestSQLiteView reads the file as a lab would with the sqlite3 shell once
// the node is stopped: view txns holds each transaction's latest version.
func TestSQLiteView(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	x := txn(4)
	x.State = journal.Pending
	if err := j.Put(ctx, x); err != nil {
		t.Fatal(err)
	}
	x.State, x.RC = journal.Approved, "00"
	if err := j.Put(ctx, x); err != nil {
		t.Fatal(err)
	}
	if err := j.Put(ctx, txn(5)); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var state, rc, pan string
	var amount int64
	if err := db.QueryRow(`SELECT count(*) FROM txns`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("view txns: %d rows, %v; want 2", n, err)
	}
	err = db.QueryRow(`SELECT state, rc, pan_masked, amount FROM txns WHERE rrn = ?`, x.RRN).Scan(&state, &rc, &pan, &amount)
	if err != nil || state != "approved" || rc != "00" || pan != x.PANMasked || amount != x.Amount {
		t.Fatalf("view txns: %s %s %s %d, %v; want the approved version", state, rc, pan, amount, err)
	}
}

// Newest keeps the last Limit transactions in Created order, still
// returned oldest first; without it Limit keeps the first.
func TestNewest(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			j := s.open(t)
			var all []string
			for i := range 10 {
				x := txn(i)
				x.Created = base.Add(time.Duration(10-i) * time.Minute) // put newest first
				putAll(t, x, j)
				all = append([]string{x.RRN}, all...)
			}
			for _, c := range []struct {
				f    journal.Filter
				want []string
			}{
				{journal.Filter{Batch: -1, Limit: 3, Newest: true}, all[7:]},
				{journal.Filter{Batch: -1, Limit: 3}, all[:3]},
				{journal.Filter{Batch: -1, Limit: 30, Newest: true}, all},
			} {
				got, err := j.Find(context.Background(), c.f)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rrns(got), c.want) {
					t.Errorf("%+v: %v, want %v", c.f, rrns(got), c.want)
				}
			}
		})
	}
}
