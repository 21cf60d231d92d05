package devices

import (
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/emulators/scanner/imager"
	"github.com/paylab/paylab/harness/device/serial"
	"github.com/paylab/paylab/scenarios/labels"
)

// Codes the specs scan: a consumer-presented payment code (18 digits, as a
// wallet app shows it), a wallet order URL, and the EMVCo merchant-presented
// payload of the imager's sample picture.
const (
	cpmCode   = "281234567890123456"
	walletURL = "https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB"
	mpmCode   = "00020101021226350017com.paylab.wallet0110MRC0000042520458125303978540512.505802DE5916PAYLAB TEST CAFE6006BERLIN62120108ORD-00426304E0C0"
)

// fast is a line speed at which specs that are not about pacing run quickly.
const fast = 115200

var _ = Describe("Devices: serial QR/barcode scanner", func() {
	It(labels.Title("DEV.SER.001"), labels.Case("DEV.SER.001"), func() {
		// Emulator and driver both at their defaults: 9600 8N1, CR.
		p := newScannerPair(scanner.Config{})
		Expect(p.emu.Frame(cpmCode)).To(Equal([]byte(cpmCode + "\r"))) // factory framing: data + CR
		done := p.sendAll(cpmCode, walletURL)
		p.expectCodes(cpmCode, walletURL)
		expectScannerSent(done)
		Expect(p.drv.Name()).To(Equal("serial:" + p.emu.Path()))
	})

	DescribeTable("a programmed suffix ends each code",
		func(suffix string) {
			p := newScannerPair(scanner.Config{Baud: fast, Suffix: suffix}, serial.WithBaud(fast), serial.WithSuffix(suffix))
			Expect(p.emu.Frame(cpmCode)).To(HaveSuffix(suffix))
			done := p.sendAll(cpmCode, walletURL, "0123456789")
			p.expectCodes(cpmCode, walletURL, "0123456789")
			expectScannerSent(done)
		},
		Entry(labels.Title("DEV.SER.002"), labels.Case("DEV.SER.002"), serial.SuffixLF),
		Entry(labels.Title("DEV.SER.003"), labels.Case("DEV.SER.003"), serial.SuffixCRLF),
		Entry(labels.Title("DEV.SER.004"), labels.Case("DEV.SER.004"), serial.SuffixTab),
	)

	It(labels.Title("DEV.SER.005"), labels.Case("DEV.SER.005"), func() {
		p := newScannerPair(scanner.Config{Baud: fast, Prefix: "PL>"}, serial.WithBaud(fast), serial.WithPrefix("PL>"))
		done := serAsync(func() error {
			if err := p.emu.Send(p.ctx, cpmCode); err != nil {
				return err
			}
			// Printable noise before the prefix: only the prefix says where data starts.
			if err := p.emu.SendRaw(p.ctx, []byte("zz9")); err != nil {
				return err
			}
			return p.emu.Send(p.ctx, walletURL)
		})
		p.expectCodes(cpmCode, walletURL)
		expectScannerSent(done)
	})

	It(labels.Title("DEV.SER.006"), labels.Case("DEV.SER.006"), func() {
		p := newScannerPair(scanner.Config{Baud: fast, AIM: "]Q1", Suffix: "\r\n"},
			serial.WithBaud(fast), serial.WithAIM(), serial.WithSuffix(serial.SuffixCRLF))
		done := p.sendAll(cpmCode)
		c := p.scan()
		Expect(c.AIM).To(Equal("]Q1"))           // ISO/IEC 15424: ']' 'Q' modifier '1'
		Expect(c.Symbology).To(Equal("QR Code")) // code character Q
		Expect(c.Text).To(Equal(cpmCode))        // identifier stripped
		Expect(c.Text).NotTo(HavePrefix("]"))
		expectScannerSent(done)
	})

	It(labels.Title("DEV.SER.007"), labels.Case("DEV.SER.007"), func() {
		codes := []string{cpmCode, "281234567890123457", walletURL, "0123456789012", "281234567890123458"}
		for _, baud := range []int{9600, 115200} {
			p := newScannerPair(scanner.Config{Baud: baud}, serial.WithBaud(baud))
			start := time.Now()
			done := p.sendAll(codes...)
			p.expectCodes(codes...)
			expectScannerSent(done)
			st := p.drv.Stats()
			Expect(st.Codes).To(BeEquivalentTo(len(codes)))
			if baud == 9600 {
				// ~1 ms a byte: the codes cannot all come in one read.
				Expect(st.Reads).To(BeNumerically(">=", 2))
			}
			AddReportEntry("pace", fmt.Sprintf("%d baud: %d bytes in %d reads, %v (line time %v)",
				baud, st.Bytes, st.Reads, time.Since(start).Round(time.Millisecond), time.Duration(st.Bytes)*p.emu.ByteTime()))
		}
	})

	It(labels.Title("DEV.SER.008"), labels.Case("DEV.SER.008"), func() {
		for name, opts := range map[string][]serial.Option{
			"7E1": {serial.WithDataBits(7), serial.WithParity(serial.ParityEven)},
			"8O1": {serial.WithParity(serial.ParityOdd)},
			"8N2": {serial.WithStopBits(serial.StopBits2)},
		} {
			By(name)
			p := newScannerPair(scanner.Config{Baud: 19200}, append(opts, serial.WithBaud(19200))...)
			done := p.sendAll(cpmCode)
			p.expectCodes(cpmCode)
			expectScannerSent(done)
		}
	})

	It(labels.Title("DEV.SER.009"), labels.Case("DEV.SER.009"), func() {
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast), serial.WithReadTimeout(200*time.Millisecond))
		Expect(p.emu.SendRaw(p.ctx, []byte(cpmCode[:7]))).To(Succeed())
		_, err := p.drv.Scan(p.ctx)
		Expect(err).To(MatchError(serial.ErrTimeout), "half a line is not a code")
		Expect(p.emu.SendRaw(p.ctx, []byte(cpmCode[7:]+"\r"))).To(Succeed())
		p.expectCodes(cpmCode)
		Expect(p.drv.Stats().Codes).To(BeEquivalentTo(1))
	})

	It(labels.Title("DEV.SER.010"), labels.Case("DEV.SER.010"), func() {
		By("without an AIM identifier")
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast))
		done := serAsync(func() error { return p.emu.SendAfterGarbage(p.ctx, cpmCode, 23) })
		p.expectCodes(cpmCode)
		expectScannerSent(done)
		Expect(p.drv.Stats().Bytes).To(BeEquivalentTo(23 + len(cpmCode) + 1))

		By("with an AIM identifier")
		q := newScannerPair(scanner.Config{Baud: fast, AIM: "]Q1"}, serial.WithBaud(fast), serial.WithAIM())
		done = serAsync(func() error { return q.emu.SendAfterGarbage(q.ctx, walletURL, 23) })
		c := q.scan()
		Expect(c.Text).To(Equal(walletURL))
		Expect(c.AIM).To(Equal("]Q1"))
		expectScannerSent(done)
	})

	It(labels.Title("DEV.SER.011"), labels.Case("DEV.SER.011"), func() {
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast))
		done := serAsync(func() error { return p.emu.SendTwice(p.ctx, cpmCode) })
		p.expectCodes(cpmCode, cpmCode) // the driver reports both; de-duplication is the caller's call
		expectScannerSent(done)
		Expect(p.drv.Stats().Codes).To(BeEquivalentTo(2))
	})

	It(labels.Title("DEV.SER.012"), labels.Case("DEV.SER.012"), func() {
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast), serial.WithReadTimeout(300*time.Millisecond))
		Expect(p.emu.SendWithoutSuffix(p.ctx, cpmCode)).To(Succeed())
		code, err := p.drv.Scan(p.ctx)
		Expect(errors.Is(err, serial.ErrTimeout)).To(BeTrue(), "scan error %v, want ErrTimeout", err)
		Expect(code).To(BeEmpty())
		st := p.drv.Stats()
		Expect(st.Bytes).To(BeEquivalentTo(len(cpmCode)), "the code's bytes arrived")
		Expect(st.Codes).To(BeZero(), "no partial code returned")
		Expect(err.Error()).NotTo(ContainSubstring(cpmCode))
		AddReportEntry("dropped suffix", err.Error())
	})

	It(labels.Title("DEV.SER.013"), labels.Case("DEV.SER.013"), func() {
		p := newScannerPair(scanner.Config{Baud: fast, Prefix: "~"}, serial.WithBaud(fast), serial.WithPrefix("~"))
		done := serAsync(func() error {
			if err := p.emu.SendWithoutSuffix(p.ctx, "111111111111"); err != nil {
				return err
			}
			return p.emu.Send(p.ctx, "222222222222")
		})
		p.expectCodes("111111111111", "222222222222")
		expectScannerSent(done)
	})

	It(labels.Title("DEV.SER.014"), labels.Case("DEV.SER.014"), func() {
		link := scannerLink()
		p := newScannerPair(scanner.Config{Baud: fast, Link: link},
			serial.WithBaud(fast), serial.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
		Expect(p.drv.Path()).To(Equal(link))
		done := p.sendAll("before-unplug-0001")
		p.expectCodes("before-unplug-0001")
		expectScannerSent(done)

		before := p.emu.PTY()
		Expect(p.emu.Unplug()).To(Succeed())
		Expect(p.emu.Send(p.ctx, "lost")).To(MatchError(scanner.ErrUnplugged))
		done = serAsync(func() error {
			time.Sleep(300 * time.Millisecond) // the driver retries meanwhile
			if err := p.emu.Replug(); err != nil {
				return err
			}
			return p.emu.Send(p.ctx, "after-replug-0002")
		})
		p.expectCodes("after-replug-0002")
		expectScannerSent(done)
		Expect(p.drv.Stats().Reconnects).To(BeEquivalentTo(1))
		AddReportEntry("replug", fmt.Sprintf("%s → %s behind %s", before, p.emu.PTY(), link))
	})

	It(labels.Title("DEV.SER.015"), labels.Case("DEV.SER.015"), func() {
		p := newScannerPair(scanner.Config{}, serial.WithoutReconnect())
		time.AfterFunc(100*time.Millisecond, func() { _ = p.emu.Unplug() })
		_, err := p.drv.Scan(p.ctx)
		Expect(err).To(MatchError(serial.ErrDisconnected))
	})

	It(labels.Title("DEV.SER.016"), labels.Case("DEV.SER.016"), func() {
		p := newScannerPair(scanner.Config{Baud: fast, AIM: "]Q1", Suffix: "\r\n"},
			serial.WithBaud(fast), serial.WithAIM(), serial.WithSuffix(serial.SuffixCRLF))
		mpm, err := imager.Sample("mpm-emvco")
		Expect(err).NotTo(HaveOccurred())
		url, err := imager.Sample("wallet-url")
		Expect(err).NotTo(HaveOccurred())
		done := serAsync(func() error {
			if err := p.emu.SendImage(p.ctx, mpm); err != nil {
				return err
			}
			return p.emu.SendImage(p.ctx, url)
		})
		c := p.scan()
		Expect(c.AIM).To(Equal("]Q1")) // ISO/IEC 18004 Annex F: model 2, no ECI
		Expect(c.Text).To(Equal(mpmCode))
		Expect(c.Text).To(HavePrefix("000201"))                         // EMVCo MPM 4.1: Payload Format Indicator "01" first
		Expect(c.Text[len(c.Text)-8 : len(c.Text)-4]).To(Equal("6304")) // EMVCo MPM 4.7.3: CRC last, ID 63 length 04
		Expect(c.Text[len(c.Text)-4:]).To(Equal(crcMPM(c.Text[:len(c.Text)-4])))
		p.expectCodes(walletURL)
		expectScannerSent(done)
	})

	It(labels.Title("DEV.SER.017"), labels.Case("DEV.SER.017"), func() {
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast), serial.WithReadTimeout(300*time.Millisecond))
		blurred, err := imager.Sample("blurred")
		Expect(err).NotTo(HaveOccurred())
		err = p.emu.SendImage(p.ctx, blurred)
		var ie *imager.Error
		Expect(errors.As(err, &ie)).To(BeTrue(), "a typed error: %v", err)
		Expect(err).To(MatchError(imager.ErrNoCode))
		AddReportEntry("unreadable image", err.Error())
		_, err = p.drv.Scan(p.ctx)
		Expect(err).To(MatchError(serial.ErrTimeout))
		Expect(p.drv.Stats().Bytes).To(BeZero(), "the scanner stayed silent")
	})

	It(labels.Title("DEV.SER.018"), labels.Case("DEV.SER.018"), func() {
		const pan = "4761739001010010" // the suite's test PAN: the report folder is checked for it
		p := newScannerPair(scanner.Config{Baud: fast}, serial.WithBaud(fast))
		done := p.sendAll(pan)
		p.expectCodes(pan)
		expectScannerSent(done)
		var evidence []string
		for _, e := range CurrentSpecReport().ReportEntries {
			evidence = append(evidence, e.StringRepresentation())
		}
		all := strings.Join(evidence, "\n")
		Expect(all).To(ContainSubstring("476173******0010"))
		Expect(all).NotTo(ContainSubstring(pan))
	})
})
