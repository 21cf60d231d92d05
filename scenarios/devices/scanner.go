package devices

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/harness/device/serial"
)

// serialRequired: in CI, or with "serial" in PAYLAB_REQUIRE, a pty that
// cannot be opened fails the spec instead of skipping it.
func serialRequired() bool {
	if os.Getenv("CI") == "true" {
		return true
	}
	for _, f := range strings.FieldsFunc(os.Getenv("PAYLAB_REQUIRE"), func(r rune) bool { return r == ',' || r == ' ' }) {
		if f == "serial" {
			return true
		}
	}
	return false
}

// scannerPair is an emulated scanner on a pty and the real driver on its
// slave, read through go.bug.st/serial.
type scannerPair struct {
	emu *scanner.Scanner
	drv *serial.Scanner
	ctx context.Context
}

// newScannerPair starts the emulator programmed with cfg and opens the
// driver with opts; both are closed when the spec ends.
func newScannerPair(cfg scanner.Config, opts ...serial.Option) *scannerPair {
	GinkgoHelper()
	emu, err := scanner.New(cfg)
	if err != nil {
		msg := fmt.Sprintf("serial path unavailable (pseudo-terminal from /dev/ptmx): %v", err)
		if serialRequired() {
			Fail(msg + " (required: CI or PAYLAB_REQUIRE=serial)")
		}
		Skip(msg)
	}
	DeferCleanup(emu.Close)
	drv, err := serial.Open(emu.Path(), opts...)
	Expect(err).NotTo(HaveOccurred(), "the driver opens the emulator's port")
	DeferCleanup(drv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	DeferCleanup(cancel)
	return &scannerPair{emu: emu, drv: drv, ctx: ctx}
}

// serAsync runs the emulator's side in the background; the returned channel
// yields its error.
func serAsync(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// sendAll sends codes one after the other.
func (p *scannerPair) sendAll(codes ...string) <-chan error {
	return serAsync(func() error {
		for _, c := range codes {
			if err := p.emu.Send(p.ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// scan reads one code and records it, masked, as evidence.
func (p *scannerPair) scan() serial.Code {
	GinkgoHelper()
	c, err := p.drv.ScanCode(p.ctx)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry("scanned code (masked)", fmt.Sprintf("%s aim=%q symbology=%q text=%s", p.drv.Name(), c.AIM, c.Symbology, serial.Mask(c.Text)))
	return c
}

// expectCodes reads len(want) codes and checks their text and order.
func (p *scannerPair) expectCodes(want ...string) {
	GinkgoHelper()
	got := make([]string, 0, len(want))
	for range want {
		got = append(got, p.scan().Text)
	}
	Expect(serMasked(got)).To(Equal(serMasked(want)), "codes and their order") // masked: a failure message is evidence too
	Expect(got).To(Equal(want))
}

func serMasked(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = serial.Mask(c)
	}
	return out
}

func expectScannerSent(done <-chan error) {
	GinkgoHelper()
	Eventually(done, 10*time.Second).Should(Receive(BeNil()), "the emulator sent everything")
}

// crcMPM is the CRC of an EMVCo merchant-presented payload: CRC-16/CCITT-FALSE
// (ISO/IEC 13239, polynomial 1021, initial FFFF) over the payload up to and
// including "6304" (EMVCo MPM v1.1, 4.7.3).
func crcMPM(s string) string {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return fmt.Sprintf("%04X", crc)
}

// scannerLink is a stable port name for unplug and replug, as
// /dev/serial/by-id gives a lab scanner.
func scannerLink() string {
	return filepath.Join(GinkgoT().TempDir(), "ttyACM-scanner")
}
