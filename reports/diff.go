package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// DiffOptions configures DiffWith: when a case counts as slower.
type DiffOptions struct {
	// SlowerRatio is the factor by which a case's duration must grow
	// (after / before ≥ SlowerRatio).
	SlowerRatio float64
	// SlowerMin is the least growth (after − before) that counts, so the
	// jitter of a millisecond case is not reported as a slowdown.
	SlowerMin time.Duration
}

// DefaultDiffOptions are the options of Diff: 1.5× and at least 10 ms.
var DefaultDiffOptions = DiffOptions{SlowerRatio: 1.5, SlowerMin: 10 * time.Millisecond}

// Change is one case as it was in the first run and is in the second.
type Change struct {
	Before, After Case
}

// Delta is what changed from one run to another. Cases are matched by
// test-plan ID (by title and location for a case without one); every list
// is sorted by plan ID.
type Delta struct {
	NewlyFailing []Change // failed or errored now, did not before
	NewlyPassing []Change // passed now, failed or errored before
	Changed      []Change // any other change of verdict (e.g. passed → not applicable)
	Added        []Case   // only in the second run
	Removed      []Case   // only in the first run
	Slower       []Change // ran in both, duration grew past the options' threshold
}

// Empty reports whether the runs had the same cases, verdicts and speed.
func (d Delta) Empty() bool {
	return len(d.NewlyFailing)+len(d.NewlyPassing)+len(d.Changed)+len(d.Added)+len(d.Removed)+len(d.Slower) == 0
}

// Diff compares run a (the baseline) with run b using DefaultDiffOptions.
func Diff(a, b Run) Delta { return DiffWith(a, b, DefaultDiffOptions) }

// DiffWith compares run a (the baseline) with run b.
func DiffWith(a, b Run, o DiffOptions) Delta {
	var d Delta
	before := make(map[string]Case, len(a.Cases))
	for _, c := range a.Cases {
		before[caseKey(c)] = c
	}
	inB := make(map[string]bool, len(b.Cases))
	for _, c := range b.Cases {
		k := caseKey(c)
		inB[k] = true
		p, ok := before[k]
		if !ok {
			d.Added = append(d.Added, c)
			continue
		}
		ch := Change{Before: p, After: c}
		switch {
		case failing(c.Verdict) && !failing(p.Verdict):
			d.NewlyFailing = append(d.NewlyFailing, ch)
		case c.Verdict == Passed && failing(p.Verdict):
			d.NewlyPassing = append(d.NewlyPassing, ch)
		case c.Verdict != p.Verdict:
			d.Changed = append(d.Changed, ch)
		}
		if ran(p.Verdict) && ran(c.Verdict) && slower(p.Duration, c.Duration, o) {
			d.Slower = append(d.Slower, ch)
		}
	}
	for _, c := range a.Cases {
		if !inB[caseKey(c)] {
			d.Removed = append(d.Removed, c)
		}
	}
	for _, l := range [][]Change{d.NewlyFailing, d.NewlyPassing, d.Changed, d.Slower} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].After.PlanID < l[j].After.PlanID })
	}
	for _, l := range [][]Case{d.Added, d.Removed} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].PlanID < l[j].PlanID })
	}
	return d
}

func failing(v Verdict) bool { return v == Failed || v == Errored }

// ran reports whether a verdict comes from a case that executed, so that
// its duration means something.
func ran(v Verdict) bool { return v == Passed || v == Failed }

func slower(before, after time.Duration, o DiffOptions) bool {
	if after-before < o.SlowerMin || after <= before {
		return false
	}
	if before <= 0 {
		return true
	}
	return float64(after)/float64(before) >= o.SlowerRatio
}

// WriteDelta prints a delta for a reader: one section per kind of change,
// one line per case, and the first line of a new failure's message.
func WriteDelta(w io.Writer, a, b Run, d Delta) error {
	var s strings.Builder
	fmt.Fprintf(&s, "from %s (%s)\n  to %s (%s)\n", runLabel(a), verdictCounts(a), runLabel(b), verdictCounts(b))
	if d.Empty() {
		s.WriteString("no change: same cases, same verdicts, none slower\n")
	}
	changes := func(title string, l []Change, detail func(Change) string) {
		if len(l) == 0 {
			return
		}
		fmt.Fprintf(&s, "\n%s (%d):\n", title, len(l))
		for _, c := range l {
			fmt.Fprintf(&s, "  %-18s %s  %s\n", caseName(c.After), detail(c), c.After.Title)
			if failing(c.After.Verdict) && c.After.Failure != "" && title == "newly failing" {
				fmt.Fprintf(&s, "  %-18s %s\n", "", firstLine(c.After.Failure))
			}
		}
	}
	verdicts := func(c Change) string { return fmt.Sprintf("%s → %s", c.Before.Verdict, c.After.Verdict) }
	changes("newly failing", d.NewlyFailing, verdicts)
	changes("newly passing", d.NewlyPassing, verdicts)
	changes("verdict changed", d.Changed, verdicts)
	cases := func(title string, l []Case) {
		if len(l) == 0 {
			return
		}
		fmt.Fprintf(&s, "\n%s (%d):\n", title, len(l))
		for _, c := range l {
			fmt.Fprintf(&s, "  %-18s %s  %s\n", caseName(c), c.Verdict, c.Title)
		}
	}
	cases("added", d.Added)
	cases("removed", d.Removed)
	changes("slower", d.Slower, func(c Change) string {
		r := "new"
		if c.Before.Duration > 0 {
			r = fmt.Sprintf("%.1f×", float64(c.After.Duration)/float64(c.Before.Duration))
		}
		return fmt.Sprintf("%s → %s (%s)", roundDuration(c.Before.Duration), roundDuration(c.After.Duration), r)
	})
	_, err := io.WriteString(w, s.String())
	return err
}

func runLabel(r Run) string {
	if r.ID == "" {
		return "run without ID"
	}
	return "run " + r.ID
}

func verdictCounts(r Run) string {
	s := fmt.Sprintf("%d cases", len(r.Cases))
	n := map[Verdict]int{}
	for _, c := range r.Cases {
		n[c.Verdict]++
	}
	for _, v := range []Verdict{Passed, Failed, Errored, Skipped, NotApplicable} {
		if n[v] > 0 {
			s += fmt.Sprintf(", %d %s", n[v], v)
		}
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
