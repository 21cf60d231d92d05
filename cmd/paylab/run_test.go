package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/bench"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/reports"
)

var (
	suiteOnce sync.Once
	suiteBin  string
	suiteErr  error
)

// compiledSuite builds the scenario suite once for the run tests.
func compiledSuite(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the scenario suite")
	}
	suiteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paylab-run-test-")
		if err != nil {
			suiteErr = err
			return
		}
		suiteBin = filepath.Join(dir, "scenarios.test")
		out, err := exec.Command("go", "test", "-c", "-o", suiteBin, "../../scenarios").CombinedOutput()
		if err != nil {
			suiteErr = err
			suiteBin = string(out)
		}
	})
	if suiteErr != nil {
		t.Fatalf("build suite: %v\n%s", suiteErr, suiteBin)
	}
	return suiteBin
}

func runPaylab(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// runDir is the run folder `paylab run` printed.
func runDir(t *testing.T, stdout string) string {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if p, ok := strings.CutPrefix(l, "report: "); ok && strings.HasSuffix(p, reports.JSONFile) {
			return filepath.Dir(p)
		}
	}
	t.Fatalf("no report path printed:\n%s", stdout)
	return ""
}

func verdicts(r reports.Run) map[string]reports.Verdict {
	m := map[string]reports.Verdict{}
	for _, c := range r.Cases {
		m[c.PlanID] = c.Verdict
	}
	return m
}

// One process and two processes give the same cases and verdicts, the
// terminal profile without offline enciphered PIN makes EMV.CT.CVM.001 not
// applicable (and the run still passes), the mapping puts the scheme's IDs
// beside paylab's, and the folder is a bundle that verifies.
func TestRunOneAndTwoProcesses(t *testing.T) {
	suite := compiledSuite(t)
	out := t.TempDir()
	common := []string{"run", "--suite", suite, "--bench", "../../fixtures/benches/emulated.yaml", "--out", out,
		"--label-filter", "flow:EMV.CT", "--terminal", "../../scenarios/labels/testdata/terminals/no-offline-enciphered-pin.yaml",
		"--mapping", "testdata/scheme-x.csv"}
	var runs []reports.Run
	for _, procs := range []string{"1", "2"} {
		stdout, stderr, code := runPaylab(t, append(common, "--procs", procs)...)
		if code != 0 {
			t.Fatalf("procs %s: exit %d\n%s\n%s", procs, code, stdout, stderr)
		}
		for _, want := range []string{reports.HTMLFile, reports.JSONFile, reports.JUnitFile, reports.ManifestFile} {
			if !strings.Contains(stdout, "report: ") || !strings.Contains(stdout, want) {
				t.Errorf("procs %s: stdout lacks the path of %s:\n%s", procs, want, stdout)
			}
		}
		if !strings.Contains(stderr, "cases ran in") || !strings.Contains(stderr, " passed") {
			t.Errorf("procs %s: no progress on stderr:\n%s", procs, stderr)
		}
		dir := runDir(t, stdout)
		if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
			t.Errorf("procs %s: %v", procs, err)
		}
		r, err := reports.ReadJSON(dir)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
		var na reports.Case
		for _, c := range r.Cases {
			if c.PlanID == "EMV.CT.CVM.001" {
				na = c
			}
		}
		if na.Verdict != reports.NotApplicable || !strings.Contains(na.Reason, "Enciphered PIN for offline verification") ||
			len(na.SchemeIDs) != 1 || na.SchemeIDs[0] != "X-CVM-07" {
			t.Errorf("procs %s: EMV.CT.CVM.001 = %+v", procs, na)
		}
		if r.Mapping == nil || r.Mapping.Rows != 3 || r.Bench.Terminal == nil || r.Bench.Terminal.Capabilities != "E0E8C8" || r.Bench.Reader == nil {
			t.Errorf("procs %s: mapping %+v, bench %+v", procs, r.Mapping, r.Bench)
		}
		expectNoFullPAN(t, dir)
		html, _ := os.ReadFile(filepath.Join(dir, reports.HTMLFile))
		junit, _ := os.ReadFile(filepath.Join(dir, reports.JUnitFile))
		if !bytes.Contains(html, []byte("X-CVM-07")) || !bytes.Contains(junit, []byte(`message="not applicable: terminal profile`)) {
			t.Errorf("procs %s: scheme ID or not-applicable reason missing from report.html / junit.xml", procs)
		}
	}
	a, b := verdicts(runs[0]), verdicts(runs[1])
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("one process: %d cases, two: %d", len(a), len(b))
	}
	var diff []string
	for id, v := range a {
		if b[id] != v {
			diff = append(diff, id+": "+string(v)+" vs "+string(b[id]))
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("verdicts differ between one and two processes: %v", diff)
	}
	if runs[0].Summary.Verdicts[reports.Passed] < 100 {
		t.Errorf("summary = %+v", runs[0].Summary)
	}
}

// expectNoFullPAN fails when a file of the run folder holds the full PAN
// of a card profile (DESIGN.md: first six and last four digits at most).
func expectNoFullPAN(t *testing.T, dir string) {
	t.Helper()
	names, err := card.Profiles()
	if err != nil || len(names) == 0 {
		t.Fatalf("card profiles: %v", err)
	}
	var pans []string
	for _, n := range names {
		p, err := card.LoadProfile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Apps {
			pans = append(pans, a.PAN)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, pan := range pans {
			if bytes.Contains(b, []byte(pan)) {
				t.Errorf("%s holds a full PAN (%s)", e.Name(), emv.MaskPAN(pan))
			}
		}
	}
}

func TestRunExitStatus(t *testing.T) {
	// A bad mapping is a bad input: exit 2, the line named, before any run.
	_, stderr, code := runPaylab(t, "run", "--bench", "../../fixtures/benches/emulated.yaml", "--out", t.TempDir(), "--mapping", "testdata/bad-mapping.csv")
	if code != 2 || !strings.Contains(stderr, "bad-mapping.csv: line 3, paylab_id") {
		t.Errorf("bad mapping: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runPaylab(t, "run", "--procs", "0"); code != 2 || !strings.Contains(stderr, "--procs 0") {
		t.Errorf("--procs 0: exit %d, %q", code, stderr)
	}

	// A filter that selects nothing is not a pass.
	suite := compiledSuite(t)
	stdout, stderr, code := runPaylab(t, "run", "--suite", suite, "--bench", "../../fixtures/benches/emulated.yaml", "--out", t.TempDir(),
		"--label-filter", "NO.SUCH.LABEL")
	if code != 1 || !strings.Contains(stderr, "selects no case") {
		t.Errorf("empty selection: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// A PC/SC bench states the reader's full name and the ATR of its card
// (when pcscd runs with a reader; vpcd in CI).
func TestBenchIdentityPCSC(t *testing.T) {
	cfg := bench.Config{Name: "lab", Reader: bench.ReaderConfig{Driver: "pcsc", Name: "Virtual PCD"},
		Scanner: bench.ScannerConfig{Driver: "serial", Port: "/dev/ttyACM9", Baud: 115200}, Hosts: bench.HostsConfig{Mode: "container"}}
	b := benchIdentity(cfg, reports.Bench{Name: "lab", Hosts: "in-process"})
	if b.Hosts != "container" || b.Scanner == nil || b.Scanner.Port != "/dev/ttyACM9" || b.Scanner.Baud != 115200 || b.Reader.Driver != "pcsc" {
		t.Fatalf("bench = %+v", b)
	}
	if _, err := pcsc.Readers(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: no PC/SC: %v", err)
		}
		t.Skip(err)
	}
	if !strings.HasPrefix(b.Reader.Name, "Virtual PCD ") {
		t.Errorf("reader = %+v, want the full PC/SC name", b.Reader)
	}
	if present, _, _ := pcsc.NewReader("Virtual PCD").Present(); present && !strings.HasPrefix(b.Reader.ATR, "3B") {
		t.Errorf("reader ATR = %q", b.Reader.ATR)
	}
}

// Suite processes that end while paylab run still tails their progress:
// the processes' waiting goroutines and the progress watcher share no
// state (go test -race), and a process that wrote no report fails the run
// with the tail of its output. No compiled suite needed: a script stands
// in for it.
func TestRunSuiteProcessWithoutReport(t *testing.T) {
	suite := filepath.Join(t.TempDir(), "scenarios.test")
	script := "#!/bin/sh\necho \"suite says: no bench today\" >&2\nexit 3\n"
	if err := os.WriteFile(suite, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, procs := range []string{"1", "3"} {
		stdout, stderr, code := runPaylab(t, "run", "--suite", suite, "--bench", "../../fixtures/benches/emulated.yaml",
			"--out", t.TempDir(), "--procs", procs)
		if code != 1 || !strings.Contains(stderr, "wrote no report") || !strings.Contains(stderr, "suite says: no bench today") ||
			!strings.Contains(stderr, "cases ran in") {
			t.Errorf("procs %s: exit %d\n%s\n%s", procs, code, stdout, stderr)
		}
	}
}
