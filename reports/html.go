package reports

import (
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/paylab/paylab/harness/emv"
)

// The HTML report is one self-contained page: its CSS and script are
// inlined from html/ and its charts are inline SVG, so it opens offline,
// from a mail attachment or a CI artefact, and fetches nothing. The page
// is rendered on the server side; the script only filters and folds rows.
//
//go:embed html/report.tmpl html/report.css html/report.js
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("report.tmpl").Funcs(template.FuncMap{
	"dur": roundDuration,
}).ParseFS(htmlFiles, "html/report.tmpl"))

// verdictInfo is how the page names and colours a verdict.
var verdictInfo = map[Verdict]struct{ Label, Class string }{
	Passed:        {"Passed", "v-passed"},
	Failed:        {"Failed", "v-failed"},
	Errored:       {"Error", "v-error"},
	NotApplicable: {"Not applicable", "v-na"},
	Skipped:       {"Skipped", "v-skipped"},
}

type htmlView struct {
	Run       Run
	Title     string
	Generated string
	Started   string
	Duration  time.Duration
	Ran       int    // passed + failed + errored
	PassRate  string // of the cases that ran
	Donut     []donutSlice
	Flows     []flowView
	Verdicts  []chipView
	Labels    []chipView
	Attention []caseView
	Slowest   []caseView
	Cases     []caseView
	Bench     []kv
	HasScheme bool
	CSS       template.CSS
	JS        template.JS
}

type kv struct{ Key, Value, Note string }

type donutSlice struct {
	Class         string
	Label         string
	Count         int
	Dash, Gap     string // stroke-dasharray of a circle of circumference 100
	Offset        string
	Percent       string
	HasPercentage bool
}

type chipView struct {
	Value, Label, Class string
	Count               int
}

type flowView struct {
	Flow     string
	Total    int
	Counts   []chipView
	Segments []segment
	PassRate string
}

type segment struct {
	Class, Label string
	X, W         string // percent of the bar
}

type caseView struct {
	Case
	Anchor    string
	Class     string
	Label     string
	LabelAttr string // space-separated filter keys
	Search    string
	Open      bool
	Traces    []Evidence // APDU and ISO 8583 traces, folded
	Notes     []Evidence // the other evidence entries
}

// WriteHTML writes the run as one self-contained page to dir/report.html.
func WriteHTML(dir string, run Run) (string, error) {
	b, err := HTML(run)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, HTMLFile)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("write html report: %w", err)
	}
	return p, nil
}

// HTML renders the run as one self-contained page.
func HTML(run Run) ([]byte, error) {
	css, err := htmlFiles.ReadFile("html/report.css")
	if err != nil {
		return nil, fmt.Errorf("render html report: %w", err)
	}
	js, err := htmlFiles.ReadFile("html/report.js")
	if err != nil {
		return nil, fmt.Errorf("render html report: %w", err)
	}
	v := newHTMLView(run)
	v.CSS, v.JS = template.CSS(css), template.JS(js)
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render html report: %w", err)
	}
	return buf.Bytes(), nil
}

func pct(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

func newHTMLView(run Run) htmlView {
	v := htmlView{Run: run, Title: "paylab certification report"}
	if run.ID != "" {
		v.Title += " · " + run.ID
	}
	if !run.StartTime.IsZero() {
		v.Started = run.StartTime.UTC().Format("2006-01-02 15:04:05 MST")
		if run.EndTime.After(run.StartTime) {
			v.Duration = run.EndTime.Sub(run.StartTime).Round(time.Millisecond)
		}
	}
	counts := map[Verdict]int{}
	for _, c := range run.Cases {
		counts[c.Verdict]++
	}
	v.Ran = counts[Passed] + counts[Failed] + counts[Errored]
	v.PassRate = pct(counts[Passed], v.Ran)

	// Donut: a circle of circumference 100, one dashed stroke per verdict.
	total, offset := len(run.Cases), 25.0 // start at 12 o'clock
	for _, vd := range Verdicts {
		n := counts[vd]
		info := verdictInfo[vd]
		v.Verdicts = append(v.Verdicts, chipView{Value: string(vd), Label: info.Label, Class: info.Class, Count: n})
		if n == 0 || total == 0 {
			continue
		}
		share := 100 * float64(n) / float64(total)
		v.Donut = append(v.Donut, donutSlice{Class: info.Class, Label: info.Label, Count: n,
			Dash: fmt.Sprintf("%.3f", share), Gap: fmt.Sprintf("%.3f", 100-share),
			Offset: fmt.Sprintf("%.3f", offset), Percent: pct(n, total), HasPercentage: true})
		offset -= share
	}

	// Per flow: counts, a stacked bar and the pass rate.
	flowCases := map[string][]Case{}
	for _, c := range run.Cases {
		f := c.Flow
		if f == "" {
			f = "SUITE"
		}
		flowCases[f] = append(flowCases[f], c)
	}
	flows := make([]string, 0, len(flowCases))
	for f := range flowCases {
		flows = append(flows, f)
	}
	sort.Strings(flows)
	for _, f := range flows {
		cs := flowCases[f]
		n := map[Verdict]int{}
		for _, c := range cs {
			n[c.Verdict]++
		}
		fv := flowView{Flow: f, Total: len(cs), PassRate: pct(n[Passed], n[Passed]+n[Failed]+n[Errored])}
		x := 0.0
		for _, vd := range Verdicts {
			info := verdictInfo[vd]
			if n[vd] == 0 {
				continue
			}
			fv.Counts = append(fv.Counts, chipView{Value: string(vd), Label: info.Label, Class: info.Class, Count: n[vd]})
			w := 100 * float64(n[vd]) / float64(len(cs))
			fv.Segments = append(fv.Segments, segment{Class: info.Class, Label: fmt.Sprintf("%s: %d", info.Label, n[vd]),
				X: fmt.Sprintf("%.3f", x), W: fmt.Sprintf("%.3f", w)})
			x += w
		}
		v.Flows = append(v.Flows, fv)
	}

	// Cases, and the labels to filter them by: flows, then areas.
	labels := map[string]int{}
	for i, c := range run.Cases {
		info := verdictInfo[c.Verdict]
		if info.Label == "" {
			info.Label, info.Class = string(c.Verdict), "v-error"
		}
		cv := caseView{Case: c, Class: info.Class, Label: info.Label, Anchor: anchor(c, i)}
		keys := filterKeys(c)
		for _, k := range keys {
			labels[k]++
		}
		cv.LabelAttr = strings.Join(keys, " ")
		cv.Search = strings.ToLower(strings.Join(append([]string{c.PlanID, c.Title, c.Requirement}, c.SchemeIDs...), " "))
		cv.Open = c.Verdict == Failed || c.Verdict == Errored
		for _, e := range c.Evidence {
			if isTrace(e.Name) {
				cv.Traces = append(cv.Traces, e)
			} else {
				cv.Notes = append(cv.Notes, e)
			}
		}
		if len(c.SchemeIDs) > 0 {
			v.HasScheme = true
		}
		v.Cases = append(v.Cases, cv)
		if cv.Open {
			v.Attention = append(v.Attention, cv)
		}
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		fi, fj := strings.HasPrefix(keys[i], "flow:"), strings.HasPrefix(keys[j], "flow:")
		if fi != fj {
			return fi
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		v.Labels = append(v.Labels, chipView{Value: k, Label: k, Count: labels[k]})
	}
	slow := append([]caseView(nil), v.Cases...)
	sort.SliceStable(slow, func(i, j int) bool { return slow[i].Duration > slow[j].Duration })
	for _, c := range slow {
		if len(v.Slowest) == 5 || c.Duration <= 0 {
			break
		}
		v.Slowest = append(v.Slowest, c)
	}
	v.Bench = benchRows(run)
	return v
}

// filterKeys are the labels a case can be filtered by: its flow
// ("flow:EMV.CT"), its area ("area:EMV.CT.ODA") and any other label but
// its plan ID, which the search box finds.
func filterKeys(c Case) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if k != "" && !seen[k] && !strings.ContainsAny(k, " \t\n") {
			seen[k] = true
			out = append(out, k)
		}
	}
	if c.Flow != "" {
		add("flow:" + c.Flow)
	}
	if i := strings.LastIndexByte(c.PlanID, '.'); i > 0 {
		add("area:" + c.PlanID[:i])
	}
	for _, l := range c.Labels {
		if l != c.PlanID {
			add(l)
		}
	}
	return out
}

// isTrace tells the folded traces (APDU transcripts, ISO 8583 messages)
// from the short evidence entries by their names.
func isTrace(name string) bool {
	n := strings.ToLower(name)
	for _, k := range []string{"apdu", "8583", "transcript", "trace", "iso message"} {
		if strings.Contains(n, k) {
			return true
		}
	}
	return false
}

func anchor(c Case, i int) string {
	if c.PlanID != "" {
		return "case-" + c.PlanID
	}
	return fmt.Sprintf("case-%d", i+1)
}

func benchRows(run Run) []kv {
	b := run.Bench
	rows := []kv{{Key: "Bench", Value: b.Name}}
	if b.Hosts != "" {
		rows = append(rows, kv{Key: "Hosts", Value: b.Hosts})
	}
	if r := b.Reader; r != nil {
		rows = append(rows, kv{Key: "Card reader", Value: join(r.Driver, r.Name)})
		if r.ATR != "" {
			rows = append(rows, kv{Key: "ATR", Value: r.ATR})
		}
	}
	if s := b.Scanner; s != nil {
		val := join(s.Driver, s.Port)
		if s.Baud > 0 {
			val += fmt.Sprintf(" @ %d baud", s.Baud)
		}
		rows = append(rows, kv{Key: "Scanner", Value: val})
		if s.VID != "" || s.PID != "" {
			rows = append(rows, kv{Key: "Scanner USB VID:PID", Value: s.VID + ":" + s.PID, Note: s.Serial})
		}
	}
	if t := b.Terminal; t != nil {
		rows = append(rows, kv{Key: "Terminal profile", Value: t.Profile})
		if tt, err := hex.DecodeString(t.Type); err == nil && len(tt) == 1 {
			rows = append(rows, kv{Key: "Terminal type 9F35", Value: t.Type, Note: emv.TerminalType(tt[0]).String()})
		}
		if raw, err := hex.DecodeString(t.Capabilities); err == nil {
			if c, err := emv.ParseTermCaps(raw); err == nil {
				rows = append(rows, kv{Key: "Terminal capabilities 9F33", Value: t.Capabilities, Note: c.String()})
			}
		}
		if raw, err := hex.DecodeString(t.AdditionalCapabilities); err == nil {
			if c, err := emv.ParseAddTermCaps(raw); err == nil {
				rows = append(rows, kv{Key: "Additional capabilities 9F40", Value: t.AdditionalCapabilities, Note: c.String()})
			}
		}
	}
	roles := make([]string, 0, len(b.Devices))
	for r := range b.Devices {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, r := range roles {
		rows = append(rows, kv{Key: r, Value: b.Devices[r]})
	}
	if m := run.Mapping; m != nil {
		rows = append(rows, kv{Key: "Scheme mapping", Value: m.File, Note: strings.TrimSpace(fmt.Sprintf("%s, %d rows", m.Scheme, m.Rows))})
	}
	if run.Harness != "" {
		rows = append(rows, kv{Key: "Harness", Value: run.Harness})
	}
	return rows
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}
