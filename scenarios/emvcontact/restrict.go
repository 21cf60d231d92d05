package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("EMV contact: processing restrictions", func() {
	It(labels.Title("EMV.CT.PR.001"), labels.Case("EMV.CT.PR.001"), func() {
		b := cdaBench()
		b.app().Expiry = "251231"
		o := b.run()
		Expect(o).To(BeApprovedOnline())                      // Book 3, 10.7: TAC-Online byte 2 b7
		Expect(o).To(HaveExactTVR(emv.TVRExpiredApplication)) // Book 3, 10.4.3: 5F24 before 9A
		Expect(o).To(HaveExactTSI(tsiOnline...))
	})

	It(labels.Title("EMV.CT.PR.002"), labels.Case("EMV.CT.PR.002"), func() {
		b := cdaBench()
		b.app().Effective = "270101"
		o := b.run()
		Expect(o).To(BeApprovedOffline())                     // no TAC or IAC bit for byte 2 b6 here
		Expect(o).To(HaveExactTVR(emv.TVRAppNotYetEffective)) // Book 3, 10.4.3: 5F25 after 9A
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	auc := func(value string, services bool) {
		GinkgoHelper()
		b := cdaBench()
		b.app().AUC = value
		b.tx.Services = services
		o := b.run()
		Expect(o).To(BeDeclinedOffline())                    // Book 3, 10.7: IAC-Denial 0010000000 byte 2 b5
		Expect(o).To(HaveExactTVR(emv.TVRServiceNotAllowed)) // Book 3, 10.4.2
		Expect(o).To(HaveExactTSI(tsiOffline...))
	}
	It(labels.Title("EMV.CT.PR.003"), labels.Case("EMV.CT.PR.003"), func() {
		auc("DF00", false) // Book 3, 10.4.2: domestic (5F28 = 9F1A), goods, AUC byte 1 b6 clear
	})
	It(labels.Title("EMV.CT.PR.004"), labels.Case("EMV.CT.PR.004"), func() {
		auc("FE00", false) // Book 3, 10.4.2: AUC byte 1 b1 clear, terminal type 22 is not an ATM
	})
	It(labels.Title("EMV.CT.PR.006"), labels.Case("EMV.CT.PR.006"), func() {
		auc("F700", true) // Book 3, 10.4.2: domestic services, AUC byte 1 b4 clear
	})

	It(labels.Title("EMV.CT.PR.005"), labels.Case("EMV.CT.PR.005"), func() {
		b := newBench("visa-sda-offline") // 9F08 008C, terminal 9F09 0096
		b.pad = pins("1234")
		o := b.run()
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRICCAppVersionsDiffer)) // Book 3, 10.4.1
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})
})
