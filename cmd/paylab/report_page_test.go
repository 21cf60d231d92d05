package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paylab/paylab/reports"
	"github.com/paylab/paylab/reports/browser"
)

func TestReportMap(t *testing.T) {
	dir := writeBundle(t, t.TempDir(), "run", testRun("r1", 5, allPass))
	out, errOut, code := runReport(t, "map", dir, "testdata/scheme-x.csv")
	if code != 0 {
		t.Fatalf("map: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "mapped 1 of 5 cases to 3 scheme case IDs (scheme-x.csv)") {
		t.Errorf("stdout = %q", out)
	}
	if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
		t.Errorf("after map: %v", err)
	}
	r, _ := reports.ReadJSON(dir)
	if r.Cases[2].SchemeIDs[0] != "X-ODA-12" || r.Mapping.Scheme != "Scheme X 6.1" {
		t.Errorf("case 3 = %+v, mapping %+v", r.Cases[2], r.Mapping)
	}
	html, _ := os.ReadFile(filepath.Join(dir, reports.HTMLFile))
	if !strings.Contains(string(html), "X-ODA-12") {
		t.Error("report.html lacks the scheme ID")
	}

	// A bad CSV names its line; an altered bundle is not re-hashed.
	if _, errOut, code := runReport(t, "map", dir, "testdata/bad-mapping.csv"); code != 2 || !strings.Contains(errOut, "line 3") {
		t.Errorf("bad mapping: exit %d, %q", code, errOut)
	}
	os.WriteFile(filepath.Join(dir, reports.JSONFile), []byte("{}\n"), 0o644)
	if _, errOut, code := runReport(t, "map", dir, "testdata/scheme-x.csv"); code != 1 || !strings.Contains(errOut, "report.json: altered") {
		t.Errorf("altered bundle: exit %d, %q", code, errOut)
	}
}

func TestReportMergeWritesEveryReport(t *testing.T) {
	parent := t.TempDir()
	a := writeBundle(t, parent, "a", testRun("r1", 3, allPass))
	b := writeBundle(t, parent, "b", testRun("r1", 3, allPass))
	out := filepath.Join(parent, "merged")
	if o, e, code := runReport(t, "merge", "--out", out, a, b); code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", code, o, e)
	}
	for _, f := range []string{reports.JSONFile, reports.JUnitFile, reports.HTMLFile, reports.ManifestFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if err := reports.Verify(out, reports.VerifyOptions{}); err != nil {
		t.Error(err)
	}
}

func TestReportScreenshot(t *testing.T) {
	if _, err := browser.Find(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: %v", err)
		}
		t.Skip(err)
	}
	dir := writeBundle(t, t.TempDir(), "run", testRun("r1", 6, func(i int) reports.Verdict {
		if i == 4 {
			return reports.Failed
		}
		return reports.Passed
	}))
	if _, err := reports.WriteReports(dir, mustRead(t, dir)); err != nil {
		t.Fatal(err)
	}
	reports.WriteManifest(dir)
	out, errOut, code := runReport(t, "screenshot", dir)
	if code != 0 || !strings.Contains(out, reports.ScreenshotFile) || !strings.Contains(errOut, `verdict "failed" 1/6 rows`) {
		t.Fatalf("screenshot: exit %d\n%s%s", code, out, errOut)
	}
	if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
		t.Errorf("report.png not covered by the manifest: %v", err)
	}

	// Without a browser: skipped outside CI, a failure in CI.
	t.Setenv("PAYLAB_CHROMIUM", filepath.Join(t.TempDir(), "none"))
	t.Setenv("CI", "true")
	if _, errOut, code := runReport(t, "screenshot", dir); code == 0 || !strings.Contains(errOut, "CI=true") {
		t.Errorf("CI without browser: exit %d, %q", code, errOut)
	}
}

func mustRead(t *testing.T, dir string) reports.Run {
	t.Helper()
	r, err := reports.ReadJSON(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
