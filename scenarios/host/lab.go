package host

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/emulators/issuer"
	benchcfg "github.com/paylab/paylab/harness/bench"
	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/emvcontact"
	"github.com/paylab/paylab/scenarios/labels"
)

// HOST.LAB: a physical test card on a lab bench. The operator is told which
// card to insert and the run waits for it; the lab holds the card's account
// but not its issuer keys (fixtures/issuers/lab-issuer.yaml, keys:
// unknown), so the issuer reports the ARQC as not checked — never as
// verified. Benches without physical cards (emulated, pcsc) serve the
// fixture profile their card names in the operator's stead: in process, or
// behind vpcd through pcscd.

// defaultLabCard stands in on benches that list no test cards.
var defaultLabCard = benchcfg.LabCard{
	Label:   "lab card (mc-dda profile, issuer keys unknown)",
	Issuer:  "lab-issuer",
	PIN:     "4321",
	Emulate: "mc-dda",
}

// labCard returns the bench's first test card and its reader.
func labCard() (benchcfg.LabCard, benchcfg.ReaderConfig) {
	GinkgoHelper()
	cfg, err := emvcontact.BenchConfig()
	Expect(err).NotTo(HaveOccurred(), "bench configuration")
	if len(cfg.Reader.Cards) == 0 {
		lc := defaultLabCard
		lc.Reader = cfg.Reader.Name
		return lc, cfg.Reader
	}
	return cfg.Reader.Cards[0], cfg.Reader
}

// askOperator tells the operator what to do, in the report and — when a
// person must act — on the terminal the run was started from (when there
// is one) and on stderr.
func askOperator(msg string, person bool) {
	AddReportEntry("operator prompt", msg)
	if !person {
		return
	}
	line := "paylab: OPERATOR: " + msg + "\n"
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprint(tty, line)
		tty.Close()
	}
	fmt.Fprint(os.Stderr, line)
}

// insertLabCard asks for the card and returns it powered up: the emulated
// stand-in, or the first card that appears in the bench's PC/SC reader
// within the card's wait.
func insertLabCard(lc benchcfg.LabCard, rc benchcfg.ReaderConfig) device.Card {
	GinkgoHelper()
	reader := lc.Reader
	if reader == "" {
		reader = "the card reader"
	}
	askOperator(fmt.Sprintf("insert test card %q into %q", lc.Label, reader), lc.Emulate == "")
	if lc.Emulate != "" && lc.VPCD == "" {
		return emvcontact.PowerUp(standIn(lc)) // the bench's own card path
	}
	name, err := pcsc.Resolve(lc.Reader)
	if err != nil {
		msg := fmt.Sprintf("PC/SC reader %q: %v", lc.Reader, err)
		if lc.Emulate != "" && !pcsc.Required() {
			Skip(msg + "; run ci/setup.sh as root")
		}
		Fail(msg)
	}
	type insertion struct {
		sess *vpcd.Session
		err  error
	}
	inserted := make(chan insertion, 1)
	if lc.VPCD != "" {
		// The operator's stand-in inserts the card after the prompt, while
		// the run waits for it as it would for a person.
		c := standIn(lc)
		go func() {
			time.Sleep(200 * time.Millisecond)
			sess, err := vpcd.Insert(context.Background(), lc.VPCD, c)
			inserted <- insertion{sess, err}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), lc.Wait)
	defer cancel()
	pc, err := pcsc.NewReader(name).ConnectCard(ctx)
	if lc.VPCD != "" {
		in := <-inserted
		Expect(in.err).NotTo(HaveOccurred(), "vpcd takes the stand-in card")
		DeferCleanup(func() {
			_ = in.sess.Remove()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			Expect(pcsc.NewReader(name).WaitRemoved(ctx)).To(Succeed(), "pcscd sees the card go")
		})
	}
	if err != nil {
		Fail(fmt.Sprintf("no card in %q within %s: %v", name, lc.Wait, err))
	}
	DeferCleanup(pc.Close)
	AddReportEntry("card reader", pc.Identity())
	return pc
}

// standIn personalises the fixture profile that stands in for a lab card.
func standIn(lc benchcfg.LabCard) *card.Card {
	GinkgoHelper()
	c, err := card.New(profile(lc.Emulate), card.WithSeed(11))
	Expect(err).NotTo(HaveOccurred(), "card personalises")
	return c
}

var _ = Describe("HOST: a lab's physical test card", func() {
	It(labels.Title("HOST.LAB.001"), labels.Case("HOST.LAB.001"), func() {
		lc, rc := labCard()
		r := newRig(withIssuerConfig(lc.Issuer))
		t := r.terminal()
		dc := insertLabCard(lc, rc)
		rcpt := t.purchaseOn(dc, onlineAmount, lc.PIN)
		o := rcpt.Outcome
		Expect(o.WentOnline).To(BeTrue(), "an amount over the floor limit goes online (Book 3, 10.6)")
		Expect(rcpt.Entry.RC).To(Equal("00"), "the issuer decides on the account alone")
		Expect(rcpt.Entry.RRN).NotTo(BeEmpty())

		tx, ok := r.mc.Transaction(rcpt.Entry.RRN)
		Expect(ok).To(BeTrue(), "the lab issuer has the request")
		Expect(tx.ARQC.Result).To(Equal(issuer.ARQCNotChecked), "an ARQC whose keys are unknown is not checked, never passed")
		Expect(tx.ARQC.Reason).To(ContainSubstring("keys unknown"))
		AddReportEntry("ARQC verification", fmt.Sprintf("%s (%s)", tx.ARQC.Result, tx.ARQC.Reason))
		Expect(r.mc.ARQCChecks()).To(BeEmpty(), "nothing verified, nothing failed")

		// No ARPC came (no keys to make one): issuer authentication was not
		// performed (Book 3, 10.9; TSI byte 1 bit 5, Annex C6), and the card
		// decided alone at the second GENERATE AC (Book 3, 10.11).
		Expect(o.TSI.Has(emv.TSIIssuerAuthenticationPerformed)).To(BeFalse())
		Expect(strings.ToUpper(o.CID.Type().String())).To(BeElementOf("TC", "AAC"))
	})
})
