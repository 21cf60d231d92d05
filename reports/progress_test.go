package reports_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/reports"
)

func TestProgressFileAndLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "progress.jsonl")
	r := reports.NewProgressReader(p)
	if ev, err := r.Next(); err != nil || len(ev) != 0 {
		t.Fatalf("missing file: %v, %v", ev, err)
	}
	w, err := reports.OpenProgress(p)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, e := range []reports.ProgressEvent{
		{Kind: reports.ProgressSuite, Specs: 4},
		{Kind: reports.ProgressStart, PlanID: "EMV.CT.ODA.001"},
		{Kind: reports.ProgressDone, PlanID: "EMV.CT.ODA.001", Verdict: reports.Passed, Duration: time.Second},
		{Kind: reports.ProgressStart, PlanID: "EMV.CT.ODA.002"},
	} {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	// A half-written line is kept for the next read.
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"kind":"done","plan_id":"EMV.CT.ODA.002",`)
	ev, err := r.Next()
	if err != nil || len(ev) != 4 {
		t.Fatalf("Next = %d events, %v", len(ev), err)
	}
	prog := reports.NewProgress(t0)
	prog.Add(ev...)
	if got := prog.Line(t0.Add(2 * time.Second)); got != "[1/4] 1 passed · EMV.CT.ODA.002 · ~6s left" {
		t.Errorf("line = %q", got)
	}
	f.WriteString(`"verdict":"failed"}` + "\n")
	f.Close()
	ev, err = r.Next()
	if err != nil || len(ev) != 1 || ev[0].Verdict != reports.Failed {
		t.Fatalf("Next = %+v, %v", ev, err)
	}
	prog.Add(ev...)
	if got := prog.Line(t0.Add(2 * time.Second)); !strings.HasPrefix(got, "[2/4] 1 passed, 1 failed") || strings.Contains(got, "ODA.002") {
		t.Errorf("line = %q", got)
	}
	w.Close()
}
