package reports_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/reports"
)

const goodMapping = "\ufeffPaylab_ID, scheme_id ,scheme,note\n" +
	"# offline PIN\n" +
	"EMV.CT.CVM.001,ADVT-07,Scheme X ADVT 6.1,offline enciphered PIN\n" +
	"EMV.CT.CVM.001,CTF-2.3.4,Scheme X CTF,\n" +
	"EMV.CT.ODA.003,\"ADVT-12, part b\",Scheme X ADVT 6.1,\"CDA, first GENERATE AC\"\n"

func TestParseMapping(t *testing.T) {
	m, err := reports.ParseMapping("labs/scheme-x.csv", strings.NewReader(goodMapping))
	if err != nil {
		t.Fatal(err)
	}
	if m.File != "scheme-x.csv" || len(m.Rows) != 3 || m.Scheme != "Scheme X ADVT 6.1, Scheme X CTF" {
		t.Fatalf("mapping = %+v", m)
	}
	if got := m.IDs["EMV.CT.CVM.001"]; len(got) != 2 || got[0] != "ADVT-07" || got[1] != "CTF-2.3.4" {
		t.Errorf("EMV.CT.CVM.001 → %q", got)
	}
	if m.Rows[2].Line != 5 || m.IDs["EMV.CT.ODA.003"][0] != "ADVT-12, part b" {
		t.Errorf("row 3 = %+v", m.Rows[2])
	}
	plan, err := reports.LoadPlan(fixtures.FS, "plans")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(plan); err != nil {
		t.Errorf("Check = %v", err)
	}
	run := reports.Run{Cases: []reports.Case{{PlanID: "EMV.CT.CVM.001"}, {PlanID: "EMV.CT.CVM.002"}}}
	run.ApplyMapping(m)
	if len(run.Cases[0].SchemeIDs) != 2 || run.Cases[1].SchemeIDs != nil || run.Mapping.Rows != 3 {
		t.Errorf("applied = %+v %+v", run.Cases, run.Mapping)
	}
}

func TestParseMappingErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		csv  string
		line int
		msg  string
	}{
		"empty":          {"", 1, "empty file"},
		"no rows":        {"paylab_id,scheme_id\n", 1, "no rows"},
		"unknown column": {"paylab_id,scheme_id,verdict\nEMV.CT.CVM.001,A,passed\n", 1, `unknown column "verdict"`},
		"no scheme col":  {"paylab_id,note\nEMV.CT.CVM.001,x\n", 1, "no scheme_id column"},
		"column twice":   {"paylab_id,scheme_id,Scheme_ID\nEMV.CT.CVM.001,A,B\n", 1, "column scheme_id twice"},
		"bad id":         {"paylab_id,scheme_id\nEMV.CT.CVM.001,A\nCVM-1,B\n", 3, `"CVM-1" is not a paylab case ID`},
		"empty scheme":   {"paylab_id,scheme_id\n\nEMV.CT.CVM.001, \n", 3, "scheme_id: " + reports.ErrMapping.Error() + ": empty"},
		"short row":      {"paylab_id,scheme_id\nEMV.CT.CVM.001\n", 2, "wrong number of fields"},
		"bad quote":      {"paylab_id,scheme_id\nEMV.CT.CVM.001,\"A\"x\n", 2, "extraneous"},
		"duplicate":      {"paylab_id,scheme_id\nEMV.CT.CVM.001,A\nEMV.CT.CVM.001,A\n", 3, "already on line 2"},
		"control char":   {"paylab_id,scheme_id\nEMV.CT.CVM.001,\"A\x07\"\n", 2, "control character"},
		"too long":       {"paylab_id,scheme_id\nEMV.CT.CVM.001," + strings.Repeat("x", 65) + "\n", 2, "longer than 64"},
	} {
		_, err := reports.ParseMapping("m.csv", strings.NewReader(tc.csv))
		var me *reports.MappingError
		if !errors.As(err, &me) {
			t.Errorf("%s: err = %v, want a *MappingError", name, err)
			continue
		}
		if me.Line != tc.line || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "read mapping m.csv: line ") {
			t.Errorf("%s: %v (line %d), want line %d and %q", name, err, me.Line, tc.line, tc.msg)
		}
	}

	plan, _ := reports.LoadPlan(fixtures.FS, "plans")
	m, err := reports.ParseMapping("m.csv", strings.NewReader("paylab_id,scheme_id\nEMV.CT.CVM.001,A\nEMV.CT.CVM.999,B\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Check(plan)
	var me *reports.MappingError
	if !errors.As(err, &me) || me.Line != 3 || !strings.Contains(err.Error(), "EMV.CT.CVM.999 is not in paylab's plan") {
		t.Errorf("Check = %v", err)
	}
}

// FuzzParseMapping: any input gives a mapping or a *MappingError with a
// line number, never a panic; an accepted mapping holds only plan-shaped
// IDs and non-empty scheme IDs.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(goodMapping))
	f.Add([]byte("paylab_id,scheme_id\nEMV.CT.CVM.001,A\n"))
	f.Add([]byte("scheme_id,paylab_id\n\"x\"\"y\",EMV.CRY.TLV.001\n"))
	f.Add([]byte("paylab_id,scheme_id\r\nEMV.CT.CVM.001,\"multi\nline\"\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := reports.ParseMapping("f.csv", strings.NewReader(string(b)))
		if err != nil {
			var me *reports.MappingError
			if !errors.As(err, &me) || me.Line < 1 {
				t.Fatalf("err = %v (%T)", err, err)
			}
			return
		}
		if len(m.Rows) == 0 {
			t.Fatal("accepted a mapping without rows")
		}
		for _, r := range m.Rows {
			if !reports.IsPlanID(r.PaylabID) || r.SchemeID == "" || r.Line < 2 {
				t.Fatalf("accepted row %+v", r)
			}
		}
	})
}
