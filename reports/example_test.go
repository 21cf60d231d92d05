package reports_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paylab/paylab/reports"
)

// A run folder becomes an evidence bundle with its manifest; Verify names
// the file that changed afterwards.
func ExampleVerify() {
	dir, _ := os.MkdirTemp("", "paylab-bundle-")
	defer os.RemoveAll(dir)
	run := reports.Run{ID: "20261128T040839Z-831227", Cases: []reports.Case{{PlanID: "EMV.CT.ODA.001", Verdict: reports.Failed}}}
	reports.WriteJSON(dir, run)
	reports.WriteManifest(dir)
	fmt.Println(reports.Verify(dir, reports.VerifyOptions{}))

	// Someone turns the failure into a pass.
	b, _ := os.ReadFile(filepath.Join(dir, reports.JSONFile))
	os.WriteFile(filepath.Join(dir, reports.JSONFile), []byte(string(b[:len(b)-1])+" \n"), 0o644)
	err := reports.Verify(dir, reports.VerifyOptions{})
	if ie, ok := err.(*reports.IntegrityError); ok {
		fmt.Println(ie.File, ie.Problem)
	}
	// Output:
	// <nil>
	// report.json altered
}

// Two CI shards of one suite merge into the run they would have been.
func ExampleMerge() {
	bench := reports.Bench{Name: "emulated", Hosts: "in-process"}
	start := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	a := reports.Run{ID: "shard-1", Bench: bench, StartTime: start, EndTime: start.Add(time.Minute), Cases: []reports.Case{
		{PlanID: "EMV.CT.ODA.001", Verdict: reports.Passed},
		{PlanID: "EMV.CT.ODA.002", Verdict: reports.Skipped}, // left out by this shard's label filter
	}}
	b := reports.Run{ID: "shard-2", Bench: bench, StartTime: start.Add(time.Second), EndTime: start.Add(2 * time.Minute), Cases: []reports.Case{
		{PlanID: "EMV.CT.ODA.002", Verdict: reports.Failed, Failure: "TVR differs"},
	}}
	m, err := reports.Merge(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.ID, m.EndTime.Sub(m.StartTime))
	for _, c := range m.Cases {
		fmt.Println(c.PlanID, c.Verdict)
	}
	// Output:
	// shard-1+shard-2 2m0s
	// EMV.CT.ODA.001 passed
	// EMV.CT.ODA.002 failed
}

// Diff tells what broke, what was fixed and what slowed down between two
// runs.
func ExampleDiff() {
	a := reports.Run{ID: "monday", Cases: []reports.Case{
		{PlanID: "EMV.CT.ODA.001", Title: "CDA on the first GENERATE AC", Verdict: reports.Passed, Duration: 20 * time.Millisecond},
		{PlanID: "EMV.CT.CVM.004", Title: "offline enciphered PIN", Verdict: reports.Failed, Failure: "wrong PIN try counter"},
	}}
	b := reports.Run{ID: "tuesday", Cases: []reports.Case{
		{PlanID: "EMV.CT.ODA.001", Title: "CDA on the first GENERATE AC", Verdict: reports.Failed, Duration: 45 * time.Millisecond, Failure: "SDAD does not verify"},
		{PlanID: "EMV.CT.CVM.004", Title: "offline enciphered PIN", Verdict: reports.Passed},
	}}
	d := reports.Diff(a, b)
	reports.WriteDelta(os.Stdout, a, b, d)
	// Output:
	// from run monday (2 cases, 1 passed, 1 failed)
	//   to run tuesday (2 cases, 1 passed, 1 failed)
	//
	// newly failing (1):
	//   EMV.CT.ODA.001     passed → failed  CDA on the first GENERATE AC
	//                      SDAD does not verify
	//
	// newly passing (1):
	//   EMV.CT.CVM.004     failed → passed  offline enciphered PIN
	//
	// slower (1):
	//   EMV.CT.ODA.001     20ms → 45ms (2.2×)  CDA on the first GENERATE AC
}

// A lab's mapping puts the scheme's case IDs beside paylab's; a bad row is
// an error naming its line.
func ExampleParseMapping() {
	csv := "paylab_id,scheme_id,scheme\nEMV.CT.CVM.001,X-CVM-07,Scheme X 6.1\n"
	m, err := reports.ParseMapping("scheme-x.csv", strings.NewReader(csv))
	if err != nil {
		fmt.Println(err)
		return
	}
	run := reports.Run{Cases: []reports.Case{{PlanID: "EMV.CT.CVM.001"}}}
	run.ApplyMapping(m)
	fmt.Println(run.Cases[0].PlanID, run.Cases[0].SchemeIDs, run.Mapping.Scheme)

	_, err = reports.ParseMapping("scheme-x.csv", strings.NewReader("paylab_id,scheme_id\nCVM-1,X\n"))
	fmt.Println(err)
	// Output:
	// EMV.CT.CVM.001 [X-CVM-07] Scheme X 6.1
	// read mapping scheme-x.csv: line 2, paylab_id: bad mapping: "CVM-1" is not a paylab case ID (FLOW.AREA.NNN)
}
