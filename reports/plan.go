package reports

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/paylab/paylab/fixtures"
)

// PlanCase is one row of paylab's test plan (fixtures/plans/*.yaml).
type PlanCase struct {
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Requirement string `yaml:"requirement"` // the book and clause the case checks
	Pass        string `yaml:"pass"`        // pass criteria
	// Applies, when set, names the terminal capabilities the case needs;
	// a terminal without them reports it as not applicable.
	Applies *Applicability `yaml:"applies,omitempty"`
}

// planFile is the layout of one plan file: one flow and its cases.
type planFile struct {
	Flow  string     `yaml:"flow"`
	Title string     `yaml:"title"`
	Cases []PlanCase `yaml:"cases"`
}

// Plan is the whole test plan, keyed by case ID.
type Plan struct {
	Cases map[string]PlanCase
	Flows map[string]string // case ID → flow
}

// LoadPlan reads every *.yaml file under dir in fsys. IDs must have the
// form FLOW.AREA.NNN, start with their file's flow and be unique across
// the plan (DESIGN.md: unique, never reused).
func LoadPlan(fsys fs.FS, dir string) (Plan, error) {
	p := Plan{Cases: map[string]PlanCase{}, Flows: map[string]string{}}
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return p, fmt.Errorf("load plan: %w", err)
	}
	if len(names) == 0 {
		return p, fmt.Errorf("load plan: no *.yaml in %s", dir)
	}
	sort.Strings(names)
	for _, n := range names {
		var f planFile
		if err := fixtures.Load(fsys, n, &f); err != nil {
			return p, fmt.Errorf("load plan: %w", err)
		}
		if f.Flow == "" {
			return p, fmt.Errorf("load plan %s: no flow", n)
		}
		for _, c := range f.Cases {
			switch {
			case !IsPlanID(c.ID):
				return p, fmt.Errorf("load plan %s: case %q: not of the form FLOW.AREA.NNN", n, c.ID)
			case !strings.HasPrefix(c.ID, f.Flow+"."):
				return p, fmt.Errorf("load plan %s: case %s: not in flow %s", n, c.ID, f.Flow)
			case c.Title == "" || c.Requirement == "" || c.Pass == "":
				return p, fmt.Errorf("load plan %s: case %s: title, requirement and pass are required", n, c.ID)
			}
			if err := c.Applies.check(); err != nil {
				return p, fmt.Errorf("load plan %s: case %s: %w", n, c.ID, err)
			}
			if _, dup := p.Cases[c.ID]; dup {
				return p, fmt.Errorf("load plan %s: case %s: duplicate ID", n, c.ID)
			}
			p.Cases[c.ID] = c
			p.Flows[c.ID] = f.Flow
		}
	}
	return p, nil
}
