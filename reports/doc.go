// Package reports holds the certification report model, its conversion
// from a ginkgo suite report, and the writers (JSON, JUnit XML).
//
// A run writes reports/out/<run-id>/: report.json (the model) and
// junit.xml (for CI). Every case carries its test-plan ID (a ginkgo label
// of the form FLOW.AREA.NNN) so a report can be mapped to a scheme's plan.
package reports
