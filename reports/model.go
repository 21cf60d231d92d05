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
	NotApplicable Verdict = "not-applicable" // the terminal's capabilities rule the case out; Case.Reason says which
	Errored       Verdict = "error"          // panicked, interrupted or aborted: the harness, not the DUT, failed
)

// Verdicts lists every verdict in the order reports show them.
var Verdicts = []Verdict{Passed, Failed, Errored, NotApplicable, Skipped}

// Run is one execution of the scenario suite on one bench.
type Run struct {
	ID        string    `json:"id"`
	Harness   string    `json:"harness"` // harness name and version
	Suite     string    `json:"suite"`
	Bench     Bench     `json:"bench"`
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	Summary   Summary   `json:"summary"`
	// LabelFilter is the ginkgo label filter that selected the cases, when
	// the run was not of the whole suite.
	LabelFilter string `json:"label_filter,omitempty"`
	// Mapping names the lab's mapping to a scheme's plan that filled the
	// cases' SchemeIDs (see ParseMapping), when one was applied.
	Mapping *MappingInfo `json:"mapping,omitempty"`
	Cases   []Case       `json:"cases"`
}

// Bench names the devices and hosts a run used. Every field but Name is
// optional: a report states what the bench could tell.
type Bench struct {
	Name    string            `json:"name"`
	Devices map[string]string `json:"devices,omitempty"` // role → identity, free text (e.g. a PIN pad)
	Hosts   string            `json:"hosts,omitempty"`   // in-process | process | container | external
	Reader  *ReaderIdentity   `json:"reader,omitempty"`
	Scanner *ScannerIdentity  `json:"scanner,omitempty"`
	// Terminal is the terminal profile (fixtures/terminals) the cases'
	// applicability was decided from, with its 9F33 and 9F40 in hex.
	Terminal *TerminalIdentity `json:"terminal,omitempty"`
}

// ReaderIdentity is the card reader of a bench.
type ReaderIdentity struct {
	Driver string `json:"driver"`         // pcsc | virtual
	Name   string `json:"name,omitempty"` // PC/SC reader name
	ATR    string `json:"atr,omitempty"`  // hex, of the card present when the run started
}

// ScannerIdentity is the QR/barcode scanner of a bench.
type ScannerIdentity struct {
	Driver string `json:"driver"`         // serial | virtual
	Port   string `json:"port,omitempty"` // /dev/ttyACM0
	Baud   int    `json:"baud,omitempty"`
	VID    string `json:"vid,omitempty"` // USB vendor ID, hex
	PID    string `json:"pid,omitempty"` // USB product ID, hex
	Serial string `json:"serial,omitempty"`
}

// TerminalIdentity is the terminal profile a run was judged against.
type TerminalIdentity struct {
	Profile                string `json:"profile"`
	Type                   string `json:"type,omitempty"`                    // 9F35, hex
	Capabilities           string `json:"capabilities,omitempty"`            // 9F33, hex
	AdditionalCapabilities string `json:"additional_capabilities,omitempty"` // 9F40, hex
}

// MappingInfo says which mapping to a scheme's plan a report carries.
type MappingInfo struct {
	File   string `json:"file"`             // base name of the CSV file
	Scheme string `json:"scheme,omitempty"` // the scheme or plan named in its rows
	Rows   int    `json:"rows"`
}

// Summary counts cases per verdict.
type Summary struct {
	Total    int             `json:"total"`
	Verdicts map[Verdict]int `json:"verdicts"`
}

// Case is one spec of the suite, as a test-plan case.
type Case struct {
	PlanID    string   `json:"plan_id"` // FLOW.AREA.NNN
	SchemeIDs []string `json:"scheme_ids,omitempty"`
	Flow      string   `json:"flow"`
	Title     string   `json:"title"`
	// Requirement and PassCriteria are the plan's (fixtures/plans).
	Requirement  string        `json:"requirement,omitempty"`
	PassCriteria string        `json:"pass_criteria,omitempty"`
	Labels       []string      `json:"labels,omitempty"`
	Verdict      Verdict       `json:"verdict"`
	Reason       string        `json:"reason,omitempty"` // why a case is not applicable
	Duration     time.Duration `json:"duration_ns"`
	Failure      string        `json:"failure,omitempty"`
	Location     string        `json:"location,omitempty"`
	// Expected and Actual are the values the spec recorded as "expected
	// X" and "actual X" evidence, or the transaction outcome; TVR, TSI and
	// CVM are the final ones of the spec's last transaction (hex and
	// names), when it ran one.
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	TVR      string `json:"tvr,omitempty"`
	TSI      string `json:"tsi,omitempty"`
	CVM      string `json:"cvm_results,omitempty"`
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

// DropNotRun removes the cases that were not selected (skipped without a
// reason: left out by the label filter) and recomputes the summary, so a
// filtered run reports only what it ran.
func (r *Run) DropNotRun() {
	kept := r.Cases[:0]
	for _, c := range r.Cases {
		if !notRun(c) {
			kept = append(kept, c)
		}
	}
	r.Cases = kept
	r.summarise()
}

// Passed reports whether every case that ran passed: no case failed or
// errored, and at least one passed. Not-applicable and skipped cases do
// not count against a run.
func (r Run) Passed() bool {
	n := map[Verdict]int{}
	for _, c := range r.Cases {
		n[c.Verdict]++
	}
	return n[Failed] == 0 && n[Errored] == 0 && n[Passed] > 0
}
