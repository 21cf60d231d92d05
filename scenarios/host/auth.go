package host

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal/hostlink"
	"github.com/paylab/paylab/scenarios/labels"
	. "github.com/paylab/paylab/scenarios/match"
)

// Test PANs of fixtures/issuers/test-issuer.yaml.
const (
	visaPAN    = "4761739001010119" // visa-cda-online's
	mcPAN      = "5413330089010020" // mc-cda's
	lowFunds   = "4761739009020011" // 51: 5.00 available
	expired    = "4761739009020029" // 54
	blocked    = "4761739009020037" // 57
	txnLimit   = "4761739009020060" // 61: over 10.00 per transaction
	onlinePIN  = "4761739009020086" // 55 unless the online PIN is 2468
	unknownPAN = "4761739009029995" // no account: 14
)

// onlineAmount is over the terminal's floor limit (100.00): the kernel
// goes online (EMV Book 3, 10.6.1, TVR byte 4 bit 8).
const onlineAmount = 20000

// TSI sets (EMV Book 3, Annex C6).
var (
	// tsiOffline: ODA, cardholder verification, card and terminal risk
	// management performed (TSI byte 1 bits 8, 7, 6, 4).
	tsiOffline = []emv.TSIBit{emv.TSIOfflineDataAuthPerformed, emv.TSICardholderVerificationPerformed,
		emv.TSICardRiskManagementPerformed, emv.TSITerminalRiskManagementPerformed}
	// tsiOnline adds "issuer authentication was performed" (byte 1 bit 5,
	// Book 3, 10.9): the terminal sent EXTERNAL AUTHENTICATE with tag 91.
	tsiOnline = append(append([]emv.TSIBit{}, tsiOffline...), emv.TSIIssuerAuthenticationPerformed)
)

// onlinePINCard is visa-cda-online with pan whose CVM list asks for an
// online PIN (CVM code 02, Book 3, Annex C3), then no CVM.
func onlinePINCard(pan string) *card.Profile {
	p := visaCard(pan)
	p.Apps[0].CVMList = "00000000 00000000 4203 1F03"
	return p
}

// mtis returns the MTIs of a link's transcript, in order.
func mtis(l *hostlink.Link) []string {
	var out []string
	for _, e := range l.Transcript() {
		out = append(out, e.MTI)
	}
	return out
}

// rcOf returns DE 39 of the transcript's last answer of MTI mti.
func rcOf(l *hostlink.Link, mti string) string {
	rc := ""
	for _, e := range l.Transcript() {
		if e.MTI == mti && e.Dir == hostlink.Received {
			rc = e.RC
		}
	}
	return rc
}

// expectDeclinedOnline checks an issuer's or acquirer's decline reached the
// card: DE 39 rc in the 0210, ARC rc in the second GENERATE AC, an AAC.
func expectDeclinedOnline(t *term, r hostlink.Receipt, rc string) {
	GinkgoHelper()
	Expect(rcOf(t.link, "0210")).To(Equal(rc))                // ISO 8583:1987 DE 39
	Expect(r.Outcome.ARC).To(Equal([]byte(rc)))               // Book 4, A6: the ARC is DE 39
	Expect(r.Outcome).To(BeDeclinedOnline())                  // Book 3, 10.11
	Expect(r.Outcome.CID.Type()).To(Equal(emv.CryptogramAAC)) // Book 3, 10.11: AAC requested
	Expect(r.Entry.State).To(Equal(hostlink.StateDeclined))   // terminal journal
	Expect(r.Entry.RC).To(Equal(rc))
}

var _ = Describe("HOST: sign-on and authorisation", func() {
	It(labels.Title("HOST.AUTH.001"), labels.Case("HOST.AUTH.001"), func() {
		r := newRig()
		raw := r.raw("HOSTRAW1")
		a := raw.rt(raw.request("0200", "000000", visaPAN, 1000))
		Expect(field(a, 39)).To(Equal("58")) // not signed on: transaction not permitted to terminal
		Expect(r.visa.Transactions()).To(BeEmpty(), "nothing reached the issuer")

		on := raw.rt(raw.network("001")) // ISO 8583:1987 DE 70 001 sign-on
		Expect(field(on, 39)).To(Equal("00"))
		Expect(field(on, 70)).To(Equal("001"))
		a = raw.rt(raw.request("0200", "000000", visaPAN, 1000))
		Expect(field(a, 39)).To(Equal("00"), "financial traffic accepted once signed on")
	})

	It(labels.Title("HOST.AUTH.002"), labels.Case("HOST.AUTH.002"), func() {
		r := newRig()
		raw := r.raw("HOSTRAW1")
		raw.signOn()
		echo := raw.network("301") // ISO 8583:1987 DE 70 301 echo test
		a := raw.rt(echo)
		Expect(field(a, 39)).To(Equal("00"))
		Expect(field(a, 11)).To(Equal(field(echo, 11)))
		Expect(field(a, 70)).To(Equal("301"))
		Expect(field(a, 41)).To(Equal("HOSTRAW1"))

		t := r.terminal() // the reference terminal's echo on its own link
		Expect(t.link.Echo(ctx())).To(Succeed())
	})

	It(labels.Title("HOST.AUTH.003"), labels.Case("HOST.AUTH.003"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[visaPAN]
		rc, c := t.purchase(visaCard(), onlineAmount, "1234")
		o := rc.Outcome
		Expect(o).To(BeApprovedOnline())
		Expect(o.CID.Type()).To(Equal(emv.CryptogramTC)) // Book 3, 10.11: the card accepts the issuer's approval
		chk, ok := r.visa.Transaction(rc.Entry.RRN)
		Expect(ok).To(BeTrue())
		Expect(chk.ARQC.Result).To(Equal(issuer.ARQCVerified), chk.ARQC.Reason) // Book 2, 8.1: ARQC recomputed by the issuer host
		s := c.Snapshot()
		Expect(s.IssuerAuthPerformed).To(BeTrue()) // Book 3, 10.9: EXTERNAL AUTHENTICATE with the ARPC
		Expect(s.IssuerAuthFailed).To(BeFalse())   // Book 2, 8.2: the ARPC verified at the card
		// Book 3, Annex C5: only TVR byte 4 bit 8 "transaction exceeds floor limit".
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded))
		Expect(o).To(HaveTSIBit(emv.TSIIssuerAuthenticationPerformed)) // Book 3, Annex C6: TSI byte 1 bit 5
		Expect(o).To(HaveExactTSI(tsiOnline...))
		Expect(mtis(t.link)).To(ContainElements("0200", "0210"))
		Expect(rcOf(t.link, "0210")).To(Equal("00"))
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(start - onlineAmount))
	})

	It(labels.Title("HOST.AUTH.004"), labels.Case("HOST.AUTH.004"), func() {
		r := newRig()
		t := r.terminal()
		t.purchase(visaCard(), onlineAmount, "1234") // the balance is not the opening one
		b, err := t.pos.Balance(ctx(), cardData(visaCard()))
		Expect(err).NotTo(HaveOccurred())
		Expect(b.RC).To(Equal("00"))
		Expect(mtis(t.link)).To(ContainElements("0100", "0110")) // processing code 31 in an 0100
		Expect(b.HasAvailable).To(BeTrue())                      // DE 54 amount type 02
		avail, ok := r.visa.Available(visaPAN)
		Expect(ok).To(BeTrue())
		Expect(b.Available).To(Equal(avail))
		Expect(b.Currency).To(Equal("978"))
	})

	It(labels.Title("HOST.AUTH.005"), labels.Case("HOST.AUTH.005"), func() {
		r := newRig()
		t := r.terminal(hostlink.WithAuthorizationMTI(iso8583.MustMTI("0100")))
		ledger := r.visa.Ledger()[visaPAN]
		avail, _ := r.visa.Available(visaPAN)
		rc, _ := t.purchase(visaCard(), onlineAmount, "1234")
		Expect(rc.Outcome).To(BeApprovedOnline())
		Expect(mtis(t.link)).To(ContainElements("0100", "0110"))
		Expect(rcOf(t.link, "0110")).To(Equal("00"))
		Expect(rc.Entry.AuthCode).NotTo(BeEmpty()) // DE 38 approval code
		Expect(r.visa.Holds()[visaPAN]).To(Equal(int64(onlineAmount)))
		after, _ := r.visa.Available(visaPAN)
		Expect(after).To(Equal(avail - onlineAmount))
		Expect(r.visa.Ledger()[visaPAN]).To(Equal(ledger), "a hold leaves the ledger balance")
		Expect(r.txn(rc.Entry.RRN).Kind).To(BeEquivalentTo("auth"))
	})

	It(labels.Title("HOST.AUTH.006"), labels.Case("HOST.AUTH.006"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()
		rc, _ := t.purchase(visaCard(), onlineAmount, "1234",
			card.WithFault(card.Fault{INS: emv.InsGenerateAC, Occurrence: 1, WrongCryptogram: true}))
		chk, ok := r.visa.Transaction(rc.Entry.RRN)
		Expect(ok).To(BeTrue())
		Expect(chk.ARQC.Result).To(Equal(issuer.ARQCFailed)) // Book 2, 8.1: the recomputed ARQC differs
		expectDeclinedOnline(t, rc, "05")
		Expect(r.visa.Ledger()).To(Equal(start))
	})

	It(labels.Title("HOST.AUTH.007"), labels.Case("HOST.AUTH.007"), func() {
		r := newRig()
		t := r.terminal()
		r.visa.SetFault(issuer.Fault{WrongARPC: true, MTI: "0200"})
		rc, c := t.purchase(visaCard(), onlineAmount, "1234")
		o := rc.Outcome
		Expect(c.Snapshot().IssuerAuthFailed).To(BeTrue()) // EXTERNAL AUTHENTICATE answered 6300
		// Book 3, 10.9 and Annex C5: TVR byte 5 bit 7 "issuer authentication failed".
		Expect(o).To(HaveTVRBit(emv.TVRIssuerAuthenticationFailed))
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRIssuerAuthenticationFailed))
		// Book 3, Annex C6: TSI byte 1 bit 5: performed, though it failed.
		Expect(o).To(HaveExactTSI(tsiOnline...))
		// Book 3, 10.11: the card decides at the second GENERATE AC; this
		// one does not require issuer authentication and answers a TC.
		Expect(o.CID.Type()).To(Equal(emv.CryptogramTC))
		Expect(o).To(BeApprovedOnline())
	})

	It(labels.Title("HOST.AUTH.008"), labels.Case("HOST.AUTH.008"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()
		rc, _ := t.purchase(visaCard(unknownPAN), onlineAmount, "1234")
		expectDeclinedOnline(t, rc, "14")
		Expect(r.visa.Ledger()).To(Equal(start))
	})

	DescribeTable("an issuer decline reaches the card",
		func(id, pan, rc string, amount uint64) {
			r := newRig()
			t := r.terminal()
			start := r.visa.Ledger()
			p := visaCard(pan)
			receipt, _ := t.purchase(p, amount, pinOf(p))
			expectDeclinedOnline(t, receipt, rc)
			Expect(r.visa.Ledger()).To(Equal(start), "no ledger change")
		},
		func(id, pan, rc string, amount uint64) string { return labels.Title(id) },
		Entry(nil, "HOST.AUTH.009", lowFunds, "51", uint64(onlineAmount), labels.Case("HOST.AUTH.009")),
		Entry(nil, "HOST.AUTH.010", expired, "54", uint64(onlineAmount), labels.Case("HOST.AUTH.010")),
		Entry(nil, "HOST.AUTH.011", blocked, "57", uint64(onlineAmount), labels.Case("HOST.AUTH.011")),
		Entry(nil, "HOST.AUTH.012", txnLimit, "61", uint64(onlineAmount), labels.Case("HOST.AUTH.012")),
	)

	It(labels.Title("HOST.AUTH.013"), labels.Case("HOST.AUTH.013"), func() {
		r := newRig()
		t := r.terminal()
		start := r.visa.Ledger()[onlinePIN]
		// The account's online PIN is 2468 (test-issuer.yaml). hostlink
		// enciphers an ISO 9564-1 format 0 block under the terminal's TPK,
		// the acquirer translates DE 52 to the issuer route's ZPK, and the
		// issuer deciphers and compares (EMV Book 3, 10.5.2: the terminal
		// cannot know the result of an online PIN). TPK and ZPK differ, so
		// an approval shows the translation happened.
		keys, err := fixtures.LoadPINKeys(fixtures.FS)
		Expect(err).NotTo(HaveOccurred())
		Expect(keys.TPK).NotTo(Equal(keys.ZPK))

		ok, _ := t.purchase(onlinePINCard(onlinePIN), onlineAmount, "2468")
		Expect(ok.Outcome).To(HaveTVRBit(emv.TVROnlinePINEntered)) // Book 3, 10.5.2: TVR byte 3 bit 3
		Expect(rcOf(t.link, "0210")).To(Equal("00"))
		Expect(ok.Outcome).To(BeApprovedOnline())
		Expect(r.visa.Ledger()[onlinePIN]).To(Equal(start - onlineAmount))

		bad, _ := t.purchase(onlinePINCard(onlinePIN), onlineAmount, "1111")
		Expect(bad.Outcome).To(HaveTVRBit(emv.TVROnlinePINEntered))
		expectDeclinedOnline(t, bad, "55") // ISO 8583:1987 DE 39 55: the issuer's decision
		Expect(r.visa.Ledger()[onlinePIN]).To(Equal(start - onlineAmount))

		text := t.link.TranscriptText()
		expectDE52Masked(text, 2)
		for _, pin := range []string{"2468", "1111"} {
			expectNoPINBlock(text, pin)
			f0, err := cryptogram.ISOFormat0PINBlock(pin, onlinePIN)
			Expect(err).NotTo(HaveOccurred())
			enc, err := cryptogram.EncipherISOFormat0PINBlock(keys.TPK, pin, onlinePIN)
			Expect(err).NotTo(HaveOccurred())
			for _, blk := range [][]byte{f0, enc} {
				Expect(strings.ToUpper(text)).NotTo(ContainSubstring(fmt.Sprintf("%X", blk)), "a PIN block in the evidence")
			}
		}
	})

	It(labels.Title("HOST.AUTH.014"), labels.Case("HOST.AUTH.014"), func() {
		r := newRig()
		t := r.terminal()
		for i := range t.cfg.Applications {
			t.cfg.Applications[i].FloorLimit = 0 // 72.01 goes online
		}
		// test-issuer.yaml: amount 72.01 gets template 72 APPLICATION BLOCK.
		rc, c := t.purchase(visaCard(), 7201, "1234")
		o := rc.Outcome
		Expect(o).To(BeApprovedOnline())
		// Book 3, Annex A, 9F5B: byte 1 high nibble 2 "script processing
		// successful", then the script identifier.
		Expect(o.ScriptResults).To(HaveLen(5))
		Expect(o.ScriptResults[0] >> 4).To(Equal(byte(2)))
		Expect(c.Snapshot().Apps[0].Blocked).To(BeTrue()) // Book 3, 6.5.1: APPLICATION BLOCK applied
		// Book 3, 10.10 and Annex C6: TSI byte 1 bit 3 "script processing was performed".
		Expect(o).To(HaveExactTSI(append(append([]emv.TSIBit{}, tsiOnline...), emv.TSIScriptProcessingPerformed)...))
		Expect(o).To(HaveExactTVR(emv.TVRFloorLimitExceeded)) // no script failed: TVR byte 5 bits 6, 5 clear
	})

	It(labels.Title("HOST.AUTH.015"), labels.Case("HOST.AUTH.015"), func() {
		r := newRig()
		t := r.terminal()
		rc, _ := t.purchase(onlinePINCard(visaPAN), onlineAmount, "1234")
		Expect(rc.Outcome).To(BeApprovedOnline())
		Expect(rc.Outcome).To(HaveTVRBit(emv.TVROnlinePINEntered)) // DE 52 was sent
		text := t.link.TranscriptText()
		Expect(text).To(ContainSubstring("0200"))
		Expect(text).NotTo(ContainSubstring(visaPAN))
		Expect(text).To(ContainSubstring(masked(visaPAN)))
		Expect(text).NotTo(ContainSubstring(visaPAN[6:12]), "no middle digits of the PAN (track 2 included)")
		expectNoPINBlock(text, "1234")
		for _, e := range t.link.Transcript() {
			Expect(e.Text).NotTo(ContainSubstring(visaPAN))
		}
		Expect(r.txn(rc.Entry.RRN).PANMasked).To(Equal(masked(visaPAN)))
	})
})

// expectNoPINBlock checks text holds no ISO 9564-1 PIN block of pin: the
// format 2 block the kernel builds (2, length, PIN, F padding) in hex.
func expectNoPINBlock(text, pin string) {
	GinkgoHelper()
	blk := "2" + string(rune('0'+len(pin))) + pin + strings.Repeat("F", 14-len(pin))
	Expect(strings.ToUpper(text)).NotTo(ContainSubstring(blk), "a PIN block in the evidence")
}

// expectDE52Masked checks the transcript carries DE 52 in n messages, each
// time shown only as emv.Masked (the ISO 8583 masked printer: MaskAll).
func expectDE52Masked(text string, n int) {
	GinkgoHelper()
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "DE  52") {
			lines = append(lines, l)
		}
	}
	Expect(lines).To(HaveLen(n), "DE 52 lines in the transcript")
	for _, l := range lines {
		Expect(l).To(HaveSuffix(": "+emv.Masked), "DE 52 shown masked")
	}
}
