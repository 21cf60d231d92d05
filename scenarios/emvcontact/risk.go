package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("EMV contact: terminal risk management", func() {
	It(labels.Title("EMV.CT.TRM.001"), labels.Case("EMV.CT.TRM.001"), func() {
		b := cdaBench()
		b.tx.Amount = 10000 // the floor limit itself
		o := b.run()
		Expect(o).To(BeApprovedOnline())                      // Book 3, 10.7: TAC-Online byte 4 b8
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded)) // Book 3, 10.6.1: equal to or greater than
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TRM.002"), labels.Case("EMV.CT.TRM.002"), func() {
		b := cdaBench()
		a := b.termApp("F0544553541010")
		a.TargetPercent, a.MaxTargetPercent = 99, 99 // every number 1-99 selects
		b.seed = 42
		o := b.run()
		Expect(o).To(BeApprovedOnline())                          // Book 3, 10.7: TAC-Online byte 4 b5
		Expect(o).To(HaveExactTVR(emv.TVRRandomlySelectedOnline)) // Book 3, 10.6.2
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TRM.003"), labels.Case("EMV.CT.TRM.003"), func() {
		b := cdaBench()
		a := b.termApp("F0544553541010")
		a.TargetPercent, a.MaxTargetPercent = 0, 0
		b.seed = 42
		o := b.run()
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR()) // Book 3, 10.6.2: 0 % never selects
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.TRM.004"), labels.Case("EMV.CT.TRM.004"), func() {
		b := cdaBench()
		b.app().ATC, b.app().LastOnlineATC = 13, 9 // 9F14 3, 9F23 5
		o := b.run()
		Expect(o).To(BeApprovedOnline())                                        // Book 3, 10.7: TAC-Online byte 4 b7; the card asks online too (9.3)
		Expect(o).To(HaveExactTVR(emv.TVRLowerConsecutiveOfflineLimitExceeded)) // Book 3, 10.6.3: ATC − last online > 9F14
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TRM.005"), labels.Case("EMV.CT.TRM.005"), func() {
		b := cdaBench()
		b.app().ATC, b.app().LastOnlineATC = 20, 9
		o := b.run()
		Expect(o).To(BeApprovedOnline())
		// Book 3, 10.6.3: over 9F23 is over 9F14 too.
		Expect(o).To(HaveExactTVR(emv.TVRLowerConsecutiveOfflineLimitExceeded, emv.TVRUpperConsecutiveOfflineLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TRM.006"), labels.Case("EMV.CT.TRM.006"), func() {
		b := cdaBench()
		b.app().LastOnlineATC = 0
		o := b.run()
		Expect(o).To(BeApprovedOnline())
		// Book 3, 10.6.3: Last Online ATC Register zero: "New card"; ATC 11
		// is over both limits as well.
		Expect(o).To(HaveExactTVR(emv.TVRNewCard, emv.TVRLowerConsecutiveOfflineLimitExceeded, emv.TVRUpperConsecutiveOfflineLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TRM.007"), labels.Case("EMV.CT.TRM.007"), func() {
		b := cdaBench()
		b.cfg.ExceptionFile = []string{b.app().PAN}
		o := b.run()
		Expect(o).To(BeDeclinedOffline())                      // Book 3, 10.7: TAC-Denial byte 1 b5
		Expect(o).To(HaveExactTVR(emv.TVRCardOnExceptionFile)) // Book 3, 10.6
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.TRM.008"), labels.Case("EMV.CT.TRM.008"), func() {
		b := cdaBench()
		b.tx.ForceOnline = true
		o := b.run()
		Expect(o).To(BeApprovedOnline())                        // Book 3, 10.7: TAC-Online byte 4 b4
		Expect(o).To(HaveExactTVR(emv.TVRMerchantForcedOnline)) // Book 4, 6.3.5
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})
})
