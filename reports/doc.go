// Package reports holds the certification report model, its conversion
// from a ginkgo suite report, and the writers (JSON, JUnit XML).
//
// A run writes reports/out/<run-id>/: report.json (the model), junit.xml
// (for CI) and MANIFEST.sha256, the evidence bundle's SHA-256 manifest
// (optionally signed with a lab's Ed25519 key), which Verify checks so a lab
// can show a report was not altered. Merge joins the runs of parallel
// processes or CI shards; Diff compares two runs. Every case carries its
// test-plan ID (a ginkgo label of the form FLOW.AREA.NNN) so a report can be
// mapped to a scheme's plan.
package reports
