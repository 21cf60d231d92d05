package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/acquirer/journal"
)

// The acquirer journal of a spec is chosen by PAYLAB_JOURNAL:
//
//	sqlite    (default) a file in the spec's temporary folder, WAL
//	postgres  PAYLAB_POSTGRES_DSN, one fresh schema per spec, dropped after it
//	memory    journal.NewMemory (not durable: REV.007 then restarts on the
//	          same in-memory store)
//
// A PostgreSQL DSN that is empty or unreachable fails the spec under CI=true
// and skips it otherwise: a developer without a server still runs the rest.
const (
	envJournal  = "PAYLAB_JOURNAL"
	envPostgres = "PAYLAB_POSTGRES_DSN"
)

// store is one spec's journal, reopened after an acquirer restart.
type store struct {
	kind   string // sqlite, postgres, memory
	path   string // sqlite file
	dsn    string
	schema string // postgres
	j      journal.Journal
}

var storeSeq atomic.Int64

// journalKind returns the journal mode the run asked for.
func journalKind() string {
	k := strings.ToLower(strings.TrimSpace(os.Getenv(envJournal)))
	if k == "" {
		return "sqlite"
	}
	return k
}

// newStore opens the spec's journal and closes (and, on PostgreSQL,
// drops) it after the spec.
func newStore() *store {
	GinkgoHelper()
	s := &store{kind: journalKind()}
	n := storeSeq.Add(1)
	switch s.kind {
	case "memory":
	case "sqlite":
		s.path = filepath.Join(GinkgoT().TempDir(), "journal.db")
	case "postgres":
		s.dsn = os.Getenv(envPostgres)
		if s.dsn == "" {
			unavailable("PAYLAB_JOURNAL=postgres but PAYLAB_POSTGRES_DSN is empty")
		}
		// One schema per spec: parallel processes and specs never share
		// rows, and every schema is dropped when its spec ends.
		s.schema = fmt.Sprintf("host_%d_%d_%d", os.Getpid(), startStamp, n)
	default:
		Fail(fmt.Sprintf("%s=%q: want sqlite, postgres or memory", envJournal, s.kind))
	}
	s.open()
	DeferCleanup(s.cleanup)
	return s
}

// unavailable skips a spec whose journal server is missing, or fails it on
// CI, where a missing server is a broken pipeline.
func unavailable(why string) {
	GinkgoHelper()
	if os.Getenv("CI") == "true" {
		Fail(why)
	}
	Skip(why + " (set CI=true to make this a failure)")
}

// open (re)opens the journal.
func (s *store) open() {
	GinkgoHelper()
	switch s.kind {
	case "memory":
		if s.j == nil {
			s.j = journal.NewMemory()
		}
	case "sqlite":
		j, err := openSQLite(s.path)
		Expect(err).NotTo(HaveOccurred(), "open SQLite journal")
		s.j = j
	case "postgres":
		j, err := openPostgres(s.dsn, s.schema)
		if err != nil {
			unavailable(fmt.Sprintf("PostgreSQL journal unavailable: %v", err))
		}
		s.j = j
	}
}

// reopen closes the journal and opens it again, as an acquirer restart
// does; the in-memory journal is kept (it is the process's).
func (s *store) reopen() {
	GinkgoHelper()
	if s.kind == "memory" {
		return
	}
	Expect(s.j.Close()).To(Succeed())
	s.j = nil
	s.open()
}

func (s *store) cleanup() {
	if s.j == nil {
		return
	}
	if s.kind == "postgres" {
		Expect(dropSchema(s.j)).To(Succeed(), "drop schema %s", s.schema)
	}
	Expect(s.j.Close()).To(Succeed())
}

// startStamp tells apart the schemas of two runs that reuse a pid.
var startStamp = time.Now().UnixMilli() % 1_000_000_000

func openSQLite(path string) (journal.Journal, error) {
	j, err := journal.OpenSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite journal: %w", err)
	}
	return j, nil
}

func openPostgres(dsn, schema string) (journal.Journal, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	j, err := journal.OpenPostgres(ctx, dsn, journal.WithSchema(schema))
	if err != nil {
		return nil, fmt.Errorf("open postgres journal: %w", err)
	}
	return j, nil
}

func dropSchema(j journal.Journal) error {
	p, ok := j.(*journal.Postgres)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.DropSchema(ctx); err != nil {
		return fmt.Errorf("drop schema: %w", err)
	}
	return nil
}

// JournalKind is the acquirer journal the HOST specs of this run use
// (PAYLAB_JOURNAL: sqlite, postgres or memory), for the report's bench.
func JournalKind() string { return journalKind() }
