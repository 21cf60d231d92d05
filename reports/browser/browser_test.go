package browser_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paylab/paylab/reports"
	"github.com/paylab/paylab/reports/browser"
)

// needBrowser skips without Chromium, except in CI where a missing browser
// is a failure (ci/setup.d/40-chromium.sh installs it).
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := browser.Find(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: %v", err)
		}
		t.Skip(err)
	}
}

func sampleRun() reports.Run {
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	r := reports.Run{ID: "20261128T090000Z-abcdef", Harness: "paylab test", Suite: "paylab scenarios",
		Bench:     reports.Bench{Name: "emulated", Hosts: "in-process", Reader: &reports.ReaderIdentity{Driver: "virtual"}},
		StartTime: start, EndTime: start.Add(3 * time.Second)}
	add := func(id, flow string, v reports.Verdict) {
		c := reports.Case{PlanID: id, Flow: flow, Title: "case " + id, Verdict: v, Duration: 12 * time.Millisecond,
			Labels:   []string{id, "flow:" + flow},
			Evidence: []reports.Evidence{{Name: "APDU transcript (masked)", Value: "C-APDU 00A4040007F0544553541010\nR-APDU 6F..9000"}}}
		switch v {
		case reports.Failed:
			c.Failure = "Expected <string>: 0000\nto equal 8000"
		case reports.NotApplicable:
			c.Reason = "terminal lacks offline enciphered PIN"
		}
		r.Cases = append(r.Cases, c)
	}
	add("EMV.CT.ODA.001", "EMV.CT", reports.Passed)
	add("EMV.CT.ODA.002", "EMV.CT", reports.Failed)
	add("EMV.CT.CVM.001", "EMV.CT", reports.NotApplicable)
	add("EMV.CRY.TLV.001", "EMV.CRY", reports.Passed)
	add("EMV.CRY.TLV.002", "EMV.CRY", reports.Passed)
	return r
}

func TestCheckReportPage(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	p, err := reports.WriteHTML(dir, sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	res, err := browser.Check(context.Background(), p, browser.Options{})
	if err != nil {
		t.Fatalf("Check = %v (result %+v)", err, res)
	}
	if res.Cases != 5 {
		t.Errorf("cases = %d, want 5", res.Cases)
	}
	if len(res.Filters) < 3 {
		t.Errorf("filters clicked = %+v, want a verdict on and off and a label", res.Filters)
	}
	// The rarest verdict is clicked: one failed (or one not-applicable) row.
	if f := res.Filters[0]; f.Want != 1 || f.Visible != 1 {
		t.Errorf("first filter = %+v", f)
	}
	png, err := os.ReadFile(filepath.Join(dir, reports.ScreenshotFile))
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
}

// A page whose script throws, or that fetches a resource, is refused.
func TestCheckCatchesBrokenPage(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	p, err := reports.WriteHTML(dir, sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	broken := append([]byte(nil), b...)
	broken = append(broken, []byte(`<script>null.boom();</script><img src="https://example.invalid/x.png">`)...)
	if err := os.WriteFile(p, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = browser.Check(context.Background(), p, browser.Options{Screenshot: "-"})
	var pe *browser.PageError
	if !errors.As(err, &pe) {
		t.Fatalf("Check = %v, want a *PageError", err)
	}
	var console, fetch bool
	for _, pr := range pe.Problems {
		console = console || (len(pr) > 8 && pr[:8] == "console:")
		fetch = fetch || (len(pr) > 7 && pr[:7] == "fetches")
	}
	if !console || !fetch {
		t.Errorf("problems = %q, want a console error and a fetch", pe.Problems)
	}
}

func TestCheckWithoutBrowser(t *testing.T) {
	t.Setenv("PAYLAB_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	page, err := reports.WriteHTML(t.TempDir(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := browser.Check(context.Background(), page, browser.Options{}); !errors.Is(err, browser.ErrNoBrowser) {
		t.Fatalf("Check without a browser = %v, want ErrNoBrowser", err)
	}
}
