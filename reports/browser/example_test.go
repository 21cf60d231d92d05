package browser_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/paylab/paylab/reports/browser"
)

// Check a run's page and write report.png beside it; without Chromium,
// say so (CI treats that as a failure).
func ExampleCheck() {
	res, err := browser.Check(context.Background(), "reports/out/latest/report.html", browser.Options{})
	var pe *browser.PageError
	switch {
	case errors.Is(err, browser.ErrNoBrowser):
		fmt.Println("screenshot skipped:", err)
	case errors.As(err, &pe):
		fmt.Println("the page is broken:", pe.Problems)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(res.Cases, "cases; filters", res.Filters, "; wrote", res.Screenshot)
	}
}
