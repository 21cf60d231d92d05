package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Version is the harness version stamped into reports.
var Version = "0.1.0-dev"

// File names inside a run folder.
const (
	JSONFile       = "report.json"
	JUnitFile      = "junit.xml"
	HTMLFile       = "report.html"
	ScreenshotFile = "report.png" // written by reports/browser when Chromium is there
)

// WriteJSON writes the run as indented JSON to dir/report.json.
func WriteJSON(dir string, run Run) (string, error) {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode report: %w", err)
	}
	p := filepath.Join(dir, JSONFile)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return p, nil
}

// ReadJSON reads a run folder's report.json.
func ReadJSON(dir string) (Run, error) {
	var run Run
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		return run, fmt.Errorf("read report: %w", err)
	}
	if err := json.Unmarshal(b, &run); err != nil {
		return run, fmt.Errorf("decode report %s: %w", dir, err)
	}
	return run, nil
}

// WriteReports writes report.json, junit.xml and report.html into dir,
// creating it, and returns their paths in that order. It writes no
// manifest: call WriteManifest once every file of the bundle is there.
func WriteReports(dir string, run Run) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	run.summarise()
	var paths []string
	for _, w := range []func(string, Run) (string, error){WriteJSON, WriteJUnit, WriteHTML} {
		p, err := w(dir, run)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteRun writes every report of a run into dir (WriteReports) and last
// the bundle's MANIFEST.sha256 (see WriteManifest), so the folder verifies
// as it was written.
func WriteRun(dir string, run Run) ([]string, error) {
	paths, err := WriteReports(dir, run)
	if err != nil {
		return nil, err
	}
	m, err := WriteManifest(dir)
	if err != nil {
		return nil, err
	}
	return append(paths, m), nil
}
