// Package labels is the central registry of the scenario suite's labels
// (the Kubernetes e2e way): every spec takes its labels from Case, which
// looks its test-plan ID up in fixtures/plans, so a spec cannot carry an
// ID that the plan does not define.
package labels

import (
	"fmt"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/reports"
)

var (
	once    sync.Once
	plan    reports.Plan
	planErr error
)

// Plan returns paylab's test plan as embedded in the binary.
func Plan() (reports.Plan, error) {
	once.Do(func() { plan, planErr = reports.LoadPlan(fixtures.FS, "plans") })
	return plan, planErr
}

// Case returns the labels of the spec checking plan case id: the ID
// itself and "flow:<FLOW>". It panics — failing the suite's tree
// construction, before any spec runs — when the ID is not in the plan.
func Case(id string) ginkgo.Labels {
	p, err := Plan()
	if err != nil {
		panic(fmt.Sprintf("labels: %v", err))
	}
	flow, ok := p.Flows[id]
	if !ok {
		panic(fmt.Sprintf("labels: test-plan ID %s is not in fixtures/plans", id))
	}
	return ginkgo.Label(id, "flow:"+flow)
}

// Title returns the plan's title of case id, so a spec's text and the plan
// cannot drift apart.
func Title(id string) string {
	p, _ := Plan()
	return p.Cases[id].Title
}
