// DEV.PCSC (this file) drives the PC/SC card reader path: the card emulator
// inserted into vsmartcard's vpcd reader, seen and driven through pcscd by
// harness/device/pcsc.

package devices

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/scenarios/labels"
)

// The DEV.PCSC specs use vpcd's second slot, so that they never meet the
// EMV.CT specs' card, which the pcsc bench keeps in the first one.
// PAYLAB_VPCD_DEV and PAYLAB_VPCD_DEV_READER move them elsewhere.
func devSlot() (addr, reader string) {
	addr, reader = "127.0.0.1:35964", "Virtual PCD 00 01"
	if v := os.Getenv("PAYLAB_VPCD_DEV"); v != "" {
		addr = v
	}
	if v := os.Getenv("PAYLAB_VPCD_DEV_READER"); v != "" {
		reader = v
	}
	return addr, reader
}

// needPCSC skips the spec, or fails it in CI and under PAYLAB_REQUIRE=pcsc,
// when pcscd does not show vpcd's reader.
func needPCSC() {
	GinkgoHelper()
	_, reader := devSlot()
	if _, err := pcsc.Resolve(reader); err != nil {
		msg := fmt.Sprintf("PC/SC path unavailable (pcscd with vsmartcard-vpcd, reader %q): %v; run ci/setup.sh as root", reader, err)
		if pcsc.Required() {
			Fail(msg + " (required: CI or PAYLAB_REQUIRE=pcsc)")
		}
		Skip(msg)
	}
}

// slotCard is an emulated card in vpcd's slot with what it was sent.
type slotCard struct {
	emu   *card.Card
	sess  *vpcd.Session
	stats *vpcd.Stats
	mu    sync.Mutex
	ins   []byte // INS of every command the card received
}

func (s *slotCard) received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ins)
}

// insertCard puts a visa-cda-online card with the given faults into the
// slot; the spec's cleanup takes it out and waits until pcscd has seen it go.
func insertCard(faults ...card.Fault) *slotCard {
	GinkgoHelper()
	needPCSC()
	addr, reader := devSlot()
	s := &slotCard{stats: &vpcd.Stats{}}
	opts := []card.Option{card.WithSeed(5), card.WithTranscript(func(c, _ []byte) {
		s.mu.Lock()
		if len(c) > 1 {
			s.ins = append(s.ins, c[1])
		}
		s.mu.Unlock()
	})}
	for _, f := range faults {
		opts = append(opts, card.WithFault(f))
	}
	var err error
	s.emu, err = card.Open("visa-cda-online", opts...)
	Expect(err).NotTo(HaveOccurred())
	s.sess, err = vpcd.Insert(context.Background(), addr, s.emu, vpcd.WithStats(s.stats))
	Expect(err).NotTo(HaveOccurred(), "vpcd accepts the card")
	// pcscd has taken this card (not a card just removed by another
	// process) once vpcd has asked it for its ATR.
	Eventually(s.stats.ATRs.Load, 5*time.Second, 20*time.Millisecond).Should(BeNumerically(">", 0), "vpcd polls the card")
	DeferCleanup(func() {
		_ = s.sess.Remove()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		Expect(pcsc.NewReader(reader).WaitRemoved(ctx)).To(Succeed(), "pcscd sees the card go")
	})
	return s
}

// connect connects to the slot's card through pcscd.
func connect(opts ...pcsc.Option) *pcsc.Card {
	GinkgoHelper()
	_, reader := devSlot()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pcsc.NewReader(reader, opts...).ConnectCard(ctx)
	Expect(err).NotTo(HaveOccurred(), "connect through pcscd")
	DeferCleanup(c.Close)
	return c
}

func transmit(c *pcsc.Card, capdu []byte) []byte {
	GinkgoHelper()
	r, err := c.Transmit(context.Background(), capdu)
	Expect(err).NotTo(HaveOccurred())
	Expect(len(r)).To(BeNumerically(">=", 2), "a status word")
	return r
}

func sw(r []byte) uint16 { return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]) }

var (
	// SELECT 1PAY.SYS.DDF01 (EMV Book 1, 12.2.2), case 4.
	selectPSE = []byte("\x00\xA4\x04\x00\x0E1PAY.SYS.DDF01\x00")
	// SELECT the profile's credit application (test RID F054455354).
	selectApp = []byte{0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x54, 0x45, 0x53, 0x54, 0x10, 0x10, 0x00}
	// READ RECORD 1 of SFI 1, the PSE directory (EMV Book 1, 12.2.3), Le 00.
	readDirectory = []byte{0x00, 0xB2, 0x01, 0x0C, 0x00}
)

var _ = Describe("DEV.PCSC: the PC/SC card reader path", Serial, func() {
	It(labels.Title("DEV.PCSC.001"), labels.Case("DEV.PCSC.001"), func() {
		needPCSC()
		names, err := pcsc.Readers() // PC/SC part 5, SCardListReaders
		Expect(err).NotTo(HaveOccurred())
		Expect(names).To(ContainElements("Virtual PCD 00 00", "Virtual PCD 00 01"))
		Expect(pcsc.Resolve("Virtual PCD")).To(Equal("Virtual PCD 00 00"), "a prefix names the first matching reader")
		AddReportEntry("readers", names)
	})

	It(labels.Title("DEV.PCSC.002"), labels.Case("DEV.PCSC.002"), func() {
		s := insertCard()
		_, reader := devSlot()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		atr, err := pcsc.NewReader(reader).WaitInserted(ctx) // SCARD_STATE_PRESENT
		Expect(err).NotTo(HaveOccurred())
		Expect(atr).To(Equal(s.emu.ATR()), "the ATR pcscd read is the card's (ISO/IEC 7816-3, 8)")
		AddReportEntry("inserted", fmt.Sprintf("%s: ATR %X", reader, atr))
	})

	It(labels.Title("DEV.PCSC.003"), labels.Case("DEV.PCSC.003"), func() {
		s := insertCard()
		c := connect()
		Expect(sw(transmit(c, selectPSE))).To(Equal(uint16(0x9000)))
		Expect(s.sess.Remove()).To(Succeed()) // the card leaves the reader
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, reader := devSlot()
		Expect(pcsc.NewReader(reader).WaitRemoved(ctx)).To(Succeed(), "SCARD_STATE_EMPTY")
		_, err := c.Transmit(context.Background(), selectPSE)
		Expect(err).To(MatchError(pcsc.ErrNoCard), "SCARD_W_REMOVED_CARD")
	})

	It(labels.Title("DEV.PCSC.004"), labels.Case("DEV.PCSC.004"), func() {
		needPCSC()
		_, reader := devSlot()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := pcsc.NewReader(reader, pcsc.WithPoll(time.Minute)).WaitInserted(ctx)
			done <- err
		}()
		Consistently(done, 300*time.Millisecond).ShouldNot(Receive(), "no card: still waiting")
		cancel() // SCardCancel wakes the waiting SCardGetStatusChange
		var err error
		Eventually(done, 5*time.Second).Should(Receive(&err))
		Expect(err).To(MatchError(context.Canceled))
	})

	It(labels.Title("DEV.PCSC.005"), labels.Case("DEV.PCSC.005"), func() {
		s := insertCard(card.Fault{INS: 0xA4, GetResponse: true})
		raw := transmit(connect(pcsc.WithRawStatus()), selectPSE)
		Expect(raw).To(HaveLen(2))
		Expect(raw[0]).To(Equal(byte(0x61)), "the card holds its FCI back (SW1 '61')")
		r := transmit(connect(), selectPSE)
		Expect(sw(r)).To(Equal(uint16(0x9000)))
		Expect(r[0]).To(Equal(byte(0x6F)), "the FCI template (EMV Book 1, 11.3.4)")
		Expect(len(r)-2).To(Equal(int(raw[1])), "SW2 announced the FCI's length")
		Expect(s.received()).To(Equal([]byte{0xA4, 0xA4, 0xC0}), "SELECT, SELECT, GET RESPONSE")
		AddReportEntry("T=0 exchange", fmt.Sprintf("SELECT PSE → %X; GET RESPONSE Le %02X → %d bytes + 9000", raw, raw[1], len(r)-2))
	})

	It(labels.Title("DEV.PCSC.006"), labels.Case("DEV.PCSC.006"), func() {
		s := insertCard(card.Fault{INS: 0xB2, WrongLe: true})
		raw := connect(pcsc.WithRawStatus())
		Expect(sw(transmit(raw, selectPSE))).To(Equal(uint16(0x9000)))
		wrong := transmit(raw, readDirectory)
		Expect(wrong).To(HaveLen(2))
		Expect(wrong[0]).To(Equal(byte(0x6C)), "wrong length, exact Le in SW2")
		r := transmit(connect(), readDirectory)
		Expect(sw(r)).To(Equal(uint16(0x9000)))
		Expect(r[0]).To(Equal(byte(0x70)), "the directory record (EMV Book 1, 12.2.3)")
		Expect(len(r) - 2).To(Equal(int(wrong[1])))
		Expect(s.received()).To(Equal([]byte{0xA4, 0xB2, 0xB2, 0xB2}), "the last READ RECORD sent again with Le = SW2")
		AddReportEntry("T=0 exchange", fmt.Sprintf("READ RECORD Le 00 → %X; again with Le %02X → %d bytes + 9000", wrong, wrong[1], len(r)-2))
	})

	It(labels.Title("DEV.PCSC.007"), labels.Case("DEV.PCSC.007"), func() {
		s := insertCard()
		c := connect()
		Expect(sw(transmit(c, selectApp))).To(Equal(uint16(0x9000)))
		Expect(s.emu.Snapshot().Selected).NotTo(BeNil())
		atr := c.ATR()
		resets := s.stats.Resets.Load()
		Expect(c.Reset(context.Background())).To(Succeed()) // SCARD_RESET_CARD
		Expect(s.stats.Resets.Load()).To(Equal(resets+1), "vpcd sent the card a reset")
		Expect(s.emu.Snapshot().Selected).To(BeNil(), "the selection is volatile (EMV Book 1, 6.1.4)")
		Expect(c.ATR()).To(Equal(atr))
		Expect(sw(transmit(c, selectApp))).To(Equal(uint16(0x9000)), "the card answers after the reset")
	})

	It(labels.Title("DEV.PCSC.008"), labels.Case("DEV.PCSC.008"), func() {
		s := insertCard()
		c := connect()
		Expect(sw(transmit(c, selectApp))).To(Equal(uint16(0x9000)))
		before := s.emu.Snapshot().Apps[0]
		offs, ons := s.stats.PowerOffs.Load(), s.stats.PowerOns.Load()
		Expect(c.ColdReset(context.Background())).To(Succeed()) // SCARD_UNPOWER_CARD
		Expect(s.stats.PowerOffs.Load()).To(Equal(offs+1), "power off")
		Expect(s.stats.PowerOns.Load()).To(Equal(ons+1), "power on")
		after := s.emu.Snapshot()
		Expect(after.Selected).To(BeNil(), "the selection does not survive power")
		Expect(after.Apps[0].ATC).To(Equal(before.ATC), "the ATC is non-volatile")
		Expect(after.Apps[0].PINTryCounter).To(Equal(before.PINTryCounter))
		Expect(sw(transmit(c, selectApp))).To(Equal(uint16(0x9000)))
	})

	It(labels.Title("DEV.PCSC.009"), labels.Case("DEV.PCSC.009"), func() {
		s := insertCard()
		c := connect()
		_, reader := devSlot()
		Expect(c.Reader()).To(Equal(reader))
		Expect(c.ATR()).To(Equal(s.emu.ATR()))
		Expect(c.Protocol()).To(Equal(pcsc.T0), "TD1 absent from the ATR: T=0 (ISO/IEC 7816-3, 8.2.3)")
		id := c.Identity()
		Expect(id).To(ContainSubstring(reader))
		Expect(id).To(ContainSubstring(fmt.Sprintf("%X", s.emu.ATR())))
		Expect(id).To(ContainSubstring("T=0"))
		AddReportEntry("card reader", id)
	})

	It(labels.Title("DEV.PCSC.010"), labels.Case("DEV.PCSC.010"), func() {
		insertCard()
		_, reader := devSlot()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := pcsc.NewReader(reader, pcsc.WithProtocol(pcsc.T1)).ConnectCard(ctx)
		Expect(err).To(MatchError(pcsc.ErrProtocol), "SCARD_E_PROTO_MISMATCH")
		c := connect(pcsc.WithProtocol(pcsc.T0))
		Expect(c.Protocol()).To(Equal(pcsc.T0))
		AddReportEntry("protocol", fmt.Sprintf("T=1 refused (%v); T=0 connected", err))
	})
})
