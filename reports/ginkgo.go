package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// notApplicablePrefix starts the Skip message of a spec whose plan case the
// terminal's capabilities rule out; FromGinkgo turns such a skip into the
// NotApplicable verdict with the rest of the message as its reason.
const notApplicablePrefix = "not applicable: "

// NotApplicableMessage is the message to pass to ginkgo's Skip for a spec
// that the terminal profile rules out, so the report states the verdict
// NotApplicable with this reason.
func NotApplicableMessage(reason string) string { return notApplicablePrefix + reason }

// FromGinkgo converts a ginkgo suite report into a Run. Only It specs
// count as cases; suite-level nodes that failed become error cases so a
// broken setup is never reported as a clean run.
func FromGinkgo(id string, bench Bench, r types.Report) Run {
	run := Run{
		ID:        id,
		Harness:   "paylab " + Version,
		Suite:     r.SuiteDescription,
		Bench:     bench,
		StartTime: r.StartTime,
		EndTime:   r.EndTime,
	}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				run.Cases = append(run.Cases, Case{
					PlanID:  "SUITE." + strings.ToUpper(strings.ReplaceAll(s.LeafNodeType.String(), " ", "")),
					Title:   s.LeafNodeType.String(),
					Verdict: Errored,
					Failure: s.Failure.Message,
				})
			}
			continue
		}
		run.Cases = append(run.Cases, caseFromSpec(s))
	}
	sort.SliceStable(run.Cases, func(i, j int) bool { return run.Cases[i].PlanID < run.Cases[j].PlanID })
	run.summarise()
	return run
}

func caseFromSpec(s types.SpecReport) Case {
	c := Case{
		Title:    s.FullText(),
		Labels:   s.Labels(),
		Verdict:  verdict(s.State),
		Duration: s.RunTime,
		Location: s.LeafNodeLocation.String(),
	}
	for _, l := range c.Labels {
		switch {
		case IsPlanID(l) && c.PlanID == "":
			c.PlanID = l
		case strings.HasPrefix(l, "flow:"):
			c.Flow = strings.TrimPrefix(l, "flow:")
		}
	}
	if s.State.Is(types.SpecStateFailureStates) {
		c.Failure = s.Failure.Message
		if s.Failure.Location.FileName != "" {
			c.Failure = fmt.Sprintf("%s (%s)", c.Failure, s.Failure.Location)
		}
	}
	if s.State == types.SpecStateSkipped && s.Failure.Message != "" {
		if reason, ok := strings.CutPrefix(s.Failure.Message, notApplicablePrefix); ok {
			c.Verdict, c.Reason = NotApplicable, reason
		} else {
			c.Failure = s.Failure.Message
		}
	}
	for _, e := range s.ReportEntries {
		c.Evidence = append(c.Evidence, Evidence{Name: e.Name, Value: e.StringRepresentation()})
	}
	c.extract()
	return c
}

// extract fills the at-a-glance fields from the evidence: "expected X" /
// "actual X" entries, and the TVR, TSI, CVM Results and outcome lines of
// the last transaction entry (scenarios/emvcontact's record).
func (c *Case) extract() {
	var exp, act []string
	for _, e := range c.Evidence {
		name := strings.ToLower(e.Name)
		switch {
		case strings.HasPrefix(name, "expected "):
			exp = append(exp, e.Name[len("expected "):]+": "+e.Value)
		case strings.HasPrefix(name, "actual "):
			act = append(act, e.Name[len("actual "):]+": "+e.Value)
		case strings.HasPrefix(name, "transaction"):
			for _, line := range strings.Split(e.Value, "\n") {
				switch {
				case strings.HasPrefix(line, "TVR "):
					c.TVR = strings.TrimPrefix(line, "TVR ")
				case strings.HasPrefix(line, "TSI "):
					c.TSI = strings.TrimPrefix(line, "TSI ")
				case strings.HasPrefix(line, "CVM Results "):
					c.CVM = strings.TrimPrefix(line, "CVM Results ")
				case strings.HasPrefix(line, "outcome: "):
					c.Actual = strings.TrimPrefix(line, "outcome: ")
				}
			}
		}
	}
	if len(exp) > 0 {
		c.Expected = strings.Join(exp, "\n")
	}
	if len(act) > 0 {
		c.Actual = strings.Join(act, "\n")
	}
}

// AnnotatePlan copies each case's requirement reference and pass criteria
// from the plan, and the flow when the spec's labels gave none.
func (r *Run) AnnotatePlan(p Plan) {
	for i := range r.Cases {
		c := &r.Cases[i]
		pc, ok := p.Cases[c.PlanID]
		if !ok {
			continue
		}
		c.Requirement, c.PassCriteria = pc.Requirement, pc.Pass
		if c.Flow == "" {
			c.Flow = p.Flows[c.PlanID]
		}
	}
}

func verdict(st types.SpecState) Verdict {
	switch st {
	case types.SpecStatePassed:
		return Passed
	case types.SpecStateSkipped, types.SpecStatePending:
		return Skipped
	case types.SpecStateFailed:
		return Failed
	default:
		return Errored
	}
}
