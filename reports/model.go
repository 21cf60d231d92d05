package reports

import (
	"regexp"
	"time"
)

// Verdict is a case's result as a certification report states it.
type Verdict string

const (
	Passed        Verdict = "passed"
	Failed        Verdict = "failed"
	Skipped       Verdict = "skipped"
	NotApplicable Verdict = "not-applicable"
	Errored       Verdict = "error" // panicked, interrupted or aborted: the harness, not the DUT, failed
)

// Run is one execution of the scenario suite on one bench.
type Run struct {
	ID        string    `json:"id"`
	Harness   string    `json:"harness"` // harness name and version
	Suite     string    `json:"suite"`
	Bench     Bench     `json:"bench"`
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	Summary   Summary   `json:"summary"`
	Cases     []Case    `json:"cases"`
}

// Bench names the devices and hosts a run used.
type Bench struct {
	Name    string            `json:"name"`
	Devices map[string]string `json:"devices,omitempty"` // role → identity (reader name and ATR, scanner port and VID/PID)
	Hosts   string            `json:"hosts,omitempty"`   // in-process | process | container | external
}

// Summary counts cases per verdict.
type Summary struct {
	Total    int             `json:"total"`
	Verdicts map[Verdict]int `json:"verdicts"`
}

// Case is one spec of the suite, as a test-plan case.
type Case struct {
	PlanID   string        `json:"plan_id"` // FLOW.AREA.NNN
	Flow     string        `json:"flow"`
	Title    string        `json:"title"`
	Labels   []string      `json:"labels,omitempty"`
	Verdict  Verdict       `json:"verdict"`
	Duration time.Duration `json:"duration_ns"`
	Failure  string        `json:"failure,omitempty"`
	Location string        `json:"location,omitempty"`
	// Evidence is what the spec recorded with ginkgo's AddReportEntry:
	// requirement references, expected and actual values, traces. Values
	// are masked by the recorder before they reach the report.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is one named piece of a case's evidence.
type Evidence struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// planIDPattern is the form of a test-plan ID (DESIGN.md, Test-plan IDs).
var planIDPattern = regexp.MustCompile(`^[A-Z]+(\.[A-Z]+)+\.[0-9]{3}$`)

// IsPlanID reports whether s has the form FLOW.AREA.NNN.
func IsPlanID(s string) bool { return planIDPattern.MatchString(s) }

func (r *Run) summarise() {
	r.Summary = Summary{Total: len(r.Cases), Verdicts: map[Verdict]int{}}
	for _, c := range r.Cases {
		r.Summary.Verdicts[c.Verdict]++
	}
}
