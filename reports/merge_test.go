package reports_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paylab/paylab/reports"
)

var t0 = time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)

// wholeRun is a run of a suite with cases of every verdict, converted from
// a ginkgo report as the suite does.
func wholeRun() (reports.Run, types.Report) {
	states := []types.SpecState{types.SpecStatePassed, types.SpecStateFailed, types.SpecStatePassed, types.SpecStatePanicked, types.SpecStatePassed}
	r := types.Report{SuiteDescription: "paylab scenarios", StartTime: t0, EndTime: t0.Add(time.Minute)}
	for i := range 10 {
		s := spec(fmt.Sprintf("case %d", i), fmt.Sprintf("EMV.CRY.ARQC.%03d", i+1), states[i%len(states)])
		s.RunTime = time.Duration(i+1) * time.Millisecond
		r.SpecReports = append(r.SpecReports, s)
	}
	return reports.FromGinkgo("whole", reports.Bench{Name: "emulated", Hosts: "in-process"}, r), r
}

// shard keeps the specs whose index i satisfies keep(i) and, as ginkgo
// does for specs a label filter leaves out, reports the others as skipped
// without a reason.
func shard(r types.Report, id string, start, end time.Time, keep func(int) bool) reports.Run {
	r.StartTime, r.EndTime = start, end
	r.SpecReports = append(types.SpecReports(nil), r.SpecReports...)
	for i := range r.SpecReports {
		if !keep(i) {
			r.SpecReports[i].State = types.SpecStateSkipped
			r.SpecReports[i].Failure = types.Failure{}
			r.SpecReports[i].RunTime = 0
		}
	}
	return reports.FromGinkgo(id, reports.Bench{Name: "emulated", Hosts: "in-process"}, r)
}

func TestMergeShardsEqualsWholeRun(t *testing.T) {
	whole, r := wholeRun()
	even := func(i int) bool { return i%2 == 0 }
	odd := func(i int) bool { return i%2 == 1 }
	a := shard(r, "shard-a", t0.Add(time.Second), t0.Add(40*time.Second), even)
	b := shard(r, "shard-b", t0, t0.Add(50*time.Second), odd)

	// Shards as ginkgo reports them (filtered specs skipped) and shards
	// that hold only their own cases must both merge to the whole run.
	own := func(run reports.Run, keep func(int) bool) reports.Run {
		run.Cases = nil
		for i, c := range whole.Cases {
			if keep(i) {
				run.Cases = append(run.Cases, c)
			}
		}
		return run
	}
	for name, shards := range map[string][]reports.Run{
		"ginkgo shards":   {a, b},
		"reversed":        {b, a},
		"own cases only":  {own(a, even), own(b, odd)},
		"with a repeat":   {a, b, a},
		"three-way split": {own(a, func(i int) bool { return i < 3 }), own(b, func(i int) bool { return i >= 3 && i < 7 }), own(a, func(i int) bool { return i >= 7 })},
	} {
		m, err := reports.Merge(shards...)
		if err != nil {
			t.Fatalf("%s: Merge = %v", name, err)
		}
		if !reflect.DeepEqual(m.Cases, whole.Cases) {
			t.Errorf("%s: merged cases differ from the whole run:\n got %+v\nwant %+v", name, m.Cases, whole.Cases)
		}
		if !reflect.DeepEqual(m.Summary, whole.Summary) {
			t.Errorf("%s: summary = %+v, want %+v", name, m.Summary, whole.Summary)
		}
		if !m.StartTime.Equal(t0) || !m.EndTime.Equal(t0.Add(50*time.Second)) {
			t.Errorf("%s: times = %v – %v", name, m.StartTime, m.EndTime)
		}
		if m.ID != "shard-a+shard-b" || !reflect.DeepEqual(m.Bench, whole.Bench) || m.Harness != whole.Harness || m.Suite != whole.Suite {
			t.Errorf("%s: run = %q %+v %q %q", name, m.ID, m.Bench, m.Harness, m.Suite)
		}
	}
}

func TestMergeConflicts(t *testing.T) {
	whole, _ := wholeRun()
	flip := whole
	flip.Cases = append([]reports.Case(nil), whole.Cases...)
	flip.Cases[0].Verdict = reports.Failed
	otherBench := whole
	otherBench.Bench = reports.Bench{Name: "lab-1", Hosts: "container"}
	otherReader := whole
	otherReader.Bench = reports.Bench{Name: "emulated", Hosts: "in-process", Devices: map[string]string{"reader": "ACS ACR39U"}}
	otherHarness := whole
	otherHarness.Harness = "paylab 9.9.9"
	skippedWithReason := whole
	skippedWithReason.Cases = append([]reports.Case(nil), whole.Cases...)
	skippedWithReason.Cases[0].Verdict, skippedWithReason.Cases[0].Failure = reports.Skipped, "no contactless reader"

	for name, runs := range map[string][]reports.Run{
		"no run":              nil,
		"two verdicts":        {whole, flip},
		"bench":               {whole, otherBench},
		"device":              {whole, otherReader},
		"harness":             {whole, otherHarness},
		"skipped with reason": {whole, skippedWithReason},
	} {
		if _, err := reports.Merge(runs...); !errors.Is(err, reports.ErrMerge) {
			t.Errorf("%s: Merge = %v, want ErrMerge", name, err)
		}
	}

	// The same run twice (a rerun of one process) merges to itself.
	m, err := reports.Merge(whole, whole)
	if err != nil || m.ID != "whole" || !reflect.DeepEqual(m.Cases, whole.Cases) {
		t.Errorf("Merge(whole, whole) = %v, %v", m.ID, err)
	}
}

func TestMergeRefusesTwoTerminalProfiles(t *testing.T) {
	a := reports.Run{ID: "a", Bench: reports.Bench{Name: "emulated", Terminal: &reports.TerminalIdentity{Profile: "default", Capabilities: "E0F8C8"}}}
	b := reports.Run{ID: "b", Bench: reports.Bench{Name: "emulated", Terminal: &reports.TerminalIdentity{Profile: "basic", Capabilities: "E0E8C8"}}}
	if _, err := reports.Merge(a, b); !errors.Is(err, reports.ErrMerge) {
		t.Errorf("Merge = %v, want ErrMerge", err)
	}
	c := b
	c.ID = "c"
	c.Bench.Terminal = &reports.TerminalIdentity{Profile: "basic", Capabilities: "E0E8C8"} // equal by value
	m := &reports.MappingInfo{File: "x.csv", Rows: 2}
	b.Mapping, c.Mapping = m, &reports.MappingInfo{File: "x.csv", Rows: 2}
	got, err := reports.Merge(b, c)
	if err != nil || got.Mapping == nil || got.Mapping.File != "x.csv" {
		t.Errorf("Merge = %+v, %v", got.Mapping, err)
	}
}
