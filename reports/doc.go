// Package reports holds the certification report model, its conversion
// from a ginkgo suite report, and the writers (JSON, JUnit XML, HTML).
//
// A run writes reports/out/<run-id>/: report.json (the model), junit.xml
// (for CI, one testsuite per flow), report.html (one self-contained page:
// verdict donut and pass rate per flow as inline SVG, filters by verdict,
// label and text, each case's requirement, pass criteria, expected and
// actual values, TVR/TSI/CVM Results, failure and masked APDU and ISO 8583
// traces, timings, the bench's device identities), report.png when the
// page was checked in a browser (package reports/browser), and last
// MANIFEST.sha256, the evidence bundle's SHA-256 manifest (optionally
// signed with a lab's Ed25519 key), which Verify checks so a lab can show
// a report was not altered. Merge joins the runs of parallel processes or
// CI shards; Diff compares two runs.
//
// Every case carries its test-plan ID (a ginkgo label of the form
// FLOW.AREA.NNN). The plan (LoadPlan, fixtures/plans) gives each case its
// requirement and pass criteria and, optionally, its applicability: the
// terminal capabilities it needs (Applicability), so a terminal profile
// without them reports the case NotApplicable with the reason. A lab's
// CSV mapping (ParseMapping) puts a scheme's case IDs beside paylab's.
// Progress events (ProgressWriter, ProgressReader) let `paylab run` show
// live progress of its suite processes.
package reports
