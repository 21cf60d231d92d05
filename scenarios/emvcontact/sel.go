package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// multiBench is multi-app: credit (priority 1) and debit (priority 2,
// cardholder confirmation required) behind a PSE, SDA, signature.
func multiBench() *bench {
	b := newBench("multi-app")
	return b
}

// expectNothingDone is a transaction ended during application selection
// or initiation: no TVR bit and no TSI bit (Book 3, 10.1: TVR and TSI are
// set to zero at the start of initiate application processing, and
// nothing is performed after a termination).
func expectNothingDone(o any) {
	GinkgoHelper()
	Expect(o).To(HaveExactTVR())
	Expect(o).To(HaveExactTSI())
}

var _ = Describe("EMV contact: application selection", func() {
	It(labels.Title("EMV.CT.SEL.001"), labels.Case("EMV.CT.SEL.001"), func() {
		o := multiBench().run()
		Expect(o.Label).To(Equal("TEST CREDIT")) // Book 1, 12.4 step 4: highest priority without confirmation
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected)) // Book 3, 10.3
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.SEL.002"), labels.Case("EMV.CT.SEL.002"), func() {
		b := multiBench()
		b.holder = &scriptedHolder{choose: 1}
		o := b.run()
		Expect(b.holder.offered).To(Equal([][]string{{"TEST CREDIT", "TEST DEBIT"}})) // Book 1, 12.4 step 3: priority order
		Expect(o.Label).To(Equal("TEST DEBIT"))
		Expect(o).To(BeApprovedOnline())                                          // debit floor limit 0 (Book 3, 10.6.1), TAC-Online byte 4 b8
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRFloorLimitExceeded)) // Book 3, 10.3 and 10.6.1
		Expect(o).To(HaveExactTSI(tsiOnline...))                                  // Book 3, 10.9: AIP 5C00 has issuer authentication
	})

	It(labels.Title("EMV.CT.SEL.003"), labels.Case("EMV.CT.SEL.003"), func() {
		b := newBench("no-pse")
		o := b.run()
		Expect(o.Transcript[0].Response).To(Equal([]byte{0x6A, 0x82}), "SELECT 1PAY.SYS.DDF01 not found") // Book 1, 12.3.2
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR())              // Book 3, 10.3: DDA (AIP 7C00) passed
		Expect(o).To(HaveExactTSI(tsiOffline...)) // Book 3, Annex C6
	})

	It(labels.Title("EMV.CT.SEL.004"), labels.Case("EMV.CT.SEL.004"), func() {
		o := newBench("blocked-app").run()
		Expect(o.AID).To(Equal([]byte{0xF0, 0x54, 0x45, 0x53, 0x54, 0x20, 0x10})) // Book 1, 12.3.3 step 3: 6283 not a candidate
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRFloorLimitExceeded)) // debit floor limit 0 (Book 3, 10.6.1)
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.SEL.005"), labels.Case("EMV.CT.SEL.005"), func() {
		o := newBench("blocked-card").run()
		Expect(o).To(BeTerminated()) // Book 1, 12.3.2 step 1: 6A81 to SELECT PSE
		Expect(o.Err).To(MatchError(emv.ErrStatus{SW: 0x6A81}))
		expectNothingDone(o)
	})

	// confirmBench is multi-app with only its debit application, which asks
	// for cardholder confirmation (87 = 82, Book 1, 12.2.3 Table 13).
	confirmBench := func() *bench {
		b := multiBench()
		b.profile.Apps = b.profile.Apps[1:]
		return b
	}

	It(labels.Title("EMV.CT.SEL.006"), labels.Case("EMV.CT.SEL.006"), func() {
		b := confirmBench()
		b.holder = &scriptedHolder{confirm: true}
		o := b.run()
		Expect(b.holder.confirmed).To(Equal([]string{"TEST DEBIT"})) // Book 1, 12.4 step 2: asked once
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRFloorLimitExceeded)) // Book 3, 10.3 and 10.6.1
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.SEL.007"), labels.Case("EMV.CT.SEL.007"), func() {
		b := confirmBench()
		b.holder = &scriptedHolder{confirm: false}
		o := b.run()
		Expect(b.holder.confirmed).To(HaveLen(1))
		Expect(o).To(BeTerminated()) // Book 1, 12.4 step 2: not confirmed, removed; no candidate left
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.SEL.008"), labels.Case("EMV.CT.SEL.008"), func() {
		o := confirmBench().run()
		Expect(o).To(BeTerminated()) // Book 1, 12.4 step 2: the terminal cannot confirm: not selected
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.SEL.009"), labels.Case("EMV.CT.SEL.009"), func() {
		b := cdaBench()
		b.cfg.Applications = b.cfg.Applications[2:] // the terminal supports only F0544553544010
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 1, 12.4 step 1: empty candidate list
		Expect(o.Reason).To(ContainSubstring("no mutually supported application"))
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.SEL.010"), labels.Case("EMV.CT.SEL.010"), func() {
		b := cdaBench()
		b.app().AID = "F054455354101001" // terminal AID F0544553541010, partial selection allowed
		o := b.run()
		Expect(o.AID).To(Equal([]byte{0xF0, 0x54, 0x45, 0x53, 0x54, 0x10, 0x10, 0x01})) // Book 1, 12.3.3 step 4
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR()) // Book 2, 6.6: CDA passed
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})
})
