// Package scenarios is paylab's one compiled ginkgo suite. Specs live in
// sub-packages by flow (emvcrypto, and later emvcontact, host, qr, ...);
// suite_test.go imports them all, runs them on the bench named by
// -paylab.bench and writes the run's report in ReportAfterSuite.
//
// Every spec takes its labels from labels.Case, the registry backed by the
// test plan in fixtures/plans.
package scenarios
