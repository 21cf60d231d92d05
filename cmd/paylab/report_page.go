package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/reports"
	"github.com/paylab/paylab/reports/browser"
)

// takeScreenshot checks dir/report.html in headless Chromium and writes
// dir/report.png. Without Chromium it prints that the screenshot was
// skipped and returns "" — except in CI (CI=true), where a missing browser
// is a failure. A page with console errors, fetches or a filter that does
// not work is an error.
func takeScreenshot(ctx context.Context, errw io.Writer, dir string) (string, error) {
	res, err := browser.Check(ctx, filepath.Join(dir, reports.HTMLFile), browser.Options{Screenshot: filepath.Join(dir, reports.ScreenshotFile)})
	var pe *browser.PageError
	switch {
	case errors.Is(err, browser.ErrNoBrowser):
		if os.Getenv("CI") == "true" {
			return "", fmt.Errorf("screenshot: %w (CI=true: the browser check is required)", err)
		}
		fmt.Fprintf(errw, "paylab: screenshot skipped: %v\n", err)
		return "", nil
	case errors.As(err, &pe):
		return res.Screenshot, err
	case err != nil:
		return "", fmt.Errorf("screenshot: %w", err)
	}
	var checks []string
	for _, f := range res.Filters {
		checks = append(checks, fmt.Sprintf("%s %d/%d rows", f.Filter, f.Visible, res.Cases))
	}
	fmt.Fprintf(errw, "paylab: report.html checked in headless Chromium: no console error, nothing fetched, filters work (%s)\n", strings.Join(checks, "; "))
	return res.Screenshot, nil
}

// rebundle rewrites the manifest of a folder that had one, after a
// command added or changed files, and says so when that drops a signature.
func rebundle(w io.Writer, dir string, hadManifest bool) (string, error) {
	if !hadManifest {
		return "", nil
	}
	_, sigErr := os.Stat(filepath.Join(dir, reports.SignatureFile))
	m, err := reports.WriteManifest(dir)
	if err != nil {
		return "", err
	}
	if sigErr == nil {
		fmt.Fprintf(w, "paylab: %s removed: the manifest changed; sign again with paylab report sign\n", reports.SignatureFile)
	}
	return m, nil
}

// intactOrUnbundled verifies a folder that has a manifest, so a command
// never re-hashes an altered bundle; it reports whether there was one.
func intactOrUnbundled(dir string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, reports.ManifestFile)); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err := verifyBundle(dir, reports.VerifyOptions{}); err != nil {
		return true, err
	}
	return true, nil
}

func newReportScreenshotCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "screenshot DIR",
		Short: "check a run's report.html in headless Chromium (console, fetches, filters) and write report.png",
		Long: "screenshot loads DIR/report.html in headless Chromium (Debian package chromium, or\n" +
			"$PAYLAB_CHROMIUM), fails on a console error, a fetch or a filter that does not show\n" +
			"the rows it states, and writes DIR/report.png. A bundle is verified first and its\n" +
			"manifest rewritten to cover the screenshot.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			had, err := intactOrUnbundled(dir)
			if err != nil {
				return err
			}
			shot, err := takeScreenshot(cmd.Context(), cmd.ErrOrStderr(), dir)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("report screenshot: %w", err)}
			}
			if shot == "" {
				return &exitError{code: 1, err: errors.New("report screenshot: no browser, no screenshot")}
			}
			m, err := rebundle(cmd.ErrOrStderr(), dir, had)
			if err != nil {
				return fmt.Errorf("report screenshot: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", shot)
			if m != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", m)
			}
			return nil
		},
	}
}

func newReportMapCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "map DIR FILE.csv",
		Short: "show a scheme's case IDs beside paylab's: apply a lab's mapping CSV to a run's reports",
		Long: "map reads a CSV whose header names paylab_id and scheme_id (optionally scheme and\n" +
			"note), one pair per row, and rewrites DIR's report.json, junit.xml and report.html\n" +
			"with the scheme IDs beside paylab's. A bad row is an error naming its line. A bundle\n" +
			"is verified first and its manifest rewritten; a screenshot of the old page is removed.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, file := args[0], args[1]
			plan, err := reports.LoadPlan(fixtures.FS, "plans")
			if err != nil {
				return fmt.Errorf("report map: %w", err)
			}
			m, err := readMapping(file, plan)
			if err != nil {
				return fmt.Errorf("report map: %w", err)
			}
			had, err := intactOrUnbundled(dir)
			if err != nil {
				return err
			}
			run, err := reports.ReadJSON(dir)
			if err != nil {
				return fmt.Errorf("report map: %w", err)
			}
			run.ApplyMapping(m)
			paths, err := reports.WriteReports(dir, run)
			if err != nil {
				return fmt.Errorf("report map: %w", err)
			}
			if err := os.Remove(filepath.Join(dir, reports.ScreenshotFile)); err == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "paylab: removed the stale %s; paylab report screenshot %s takes a new one\n", reports.ScreenshotFile, dir)
			}
			mf, err := rebundle(cmd.ErrOrStderr(), dir, had)
			if err != nil {
				return fmt.Errorf("report map: %w", err)
			}
			mapped := 0
			for _, c := range run.Cases {
				if len(c.SchemeIDs) > 0 {
					mapped++
				}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "mapped %d of %d cases to %d scheme case IDs (%s)\n", mapped, len(run.Cases), len(m.Rows), m.File)
			for _, p := range append(paths, mf) {
				if p != "" {
					fmt.Fprintf(w, "wrote %s\n", p)
				}
			}
			return nil
		},
	}
}
