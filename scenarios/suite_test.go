package scenarios_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/reports"
	_ "github.com/paylab/paylab/scenarios/devices"
	"github.com/paylab/paylab/scenarios/emvcontact"
	_ "github.com/paylab/paylab/scenarios/emvcrypto"
	"github.com/paylab/paylab/scenarios/host"
	"github.com/paylab/paylab/scenarios/labels"
)

var (
	reportDir = flag.String("paylab.report-dir", os.Getenv("PAYLAB_REPORT_DIR"), "folder to write report.json and junit.xml into (default: none kept)")
	benchName = flag.String("paylab.bench", "emulated", "bench the suite runs on")
	runID     = flag.String("paylab.run-id", "", "run ID stamped into the report (default: from the time)")
	termFile  = flag.String("paylab.terminal", "", "terminal profile (fixtures/terminals format) that decides which plan cases apply (default: the embedded default profile)")
	progress  = flag.String("paylab.progress", "", "file to append live progress events to (JSON lines; paylab run tails it)")
)

// expectNoFullPAN fails the run when any file of the report folder holds
// the full PAN of a card profile the suite used (DESIGN.md: at most the
// first six and last four digits, everywhere).
func expectNoFullPAN(dir string) {
	names, err := card.Profiles()
	Expect(err).NotTo(HaveOccurred())
	// The EMV.CRY specs' PANs: the test PKI card and the published vectors'.
	pans := []string{"4761739001010010", "1234567890123456"}
	for _, n := range names {
		p, err := card.LoadProfile(n)
		Expect(err).NotTo(HaveOccurred())
		for _, a := range p.Apps {
			pans = append(pans, a.PAN)
		}
	}
	Expect(pans).NotTo(BeEmpty())
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, pan := range pans {
			Expect(bytes.Contains(b, []byte(pan))).To(BeFalse(), "%s holds a full PAN (%s)", filepath.Base(path), emv.MaskPAN(pan))
		}
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
}

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "paylab scenarios")
}

// Applicability (DESIGN.md, Reports): a plan case whose `applies` the
// terminal profile does not meet is skipped here, once for every spec, and
// reported as not applicable with the reason.
var _ = BeforeEach(func() {
	labels.UseTerminalOnce(*termFile)
	labels.SkipIfNotApplicable()
})

// Live progress for paylab run: one event per spec start and end.
var progressOut *reports.ProgressWriter

var _ = ReportBeforeSuite(func(r Report) {
	if *progress == "" {
		return
	}
	w, err := reports.OpenProgress(*progress)
	Expect(err).NotTo(HaveOccurred())
	progressOut = w
	Expect(w.Write(reports.SuiteProgress(r))).To(Succeed())
})

var _ = ReportBeforeEach(func(s SpecReport) {
	if e, ok := reports.SpecProgress(s, false); ok && progressOut != nil {
		_ = progressOut.Write(e)
	}
})

var _ = ReportAfterEach(func(s SpecReport) {
	if e, ok := reports.SpecProgress(s, true); ok && progressOut != nil {
		_ = progressOut.Write(e)
	}
})

var _ = ReportAfterSuite("paylab certification report", func(r Report) {
	id := *runID
	if id == "" {
		id = time.Now().UTC().Format("20060102T150405Z")
	}
	labels.UseTerminalOnce(*termFile)
	term, err := labels.Terminal()
	Expect(err).NotTo(HaveOccurred())
	plan, err := labels.Plan()
	Expect(err).NotTo(HaveOccurred())
	run := reports.FromGinkgo(id, reports.Bench{Name: *benchName, Hosts: "in-process", Terminal: term.Identity(), Reader: emvcontact.ReaderIdentity(),
		Devices: map[string]string{"acquirer journal": host.JournalKind()}}, r)
	run.AnnotatePlan(plan)

	// A plan ID names one case: two specs claiming one ID make the report
	// ambiguous, and a spec without an ID cannot be mapped to a plan.
	seen := map[string]string{}
	for _, c := range run.Cases {
		if strings.HasPrefix(c.PlanID, "SUITE.") {
			continue
		}
		Expect(c.PlanID).NotTo(BeEmpty(), "spec %q has no test-plan ID label", c.Title)
		Expect(seen).NotTo(HaveKey(c.PlanID), "plan ID %s on %q and %q", c.PlanID, seen[c.PlanID], c.Title)
		seen[c.PlanID] = c.Title
	}

	dir := *reportDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "paylab-report-")
		Expect(err).NotTo(HaveOccurred())
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	_, err = reports.WriteRun(dir, run)
	Expect(err).NotTo(HaveOccurred())
	back, err := reports.ReadJSON(dir)
	Expect(err).NotTo(HaveOccurred())
	Expect(back.Cases).To(HaveLen(len(run.Cases)))
	expectNoFullPAN(dir)
})
