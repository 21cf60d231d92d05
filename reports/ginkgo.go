package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

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
		c.Failure = s.Failure.Message
	}
	for _, e := range s.ReportEntries {
		c.Evidence = append(c.Evidence, Evidence{Name: e.Name, Value: e.StringRepresentation()})
	}
	return c
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
