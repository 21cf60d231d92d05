package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal/hostlink"
)

// crashChildEnv carries a child's paylab arguments (separated by US, 0x1f): the
// test binary, run again with it, is `paylab` with those arguments.
const crashChildEnv = "PAYLAB_TEST_CRASH_CHILD"

// TestHostsCrashUnderLoad kills the acquirer process (SIGKILL: no drain,
// no last commit) while authorisations stream through it, starts it again
// on the same journal (SQLite; PostgreSQL in a schema of its own), and
// checks that no money was lost or moved
// twice: at the issuer, each card's held amount equals the sum of its
// approved transactions in the journal, and nothing is left pending or
// owing a reversal. The journal is written before the issuer sees a
// request, so every request the issuer may have approved is either
// answered in the journal or reversed by the restarted acquirer.
func TestHostsCrashUnderLoad(t *testing.T) {
	if args := os.Getenv(crashChildEnv); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	t.Run("sqlite", func(t *testing.T) {
		crashUnderLoad(t, "sqlite:"+filepath.Join(t.TempDir(), "journal.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("PAYLAB_POSTGRES_DSN")
		if dsn == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("PAYLAB_POSTGRES_DSN is not set: run ci/setup.sh (it starts PostgreSQL and writes .paylab/env)")
			}
			t.Skip("PAYLAB_POSTGRES_DSN not set")
		}
		// A schema of its own (the child finds it by search_path), dropped
		// afterwards.
		ctx := context.Background()
		schema := fmt.Sprintf("paylab_crash_%d", time.Now().UnixNano())
		j, err := journal.OpenPostgres(ctx, dsn, journal.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		t.Cleanup(func() {
			if j, err := journal.OpenPostgres(ctx, dsn, journal.WithSchema(schema)); err == nil {
				j.DropSchema(ctx)
				j.Close()
			}
		})
		sep := " "
		if strings.Contains(dsn, "://") {
			sep = "&"
			if !strings.Contains(dsn, "?") {
				sep = "?"
			}
		}
		crashUnderLoad(t, "postgres:"+dsn+sep+"search_path="+schema)
	})
}

func crashUnderLoad(t *testing.T, journalSpec string) {
	cards, iopts, schemes, err := benchCards([]string{"visa-cda-online", "mc-dda"})
	if err != nil {
		t.Fatal(err)
	}
	iss := issuer.New(iopts...)
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go iss.Serve(iln)
	defer iss.Close()
	before := map[string]int64{}
	for _, c := range cards {
		before[c.PAN], _ = iss.Available(c.PAN)
	}

	args := []string{"hosts", "up", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--journal", journalSpec, "--issuer-timeout", "1s"}
	for bin, scheme := range schemes {
		args = append(args, "--issuer", fmt.Sprintf("issuer-%s/%s=%s,%s", bin, scheme, iln.Addr(), bin))
	}

	first := startCrashChild(t, args)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loaded := make(chan hostlink.LoadResult, 1)
	go func() {
		res, _ := hostlink.Load(ctx, first.acq, hostlink.LoadConfig{
			Conns: 4, InFlight: 4, Duration: 20 * time.Second, Cards: cards, DeclineEvery: 50,
			Timeout: 2 * time.Second,
		})
		loaded <- res
	}()
	time.Sleep(1500 * time.Millisecond)
	first.kill(t)
	cancel()
	res := <-loaded
	t.Logf("before the kill: %d answers, %d requests without one", res.Count, res.Errors)
	if res.Count == 0 {
		t.Fatal("no authorisation was answered before the kill")
	}

	second := startCrashChild(t, args)
	var txns []acquirer.TxnView
	deadline := time.Now().Add(20 * time.Second)
	for {
		txns = second.transactions(t)
		open := 0
		for _, x := range txns {
			if x.State == "pending" || x.Reversal == "owed" {
				open++
			}
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transactions still pending or owing a reversal 20 s after the restart", open)
		}
		time.Sleep(50 * time.Millisecond)
	}
	second.stop(t)

	approved := map[string]int64{}
	reversed := 0
	for _, x := range txns {
		switch {
		case x.State == "approved":
			approved[x.PAN] += x.Amount
		case x.Reversal == "done":
			reversed++
		}
	}
	t.Logf("journal: %d transactions, %d reversed by the restarted acquirer or on timeout", len(txns), reversed)
	for _, c := range cards {
		after, _ := iss.Available(c.PAN)
		moved, want := before[c.PAN]-after, approved[emv.MaskPAN(c.PAN)]
		if moved != want {
			t.Errorf("card %s: the issuer holds %d, the journal approved %d (%+d lost or doubled)",
				emv.MaskPAN(c.PAN), moved, want, moved-want)
		}
	}
	if t.Failed() {
		// Which transactions the two sides disagree on.
		held := map[string]issuer.Transaction{}
		for _, x := range iss.Transactions() {
			if x.Approved() && !x.Reversed {
				held[x.RRN] = x
			}
		}
		for _, x := range txns {
			if _, ok := held[x.RRN]; ok != (x.State == "approved") {
				it, known := iss.Transaction(x.RRN)
				t.Logf("journal %s %s %s rc %s reversal %q; held at the issuer: %v (known %v: rc %s reversed %v)",
					x.RRN, x.Kind, x.State, x.RC, x.Reversal, ok, known, it.RC, it.Reversed)
			}
			delete(held, x.RRN)
		}
		for rrn, x := range held {
			t.Logf("held at the issuer, not in the journal: %s (%s)", rrn, x)
		}
		for _, x := range txns {
			if x.State != "approved" && x.State != "declined" || x.Reversal != "" {
				t.Logf("journal %s %s %s rc %s reversal %q terminal %s stan %s issuer stan %s sent %s",
					x.RRN, x.Kind, x.State, x.RC, x.Reversal, x.TerminalID, x.STAN, x.IssuerSTAN, x.Sent)
			}
		}
		for _, x := range txns {
			if it, ok := iss.Transaction(x.RRN); ok && it.Reversed && x.State == "approved" {
				t.Logf("the reversed one: %+v", x)
			}
		}
	}
}

// crashChild is an acquirer process.
type crashChild struct {
	cmd        *exec.Cmd
	acq, http  string
	exited     chan error
	stderrPath string
}

func startCrashChild(t *testing.T, args []string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostsCrashUnderLoad$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join(args, "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, exited: make(chan error, 1), stderrPath: filepath.Join(t.TempDir(), "stderr")}
	errf, err := os.Create(c.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	cmd.Stderr = errf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); <-c.exited })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		c.exited <- cmd.Wait()
	}()
	timeout := time.After(20 * time.Second)
	for c.acq == "" || c.http == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				b, _ := os.ReadFile(c.stderrPath)
				t.Fatalf("acquirer process ended before listening: %s", b)
			}
			if rest, ok := strings.CutPrefix(l, "acquirer listening on "); ok {
				c.acq, _, _ = strings.Cut(rest, " ")
			}
			if rest, ok := strings.CutPrefix(l, "back-office API on http://"); ok {
				c.http, _, _ = strings.Cut(rest, "/")
			}
		case <-timeout:
			t.Fatal("acquirer process not listening after 20 s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return c
}

func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	c.exited <- nil // for the cleanup
}

func (c *crashChild) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-c.exited; err != nil {
		b, _ := os.ReadFile(c.stderrPath)
		t.Fatalf("acquirer process after SIGTERM: %v: %s", err, b)
	}
	c.exited <- nil
}

func (c *crashChild) transactions(t *testing.T) []acquirer.TxnView {
	t.Helper()
	resp, err := http.Get("http://" + c.http + "/v1/transactions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []acquirer.TxnView
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET /v1/transactions: %v", err)
	}
	return out
}
