package emvcontact

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/pki"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

var _ = Describe("EMV contact: offline data authentication", func() {
	It(labels.Title("EMV.CT.ODA.001"), labels.Case("EMV.CT.ODA.001"), func() {
		o := sdaBench().run()
		Expect(o).To(BeApprovedOffline())
		Expect(o.ODA).To(Equal(terminal.ODASDA))
		Expect(o).To(HaveExactTVR(emv.TVRSDASelected)) // Book 3, 10.3: "SDA selected" (TVR byte 1 b2) once SDA runs
		Expect(o).To(HaveExactTSI(tsiOffline...))      // Book 3, 10.3: "Offline data authentication was performed"
	})

	It(labels.Title("EMV.CT.ODA.002"), labels.Case("EMV.CT.ODA.002"), func() {
		o := ddaBench().run()
		Expect(o).To(BeApprovedOffline())
		Expect(o.ODA).To(Equal(terminal.ODADDA)) // Book 3, 10.3: DDA when the AIP offers DDA and not CDA
		Expect(o).To(HaveExactTVR())             // Book 2, 6.5: DDA passed, nothing to report
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.ODA.003"), labels.Case("EMV.CT.ODA.003"), func() {
		b := cdaBench()
		o := b.run()
		Expect(o).To(BeApprovedOffline())
		Expect(o.ODA).To(Equal(terminal.ODACDA)) // Book 3, 10.3: CDA over DDA over SDA
		Expect(b.card.Snapshot().CDAPerformed).To(BeTrue(), "the TC was CDA-signed (Book 2, 6.6.1)")
		Expect(o).To(HaveExactTVR()) // Book 2, 6.6.2: the signature verified at GENERATE AC
		Expect(o).To(HaveExactTSI(tsiOffline...))
	})

	It(labels.Title("EMV.CT.ODA.004"), labels.Case("EMV.CT.ODA.004"), func() {
		b := cdaBench()
		b.tx.Amount = 20000
		o := b.run()
		Expect(o).To(BeApprovedOnline())
		Expect(o.ODA).To(Equal(terminal.ODACDA))
		Expect(o.ODAErr).NotTo(HaveOccurred())                // Book 2, 6.6.2 on the ARQC and on the final TC
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded)) // Book 3, 10.6.1: 200.00 over the 100.00 floor limit
		Expect(o).To(HaveExactTSI(tsiOnline...))              // Book 3, 10.9: issuer authentication performed
		Expect(b.issuer.ARQCErr()).NotTo(HaveOccurred(), "ARQC verified by the issuer (Book 2, 8.1)")
	})

	It(labels.Title("EMV.CT.ODA.005"), labels.Case("EMV.CT.ODA.005"), func() {
		b := cdaBench()
		b.cfg.Capabilities.Clear(emv.TermCapSDA, emv.TermCapDDA, emv.TermCapCDA)
		o := b.run()
		Expect(o).To(BeApprovedOnline()) // Book 3, 10.7: TAC-Online DC.. covers "ODA not performed"
		Expect(o.ODA).To(Equal(terminal.ODANone))
		Expect(o).To(HaveExactTVR(emv.TVROfflineDataAuthNotPerformed)) // Book 3, 10.3: no method in common
		Expect(o).To(HaveExactTSI(emv.TSICardholderVerificationPerformed, emv.TSICardRiskManagementPerformed,
			emv.TSIIssuerAuthenticationPerformed, emv.TSITerminalRiskManagementPerformed)) // Book 3, 10.3: TSI b8 stays clear
	})

	// A broken certificate from the pki catalogue: the method's TVR bit
	// (Book 3, 10.3), the failing Book 2 check, and the TAC-Online
	// (DC4004F800 covers SDA, DDA and CDA failed) sending the transaction
	// to the issuer, who approves.
	type failure struct {
		bench   func() *bench
		variant string
		amount  uint64
		result  types.GomegaMatcher
		tvr     []emv.TVRBit
		tsi     []emv.TSIBit
	}
	sdaFail := func(v string) failure {
		// Book 3, 10.3: SDA selected and SDA failed; AIP 5800 has no issuer
		// authentication, so TSI b5 stays clear (Book 3, 10.9).
		return failure{sdaBench, v, 1000, BeApprovedOnline(), []emv.TVRBit{emv.TVRSDASelected, emv.TVRSDAFailed}, tsiOffline}
	}
	ddaFail := func(v string, more ...emv.TVRBit) failure {
		// Book 3, 10.3: DDA failed (TVR byte 1 b4).
		return failure{ddaBench, v, 1000, BeApprovedOnline(), with([]emv.TVRBit{emv.TVRDDAFailed}, more...), tsiOnline}
	}
	cdaFail := func(v string, more ...emv.TVRBit) failure {
		// Book 2, 6.6.1: the ICC key is not recovered, CDA failed before
		// GENERATE AC, which then asks no CDA signature.
		return failure{cdaBench, v, 1000, BeApprovedOnline(), with([]emv.TVRBit{emv.TVRCDAFailed}, more...), tsiOnline}
	}
	// A broken issuer certificate also hides the ICC PIN encipherment key
	// (Book 2, 7.1), so offline enciphered PIN (44 03) fails and, by its
	// "apply succeeding" bit, online PIN (42 03) is taken (Book 3, 10.5.1
	// and 10.5.5): "Online PIN entered" too.
	const onlinePIN = emv.TVROnlinePINEntered
	DescribeTable("a catalogue certificate failure",
		func(f failure) {
			b := f.bench()
			b.app().ODA.Variant = f.variant
			b.tx.Amount = f.amount
			o := b.run()
			v, err := pki.LookupVariant(f.variant)
			Expect(err).NotTo(HaveOccurred())
			AddReportEntry("variant", v.Name+": "+v.Description)
			Expect(o).To(f.result)
			Expect(b.issuer.Requests()).To(Equal(map[bool]int{true: 1}[o.WentOnline]), "the issuer saw the request only when online")
			Expect(o.ODAErr).To(MatchError(v.Want())) // the Book 2 check the variant breaks
			Expect(o).To(HaveExactTVR(f.tvr...))
			Expect(o).To(HaveExactTSI(f.tsi...))
		},
		Entry(labels.Title("EMV.CT.ODA.006"), labels.Case("EMV.CT.ODA.006"), sdaFail("ssad-wrong-hash")),              // Book 2, 5.4 step 7
		Entry(labels.Title("EMV.CT.ODA.007"), labels.Case("EMV.CT.ODA.007"), sdaFail("ssad-bad-format")),              // Book 2, 5.4 step 4
		Entry(labels.Title("EMV.CT.ODA.008"), labels.Case("EMV.CT.ODA.008"), sdaFail("ssad-static-data-changed")),     // Book 2, 5.4 step 7
		Entry(labels.Title("EMV.CT.ODA.009"), labels.Case("EMV.CT.ODA.009"), sdaFail("issuer-revoked")),               // Book 2, 5.3 step 10
		Entry(labels.Title("EMV.CT.ODA.010"), labels.Case("EMV.CT.ODA.010"), sdaFail("wrong-ca-index")),               // Book 2, 5.2
		Entry(labels.Title("EMV.CT.ODA.011"), labels.Case("EMV.CT.ODA.011"), sdaFail("issuer-expired")),               // Book 2, 5.3 step 9
		Entry(labels.Title("EMV.CT.ODA.012"), labels.Case("EMV.CT.ODA.012"), sdaFail("issuer-bad-header")),            // Book 2, 5.3 step 3
		Entry(labels.Title("EMV.CT.ODA.013"), labels.Case("EMV.CT.ODA.013"), sdaFail("issuer-id-mismatch")),           // Book 2, 5.3 step 8
		Entry(labels.Title("EMV.CT.ODA.014"), labels.Case("EMV.CT.ODA.014"), ddaFail("icc-pan-mismatch")),             // Book 2, 6.4 step 8
		Entry(labels.Title("EMV.CT.ODA.015"), labels.Case("EMV.CT.ODA.015"), ddaFail("icc-expired")),                  // Book 2, 6.4 step 9
		Entry(labels.Title("EMV.CT.ODA.016"), labels.Case("EMV.CT.ODA.016"), ddaFail("sdad-wrong-hash")),              // Book 2, 6.5.2 step 7
		Entry(labels.Title("EMV.CT.ODA.017"), labels.Case("EMV.CT.ODA.017"), ddaFail("icc-static-data-changed")),      // Book 2, 6.4 step 7
		Entry(labels.Title("EMV.CT.ODA.018"), labels.Case("EMV.CT.ODA.018"), ddaFail("sdad-bad-format")),              // Book 2, 6.5.2 step 4
		Entry(labels.Title("EMV.CT.ODA.019"), labels.Case("EMV.CT.ODA.019"), ddaFail("issuer-wrong-hash", onlinePIN)), // Book 2, 5.3 step 7
		Entry(labels.Title("EMV.CT.ODA.020"), labels.Case("EMV.CT.ODA.020"), cdaFail("icc-expired")),                  // Book 2, 6.4 step 9
		Entry(labels.Title("EMV.CT.ODA.021"), labels.Case("EMV.CT.ODA.021"), cdaFail("issuer-expired", onlinePIN)),    // Book 2, 5.3 step 9
		Entry(labels.Title("EMV.CT.ODA.022"), labels.Case("EMV.CT.ODA.022"), cdaFail("icc-bad-hash-algorithm")),       // Book 2, 6.4 step 6
		// Book 2, 6.6.2 step 11 and Book 3, 10.8: a TC whose CDA signature
		// fails is declined offline, TVR "CDA failed".
		Entry(labels.Title("EMV.CT.ODA.023"), labels.Case("EMV.CT.ODA.023"), failure{cdaBench, "cda-wrong-transaction-hash", 1000, BeDeclinedOffline(), []emv.TVRBit{emv.TVRCDAFailed}, tsiOffline}),
		// Book 2, 6.6.2 step 6: the CID inside the signature differs.
		Entry(labels.Title("EMV.CT.ODA.024"), labels.Case("EMV.CT.ODA.024"), failure{cdaBench, "cda-wrong-cid", 1000, BeDeclinedOffline(), []emv.TVRBit{emv.TVRCDAFailed}, tsiOffline}),
		// Book 2, 6.6.2; Book 3, 10.8: an ARQC whose CDA fails is not sent
		// online; the second GENERATE AC asks for an AAC.
		Entry(labels.Title("EMV.CT.ODA.025"), labels.Case("EMV.CT.ODA.025"), failure{cdaBench, "sdad-wrong-hash", 20000, BeDeclinedOffline(), []emv.TVRBit{emv.TVRCDAFailed, emv.TVRFloorLimitExceeded}, tsiOffline}),
	)

	It(labels.Title("EMV.CT.ODA.026"), labels.Case("EMV.CT.ODA.026"), func() {
		b := ddaBench()
		b.app().Omit = []string{"9F46"} // no ICC public key certificate
		o := b.run()
		Expect(o).To(BeApprovedOnline())                                    // Book 3, 10.7: TAC-Online covers both bits
		Expect(o).To(HaveExactTVR(emv.TVRICCDataMissing, emv.TVRDDAFailed)) // Book 3, 10.3: data missing: both bits
		Expect(o).To(HaveExactTSI(tsiOnline...))                            // Book 3, 10.3: ODA was performed (and failed)
	})
})
