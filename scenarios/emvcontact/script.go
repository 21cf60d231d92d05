package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// Issuer script commands (EMV Book 3, 6.5; CLA 84: secure messaging).
var (
	// putLowerLimit is PUT DATA 9F14 = 04.
	putLowerLimit = scriptCommand{Header: [4]byte{emv.ClaSecureMessaging, emv.InsPutData, 0x9F, 0x14}, Data: []byte{0x04}}
	appBlock      = scriptCommand{Header: [4]byte{emv.ClaSecureMessaging, emv.InsApplicationBlock, 0x00, 0x00}}
	pinUnblock    = scriptCommand{Header: [4]byte{emv.ClaSecureMessaging, emv.InsPINChangeUnblock, 0x00, 0x00}}
)

func badMAC(c scriptCommand) scriptCommand { c.BadMAC = true; return c }

// tsiScripts is an online transaction with script processing (Book 3,
// 10.10: TSI byte 1 b3).
var tsiScripts = with(tsiOnline, emv.TSIScriptProcessingPerformed)

var _ = Describe("EMV contact: issuer scripts", func() {
	It(labels.Title("EMV.CT.SCR.001"), labels.Case("EMV.CT.SCR.001"), func() {
		b := onlineBench()
		b.issuer.Before = []scriptCommand{putLowerLimit}
		o := b.run()
		// Book 3, Annex A (9F5B): result 2 (successful), then 9F18.
		Expect(o.ScriptResults).To(Equal([]byte{0x20, 0x00, 0x00, 0x00, 0x71}))
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiScripts...)) // Book 3, 10.10
	})

	It(labels.Title("EMV.CT.SCR.002"), labels.Case("EMV.CT.SCR.002"), func() {
		b := onlineBench()
		b.issuer.After = []scriptCommand{putLowerLimit}
		o := b.run()
		Expect(o.ScriptResults).To(Equal([]byte{0x20, 0x00, 0x00, 0x00, 0x72}))
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiScripts...))
	})

	It(labels.Title("EMV.CT.SCR.003"), labels.Case("EMV.CT.SCR.003"), func() {
		b := onlineBench()
		b.issuer.Before = []scriptCommand{badMAC(putLowerLimit)}
		o := b.run()
		Expect(o.ScriptResults).To(Equal([]byte{0x11, 0x00, 0x00, 0x00, 0x71})) // failed at command 1
		Expect(o).To(BeApprovedOnline())
		// Book 3, 10.10: 6988 to a script command before the final
		// GENERATE AC: TVR byte 5 b6.
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRScriptFailedBeforeFinalGenAC))
		Expect(o).To(HaveExactTSI(tsiScripts...))
	})

	It(labels.Title("EMV.CT.SCR.004"), labels.Case("EMV.CT.SCR.004"), func() {
		b := onlineBench()
		b.issuer.After = []scriptCommand{badMAC(putLowerLimit)}
		o := b.run()
		Expect(o.ScriptResults).To(Equal([]byte{0x11, 0x00, 0x00, 0x00, 0x72}))
		Expect(o).To(BeApprovedOnline())
		// Book 3, 10.10: after the final GENERATE AC: TVR byte 5 b5.
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRScriptFailedAfterFinalGenAC))
		Expect(o).To(HaveExactTSI(tsiScripts...))
	})

	It(labels.Title("EMV.CT.SCR.005"), labels.Case("EMV.CT.SCR.005"), func() {
		b := onlineBench()
		b.issuer.After = []scriptCommand{appBlock}
		o := b.run()
		Expect(o.ScriptResults).To(Equal([]byte{0x20, 0x00, 0x00, 0x00, 0x72}))
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveExactTSI(tsiScripts...))
		Expect(b.card.Snapshot().Apps[0].Blocked).To(BeTrue()) // Book 3, 6.5.1

		next := b.again()
		Expect(next).To(BeTerminated()) // Book 1, 12.3: 6283, the only application is not a candidate
		expectNothingDone(next)
	})

	It(labels.Title("EMV.CT.SCR.006"), labels.Case("EMV.CT.SCR.006"), func() {
		b := cdaBench()
		zero := 0
		b.app().PINTries = &zero
		b.issuer.After = []scriptCommand{pinUnblock}
		o := b.run()
		Expect(cvmResults(o)).To(Equal([]byte{0x42, 0x03, 0x00})) // Book 3, 10.5: offline PIN blocked, next rule online PIN
		Expect(o).To(BeApprovedOnline())                          // TAC-Online byte 3 b3
		Expect(o.ScriptResults).To(Equal([]byte{0x20, 0x00, 0x00, 0x00, 0x72}))
		Expect(b.card.Snapshot().Apps[0].PINTryCounter).To(Equal(3)) // Book 3, 6.5.10: PIN UNBLOCK
		// Book 3, 10.5.1 and 10.5.2.
		Expect(o).To(HaveExactTVR(emv.TVRPINTryLimitExceeded, emv.TVROnlinePINEntered))
		Expect(o).To(HaveExactTSI(tsiScripts...))
	})

	It(labels.Title("EMV.CT.SCR.007"), labels.Case("EMV.CT.SCR.007"), func() {
		b := onlineBench()
		b.issuer.After = []scriptCommand{putLowerLimit, badMAC(putLowerLimit)}
		o := b.run()
		// Book 3, Annex A (9F5B): result 1, sequence number 2.
		Expect(o.ScriptResults).To(Equal([]byte{0x12, 0x00, 0x00, 0x00, 0x72}))
		Expect(o).To(BeApprovedOnline())
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRScriptFailedAfterFinalGenAC))
		Expect(o).To(HaveExactTSI(tsiScripts...))
	})
})
