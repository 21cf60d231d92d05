package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// Version is the harness version stamped into reports.
var Version = "0.1.0-dev"

// File names inside a run folder.
const (
	JSONFile  = "report.json"
	JUnitFile = "junit.xml"
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

// WriteJUnit writes ginkgo's report as JUnit XML to dir/junit.xml.
func WriteJUnit(dir string, r types.Report) (string, error) {
	p := filepath.Join(dir, JUnitFile)
	if err := reporters.GenerateJUnitReportWithConfig(r, p, reporters.JunitReportConfig{OmitLeafNodeType: true}); err != nil {
		return "", fmt.Errorf("write junit: %w", err)
	}
	return p, nil
}

// WriteRun writes every report of a run into dir, creating it, and last
// the bundle's MANIFEST.sha256 (see WriteManifest), so the folder verifies
// as it was written. A writer added here goes before the manifest.
func WriteRun(dir string, run Run, r types.Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	j, err := WriteJSON(dir, run)
	if err != nil {
		return nil, err
	}
	x, err := WriteJUnit(dir, r)
	if err != nil {
		return nil, err
	}
	m, err := WriteManifest(dir)
	if err != nil {
		return nil, err
	}
	return []string{j, x, m}, nil
}
