package reports

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
)

// ErrMerge is wrapped by every error of Merge: the runs cannot form one
// report.
var ErrMerge = errors.New("runs cannot be merged")

// Merge joins the reports of parallel processes or CI shards of one suite
// into one run.
//
//   - The runs must share the harness version, the suite and the bench
//     (name, hosts and every device identity): a certification report
//     states one bench, and evidence from two benches is not one run.
//   - Cases are the union, keyed by test-plan ID (by title and location
//     for a case without one). A plan ID met twice is kept once when both
//     copies have the same verdict (the first copy, in argument order); two
//     different verdicts for one case are an error, since the merged
//     report could only hide one of them. One exception: a case skipped
//     without a reason is how ginkgo reports a spec that a shard's label
//     filter left out, so that copy gives way to the shard that ran it.
//   - The summary is recomputed, the start is the earliest start and the
//     end the latest end (zero times ignored).
//   - The ID is the runs' common ID, or their sorted IDs joined by "+".
//   - The bench includes the terminal profile, so runs judged against two
//     terminal profiles (two applicability decisions) are refused; the
//     label filter and the scheme mapping are kept when all runs share them.
func Merge(runs ...Run) (Run, error) {
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("merge runs: %w: no run given", ErrMerge)
	}
	first := runs[0]
	out := Run{Harness: first.Harness, Suite: first.Suite, Bench: first.Bench, LabelFilter: first.LabelFilter, Mapping: first.Mapping}
	ids := map[string]bool{}
	index := map[string]int{} // case key → position in out.Cases
	for i, r := range runs {
		switch {
		case r.Harness != first.Harness:
			return Run{}, fmt.Errorf("merge runs: %w: run %d (%s) is %q, run 1 (%s) is %q", ErrMerge, i+1, r.ID, r.Harness, first.ID, first.Harness)
		case r.Suite != first.Suite:
			return Run{}, fmt.Errorf("merge runs: %w: run %d (%s) is suite %q, run 1 (%s) is %q", ErrMerge, i+1, r.ID, r.Suite, first.ID, first.Suite)
		case !sameBench(r.Bench, first.Bench):
			return Run{}, fmt.Errorf("merge runs: %w: run %d (%s) ran on bench %s, run 1 (%s) on %s", ErrMerge, i+1, r.ID, benchString(r.Bench), first.ID, benchString(first.Bench))
		}
		if r.ID != "" {
			ids[r.ID] = true
		}
		if r.LabelFilter != out.LabelFilter {
			out.LabelFilter = "" // shards of one selection differ in their filters: state none
		}
		if out.Mapping != nil && (r.Mapping == nil || *r.Mapping != *out.Mapping) {
			out.Mapping = nil // cases keep their scheme IDs; the mapping is no longer one file
		}
		if !r.StartTime.IsZero() && (out.StartTime.IsZero() || r.StartTime.Before(out.StartTime)) {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
		for _, c := range r.Cases {
			k := caseKey(c)
			j, seen := index[k]
			if !seen {
				index[k] = len(out.Cases)
				out.Cases = append(out.Cases, c)
				continue
			}
			prev := out.Cases[j]
			switch {
			case c.Verdict == prev.Verdict:
				// the same result twice: keep the first copy
			case notRun(c):
				// this shard did not run it
			case notRun(prev):
				out.Cases[j] = c
			default:
				return Run{}, fmt.Errorf("merge runs: %w: case %s is %s in one run and %s in run %d (%s)", ErrMerge, caseName(c), prev.Verdict, c.Verdict, i+1, r.ID)
			}
		}
	}
	idList := make([]string, 0, len(ids))
	for id := range ids {
		idList = append(idList, id)
	}
	sort.Strings(idList)
	out.ID = strings.Join(idList, "+")
	sort.SliceStable(out.Cases, func(i, j int) bool { return out.Cases[i].PlanID < out.Cases[j].PlanID })
	out.summarise()
	return out, nil
}

// notRun reports whether a case is how ginkgo reports a spec filtered out
// of this process or shard: skipped, with no reason given.
func notRun(c Case) bool { return c.Verdict == Skipped && c.Failure == "" }

// caseKey identifies a case across runs: its plan ID, or, for a case that
// has none, its title and location.
func caseKey(c Case) string {
	if c.PlanID != "" {
		return c.PlanID
	}
	return "\x00" + c.Title + "\x00" + c.Location
}

func caseName(c Case) string {
	if c.PlanID != "" {
		return c.PlanID
	}
	return fmt.Sprintf("%q", c.Title)
}

func sameBench(a, b Bench) bool {
	return a.Name == b.Name && a.Hosts == b.Hosts && maps.Equal(a.Devices, b.Devices) &&
		samePtr(a.Reader, b.Reader) && samePtr(a.Scanner, b.Scanner) && samePtr(a.Terminal, b.Terminal)
}

// samePtr compares two optional identities by value.
func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func benchString(b Bench) string {
	s := fmt.Sprintf("%q hosts=%q", b.Name, b.Hosts)
	keys := make([]string, 0, len(b.Devices))
	if b.Reader != nil {
		s += fmt.Sprintf(" reader=%+v", *b.Reader)
	}
	if b.Scanner != nil {
		s += fmt.Sprintf(" scanner=%+v", *b.Scanner)
	}
	if b.Terminal != nil {
		s += fmt.Sprintf(" terminal=%+v", *b.Terminal)
	}
	for k := range b.Devices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%q", k, b.Devices[k])
	}
	return s
}
