package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// JUnit XML as CI servers read it (the Jenkins/Ant schema that GitLab,
// GitHub reporters and Jenkins accept): one <testsuite> per flow, one
// <testcase> per case named "[PLAN-ID] title", failures and errors with
// their message, not-applicable and skipped cases as <skipped> with the
// reason, and the case's evidence in <system-out>. It is written from the
// model, so a merged run gets the same junit.xml as a single one.

type junitSuites struct {
	XMLName   xml.Name     `xml:"testsuites"`
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Time      string       `xml:"time,attr"`
	Timestamp string       `xml:"timestamp,attr,omitempty"`
	Suites    []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr,omitempty"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitProblem   `xml:"failure,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
	Skipped    *junitSkipped   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// JUnit renders the run as JUnit XML.
func JUnit(run Run) ([]byte, error) {
	top := junitSuites{Name: run.Suite, Time: seconds(run.EndTime.Sub(run.StartTime))}
	if top.Name == "" {
		top.Name = "paylab"
	}
	if !run.StartTime.IsZero() {
		top.Timestamp = run.StartTime.UTC().Format(time.RFC3339)
	}
	if run.EndTime.Before(run.StartTime) {
		top.Time = seconds(0)
	}
	byFlow := map[string]*junitSuite{}
	var flows []string
	durations := map[string]time.Duration{}
	for _, c := range run.Cases {
		flow := c.Flow
		if flow == "" {
			flow = "SUITE"
		}
		s, ok := byFlow[flow]
		if !ok {
			s = &junitSuite{Name: flow, Package: run.Suite, Timestamp: top.Timestamp, Properties: []junitProperty{
				{"run", run.ID}, {"harness", run.Harness}, {"bench", run.Bench.Name},
			}}
			byFlow[flow] = s
			flows = append(flows, flow)
		}
		jc := junitCase{Name: caseLabel(c), Classname: flow, Time: seconds(c.Duration)}
		prop := func(n, v string) {
			if v != "" {
				jc.Properties = append(jc.Properties, junitProperty{n, v})
			}
		}
		prop("plan_id", c.PlanID)
		for _, id := range c.SchemeIDs {
			prop("scheme_id", id)
		}
		prop("requirement", c.Requirement)
		prop("pass_criteria", c.PassCriteria)
		prop("tvr", c.TVR)
		prop("tsi", c.TSI)
		prop("cvm_results", c.CVM)
		switch c.Verdict {
		case Failed:
			jc.Failure = &junitProblem{Message: firstLine(c.Failure), Type: "failed", Text: c.Failure}
			s.Failures++
		case Errored:
			jc.Error = &junitProblem{Message: firstLine(c.Failure), Type: "error", Text: c.Failure}
			s.Errors++
		case NotApplicable:
			jc.Skipped = &junitSkipped{Message: NotApplicableMessage(c.Reason)}
			s.Skipped++
		case Skipped:
			msg := c.Failure
			if msg == "" {
				msg = "skipped: not selected"
			}
			jc.Skipped = &junitSkipped{Message: msg}
			s.Skipped++
		}
		var out strings.Builder
		for _, e := range c.Evidence {
			fmt.Fprintf(&out, "== %s ==\n%s\n", e.Name, strings.TrimRight(e.Value, "\n"))
		}
		jc.SystemOut = out.String()
		s.Tests++
		durations[flow] += c.Duration
		s.Cases = append(s.Cases, jc)
	}
	sort.Strings(flows)
	for _, f := range flows {
		s := byFlow[f]
		s.Time = seconds(durations[f])
		top.Tests += s.Tests
		top.Failures += s.Failures
		top.Errors += s.Errors
		top.Skipped += s.Skipped
		top.Suites = append(top.Suites, *s)
	}
	b, err := xml.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode junit: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// caseLabel is "[PLAN-ID] title", or the title alone for a case without
// an ID.
func caseLabel(c Case) string {
	if c.PlanID == "" {
		return c.Title
	}
	return "[" + c.PlanID + "] " + c.Title
}

// WriteJUnit writes the run as JUnit XML to dir/junit.xml.
func WriteJUnit(dir string, run Run) (string, error) {
	b, err := JUnit(run)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, JUnitFile)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("write junit: %w", err)
	}
	return p, nil
}
