package emvcontact

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/fixtures"
	benchcfg "github.com/paylab/paylab/harness/bench"
	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/reports"
)

// The card path of a transaction. On the default bench the kernel talks to
// the card emulator in process. On a bench whose reader has driver pcsc
// (fixtures/benches/pcsc.yaml) every spec's emulated card is served behind
// vsmartcard's vpcd and the kernel transmits through harness/device/pcsc,
// pcscd and vpcd: the path of a lab reader, with the reader's name and the
// card's ATR recorded in each spec's evidence.
//
// The suite's test main defines -paylab.bench; PAYLAB_BENCH names the bench
// when the flag is left at its default (go test ./scenarios with the
// variable set). PAYLAB_VPCD and PAYLAB_VPCD_READER move the card to
// another vpcd slot than 127.0.0.1:35963, "Virtual PCD 00 00".
//
// One vpcd connection serves the whole run: each transaction puts its card
// behind it and power-cycles it through PC/SC (SCardReconnect with
// SCARD_UNPOWER_CARD), which is the emulator's Reset of the in-process path
// plus the PC/SC power-down and power-up (EMV Book 1, 6.1). DEV.PCSC's specs
// cover insertion and removal; here they would only add pcscd's polling
// delay (~0.4 s) to every spec.

// benchName is the bench the suite runs on.
func benchName() string {
	f := flag.Lookup("paylab.bench")
	if f != nil && f.Value.String() != f.DefValue {
		return f.Value.String()
	}
	if v := os.Getenv("PAYLAB_BENCH"); v != "" {
		return v
	}
	if f != nil {
		return f.Value.String()
	}
	return "emulated"
}

// BenchConfig is the bench the suite runs on (-paylab.bench, PAYLAB_BENCH;
// fixtures/benches/<name>.yaml), validated and with its defaults.
func BenchConfig() (benchcfg.Config, error) {
	name := benchName()
	b, err := fs.ReadFile(fixtures.FS, "benches/"+name+".yaml")
	if err != nil {
		return benchcfg.Config{}, fmt.Errorf("bench %s: %w", name, err)
	}
	return benchcfg.ParseConfig(name, b)
}

// pcscPath is the process's PC/SC card path, set up at first use.
type pcscPath struct {
	skip   string // why this bench cannot run the EMV.CT specs
	mu     sync.Mutex
	icc    *swapICC
	addr   string
	reader *pcsc.Reader
	sess   *vpcd.Session
	card   *pcsc.Card
}

var (
	pathOnce sync.Once
	path     *pcscPath // nil: in process
	pathErr  error
)

// cardPath returns the PC/SC path when the bench's reader is pcsc, nil for
// the in-process path.
func cardPath() (*pcscPath, error) {
	pathOnce.Do(func() {
		name := benchName()
		var cfg benchcfg.Config
		err := fixtures.Load(fixtures.FS, "benches/"+name+".yaml", &cfg)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && cfg.Reader.Driver != "pcsc") {
			return
		}
		if err != nil {
			pathErr = fmt.Errorf("bench %s: %w", name, err)
			return
		}
		if GinkgoParallelProcess() > 1 {
			pathErr = fmt.Errorf("bench %s: the PC/SC path runs in one process (vpcd's first slot for EMV.CT, its second for DEV.PCSC)", name)
			return
		}
		if !strings.HasPrefix(cfg.Reader.Name, "Virtual PCD") && os.Getenv("PAYLAB_VPCD_READER") == "" {
			path = &pcscPath{skip: fmt.Sprintf("bench %s has a real reader (%s): EMV.CT specs personalise their own cards and need vpcd's virtual reader", name, cfg.Reader.Name)}
			return
		}
		addr, reader := vpcd.DefaultAddr, cfg.Reader.Name
		if v := os.Getenv("PAYLAB_VPCD"); v != "" {
			addr = v
		}
		if v := os.Getenv("PAYLAB_VPCD_READER"); v != "" {
			reader = v
		} else if reader == "" || reader == "Virtual PCD" {
			reader = vpcdReader(addr)
		}
		path = &pcscPath{icc: &swapICC{}, addr: addr, reader: pcsc.NewReader(reader)}
	})
	return path, pathErr
}

// vpcdReader is the reader pcscd shows for a vpcd port: slot n of
// /etc/reader.conf.d/vpcd listens on 35963+n and is "Virtual PCD 00 0n".
func vpcdReader(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 35963 || port > 35963+99 {
		return "Virtual PCD"
	}
	return fmt.Sprintf("Virtual PCD 00 %02d", port-35963)
}

// PowerUp powers c up for one transaction on the suite's bench and returns
// what a kernel transmits to: c itself in process, or c behind vpcd through
// pcscd on a PC/SC bench (reader and ATR recorded for the report). Other
// flows (HOST) take the bench's card path through it; one card at a time.
func PowerUp(c *card.Card) device.Card {
	GinkgoHelper()
	return (&bench{card: c}).powerUp()
}

// powerUp powers the bench's card up for a transaction and returns what the
// kernel transmits to: the emulator itself, or the card through PC/SC.
func (b *bench) powerUp() device.Card {
	GinkgoHelper()
	p, err := cardPath()
	if err != nil {
		Fail(err.Error())
	}
	if p == nil {
		b.card.Reset()
		used.set(&reports.ReaderIdentity{Driver: "virtual", Name: "card emulator in process", ATR: fmt.Sprintf("%X", b.card.ATR())})
		return b.card
	}
	if p.skip != "" {
		Skip(p.skip)
	}
	pc, err := p.load(b.card)
	if err != nil {
		msg := fmt.Sprintf("PC/SC card path (pcscd with vsmartcard-vpcd, %s at %s): %v; run ci/setup.sh as root", p.reader.Name(), p.addr, err)
		if pcsc.Required() {
			Fail(msg + " (required: CI or PAYLAB_REQUIRE=pcsc)")
		}
		Skip(msg)
	}
	AddReportEntry("card reader", pc.Identity())
	used.set(&reports.ReaderIdentity{Driver: "pcsc", Name: pc.Reader(), ATR: fmt.Sprintf("%X", pc.ATR())})
	return pc
}

// readerUsed is the reader of the process's last transaction.
type readerUsed struct {
	mu sync.Mutex
	id *reports.ReaderIdentity
}

func (r *readerUsed) set(id *reports.ReaderIdentity) {
	r.mu.Lock()
	r.id = id
	r.mu.Unlock()
}

var used readerUsed

// ReaderIdentity is the card reader this process's EMV.CT transactions went
// through — the PC/SC reader's name and the card's ATR on the pcsc bench —
// for reports.Bench.Reader; nil when no transaction ran.
func ReaderIdentity() *reports.ReaderIdentity {
	used.mu.Lock()
	defer used.mu.Unlock()
	if used.id == nil {
		return nil
	}
	cp := *used.id
	return &cp
}

// load puts c behind vpcd and power-cycles it through PC/SC; the first
// call inserts the card into vpcd and connects.
func (p *pcscPath) load(c *card.Card) (*pcsc.Card, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.icc.set(c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if p.card != nil {
		err := p.card.ColdReset(ctx)
		if err == nil {
			return p.card, nil
		}
		// pcscd restarted or the connection broke: start again once.
		p.card.Close()
		p.card = nil
	}
	if p.sess != nil {
		select {
		case <-p.sess.Done():
			p.sess = nil
		default:
		}
	}
	if p.sess == nil {
		var st vpcd.Stats
		s, err := vpcd.Insert(context.Background(), p.addr, p.icc, vpcd.WithStats(&st))
		if err != nil {
			return nil, err
		}
		p.sess = s
		// Connect once pcscd has polled this card, not a card that
		// another process has just taken out of the slot.
		for st.ATRs.Load() == 0 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	pc, err := p.reader.ConnectCard(ctx)
	if err != nil {
		return nil, err
	}
	p.card = pc
	return pc, nil
}

// swapICC is the card in the vpcd slot: each transaction's emulator in
// turn.
type swapICC struct {
	mu sync.Mutex
	c  *card.Card
}

var _ vpcd.ICC = (*swapICC)(nil)

func (s *swapICC) set(c *card.Card) {
	s.mu.Lock()
	s.c = c
	s.mu.Unlock()
}

func (s *swapICC) get() *card.Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

func (s *swapICC) ATR() []byte { return s.get().ATR() }
func (s *swapICC) Reset()      { s.get().Reset() }
func (s *swapICC) Close() error {
	return s.get().Close()
}
func (s *swapICC) Transmit(ctx context.Context, capdu []byte) ([]byte, error) {
	return s.get().Transmit(ctx, capdu)
}
