package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// Live progress. Each suite process appends one JSON object per line to a
// progress file (-paylab.progress): "suite" with the number of specs it
// will run, "start" when a spec starts, "done" with its verdict when it
// ends. `paylab run` tails the files of all its processes and prints the
// current case, the counts and an estimate of the time left. A line is
// written with one write(2) on a file opened O_APPEND, so a reader sees
// whole lines or a trailing fragment it keeps for later.

// ProgressKind is the kind of a progress event.
type ProgressKind string

const (
	ProgressSuite ProgressKind = "suite" // Specs: how many this process will run
	ProgressStart ProgressKind = "start"
	ProgressDone  ProgressKind = "done"
)

// ProgressEvent is one line of a progress file.
type ProgressEvent struct {
	Time     time.Time     `json:"t"`
	Kind     ProgressKind  `json:"kind"`
	Specs    int           `json:"specs,omitempty"`
	PlanID   string        `json:"plan_id,omitempty"`
	Title    string        `json:"title,omitempty"`
	Verdict  Verdict       `json:"verdict,omitempty"`
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// SuiteProgress is the "suite" event of a ginkgo pre-run report.
func SuiteProgress(r types.Report) ProgressEvent {
	return ProgressEvent{Time: time.Now(), Kind: ProgressSuite, Specs: r.PreRunStats.SpecsThatWillRun}
}

// SpecProgress is the event of a spec starting (done false) or ending; ok
// is false for a spec this process does not run (filtered out, pending)
// and for nodes that are not It specs.
func SpecProgress(s types.SpecReport, done bool) (ProgressEvent, bool) {
	if s.LeafNodeType != types.NodeTypeIt {
		return ProgressEvent{}, false
	}
	c := caseFromSpec(s)
	if c.Verdict == Skipped && c.Failure == "" {
		return ProgressEvent{}, false // not selected
	}
	if !done {
		if s.State == types.SpecStatePending || s.State == types.SpecStateSkipped {
			return ProgressEvent{}, false
		}
		return ProgressEvent{Time: time.Now(), Kind: ProgressStart, PlanID: c.PlanID, Title: c.Title}, true
	}
	return ProgressEvent{Time: time.Now(), Kind: ProgressDone, PlanID: c.PlanID, Title: c.Title, Verdict: c.Verdict, Duration: c.Duration}, true
}

// ProgressWriter appends events to a progress file.
type ProgressWriter struct {
	mu sync.Mutex
	f  *os.File
}

// OpenProgress opens (creating) a progress file for appending.
func OpenProgress(path string) (*ProgressWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open progress: %w", err)
	}
	return &ProgressWriter{f: f}, nil
}

// Write appends one event as one line.
func (w *ProgressWriter) Write(e ProgressEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("write progress: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write progress: %w", err)
	}
	return nil
}

// Close closes the file.
func (w *ProgressWriter) Close() error { return w.f.Close() }

// ProgressReader reads the events appended to a progress file since the
// last call, keeping an unfinished last line for the next one.
type ProgressReader struct {
	path string
	off  int64
	rest []byte
}

// NewProgressReader reads path from its start; the file may not exist yet.
func NewProgressReader(path string) *ProgressReader { return &ProgressReader{path: path} }

// Next returns the whole events appended since the last call. A missing
// file is no event yet; a line that is not an event is an error.
func (r *ProgressReader) Next() ([]ProgressEvent, error) {
	f, err := os.Open(r.path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(r.off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	r.off += int64(len(b))
	buf := append(r.rest, b...)
	var out []ProgressEvent
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		line := buf[:i]
		buf = buf[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e ProgressEvent
		if err := json.Unmarshal(line, &e); err != nil {
			r.rest = append([]byte(nil), buf...)
			return out, fmt.Errorf("read progress %s: %w", r.path, err)
		}
		out = append(out, e)
	}
	r.rest = append([]byte(nil), buf...)
	return out, nil
}

// Progress is the state of a run as its events tell it.
type Progress struct {
	Total   int // specs that will run, over every process that reported
	Started time.Time
	Done    int
	Counts  map[Verdict]int
	Current []string // plan IDs running now, in start order
	running map[string]bool
	spent   time.Duration // summed durations of the done specs
}

// NewProgress starts counting at t.
func NewProgress(t time.Time) *Progress {
	return &Progress{Started: t, Counts: map[Verdict]int{}, running: map[string]bool{}}
}

// Add applies events.
func (p *Progress) Add(events ...ProgressEvent) {
	for _, e := range events {
		switch e.Kind {
		case ProgressSuite:
			p.Total += e.Specs
		case ProgressStart:
			if !p.running[e.PlanID] {
				p.running[e.PlanID] = true
				p.Current = append(p.Current, e.PlanID)
			}
		case ProgressDone:
			p.Done++
			p.Counts[e.Verdict]++
			p.spent += e.Duration
			if p.running[e.PlanID] {
				delete(p.running, e.PlanID)
				for i, id := range p.Current {
					if id == e.PlanID {
						p.Current = append(p.Current[:i], p.Current[i+1:]...)
						break
					}
				}
			}
		}
	}
}

// Left estimates the time left at now: the elapsed time per finished
// spec times the specs still to run. ok is false before the first spec
// finishes.
func (p *Progress) Left(now time.Time) (time.Duration, bool) {
	if p.Done == 0 || p.Total == 0 {
		return 0, false
	}
	rest := p.Total - p.Done
	if rest <= 0 {
		return 0, true
	}
	per := now.Sub(p.Started) / time.Duration(p.Done)
	return per * time.Duration(rest), true
}

// Line is a one-line status: "[ 42/166] 40 passed, 2 failed · EMV.CT.ODA.003 · ~3s left".
func (p *Progress) Line(now time.Time) string {
	w := len(fmt.Sprint(p.Total))
	s := fmt.Sprintf("[%*d/%d] %d passed", w, p.Done, p.Total, p.Counts[Passed])
	for _, v := range []Verdict{Failed, Errored, NotApplicable, Skipped} {
		if n := p.Counts[v]; n > 0 {
			s += fmt.Sprintf(", %d %s", n, v)
		}
	}
	if len(p.Current) > 0 {
		s += " · " + p.Current[len(p.Current)-1]
		if len(p.Current) > 1 {
			s += fmt.Sprintf(" (+%d)", len(p.Current)-1)
		}
	}
	if left, ok := p.Left(now); ok && p.Done < p.Total {
		s += " · " + roundLeft(left) + " left"
	}
	return s
}

func roundLeft(d time.Duration) string {
	switch {
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return "~" + d.Round(time.Second).String()
	default:
		return "~" + d.Round(10*time.Second).String()
	}
}
