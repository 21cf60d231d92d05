package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("EMV contact: initiate application processing and read data", func() {
	It(labels.Title("EMV.CT.GPO.001"), labels.Case("EMV.CT.GPO.001"), func() {
		b := multiBench()
		b.holder = &scriptedHolder{choose: 0, confirm: true}
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetProcessingOptions, Occurrence: 1, SW: 0x6985}))
		o := b.run()
		Expect(o.Label).To(Equal("TEST DEBIT")) // Book 3, 10.1: 6985 removes credit; Book 1, 12.4 again
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRFloorLimitExceeded)) // Book 3, 10.3 and 10.6.1
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.GPO.002"), labels.Case("EMV.CT.GPO.002"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetProcessingOptions, SW: 0x6985}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.1: no application left
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.GPO.003"), labels.Case("EMV.CT.GPO.003"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetProcessingOptions, Remove: 0x94}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 6.5.8.4: AIP and AFL mandatory
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.GPO.004"), labels.Case("EMV.CT.GPO.004"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetProcessingOptions, Remove: 0x82}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 6.5.8.4
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.RD.001"), labels.Case("EMV.CT.RD.001"), func() {
		b := cdaBench()
		b.app().Omit = []string{"5F24"}
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.2: mandatory data (5F24, 5A, 8C, 8D) missing
		Expect(o.Reason).To(ContainSubstring("missing"))
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.RD.002"), labels.Case("EMV.CT.RD.002"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsReadRecord, Duplicate: emv.TagPAN}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.2: a primitive data object read more than once
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.RD.003"), labels.Case("EMV.CT.RD.003"), func() {
		b := newBench("no-pse") // the first READ RECORD is the application's
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsReadRecord, Occurrence: 1, SW: 0x6A83}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.2: READ RECORD not 9000
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.RD.004"), labels.Case("EMV.CT.RD.004"), func() {
		b := cdaBench()
		b.app().Omit = []string{"8C"}
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.2 and 7.2: CDOL1 mandatory
		expectNothingDone(o)
	})
})

var _ = Describe("EMV contact: malformed card responses", func() {
	It(labels.Title("EMV.CT.ERR.001"), labels.Case("EMV.CT.ERR.001"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetProcessingOptions, Malformed: true}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, Annex B: not BER-TLV
		expectNothingDone(o)
	})

	It(labels.Title("EMV.CT.ERR.002"), labels.Case("EMV.CT.ERR.002"), func() {
		// no-pse: the first READ RECORD is the application's, not the PSE
		// directory's (whose fault only sends the terminal to the list of
		// AIDs, Book 1, 12.3.2).
		b := newBench("no-pse")
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsReadRecord, Occurrence: 1, Malformed: true}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 10.2: a record that does not parse
		expectNothingDone(o)
	})

	// The GENERATE AC faults run on the DDA card: ODA, CVM and terminal risk
	// management are done before the command (Book 3, 10.3-10.6).
	genACFault := func(f card.Fault) {
		GinkgoHelper()
		b := ddaBench()
		f.INS = emv.InsGenerateAC
		b.opts = append(b.opts, card.WithFault(f))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 3, 6.5.5.4 and 10.8
		Expect(o.Cryptogram).To(BeNil())
		Expect(o).To(HaveExactTVR()) // nothing failed before the command
		// Book 3, 10.8: card risk management counts as performed once the
		// card answers GENERATE AC; a refused or unusable answer leaves TSI
		// b6 clear.
		Expect(o).To(HaveExactTSI(emv.TSIOfflineDataAuthPerformed, emv.TSICardholderVerificationPerformed,
			emv.TSITerminalRiskManagementPerformed))
	}

	It(labels.Title("EMV.CT.ERR.003"), labels.Case("EMV.CT.ERR.003"), func() {
		genACFault(card.Fault{SW: 0x6985})
	})
	It(labels.Title("EMV.CT.ERR.004"), labels.Case("EMV.CT.ERR.004"), func() {
		genACFault(card.Fault{Malformed: true})
	})
	It(labels.Title("EMV.CT.ERR.005"), labels.Case("EMV.CT.ERR.005"), func() {
		genACFault(card.Fault{Remove: 0x9F27}) // Book 3, 6.5.5.4: CID mandatory
	})
	It(labels.Title("EMV.CT.ERR.006"), labels.Case("EMV.CT.ERR.006"), func() {
		genACFault(card.Fault{Remove: 0x9F36}) // Book 3, 6.5.5.4: ATC mandatory
	})

	It(labels.Title("EMV.CT.ERR.007"), labels.Case("EMV.CT.ERR.007"), func() {
		b := cdaBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGetData, SW: 0x6A88}))
		o := b.run()
		Expect(o).To(BeApprovedOnline()) // Book 3, 10.7: TAC-Online byte 4 b7, b6
		// Book 3, 10.6.3: ATC or Last Online ATC not returned: both limits
		// exceeded, "New card" not set.
		Expect(o).To(HaveExactTVR(emv.TVRLowerConsecutiveOfflineLimitExceeded, emv.TVRUpperConsecutiveOfflineLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.ERR.008"), labels.Case("EMV.CT.ERR.008"), func() {
		b := newBench("no-pse")
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsSelect, Malformed: true}))
		o := b.run()
		Expect(o).To(BeTerminated()) // Book 1, 12.3.3: no usable FCI, no candidate
		expectNothingDone(o)
	})
})
