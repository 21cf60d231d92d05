package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// cvmResults returns the 3-byte CVM Results (9F34) as hex.
func cvmResults(o terminal.Outcome) []byte { b := o.CVMResults.Bytes(); return b[:] }

// pinFailBench is the SDA card with one CV rule, offline plaintext PIN
// without "apply succeeding" (01 03), and an IAC-Denial covering
// "Cardholder verification was not successful", as issuers commonly set
// it, so that a failed PIN ends in an offline decline (Book 3, 10.7).
func pinFailBench(tries int) *bench {
	b := sdaBench()
	b.app().CVMList = "00000000 00000000 0103"
	b.app().IAC.Denial = "0000800000"
	b.app().PINTries = &tries
	return b
}

var _ = Describe("EMV contact: cardholder verification", func() {
	It(labels.Title("EMV.CT.CVM.001"), labels.Case("EMV.CT.CVM.001"), func() {
		b := cdaBench()
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x44, 0x03, 0x02})) // Book 3, 10.5.1: enciphered PIN, successful
		Expect(b.pad.prompts).To(Equal(1))
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR())              // Book 3, 10.5: nothing failed
		Expect(o).To(HaveExactTSI(tsiOffline...)) // Book 3, 10.5: TSI b7
	})

	It(labels.Title("EMV.CT.CVM.002"), labels.Case("EMV.CT.CVM.002"), func() {
		o := sdaBench().run()
		Expect(cvmResults(o)).To(Equal([]byte{0x41, 0x03, 0x02})) // Book 3, 10.5.1: plaintext PIN, successful
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.003"), labels.Case("EMV.CT.CVM.003"), func() {
		b := sdaBench()
		b.pad = pins("9999", "1234")
		o := b.run()
		Expect(b.pad.prompts).To(Equal(2)) // Book 3, 10.5.1: 63C2, tries left: prompt again
		Expect(cvmResults(o)).To(Equal([]byte{0x41, 0x03, 0x02}))
		Expect(b.card.Snapshot().Apps[0].PINTryCounter).To(Equal(3), "a correct PIN resets the counter")
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected)) // no CVM bit once the PIN is right
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.004"), labels.Case("EMV.CT.CVM.004"), func() {
		b := pinFailBench(1)
		b.pad = pins("9999")
		o := b.run()
		Expect(b.pad.prompts).To(Equal(1))
		Expect(cvmResults(o)).To(Equal([]byte{0x01, 0x03, 0x01})) // Book 3, 10.5.1: failed
		Expect(o).To(BeDeclinedOffline())                         // Book 3, 10.7: IAC-Denial byte 3 b8
		// Book 3, 10.5.1: 63C0 on the last try: "PIN Try Limit exceeded";
		// the CVM List ends: "Cardholder verification was not successful".
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRPINTryLimitExceeded, emv.TVRCardholderVerificationNotSuccessful))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.005"), labels.Case("EMV.CT.CVM.005"), func() {
		b := pinFailBench(0)
		o := b.run()
		Expect(b.pad.prompts).To(Equal(0)) // Book 3, 10.5.1: PIN Try Counter 0 read by GET DATA: no prompt
		Expect(cvmResults(o)).To(Equal([]byte{0x01, 0x03, 0x01}))
		Expect(o).To(BeDeclinedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRPINTryLimitExceeded, emv.TVRCardholderVerificationNotSuccessful))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.006"), labels.Case("EMV.CT.CVM.006"), func() {
		b := pinFailBench(3)
		b.pad = &scriptedPad{errs: []error{terminal.ErrPINPadNotWorking}}
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x01, 0x03, 0x01}))
		Expect(o).To(BeDeclinedOffline())
		// Book 3, 10.5.1: "PIN entry required and PIN pad not present or
		// not working".
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRPINPadNotPresentOrNotWorking, emv.TVRCardholderVerificationNotSuccessful))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.007"), labels.Case("EMV.CT.CVM.007"), func() {
		b := pinFailBench(3)
		b.pad = &scriptedPad{entries: []terminal.PINEntry{{Bypass: true}}}
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x01, 0x03, 0x01}))
		Expect(o).To(BeDeclinedOffline())
		// Book 3, 10.5.1: "PIN entry required, PIN pad present, but PIN
		// was not entered".
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRPINNotEntered, emv.TVRCardholderVerificationNotSuccessful))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.008"), labels.Case("EMV.CT.CVM.008"), func() {
		b := sdaBench()
		b.app().CVMList = "00000000 00000000 4103 1E03"
		b.pad = &scriptedPad{entries: []terminal.PINEntry{{Bypass: true}}}
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x1E, 0x03, 0x00})) // Book 3, 10.5: b7 set: next rule, signature
		Expect(o.SignatureRequired).To(BeTrue())
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRPINNotEntered)) // Book 3, 10.5.1: the bypass stays recorded
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.009"), labels.Case("EMV.CT.CVM.009"), func() {
		o := multiBench().run()
		Expect(cvmResults(o)).To(Equal([]byte{0x1E, 0x03, 0x00})) // Book 3, 10.5.4: signature, result unknown
		Expect(o.SignatureRequired).To(BeTrue())
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.010"), labels.Case("EMV.CT.CVM.010"), func() {
		b := sdaBench()
		b.app().CVMList = "00000000 00000000 1F03"
		o := b.run()
		Expect(b.pad.prompts).To(Equal(0))
		Expect(cvmResults(o)).To(Equal([]byte{0x1F, 0x03, 0x02})) // Book 3, 10.5: No CVM required, successful
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	// X = 50.00 in the application currency (euro, as the terminal's).
	const amountRules = "00001388 00000000 0106 1E07 1F03"

	It(labels.Title("EMV.CT.CVM.011"), labels.Case("EMV.CT.CVM.011"), func() {
		b := sdaBench()
		b.app().CVMList = amountRules
		b.tx.Amount = 1000
		o := b.run()
		Expect(b.pad.prompts).To(Equal(1))
		Expect(cvmResults(o)).To(Equal([]byte{0x01, 0x06, 0x02})) // Book 3, Annex C3: condition 06, 10.00 under X
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.012"), labels.Case("EMV.CT.CVM.012"), func() {
		b := sdaBench()
		b.app().CVMList = amountRules
		b.tx.Amount = 8000
		o := b.run()
		Expect(b.pad.prompts).To(Equal(0))                        // Book 3, 10.5: condition 06 not met, rule skipped
		Expect(cvmResults(o)).To(Equal([]byte{0x1E, 0x07, 0x00})) // condition 07: 80.00 over X
		Expect(o).To(BeApprovedOffline())                         // 80.00 under the 100.00 floor limit
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.013"), labels.Case("EMV.CT.CVM.013"), func() {
		b := newBench("mc-dda")
		b.pad = pins("4321")
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x42, 0x03, 0x00})) // Book 3, 10.5.2: online PIN, result unknown
		Expect(o).To(BeApprovedOnline())                          // IAC-Online F040049800 byte 3 b3
		Expect(o).To(HaveExactTVR(emv.TVROnlinePINEntered))       // Book 3, 10.5.2
		// AIP 3800: no issuer authentication (Book 3, 10.9), TSI b5 clear.
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.014"), labels.Case("EMV.CT.CVM.014"), func() {
		b := sdaBench()
		// 1A: a CVM code reserved for EMV, condition "always" (with "if
		// terminal supports" an unknown CVM is a condition not met, Book 3
		// 10.5), apply succeeding.
		b.app().CVMList = "00000000 00000000 5A00 1E03"
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x1E, 0x03, 0x00}))
		Expect(o).To(BeApprovedOffline())
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRUnrecognisedCVM)) // Book 3, 10.5: "Unrecognised CVM"
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.CVM.015"), labels.Case("EMV.CT.CVM.015"), func() {
		b := sdaBench()
		b.app().CVMList = "00000000 00000000 1E01 1E04 1E05" // unattended cash, manual cash, cashback: none is a purchase
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x3F, 0x00, 0x01})) // Book 3, 10.5: no rule applied: 3F0001
		Expect(o).To(BeApprovedOffline())                         // no action code covers TVR byte 3 b8 on this card
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected, emv.TVRCardholderVerificationNotSuccessful))
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})
})
