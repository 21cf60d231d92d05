package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("EMV contact: terminal and card action analysis", func() {
	It(labels.Title("EMV.CT.TAA.001"), labels.Case("EMV.CT.TAA.001"), func() {
		b := sdaBench()
		b.termApp("F0544553541010").TACDenial.Set(emv.TVRSDASelected)
		o := b.run()
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramAAC))
		Expect(o).To(BeDeclinedOffline())              // Book 3, 10.7: TAC-Denial matches: AAC
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected)) // Book 3, 10.3
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.TAA.002"), labels.Case("EMV.CT.TAA.002"), func() {
		b := cdaBench()
		b.app().Effective = "270101"
		b.app().IAC.Denial = "0020000000" // byte 2 b6: application not yet effective
		o := b.run()
		Expect(o).To(BeDeclinedOffline())                     // Book 3, 10.7: IAC-Denial matches
		Expect(o).To(HaveExactTVR(emv.TVRAppNotYetEffective)) // Book 3, 10.4.3
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.TAA.003"), labels.Case("EMV.CT.TAA.003"), func() {
		b := sdaBench()
		b.termApp("F0544553541010").TACOnline.Set(emv.TVRSDASelected)
		o := b.run()
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramARQC)) // Book 3, 10.7: TAC-Online matches: ARQC
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...)) // AIP 5800: no issuer authentication (Book 3, 10.9)
	})

	It(labels.Title("EMV.CT.TAA.004"), labels.Case("EMV.CT.TAA.004"), func() {
		b := cdaBench()
		b.app().Effective = "270101"
		b.app().IAC.Online = "DC6004F800" // adds byte 2 b6
		o := b.run()
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramARQC)) // Book 3, 10.7: IAC-Online matches
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRAppNotYetEffective))
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.TAA.005"), labels.Case("EMV.CT.TAA.005"), func() {
		b := cdaBench()
		b.tx.Amount = 20000
		b.issuer.Unreachable = true
		o := b.run()
		Expect(o.UnableToGoOnline).To(BeTrue())
		Expect(o.CID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.11: TAC-Default byte 4 b8 matches: AAC (Z3)
		Expect(o).To(BeDeclinedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded)) // Book 3, 10.6.1
		Expect(o).To(HaveExactTSI(tsiOffline...))             // Book 3, 10.9: no issuer authentication without a response
	})

	It(labels.Title("EMV.CT.TAA.006"), labels.Case("EMV.CT.TAA.006"), func() {
		b := cdaBench()
		b.tx.Amount = 20000
		b.issuer.Unreachable = true
		b.termApp("F0544553541010").TACDefault = emv.TVR{}
		b.app().IAC.Default = "0000000000"
		o := b.run()
		Expect(o.UnableToGoOnline).To(BeTrue())
		Expect(o.CID.Type()).To(Equal(emv.CryptogramTC)) // Book 3, 10.11: no default bit matches: TC (Y3)
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CAA.001"), labels.Case("EMV.CT.CAA.001"), func() {
		b := cdaBench()
		b.app().DeclineOffline = true
		o := b.run()
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.8: the card may answer lower than asked
		Expect(o).To(BeDeclinedOffline())
		Expect(o).To(HaveExactTVR())
		Expect(o).To(HaveExactTSI(tsiOffline...)) // Book 3, 10.8: card risk management performed
	})

	It(labels.Title("EMV.CT.CAA.002"), labels.Case("EMV.CT.CAA.002"), func() {
		b := cdaBench()
		b.app().ForceOnline = true
		o := b.run()
		Expect(o.FirstCID.Type()).To(Equal(emv.CryptogramARQC)) // Book 3, 10.8: ARQC to a TC request: go online
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR())
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})
})
