package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/reports"
)

func mkCase(id string, v reports.Verdict, d time.Duration) reports.Case {
	c := reports.Case{PlanID: id, Flow: "EMV.CT", Title: "title of " + id, Verdict: v, Duration: d}
	if v == reports.Failed {
		c.Failure = "Expected TVR 0000008000 to equal 0000000000\nmore detail"
	}
	return c
}

func ids(cs []reports.Case) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.PlanID)
	}
	return strings.Join(s, ",")
}

func changeIDs(cs []reports.Change) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.After.PlanID)
	}
	return strings.Join(s, ",")
}

func TestDiff(t *testing.T) {
	ms := time.Millisecond
	a := reports.Run{ID: "a", Cases: []reports.Case{
		mkCase("EMV.CT.ODA.001", reports.Passed, 5*ms),        // → failed
		mkCase("EMV.CT.ODA.002", reports.Failed, 5*ms),        // → passed
		mkCase("EMV.CT.ODA.003", reports.Passed, 5*ms),        // → removed
		mkCase("EMV.CT.ODA.004", reports.Passed, 20*ms),       // → 30 ms: 1.5×, +10 ms: slower
		mkCase("EMV.CT.ODA.005", reports.Passed, 2*ms),        // → 11 ms: 5.5× but +9 ms: not slower
		mkCase("EMV.CT.ODA.006", reports.Passed, 100*ms),      // → 149 ms: 1.49×: not slower
		mkCase("EMV.CT.ODA.007", reports.Passed, 5*ms),        // → not applicable
		mkCase("EMV.CT.ODA.008", reports.Errored, 0),          // → failed: still failing, no change listed
		mkCase("EMV.CT.ODA.009", reports.Skipped, 0),          // → errored: newly failing
		mkCase("EMV.CT.ODA.010", reports.Passed, time.Second), // → 900 ms: faster
	}}
	b := reports.Run{ID: "b", Cases: []reports.Case{
		mkCase("EMV.CT.ODA.010", reports.Passed, 900*ms),
		mkCase("EMV.CT.ODA.009", reports.Errored, 0),
		mkCase("EMV.CT.ODA.008", reports.Failed, 0),
		mkCase("EMV.CT.ODA.007", reports.NotApplicable, 0),
		mkCase("EMV.CT.ODA.006", reports.Passed, 149*ms),
		mkCase("EMV.CT.ODA.005", reports.Passed, 11*ms),
		mkCase("EMV.CT.ODA.004", reports.Passed, 30*ms),
		mkCase("EMV.CT.ODA.002", reports.Passed, 5*ms),
		mkCase("EMV.CT.ODA.001", reports.Failed, 50*ms),
		mkCase("EMV.CT.ODA.011", reports.Failed, 5*ms),
	}}
	d := reports.Diff(a, b)
	for name, got := range map[string][2]string{
		"newly failing": {changeIDs(d.NewlyFailing), "EMV.CT.ODA.001,EMV.CT.ODA.009"},
		"newly passing": {changeIDs(d.NewlyPassing), "EMV.CT.ODA.002"},
		"changed":       {changeIDs(d.Changed), "EMV.CT.ODA.007,EMV.CT.ODA.008"},
		"added":         {ids(d.Added), "EMV.CT.ODA.011"},
		"removed":       {ids(d.Removed), "EMV.CT.ODA.003"},
		"slower":        {changeIDs(d.Slower), "EMV.CT.ODA.001,EMV.CT.ODA.004"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %s, want %s", name, got[0], got[1])
		}
	}
	if d.Empty() {
		t.Error("Empty() = true")
	}

	// A looser threshold finds the 1.49× case too.
	loose := reports.DiffWith(a, b, reports.DiffOptions{SlowerRatio: 1.4, SlowerMin: 10 * ms})
	if got := changeIDs(loose.Slower); got != "EMV.CT.ODA.001,EMV.CT.ODA.004,EMV.CT.ODA.006" {
		t.Errorf("slower at 1.4× = %s", got)
	}

	var out bytes.Buffer
	if err := reports.WriteDelta(&out, a, b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"from run a (10 cases, 7 passed, 1 failed, 1 error, 1 skipped)",
		"newly failing (2):",
		"EMV.CT.ODA.001     passed → failed  title of EMV.CT.ODA.001",
		"Expected TVR 0000008000 to equal 0000000000\n",
		"newly passing (1):",
		"verdict changed (2):",
		"added (1):\n  EMV.CT.ODA.011     failed  title of EMV.CT.ODA.011",
		"removed (1):",
		"slower (2):",
		"EMV.CT.ODA.004     20ms → 30ms (1.5×)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteDelta lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "more detail") {
		t.Errorf("WriteDelta printed more than the failure's first line:\n%s", out.String())
	}
}

func TestDiffSameRun(t *testing.T) {
	whole, _ := wholeRun()
	d := reports.Diff(whole, whole)
	if !d.Empty() {
		t.Errorf("Diff(run, run) = %+v", d)
	}
	var out bytes.Buffer
	reports.WriteDelta(&out, whole, whole, d)
	if !strings.Contains(out.String(), "no change") {
		t.Errorf("WriteDelta:\n%s", out.String())
	}
}
