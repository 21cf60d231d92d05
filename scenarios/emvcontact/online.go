package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// onlineBench is the CDA card with 200.00, over the floor limit.
func onlineBench() *bench {
	b := cdaBench()
	b.tx.Amount = 20000
	return b
}

var _ = Describe("EMV contact: online processing and completion", func() {
	It(labels.Title("EMV.CT.ONL.001"), labels.Case("EMV.CT.ONL.001"), func() {
		b := onlineBench()
		o := b.run()
		s := b.card.Snapshot()
		Expect(b.issuer.ARQCErr()).NotTo(HaveOccurred()) // Book 2, 8.1
		Expect(s.IssuerAuthPerformed).To(BeTrue())       // Book 3, 10.9: EXTERNAL AUTHENTICATE
		Expect(s.IssuerAuthFailed).To(BeFalse())         // Book 2, 8.2.2: ARPC method 2 verified
		Expect(o.CID.Type()).To(Equal(emv.CryptogramTC))
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...)) // Book 3, 10.9: TSI b5
	})

	It(labels.Title("EMV.CT.ONL.002"), labels.Case("EMV.CT.ONL.002"), func() {
		b := onlineBench()
		b.issuer.Decline = true
		o := b.run()
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.11: declined: AAC requested
		Expect(o).To(BeDeclinedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.ONL.003"), labels.Case("EMV.CT.ONL.003"), func() {
		b := onlineBench()
		b.issuer.WrongARPC = true
		o := b.run()
		Expect(b.card.Snapshot().IssuerAuthFailed).To(BeTrue()) // EXTERNAL AUTHENTICATE 6300
		Expect(o).To(BeApprovedOnline())                        // the card does not require issuer authentication
		// Book 3, 10.9: "Issuer authentication failed" (TVR byte 5 b7);
		// it was performed all the same (TSI b5).
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRIssuerAuthenticationFailed))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.ONL.004"), labels.Case("EMV.CT.ONL.004"), func() {
		b := onlineBench()
		b.opts = append(b.opts, card.WithFault(card.Fault{INS: emv.InsGenerateAC, Occurrence: 1, WrongCryptogram: true}))
		o := b.run()
		Expect(b.issuer.ARQCErr()).To(HaveOccurred()) // Book 2, 8.1: the issuer's check fails
		Expect(o).To(BeDeclinedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.ONL.005"), labels.Case("EMV.CT.ONL.005"), func() {
		b := newBench("mc-cda")
		b.pad = pins("4321")
		b.tx.Amount = 20000
		o := b.run()
		Expect(b.issuer.ARQCErr()).NotTo(HaveOccurred()) // Book 2, 8.1: CVN 16
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		// AIP 3900 does not offer issuer authentication: the ARPC travels in
		// tag 91 of CDOL2 and the card checks it; the terminal sends no
		// EXTERNAL AUTHENTICATE and leaves TSI b5 clear (Book 3, 10.9).
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CMP.001"), labels.Case("EMV.CT.CMP.001"), func() {
		b := onlineBench()
		b.app().IssuerAuthRequired = true
		b.issuer.WrongARPC = true
		o := b.run()
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.11: the card decides at the second GENERATE AC
		Expect(o).To(BeDeclinedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRIssuerAuthenticationFailed)) // Book 3, 10.9
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.CMP.002"), labels.Case("EMV.CT.CMP.002"), func() {
		b := cdaBench()
		// The card counts its offline transactions itself (consecutive
		// offline counter, Book 3 9.3 leaves it proprietary); keep it in step
		// with ATC − Last Online ATC, which the terminal reads.
		b.app().ATC, b.app().LastOnlineATC, b.app().ConsecutiveOffline = 20, 9, 11
		b.issuer.Unreachable = true
		b.termApp("F0544553541010").TACDefault = emv.TVR{}
		b.app().IAC.Default = "0000000000"
		o := b.run()
		Expect(o.UnableToGoOnline).To(BeTrue())
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.11; 9.3: the card refuses the TC (Y3)
		Expect(o).To(BeDeclinedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRLowerConsecutiveOfflineLimitExceeded, emv.TVRUpperConsecutiveOfflineLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})
})
