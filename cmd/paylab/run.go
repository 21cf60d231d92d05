package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/bench"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/harness/device/serial"
	"github.com/paylab/paylab/reports"
)

// runOptions are the flags of paylab run; the defaults are the emulated
// bench and reports/out, which is what `make demo` uses.
type runOptions struct {
	suite        string
	benchFile    string
	out          string
	labelFilter  string
	terminalFile string
	mappingFile  string
	procs        int
	screenshot   bool
	verbose      bool
}

func newRunCmd() *cobra.Command {
	o := runOptions{}
	c := &cobra.Command{
		Use:   "run",
		Short: "run the compiled scenario suite on a bench and write the report",
		Long: "run executes the compiled scenario suite (ginkgo) on a bench and writes one run folder,\n" +
			"<out>/<run-id>/, with report.json, junit.xml, report.html (and report.png with\n" +
			"--screenshot) and MANIFEST.sha256. With --procs N the suite runs as N processes, each\n" +
			"given a share of the plan's case IDs by label filter, and their reports are merged\n" +
			"into the one run. Progress goes to stderr. The exit status is 0 only when every\n" +
			"selected case passed (not-applicable cases do not count), 1 otherwise, 2 for a bad input.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSuite(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.suite, "suite", "", "compiled scenario suite (default: scenarios.test beside paylab, else built with go test -c ./scenarios)")
	f.StringVar(&o.benchFile, "bench", "fixtures/benches/emulated.yaml", "bench configuration file")
	f.StringVar(&o.out, "out", "reports/out", "folder that receives <run-id>/")
	f.StringVar(&o.labelFilter, "label-filter", "", "ginkgo label filter, e.g. 'flow:EMV.CRY && !EMV.CRY.SM.004'")
	f.StringVar(&o.terminalFile, "terminal", "", "terminal profile of the terminal under test (fixtures/terminals format); decides which plan cases apply (default: fixtures/terminals/default.yaml)")
	f.StringVar(&o.mappingFile, "mapping", "", "CSV mapping of paylab case IDs to a scheme's case IDs (header paylab_id,scheme_id[,scheme,note])")
	f.IntVarP(&o.procs, "procs", "p", 1, "suite processes to run in parallel")
	f.BoolVar(&o.screenshot, "screenshot", false, "check report.html in headless Chromium and write report.png (skipped when no Chromium is installed, a failure when CI=true)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print the suite's own output (every spec with -ginkgo.v)")
	return c
}

// shard is one suite process. Its fields are set before the process
// starts, except err: that one belongs to the goroutine that waits for the
// process until the run's WaitGroup says every process has ended, and only
// then may runSuite read it. watchProgress is handed the progress files
// alone, never the shards.
type shard struct {
	n        int
	dir      string // its report folder
	progress string // its progress file
	log      string // its stdout and stderr
	filter   string
	err      error // how the process ended; written by its waiting goroutine
}

func runSuite(c *cobra.Command, o runOptions) error {
	if o.procs < 1 {
		return fmt.Errorf("run: --procs %d: want 1 or more", o.procs)
	}
	cfg, err := bench.LoadConfig(o.benchFile)
	if err != nil {
		return err
	}
	plan, err := reports.LoadPlan(fixtures.FS, "plans")
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	var mapping *reports.Mapping
	if o.mappingFile != "" {
		if mapping, err = readMapping(o.mappingFile, plan); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	}
	if o.terminalFile != "" {
		if o.terminalFile, err = filepath.Abs(o.terminalFile); err != nil {
			return fmt.Errorf("run: %w", err)
		}
		if _, err := os.Stat(o.terminalFile); err != nil {
			return fmt.Errorf("run: terminal profile: %w", err)
		}
	}
	suite, cleanup, err := findSuite(o.suite)
	if err != nil {
		return err
	}
	defer cleanup()

	id := newRunID(time.Now())
	dir, err := filepath.Abs(filepath.Join(o.out, id))
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run: create report folder: %w", err)
	}
	work, err := os.MkdirTemp("", "paylab-run-")
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer os.RemoveAll(work)

	shards := planShards(plan, o.labelFilter, o.procs)
	// The progress lines and, with --verbose, the suite's own output both
	// go to stderr from different goroutines: one lock orders them.
	errw := &lockedWriter{w: c.ErrOrStderr()}
	fmt.Fprintf(errw, "paylab: run %s on bench %s, %d process%s\n", id, cfg.Name, len(shards), plural(len(shards), "es"))
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	progress := make([]string, len(shards))
	for i := range shards {
		s := &shards[i]
		s.n = i + 1
		s.dir = filepath.Join(work, fmt.Sprintf("shard-%d", s.n))
		s.progress = filepath.Join(work, fmt.Sprintf("progress-%d.jsonl", s.n))
		s.log = filepath.Join(work, fmt.Sprintf("suite-%d.log", s.n))
		progress[i] = s.progress
	}
	var wg sync.WaitGroup
	// stop ends the processes already started and waits for them, so that
	// none outlives runSuite or writes its shard while runSuite returns.
	stop := func() { cancel(); wg.Wait() }
	start := time.Now()
	for i := range shards {
		s := &shards[i]
		args := []string{
			"-paylab.report-dir=" + s.dir,
			"-paylab.bench=" + cfg.Name,
			"-paylab.run-id=" + id,
			"-paylab.progress=" + s.progress,
			"-ginkgo.no-color",
		}
		if o.terminalFile != "" {
			args = append(args, "-paylab.terminal="+o.terminalFile)
		}
		if s.filter != "" {
			args = append(args, "-ginkgo.label-filter="+s.filter)
		}
		if o.verbose {
			args = append(args, "-ginkgo.v")
		}
		logf, err := os.Create(s.log)
		if err != nil {
			stop()
			return fmt.Errorf("run: %w", err)
		}
		cmd := exec.CommandContext(ctx, suite, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if o.verbose && len(shards) == 1 {
			cmd.Stdout, cmd.Stderr = io.MultiWriter(logf, c.OutOrStdout()), io.MultiWriter(logf, errw)
		}
		if err := cmd.Start(); err != nil {
			logf.Close()
			stop()
			return fmt.Errorf("run: start suite: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.err = cmd.Wait()
			logf.Close()
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	watchProgress(errw, progress, start, finished)
	// finished is closed after wg.Wait: every waiting goroutine is done
	// with its shard from here on.

	// One run from the processes' reports.
	var runs []reports.Run
	for _, s := range shards {
		r, err := reports.ReadJSON(s.dir)
		if err != nil {
			tail := logTail(s.log, 15)
			return &exitError{code: 1, err: fmt.Errorf("run %s: suite process %d wrote no report (%v): %w\n%s", id, s.n, s.err, err, tail)}
		}
		runs = append(runs, r)
	}
	run, err := reports.Merge(runs...)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("run %s: %w", id, err)}
	}
	run.ID = id
	run.StartTime = start.UTC()
	run.EndTime = time.Now().UTC()
	run.Bench = benchIdentity(cfg, run.Bench)
	if o.labelFilter != "" {
		run.LabelFilter = o.labelFilter
		run.DropNotRun()
	}
	if mapping != nil {
		run.ApplyMapping(mapping)
	}
	paths, err := reports.WriteReports(dir, run)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	var shot string
	var shotErr error
	if o.screenshot {
		shot, shotErr = takeScreenshot(ctx, errw, dir)
	}
	// The manifest comes last, so it covers every file of the folder
	// (paylab report verify checks it).
	m, err := reports.WriteManifest(dir)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	printRunSummary(c.OutOrStdout(), run, cfg.Name)
	out := c.OutOrStdout()
	byName := map[string]string{}
	for _, p := range paths {
		byName[filepath.Base(p)] = p
	}
	for _, f := range []string{reports.HTMLFile, reports.JSONFile, reports.JUnitFile} {
		fmt.Fprintf(out, "report: %s\n", byName[f])
	}
	if shot != "" {
		fmt.Fprintf(out, "report: %s\n", shot)
	}
	fmt.Fprintf(out, "report: %s\n", m)
	if latest, err := linkLatest(filepath.Dir(dir), id); err == nil {
		fmt.Fprintf(out, "latest: %s\n", latest)
	}
	if shotErr != nil {
		return &exitError{code: 1, err: fmt.Errorf("run %s: %w", id, shotErr)}
	}
	if !selectedAny(run) {
		return &exitError{code: 1, err: fmt.Errorf("run %s: the label filter %q selects no case", id, o.labelFilter)}
	}
	if !run.Passed() {
		return &exitError{code: 1, err: fmt.Errorf("run %s: not every selected case passed", id)}
	}
	for _, s := range shards {
		if s.err != nil {
			return &exitError{code: 1, err: fmt.Errorf("run %s: suite process %d: %v\n%s", id, s.n, s.err, logTail(s.log, 15))}
		}
	}
	return nil
}

// planShards splits the run into n processes. Each process gets every
// n-th case ID of the plan (sorted, so areas spread over the processes)
// as a label filter, and the user's filter on top; one process gets the
// user's filter alone.
func planShards(plan reports.Plan, filter string, n int) []shard {
	if n == 1 {
		return []shard{{filter: filter}}
	}
	ids := make([]string, 0, len(plan.Cases))
	for id := range plan.Cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if n > len(ids) {
		n = len(ids)
	}
	groups := make([][]string, n)
	for i, id := range ids {
		groups[i%n] = append(groups[i%n], id)
	}
	out := make([]shard, n)
	for i, g := range groups {
		f := "(" + strings.Join(g, " || ") + ")"
		if filter != "" {
			f = "(" + filter + ") && " + f
		}
		out[i].filter = f
	}
	return out
}

// watchProgress tails the processes' progress files until finished is
// closed: on a terminal one status line redrawn in place, elsewhere a line
// per tenth of the run and one per failure. It reads nothing but the files
// it is given (the shards belong to runSuite and the waiting goroutines).
func watchProgress(w io.Writer, files []string, start time.Time, finished <-chan struct{}) {
	p := reports.NewProgress(start)
	readers := make([]*reports.ProgressReader, len(files))
	for i, f := range files {
		readers[i] = reports.NewProgressReader(f)
	}
	tty := isTerminal(w)
	lastStep := -1
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	poll := func() {
		for _, r := range readers {
			events, err := r.Next()
			p.Add(events...)
			if err != nil && !tty {
				fmt.Fprintf(w, "paylab: %v\n", err)
			}
			for _, e := range events {
				if e.Kind == reports.ProgressDone && (e.Verdict == reports.Failed || e.Verdict == reports.Errored) {
					if tty {
						fmt.Fprint(w, "\r\033[K")
					}
					fmt.Fprintf(w, "  %s %s  %s\n", strings.ToUpper(string(e.Verdict)), e.PlanID, e.Title)
				}
			}
		}
		now := time.Now()
		switch {
		case tty:
			fmt.Fprintf(w, "\r\033[K%s", p.Line(now))
		case p.Total > 0:
			if step := p.Done * 10 / p.Total; step != lastStep {
				lastStep = step
				fmt.Fprintln(w, p.Line(now))
			}
		}
	}
	for {
		select {
		case <-finished:
			poll()
			if tty {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "paylab: %d cases ran in %s\n", p.Done, time.Since(start).Round(10*time.Millisecond))
			return
		case <-tick.C:
			poll()
		}
	}
}

// lockedWriter serialises writes from several goroutines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// benchIdentity states the bench's devices as its configuration names
// them, with a serial scanner's USB identity when the port is there.
func benchIdentity(cfg bench.Config, fromSuite reports.Bench) reports.Bench {
	b := fromSuite
	b.Name = cfg.Name
	if cfg.Hosts.Mode != "" {
		b.Hosts = cfg.Hosts.Mode
	}
	if cfg.Reader.Driver != "" {
		b.Reader = &reports.ReaderIdentity{Driver: cfg.Reader.Driver, Name: cfg.Reader.Name}
		switch cfg.Reader.Driver {
		case "virtual":
			if cfg.Reader.Name == "" {
				b.Reader.Name = "in-process card emulator (fixtures/cards profiles)"
			}
		case "pcsc":
			// The reader's full PC/SC name and the ATR of the card in it
			// when the run ends (the bench's card).
			if full, err := pcsc.Resolve(cfg.Reader.Name); err == nil {
				b.Reader.Name = full
			}
			if present, atr, err := pcsc.NewReader(cfg.Reader.Name).Present(); err == nil && present {
				b.Reader.ATR = strings.ToUpper(hex.EncodeToString(atr))
			}
		}
	}
	if cfg.Scanner.Driver != "" {
		s := &reports.ScannerIdentity{Driver: cfg.Scanner.Driver, Port: cfg.Scanner.Port, Baud: cfg.Scanner.Baud}
		if s.Driver == "serial" && s.Port != "" {
			if ports, err := serial.Ports(); err == nil {
				for _, p := range ports {
					if p.Path == s.Port && p.IsUSB {
						s.VID, s.PID, s.Serial = p.VID, p.PID, p.SerialNumber
					}
				}
			}
		}
		b.Scanner = s
	}
	return b
}

func printRunSummary(w io.Writer, run reports.Run, benchName string) {
	fmt.Fprintf(w, "\nrun %s on bench %s: %s", run.ID, benchName, summaryLine(run))
	ran := run.Summary.Verdicts[reports.Passed] + run.Summary.Verdicts[reports.Failed] + run.Summary.Verdicts[reports.Errored]
	if ran > 0 {
		fmt.Fprintf(w, " (pass rate %.1f%%)", 100*float64(run.Summary.Verdicts[reports.Passed])/float64(ran))
	}
	fmt.Fprintln(w)
	for _, c := range run.Cases {
		switch c.Verdict {
		case reports.Failed, reports.Errored:
			fmt.Fprintf(w, "  %-7s %-18s %s\n", strings.ToUpper(string(c.Verdict)), c.PlanID, firstLineOf(c.Failure))
		case reports.NotApplicable:
			fmt.Fprintf(w, "  %-7s %-18s %s\n", "N/A", c.PlanID, c.Reason)
		}
	}
}

func selectedAny(r reports.Run) bool {
	for _, c := range r.Cases {
		if c.Verdict != reports.Skipped || c.Failure != "" {
			return true
		}
	}
	return false // none, or only cases the label filter left out
}

func firstLineOf(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}

func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// linkLatest points <out>/latest at the newest run folder.
func linkLatest(out, id string) (string, error) {
	p := filepath.Join(out, "latest")
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return "", errors.New("latest is not a link")
	}
	tmp := p + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(id, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return p, nil
}

// readMapping parses a mapping CSV and checks its IDs against the plan.
func readMapping(file string, plan reports.Plan) (*reports.Mapping, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	defer f.Close()
	m, err := reports.ParseMapping(file, f)
	if err != nil {
		return nil, err
	}
	if err := m.Check(plan); err != nil {
		return nil, err
	}
	return m, nil
}

// findSuite returns the compiled suite to run: the one named, the one
// installed beside paylab, or one built now from the source tree.
func findSuite(named string) (string, func(), error) {
	nop := func() {}
	if named != "" {
		if _, err := os.Stat(named); err != nil {
			return "", nop, fmt.Errorf("run: suite: %w", err)
		}
		return named, nop, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "scenarios.test")
		if _, err := os.Stat(p); err == nil {
			return p, nop, nil
		}
	}
	if _, err := os.Stat("scenarios/suite_test.go"); err != nil {
		return "", nop, errors.New("run: no compiled suite: pass --suite, or run from the paylab source tree")
	}
	tmp, err := os.MkdirTemp("", "paylab-suite-")
	if err != nil {
		return "", nop, fmt.Errorf("run: %w", err)
	}
	p := filepath.Join(tmp, "scenarios.test")
	build := exec.Command("go", "test", "-c", "-o", p, "./scenarios")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(tmp)
		return "", nop, fmt.Errorf("run: build suite: %w", err)
	}
	return p, func() { os.RemoveAll(tmp) }, nil
}

// newRunID names a run by its UTC start time plus a random suffix, so two
// shards started in the same second still get distinct folders.
func newRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
