package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/harness/trace"
)

// apduTrace returns a fresh evidence recorder and the kernel option that
// feeds it every APDU exchange. The recorder masks as it records, so the
// report never holds a full PAN, track data, a name or PIN data.
func apduTrace() (*trace.Recorder, terminal.Option) {
	rec := trace.New()
	return rec, terminal.WithTranscript(func(ex terminal.Exchange) {
		if ex.Err != nil {
			rec.APDUError("", ex.Command, ex.Err, ex.Time)
			return
		}
		rec.APDU("", ex.Command, ex.Response, ex.Time)
	})
}

// recordTranscript adds the masked APDU transcript of one transaction to
// the spec's report (report.json, junit.xml, report.html).
func recordTranscript(rec *trace.Recorder) {
	AddReportEntry("APDU transcript (masked)", rec.String())
}
