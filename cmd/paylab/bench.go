package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
)

// newBenchCmd groups the load and speed figures.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "load and speed figures",
	}
	cmd.AddCommand(newBenchHostsCmd())
	return cmd
}

// benchHostsFlags are the flags of `paylab bench hosts`.
type benchHostsFlags struct {
	conns        int
	duration     time.Duration
	journal      string
	inflight     int
	rate         float64
	cards        []string
	declineEvery int
	issuerConns  int
	cpuProfile   string
}

func newBenchHostsCmd() *cobra.Command {
	var f benchHostsFlags
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "authorisations per second through an in-process acquirer and issuer on loopback",
		Long: `Starts the acquirer (harness/acquirer) with its journal and the issuer host
(emulators/issuer) on 127.0.0.1, opens --conns terminal connections, signs
each on and keeps --inflight 0100 authorisations in flight on each, every one
with a valid ARQC of a fixture card (TEST keys), for --duration. Progress goes
to stderr each second; the last line, on stdout, is

  hosts: N auth/s, p50 X ms, p99 Y ms, journal MODE

--journal is sqlite:PATH (default: a file in a new temporary folder, WAL,
durable; never on tmpfs, where fsync reaches no disk: then under the
user's cache folder), postgres:DSN or memory (not durable).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return runBenchHosts(ctx, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.conns, "conns", hostlink.DefaultLoadConns, "terminal connections")
	fl.DurationVar(&f.duration, "duration", hostlink.DefaultLoadDuration, "how long to send")
	fl.StringVar(&f.journal, "journal", "", "sqlite:PATH | postgres:DSN | memory (default sqlite in a temporary folder)")
	fl.IntVar(&f.inflight, "inflight", hostlink.DefaultLoadInFlight, "requests in flight per connection")
	fl.Float64Var(&f.rate, "rate", 0, "pace requests at this many per second in all (0: as fast as the window allows)")
	fl.StringSliceVar(&f.cards, "cards", []string{"visa-cda-online", "mc-dda"}, "fixture card profiles whose ARQCs the load carries")
	fl.IntVar(&f.declineEvery, "decline-every", 1000, "every n-th pool entry carries a corrupted ARQC (declined 05); 0 none")
	fl.IntVar(&f.issuerConns, "issuer-conns", 4, "pipelined connections from the acquirer to the issuer")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (load generator and hosts) to this file")
	return cmd
}

// openJournal opens the journal a --journal value names; cleanup closes it
// and removes a temporary folder.
func openJournal(ctx context.Context, spec string) (journal.Journal, func(), error) {
	if spec == "" || spec == "sqlite" || spec == "sqlite:" {
		dir, err := diskTempDir()
		if err != nil {
			return nil, nil, fmt.Errorf("bench hosts: journal: %w", err)
		}
		j, err := journal.OpenSQLite(filepath.Join(dir, "journal.db"))
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, fmt.Errorf("bench hosts: journal: %w", err)
		}
		return j, func() { j.Close(); os.RemoveAll(dir) }, nil
	}
	if dsn, ok := strings.CutPrefix(spec, "postgres:"); ok && dsn != "" {
		// A schema of its own, dropped afterwards: a benchmark leaves no
		// transactions behind in a database others use.
		schema := fmt.Sprintf("paylab_bench_%d", time.Now().UnixNano())
		j, err := journal.OpenPostgres(ctx, dsn, journal.WithSchema(schema))
		if err != nil {
			return nil, nil, fmt.Errorf("bench hosts: %w", err)
		}
		return j, func() { j.DropSchema(context.WithoutCancel(ctx)); j.Close() }, nil
	}
	j, err := journal.Open(ctx, spec)
	if err != nil {
		return nil, nil, fmt.Errorf("bench hosts: %w", err)
	}
	return j, func() { j.Close() }, nil
}

// diskTempDir makes a temporary folder for the default journal on a file
// system that keeps what is fsynced: the system's temporary folder unless
// it is in memory (tmpfs, ramfs: a figure measured there would not be of a
// durable journal), else one under the user's cache folder.
func diskTempDir() (string, error) {
	var tried []string
	for _, parent := range []string{os.TempDir(), userCache()} {
		if parent == "" {
			continue
		}
		if err := os.MkdirAll(parent, 0o700); err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", parent, err))
			continue
		}
		if fs, inMemory := memoryFS(parent); inMemory {
			tried = append(tried, parent+" is on "+fs)
			continue
		}
		return os.MkdirTemp(parent, "paylab-bench-")
	}
	return "", fmt.Errorf("no folder on a disk for a durable journal (%s): give --journal sqlite:PATH", strings.Join(tried, "; "))
}

func userCache() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "paylab")
}

// memoryFS reports whether path is on a file system held in memory.
func memoryFS(path string) (string, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return "", false
	}
	switch st.Type {
	case 0x01021994: // TMPFS_MAGIC, linux/magic.h
		return "tmpfs", true
	case 0x858458f6: // RAMFS_MAGIC
		return "ramfs", true
	}
	return "", false
}

// benchIssuerMemory is how many transactions the issuer emulator keeps
// under load: some seconds of it.
const benchIssuerMemory = 100_000

// benchCards reads the fixture card profiles: the load generator's side
// (PAN, expiry, TEST issuer master key AC) and the issuer's (its keys, an
// account with room for the whole run).
func benchCards(names []string) ([]hostlink.LoadCard, []issuer.Option, map[string]string, error) {
	var cards []hostlink.LoadCard
	var iopts []issuer.Option
	schemes := map[string]string{}
	for _, name := range names {
		p, err := card.LoadProfile(name)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bench hosts: card %s: %w", name, err)
		}
		keys, err := issuer.ProfileKeys(name)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bench hosts: card %s: %w", name, err)
		}
		iopts = append(iopts, issuer.WithCardKeys(keys...))
		for _, a := range p.Apps {
			imk, err := hex.DecodeString(strings.ReplaceAll(a.Cryptogram.IMKAC, " ", ""))
			if err != nil {
				return nil, nil, nil, fmt.Errorf("bench hosts: card %s: issuer master key: %w", name, err)
			}
			if len(a.Expiry) < 4 {
				return nil, nil, nil, fmt.Errorf("bench hosts: card %s: no expiry", name)
			}
			dki := byte(1)
			if d, err := hex.DecodeString(a.Cryptogram.DKI); err == nil && len(d) == 1 {
				dki = d[0]
			}
			cards = append(cards, hostlink.LoadCard{PAN: a.PAN, PANSeq: a.PSN, Expiry: a.Expiry[:4], CVN: a.Cryptogram.CVN, IMKAC: imk, DKI: dki})
			iopts = append(iopts, issuer.WithAccounts(issuer.Account{PAN: a.PAN, Balance: 1 << 50, Status: issuer.Active}))
			scheme := "visa"
			if strings.HasPrefix(a.PAN, "5") || strings.HasPrefix(a.PAN, "2") {
				scheme = "mastercard"
			}
			schemes[a.PAN[:6]] = scheme
		}
	}
	return cards, iopts, schemes, nil
}

func runBenchHosts(ctx context.Context, f benchHostsFlags, stdout, stderr io.Writer) error {
	if f.conns <= 0 || f.inflight <= 0 || f.duration <= 0 || f.rate < 0 || f.issuerConns <= 0 {
		return errors.New("bench hosts: --conns, --inflight, --duration and --issuer-conns must be positive, --rate not negative")
	}
	cards, iopts, schemes, err := benchCards(f.cards)
	if err != nil {
		return err
	}
	// Three parties and a load generator share this process: at Go's
	// default GOGC=100 the collector took a sixth of the CPU. A host
	// process would be tuned the same way; GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	j, closeJournal, err := openJournal(ctx, f.journal)
	if err != nil {
		return err
	}
	defer closeJournal()

	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bench hosts: issuer: %w", err)
	}
	// The issuer emulator remembers the newest transactions only (repeats
	// and reversals of this load come within the 2 s issuer timeout): a
	// real issuer's history lives in its own database, not in the heap the
	// acquirer's garbage collector scans here.
	iopts = append(iopts, issuer.WithMaxTransactions(benchIssuerMemory))
	iss := issuer.New(iopts...)
	go iss.Serve(iln)
	defer iss.Close()

	aopts := []acquirer.Option{acquirer.WithIssuerTimeout(2 * time.Second)}
	for bin, scheme := range schemes {
		aopts = append(aopts, acquirer.WithRoute(acquirer.Route{Name: "issuer-" + bin, Scheme: scheme,
			BINs: []string{bin}, Addr: iln.Addr().String(), Conns: f.issuerConns}))
	}
	acq := acquirer.New(j, aopts...)
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bench hosts: acquirer: %w", err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- acq.Serve(aln) }()
	defer acq.Close()

	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench hosts: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("bench hosts: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	where := ""
	if sj, ok := j.(*journal.SQLite); ok {
		where = " " + sj.Path()
		if fs, inMemory := memoryFS(filepath.Dir(sj.Path())); inMemory {
			fmt.Fprintf(stderr, "bench hosts: warning: %s is on %s: the journal's fsyncs reach no disk, the figure is not of a durable journal\n", sj.Path(), fs)
		}
	}
	fmt.Fprintf(stderr, "bench hosts: acquirer %s (journal %s%s), issuer %s, %d connections x %d in flight, %s\n",
		aln.Addr(), j.Mode(), where, iln.Addr(), f.conns, f.inflight, f.duration)
	cpu0 := processCPU()
	res, err := hostlink.Load(ctx, aln.Addr().String(), hostlink.LoadConfig{
		Conns: f.conns, InFlight: f.inflight, Duration: f.duration, Rate: f.rate,
		Cards: cards, DeclineEvery: f.declineEvery,
		Progress: func(p hostlink.LoadProgress) {
			fmt.Fprintf(stderr, "  %3.0fs  %8.0f auth/s  total %d  errors %d\n", p.Elapsed.Seconds(), p.Rate, p.Count, p.Errors)
		},
	})
	select {
	case serr := <-serveErr:
		if serr != nil {
			return fmt.Errorf("bench hosts: acquirer: %w", serr)
		}
	default:
	}
	if err != nil {
		return fmt.Errorf("bench hosts: %w", err)
	}
	fmt.Fprintf(stderr, "bench hosts: %s\n", res)
	if res.Count == 0 {
		return errors.New("bench hosts: no authorisation answered")
	}
	// The CPU the whole process (load generator and hosts) spent: whether
	// a run was bound by the processors or by waiting.
	if cpu := processCPU() - cpu0; cpu > 0 && res.Elapsed > 0 {
		fmt.Fprintf(stderr, "bench hosts: CPU %.2f cores of %d, %.0f µs per authorisation (load generator included)\n",
			cpu.Seconds()/res.Elapsed.Seconds(), runtime.NumCPU(), float64(cpu.Microseconds())/float64(res.Count))
	}
	fmt.Fprintf(stdout, "hosts: %.0f auth/s, p50 %s ms, p99 %s ms, journal %s\n",
		res.Rate, hostlink.Milliseconds(res.P50), hostlink.Milliseconds(res.P99), j.Mode())
	return nil
}

// processCPU is the user and system CPU time the process has used so far
// (0 where getrusage is missing).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
