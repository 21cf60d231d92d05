// Package browser checks a report.html in a real browser: headless
// Chromium (Debian's chromium package) loads the page from its file, the
// check collects every console error and uncaught exception, refuses any
// fetch that is not inline (the page must work offline), clicks a verdict
// filter and a label filter and compares the rows left visible with the
// counts the page states, and writes a PNG screenshot next to the report.
//
// It is the only package that imports github.com/chromedp/chromedp
// (internal/layering holds it to that).
package browser
