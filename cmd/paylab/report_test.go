package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/reports"
)

func runReport(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"report"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

var start = time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)

// testRun is a run of n cases, the i-th with verdict v(i).
func testRun(id string, n int, v func(int) reports.Verdict) reports.Run {
	r := reports.Run{ID: id, Harness: "paylab test", Suite: "paylab scenarios", Bench: reports.Bench{Name: "emulated", Hosts: "in-process"},
		StartTime: start, EndTime: start.Add(time.Minute)}
	for i := range n {
		c := reports.Case{PlanID: fmt.Sprintf("EMV.CT.ODA.%03d", i+1), Flow: "EMV.CT", Title: fmt.Sprintf("case %d", i+1), Verdict: v(i), Duration: time.Duration(i+1) * time.Millisecond}
		if c.Verdict == reports.Failed {
			c.Failure = "TVR differs"
		}
		r.Cases = append(r.Cases, c)
	}
	return r
}

// writeBundle writes a run folder with its manifest under parent/name.
func writeBundle(t *testing.T, parent, name string, r reports.Run) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := reports.WriteJSON(dir, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evidence", "trace.txt"), []byte("C-APDU 00B2010C00\nR-APDU 70..9000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := reports.WriteManifest(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func allPass(int) reports.Verdict { return reports.Passed }

func TestReportVerify(t *testing.T) {
	dir := writeBundle(t, t.TempDir(), "run", testRun("r1", 5, allPass))
	out, errOut, code := runReport(t, "verify", dir)
	if code != 0 || !strings.Contains(out, "intact, 2 files, unsigned") {
		t.Fatalf("verify intact: exit %d\n%s%s", code, out, errOut)
	}

	// One byte flipped anywhere in any file: exit 1, the file named in one
	// line on stderr.
	for _, f := range []string{reports.JSONFile, "evidence/trace.txt", reports.ManifestFile} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		orig, _ := os.ReadFile(p)
		for _, pos := range []int{0, len(orig) / 2, len(orig) - 1} {
			b := bytes.Clone(orig)
			b[pos] ^= 0x04
			os.WriteFile(p, b, 0o644)
			_, errOut, code := runReport(t, "verify", dir)
			if code != 1 || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%s byte %d: exit %d, stderr %q", f, pos, code, errOut)
			}
			if f != reports.ManifestFile && !strings.Contains(errOut, f+": altered") {
				t.Errorf("%s byte %d: stderr %q does not name the file", f, pos, errOut)
			}
		}
		os.WriteFile(p, orig, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "added.txt"), []byte("x"), 0o644)
	if _, errOut, code := runReport(t, "verify", dir); code != 1 || !strings.Contains(errOut, "added.txt: added") {
		t.Errorf("added file: exit %d, %q", code, errOut)
	}
	os.Remove(filepath.Join(dir, "added.txt"))
	os.Remove(filepath.Join(dir, "evidence", "trace.txt"))
	if _, errOut, code := runReport(t, "verify", dir); code != 1 || !strings.Contains(errOut, "evidence/trace.txt: missing") {
		t.Errorf("deleted file: exit %d, %q", code, errOut)
	}

	// Bad inputs: exit 2.
	for name, args := range map[string][]string{
		"no folder":      {"verify", filepath.Join(t.TempDir(), "none")},
		"no argument":    {"verify"},
		"bad key file":   {"verify", dir, "--pubkey", filepath.Join(dir, reports.JSONFile)},
		"no key file":    {"verify", dir, "--pubkey", filepath.Join(t.TempDir(), "none.pub")},
		"two arguments":  {"verify", dir, dir},
		"unknown option": {"verify", "--frobnicate", dir},
	} {
		if _, errOut, code := runReport(t, args...); code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestReportSignAndVerify(t *testing.T) {
	tmp := t.TempDir()
	prefix := filepath.Join(tmp, "lab") // TEST KEY, generated per test run
	if out, errOut, code := runReport(t, "keygen", "--out", prefix); code != 0 {
		t.Fatalf("keygen: exit %d\n%s%s", code, out, errOut)
	}
	if st, err := os.Stat(prefix + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private key file: %v %v", st.Mode(), err)
	}
	if _, _, code := runReport(t, "keygen", "--out", prefix); code != 2 {
		t.Errorf("keygen over an existing key: exit %d, want 2", code)
	}
	dir := writeBundle(t, tmp, "run", testRun("r1", 3, allPass))
	if _, errOut, code := runReport(t, "verify", dir, "--pubkey", prefix+".pub"); code != 1 || !strings.Contains(errOut, "unsigned") {
		t.Errorf("unsigned bundle with --pubkey: exit %d, %q", code, errOut)
	}
	if out, errOut, code := runReport(t, "sign", dir, "--key", prefix+".key"); code != 0 {
		t.Fatalf("sign: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runReport(t, "verify", dir, "--pubkey", prefix+".pub"); code != 0 || !strings.Contains(out, "signature verified") {
		t.Fatalf("signed: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{reports.ManifestFile, reports.SignatureFile} {
		p := filepath.Join(dir, f)
		orig, _ := os.ReadFile(p)
		for _, pos := range []int{0, len(orig) - 1} {
			b := bytes.Clone(orig)
			b[pos] ^= 0x80
			os.WriteFile(p, b, 0o644)
			if _, errOut, code := runReport(t, "verify", dir, "--pubkey", prefix+".pub"); code != 1 || !strings.Contains(errOut, "bad signature") {
				t.Errorf("%s byte %d: exit %d, %q", f, pos, code, errOut)
			}
		}
		os.WriteFile(p, orig, 0o644)
	}
	// sign never blesses an altered folder.
	os.WriteFile(filepath.Join(dir, reports.JSONFile), []byte("{}\n"), 0o644)
	if _, errOut, code := runReport(t, "sign", dir, "--key", prefix+".key"); code != 1 || !strings.Contains(errOut, "report.json: altered") {
		t.Errorf("sign altered bundle: exit %d, %q", code, errOut)
	}
}

func TestReportMerge(t *testing.T) {
	tmp := t.TempDir()
	verdict := func(i int) reports.Verdict {
		return []reports.Verdict{reports.Passed, reports.Failed, reports.Errored, reports.Passed}[i%4]
	}
	whole := testRun("whole", 8, verdict)
	shard := func(id string, keep func(int) bool) reports.Run {
		r := testRun(id, 8, verdict)
		for i := range r.Cases {
			if !keep(i) { // what ginkgo reports for a spec a label filter left out
				r.Cases[i].Verdict, r.Cases[i].Failure, r.Cases[i].Duration = reports.Skipped, "", 0
			}
		}
		return r
	}
	a := writeBundle(t, tmp, "a", shard("shard-a", func(i int) bool { return i < 5 }))
	b := writeBundle(t, tmp, "b", shard("shard-b", func(i int) bool { return i >= 5 }))
	out := filepath.Join(tmp, "merged")
	stdout, errOut, code := runReport(t, "merge", "--out", out, a, b)
	if code != 0 || !strings.Contains(stdout, "merged 2 runs into run shard-a+shard-b: 8 cases, 4 passed, 2 failed, 2 error") {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, errOut)
	}
	m, err := reports.ReadJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Cases, whole.Cases) {
		t.Errorf("merged cases differ from the whole run:\n got %+v\nwant %+v", m.Cases, whole.Cases)
	}
	if v := m.Summary.Verdicts; m.Summary.Total != 8 || v[reports.Passed] != 4 || v[reports.Failed] != 2 || v[reports.Errored] != 2 {
		t.Errorf("merged summary = %+v", m.Summary)
	}
	if _, errOut, code := runReport(t, "verify", out); code != 0 {
		t.Errorf("merged bundle does not verify: %s", errOut)
	}

	for name, args := range map[string][]string{
		"out not empty":  {"merge", "--out", out, a, b},
		"no --out":       {"merge", a, b},
		"no input":       {"merge", "--out", filepath.Join(tmp, "x")},
		"missing input":  {"merge", "--out", filepath.Join(tmp, "y"), a, filepath.Join(tmp, "none")},
		"other bench":    {"merge", "--out", filepath.Join(tmp, "z"), a, writeBundle(t, tmp, "lab", func() reports.Run { r := whole; r.Bench.Name = "lab-1"; return r }())},
		"two verdicts":   {"merge", "--out", filepath.Join(tmp, "w"), a, writeBundle(t, tmp, "allpass", testRun("p", 8, allPass))},
		"bad key":        {"merge", "--out", filepath.Join(tmp, "v"), "--key", filepath.Join(a, reports.JSONFile), a},
		"unsigned input": {"merge", "--out", filepath.Join(tmp, "u"), "--pubkey", filepath.Join(a, reports.JSONFile), a},
	} {
		if _, errOut, code := runReport(t, args...); code != 2 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}

	// An altered shard is refused (exit 1), not laundered into a new bundle.
	os.WriteFile(filepath.Join(b, reports.JSONFile), bytes.Replace(must(os.ReadFile(filepath.Join(b, reports.JSONFile))), []byte(`"failed"`), []byte(`"passed"`), 1), 0o644)
	if _, errOut, code := runReport(t, "merge", "--out", filepath.Join(tmp, "t"), a, b); code != 1 || !strings.Contains(errOut, "report.json: altered") {
		t.Errorf("altered shard: exit %d, %q", code, errOut)
	}
	// A folder without a manifest is merged with a warning.
	b = writeBundle(t, tmp, "b2", shard("shard-b", func(i int) bool { return i >= 5 }))
	os.Remove(filepath.Join(b, reports.ManifestFile))
	s := filepath.Join(tmp, "s")
	if _, errOut, code := runReport(t, "merge", "--out", s, a, b); code != 0 || !strings.Contains(errOut, "warning: "+b+" has no") {
		t.Errorf("shard without manifest: exit %d, %q", code, errOut)
	}
	if m, err := reports.ReadJSON(s); err != nil || !reflect.DeepEqual(m.Cases, whole.Cases) {
		t.Errorf("merged without manifest: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestReportDiff(t *testing.T) {
	tmp := t.TempDir()
	a := writeBundle(t, tmp, "a", testRun("monday", 4, allPass))
	tue := testRun("tuesday", 5, allPass)
	tue.Cases[1].Verdict, tue.Cases[1].Failure = reports.Failed, "SDAD does not verify\nat oda.go:12"
	tue.Cases[2].Duration = 40 * time.Millisecond
	b := writeBundle(t, tmp, "b", tue)

	stdout, errOut, code := runReport(t, "diff", a, filepath.Join(b, reports.JSONFile))
	if code != 0 {
		t.Fatalf("diff: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"from run monday (4 cases, 4 passed)",
		"newly failing (1):\n  EMV.CT.ODA.002     passed → failed  case 2\n",
		"SDAD does not verify\n",
		"added (1):",
		"slower (1):\n  EMV.CT.ODA.003     3ms → 40ms (13.3×)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff output lacks %q:\n%s", want, stdout)
		}
	}
	if stdout, _, code := runReport(t, "diff", "--ratio", "20", a, b); code != 0 || strings.Contains(stdout, "slower") {
		t.Errorf("--ratio 20: exit %d\n%s", code, stdout)
	}
	if stdout, _, code := runReport(t, "diff", a, a); code != 0 || !strings.Contains(stdout, "no change") {
		t.Errorf("same run: exit %d\n%s", code, stdout)
	}
	for name, args := range map[string][]string{
		"one run":     {"diff", a},
		"missing run": {"diff", a, filepath.Join(tmp, "none")},
		"not a run":   {"diff", a, filepath.Join(a, reports.ManifestFile)},
		"ratio < 1":   {"diff", "--ratio", "0.5", a, b},
		"bad min":     {"diff", "--min", "soon", a, b},
	} {
		if _, errOut, code := runReport(t, args...); code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}
