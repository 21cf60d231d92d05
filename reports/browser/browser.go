package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNoBrowser is returned by Find, and wrapped by Check, when no Chromium
// or Chrome is installed.
var ErrNoBrowser = errors.New("no Chromium found (Debian: apt-get install chromium; or set PAYLAB_CHROMIUM)")

// candidates are the names Find looks up in PATH, in order.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// Find returns the browser to run: $PAYLAB_CHROMIUM when set, else the
// first of chromium, chromium-browser, google-chrome… found in PATH.
func Find() (string, error) {
	if p := os.Getenv("PAYLAB_CHROMIUM"); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%w: PAYLAB_CHROMIUM=%s: %v", ErrNoBrowser, p, err)
		}
		return found, nil
	}
	for _, n := range candidates {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Options configures Check. The zero value is usable.
type Options struct {
	// ExecPath is the browser binary (default: Find).
	ExecPath string
	// Width and Height are the viewport, and so the screenshot's size
	// (default 1400×1600).
	Width, Height int
	// Timeout bounds the whole check, browser start included (default 60 s).
	Timeout time.Duration
	// Screenshot is the PNG file to write (default: report.png beside the
	// page; "-" for none).
	Screenshot string
}

// FilterCheck is one filter the check clicked, with the rows the page
// should show and the rows it did show.
type FilterCheck struct {
	Filter  string // e.g. `verdict "failed"` or `label "flow:EMV.CT"`
	Want    int
	Visible int
}

// Result is what the browser saw.
type Result struct {
	Browser    string   // binary and version
	Cases      int      // case rows in the page
	Console    []string // console errors, uncaught exceptions and browser log errors
	Fetches    []string // resources the page fetched that were not inline
	Filters    []FilterCheck
	Screenshot string // path of the PNG written
}

// Problems lists what is wrong with the page: console errors, fetches,
// filters that did not show the stated rows. Empty for a good page.
func (r Result) Problems() []string {
	var out []string
	for _, c := range r.Console {
		out = append(out, "console: "+c)
	}
	for _, f := range r.Fetches {
		out = append(out, "fetches "+f+" (the report must be self-contained)")
	}
	for _, f := range r.Filters {
		if f.Visible != f.Want {
			out = append(out, fmt.Sprintf("filter %s shows %d rows, want %d", f.Filter, f.Visible, f.Want))
		}
	}
	if len(r.Filters) == 0 && r.Cases > 0 {
		out = append(out, "no filter could be clicked")
	}
	return out
}

// PageError is returned by Check when the page loaded but is not right.
type PageError struct {
	Page     string
	Problems []string
}

func (e *PageError) Error() string {
	return fmt.Sprintf("check report page %s: %s", e.Page, strings.Join(e.Problems, "; "))
}

// chip is a verdict filter button as the page states it.
type chip struct {
	Verdict  string `json:"verdict"`
	Count    int    `json:"count"`
	Disabled bool   `json:"disabled"`
}

// label is a label filter link of the per-flow table.
type label struct {
	Label string `json:"label"`
	Count int    `json:"count"`
	Link  bool   `json:"link"` // a flow link to click, else an option of the label select
}

const (
	jsVisible = `document.querySelectorAll("tbody.case:not([hidden])").length`
	jsTotal   = `document.querySelectorAll("tbody.case").length`
	jsChips   = `Array.from(document.querySelectorAll(".chip[data-verdict]")).map(b => ({verdict: b.dataset.verdict, count: +b.querySelector("b").textContent, disabled: b.disabled}))`
	// Label filters: the flow links of the per-flow table, whose count is
	// their row's "Cases" cell, and the options of the label select, whose
	// count ends their text "(N)", both as the server rendered them.
	jsLabels = `Array.from(document.querySelectorAll(".flow-link")).map(a => ({label: a.dataset.label, count: +a.closest("tr").querySelector("td.num").textContent, link: true})).concat(` +
		`Array.from(document.querySelectorAll("#label-filter option")).filter(o => o.value).map(o => ({label: o.value, count: +(o.textContent.match(/\((\d+)\)$/) || [0, 0])[1], link: false})))`
	jsFetches = `performance.getEntriesByType("resource").map(e => e.name).filter(n => !n.startsWith("data:"))`
)

// Check loads page (a report.html) in headless Chromium, clicks a verdict
// filter and a label filter, and writes a screenshot. It returns the
// result and, when the page has problems (see Result.Problems), a
// *PageError; an error wrapping ErrNoBrowser when no browser is installed;
// another error when the browser could not run.
func Check(ctx context.Context, page string, o Options) (Result, error) {
	var res Result
	abs, err := filepath.Abs(page)
	if err != nil {
		return res, fmt.Errorf("check report page: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return res, fmt.Errorf("check report page: %w", err)
	}
	if o.ExecPath == "" {
		if o.ExecPath, err = Find(); err != nil {
			return res, fmt.Errorf("check report page: %w", err)
		}
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1400, 1600
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Screenshot == "" {
		o.Screenshot = filepath.Join(filepath.Dir(abs), "report.png")
	}

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(o.ExecPath),
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox; the page is
		// our own file and the check fetches nothing.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	tab, tcancel := chromedp.NewContext(actx)
	defer tcancel()

	// Collect the console from before the navigation on.
	cctx, stopConsole := context.WithCancel(tab)
	var (
		mu   sync.Mutex
		msgs []string
		done = make(chan struct{})
	)
	console := chromedp.Console(cctx)
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException:
				mu.Lock()
				msgs = append(msgs, m.String())
				mu.Unlock()
			}
		}
	}()
	finishConsole := func() {
		stopConsole()
		<-done
		mu.Lock()
		res.Console = append(res.Console, msgs...)
		mu.Unlock()
	}

	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	if err := chromedp.Do(tab, chromedp.Navigate(u), chromedp.WaitReady(chromedp.ID("cases"))); err != nil {
		finishConsole()
		return res, fmt.Errorf("check report page: load %s: %w", page, err)
	}
	if v, err := chromedp.Run(tab, chromedp.Evaluate[string](`navigator.userAgent`)); err == nil {
		res.Browser = o.ExecPath + " (" + v + ")"
	}
	count := func(expr string) (int, error) { return chromedp.Run(tab, chromedp.Evaluate[int](expr)) }
	if res.Cases, err = count(jsTotal); err != nil {
		finishConsole()
		return res, fmt.Errorf("check report page: %w", err)
	}
	if err := res.clickFilters(tab, count); err != nil {
		finishConsole()
		return res, err
	}
	if res.Fetches, err = chromedp.Run(tab, chromedp.Evaluate[[]string](jsFetches)); err != nil {
		finishConsole()
		return res, fmt.Errorf("check report page: %w", err)
	}
	// Back to the page as a reader first sees it, then the screenshot.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("reset")), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		finishConsole()
		return res, fmt.Errorf("check report page: reset filters: %w", err)
	}
	if o.Screenshot != "-" {
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			finishConsole()
			return res, fmt.Errorf("check report page: screenshot: %w", err)
		}
		if err := os.WriteFile(o.Screenshot, png, 0o644); err != nil {
			finishConsole()
			return res, fmt.Errorf("check report page: %w", err)
		}
		res.Screenshot = o.Screenshot
	}
	finishConsole()
	if p := res.Problems(); len(p) > 0 {
		return res, &PageError{Page: page, Problems: p}
	}
	return res, nil
}

// clickFilters clicks the verdict chip that selects the fewest rows (but
// some), checks the visible rows against its count, clicks it off again,
// then does the same with a flow's label link.
func (res *Result) clickFilters(tab context.Context, count func(string) (int, error)) error {
	chips, err := chromedp.Run(tab, chromedp.Evaluate[[]chip](jsChips))
	if err != nil {
		return fmt.Errorf("check report page: read verdict filters: %w", err)
	}
	var pick *chip
	for i := range chips {
		c := &chips[i]
		if !c.Disabled && c.Count > 0 && (pick == nil || c.Count < pick.Count) {
			pick = c
		}
	}
	if pick != nil {
		sel := chromedp.CSS(fmt.Sprintf(`.chip[data-verdict=%q]`, pick.Verdict))
		if err := chromedp.Do(tab, chromedp.Click(sel)); err != nil {
			return fmt.Errorf("check report page: click verdict %s: %w", pick.Verdict, err)
		}
		n, err := count(jsVisible)
		if err != nil {
			return fmt.Errorf("check report page: %w", err)
		}
		res.Filters = append(res.Filters, FilterCheck{Filter: fmt.Sprintf("verdict %q", pick.Verdict), Want: pick.Count, Visible: n})
		if err := chromedp.Do(tab, chromedp.Click(sel)); err != nil {
			return fmt.Errorf("check report page: click verdict %s off: %w", pick.Verdict, err)
		}
		if n, err = count(jsVisible); err != nil {
			return fmt.Errorf("check report page: %w", err)
		}
		res.Filters = append(res.Filters, FilterCheck{Filter: fmt.Sprintf("verdict %q off", pick.Verdict), Want: res.Cases, Visible: n})
	}
	labels, err := chromedp.Run(tab, chromedp.Evaluate[[]label](jsLabels))
	if err != nil {
		return fmt.Errorf("check report page: read label filters: %w", err)
	}
	// The label that selects the fewest rows, a link before a select
	// option when both select as few.
	var lp *label
	for i := range labels {
		l := &labels[i]
		if l.Count > 0 && (lp == nil || l.Count < lp.Count || l.Count == lp.Count && l.Link && !lp.Link) {
			lp = l
		}
	}
	if lp != nil {
		what := fmt.Sprintf("label %q", lp.Label)
		act := chromedp.Click(chromedp.CSS(fmt.Sprintf(`.flow-link[data-label=%q]`, lp.Label)))
		if !lp.Link {
			what = fmt.Sprintf("label %q (select)", lp.Label)
			act = chromedp.SetValue(chromedp.ID("label-filter"), lp.Label) // fires input and change
		}
		if err := chromedp.Do(tab, act); err != nil {
			return fmt.Errorf("check report page: %s: %w", what, err)
		}
		n, err := count(jsVisible)
		if err != nil {
			return fmt.Errorf("check report page: %w", err)
		}
		res.Filters = append(res.Filters, FilterCheck{Filter: what, Want: lp.Count, Visible: n})
	}
	return nil
}
