package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/bench"
	"github.com/paylab/paylab/reports"
)

// runOptions are the flags of paylab run; the defaults are the emulated
// bench and reports/out, which is what `make demo` uses.
type runOptions struct {
	suite       string
	benchFile   string
	out         string
	labelFilter string
	verbose     bool
}

func newRunCmd() *cobra.Command {
	o := runOptions{}
	c := &cobra.Command{
		Use:   "run",
		Short: "run the compiled scenario suite on a bench and write the report",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSuite(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.suite, "suite", "", "compiled scenario suite (default: scenarios.test beside paylab, else built with go test -c ./scenarios)")
	f.StringVar(&o.benchFile, "bench", "fixtures/benches/emulated.yaml", "bench configuration file")
	f.StringVar(&o.out, "out", "reports/out", "folder that receives <run-id>/")
	f.StringVar(&o.labelFilter, "label-filter", "", "ginkgo label filter, e.g. 'flow:EMV.CRY && !EMV.CRY.SM.004'")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print every spec as it runs")
	return c
}

func runSuite(c *cobra.Command, o runOptions) error {
	cfg, err := bench.LoadConfig(o.benchFile)
	if err != nil {
		return err
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
	args := []string{
		"-paylab.report-dir=" + dir,
		"-paylab.bench=" + cfg.Name,
		"-paylab.run-id=" + id,
		"-ginkgo.no-color",
	}
	if o.labelFilter != "" {
		args = append(args, "-ginkgo.label-filter="+o.labelFilter)
	}
	if o.verbose {
		args = append(args, "-ginkgo.v")
	}
	cmd := exec.CommandContext(c.Context(), suite, args...)
	cmd.Stdout, cmd.Stderr = c.OutOrStdout(), c.ErrOrStderr()
	suiteErr := cmd.Run()

	run, err := reports.ReadJSON(dir)
	if err != nil {
		return fmt.Errorf("run: the suite wrote no report (%v): %w", suiteErr, err)
	}
	// The manifest comes last, so it also covers whatever the suite wrote
	// after its report (paylab report verify checks it).
	if _, err := reports.WriteManifest(dir); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	out := c.OutOrStdout()
	fmt.Fprintf(out, "\nrun %s on bench %s: %d cases", run.ID, cfg.Name, run.Summary.Total)
	for _, v := range []reports.Verdict{reports.Passed, reports.Failed, reports.Errored, reports.Skipped, reports.NotApplicable} {
		if n := run.Summary.Verdicts[v]; n > 0 {
			fmt.Fprintf(out, ", %d %s", n, v)
		}
	}
	fmt.Fprintln(out)
	for _, f := range []string{reports.JSONFile, reports.JUnitFile, reports.ManifestFile} {
		fmt.Fprintf(out, "report: %s\n", filepath.Join(dir, f))
	}
	if suiteErr != nil {
		return &exitError{code: 1, err: fmt.Errorf("run %s: not every case passed (%v)", id, suiteErr)}
	}
	return nil
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
