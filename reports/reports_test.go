package reports_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/reports"
)

func TestIsPlanID(t *testing.T) {
	for id, want := range map[string]bool{
		"EMV.CT.ODA.003": true, "HOST.AUTH.001": true, "EMV.CRY.ARQC.001": true,
		"EMV.CT.ODA.3": false, "emv.ct.oda.003": false, "ODA003": false, "flow:EMV.CT": false,
	} {
		if got := reports.IsPlanID(id); got != want {
			t.Errorf("IsPlanID(%q) = %v", id, got)
		}
	}
}

func TestLoadPlanShipped(t *testing.T) {
	p, err := reports.LoadPlan(fixtures.FS, "plans")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := p.Cases["EMV.CRY.ARQC.001"]; !ok || p.Flows["EMV.CRY.ARQC.001"] != "EMV.CRY" || c.Requirement == "" {
		t.Fatalf("EMV.CRY.ARQC.001 = %+v", c)
	}
}

func TestLoadPlanRejects(t *testing.T) {
	row := "  - {id: %s, title: t, requirement: r, pass: p}\n"
	for name, body := range map[string]string{
		"bad id":     "flow: EMV.CT\ncases:\n" + strings.ReplaceAll(row, "%s", "EMV.CT.ODA.1"),
		"other flow": "flow: EMV.CT\ncases:\n" + strings.ReplaceAll(row, "%s", "HOST.AUTH.001"),
		"duplicate":  "flow: EMV.CT\ncases:\n" + strings.ReplaceAll(row, "%s", "EMV.CT.ODA.001") + strings.ReplaceAll(row, "%s", "EMV.CT.ODA.001"),
		"no pass":    "flow: EMV.CT\ncases:\n  - {id: EMV.CT.ODA.001, title: t, requirement: r}\n",
		"no flow":    "cases: []\n",
	} {
		fsys := fstest.MapFS{"plans/a.yaml": {Data: []byte(body)}}
		if _, err := reports.LoadPlan(fsys, "plans"); err == nil {
			t.Errorf("%s: LoadPlan accepted it", name)
		}
	}
}

func spec(text, id string, st types.SpecState) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   text,
		LeafNodeLabels: []string{id, "flow:EMV.CRY"},
		State:          st,
		RunTime:        time.Millisecond,
		Failure:        types.Failure{Message: "boom"},
	}
}

func TestFromGinkgoAndWrite(t *testing.T) {
	r := types.Report{
		SuiteDescription: "paylab scenarios",
		SpecReports: types.SpecReports{
			spec("b", "EMV.CRY.ARQC.002", types.SpecStateFailed),
			spec("a", "EMV.CRY.ARQC.001", types.SpecStatePassed),
			{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePanicked, Failure: types.Failure{Message: "setup"}},
			{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStatePassed},
		},
	}
	run := reports.FromGinkgo("r1", reports.Bench{Name: "emulated"}, r)
	if len(run.Cases) != 3 {
		t.Fatalf("cases = %d, want 3 (two specs and the failed BeforeSuite)", len(run.Cases))
	}
	if c := run.Cases[0]; c.PlanID != "EMV.CRY.ARQC.001" || c.Verdict != reports.Passed || c.Flow != "EMV.CRY" || c.Failure != "" {
		t.Errorf("case 0 = %+v", c)
	}
	if c := run.Cases[1]; c.Verdict != reports.Failed || c.Failure != "boom" {
		t.Errorf("case 1 = %+v", c)
	}
	if c := run.Cases[2]; c.Verdict != reports.Errored {
		t.Errorf("case 2 = %+v", c)
	}
	if run.Summary.Total != 3 || run.Summary.Verdicts[reports.Passed] != 1 || run.Summary.Verdicts[reports.Failed] != 1 {
		t.Errorf("summary = %+v", run.Summary)
	}

	dir := t.TempDir()
	paths, err := reports.WriteRun(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	junit, _ := os.ReadFile(filepath.Join(dir, reports.JUnitFile))
	if !strings.Contains(string(junit), `failures="1"`) {
		t.Errorf("junit.xml does not count the failure:\n%s", junit)
	}
	back, err := reports.ReadJSON(dir)
	if err != nil || back.ID != "r1" || len(back.Cases) != 3 {
		t.Fatalf("ReadJSON = %+v, %v", back, err)
	}
	if _, err := reports.ReadJSON(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadJSON(empty dir) = %v, want ErrNotExist", err)
	}
}

func TestDropNotRun(t *testing.T) {
	r := reports.Run{Cases: []reports.Case{
		{PlanID: "EMV.CT.ODA.001", Verdict: reports.Passed},
		{PlanID: "EMV.CT.ODA.002", Verdict: reports.Skipped},
		{PlanID: "EMV.CT.ODA.003", Verdict: reports.Skipped, Failure: "Skip: no reader"},
		{PlanID: "EMV.CT.CVM.001", Verdict: reports.NotApplicable, Reason: "r"},
	}}
	r.DropNotRun()
	if len(r.Cases) != 3 || r.Summary.Total != 3 || r.Cases[1].PlanID != "EMV.CT.ODA.003" {
		t.Errorf("after DropNotRun: %+v", r)
	}
}
