//go:build linux

package scanner_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/device/serial"
)

// A consumer-presented payment code as a wallet shows it: 18 digits.
const payCode = "281234567890123456"

// pair starts an emulator and opens the real driver on its slave through
// go.bug.st/serial.
func pair(t *testing.T, cfg scanner.Config, opts ...serial.Option) (*scanner.Scanner, *serial.Scanner) {
	t.Helper()
	emu, err := scanner.New(cfg)
	if err != nil {
		t.Fatalf("new emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	drv, err := serial.Open(emu.Path(), opts...)
	if err != nil {
		t.Fatalf("open driver: %v", err)
	}
	t.Cleanup(func() { drv.Close() })
	return emu, drv
}

// async runs a send in the background and returns its error channel.
func async(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustScan(t *testing.T, ctx context.Context, s device.Scanner, want string) {
	t.Helper()
	got, err := s.Scan(ctx)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got != want {
		t.Fatalf("scan = %q, want %q", serial.Mask(got), serial.Mask(want))
	}
}

func TestSuffixes(t *testing.T) {
	for name, suffix := range map[string]string{
		"CR": serial.SuffixCR, "LF": serial.SuffixLF, "CRLF": serial.SuffixCRLF, "Tab": serial.SuffixTab,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			emu, drv := pair(t, scanner.Config{Baud: 115200, Suffix: suffix}, serial.WithBaud(115200), serial.WithSuffix(suffix))
			done := async(func() error {
				if err := emu.Send(ctx, payCode); err != nil {
					return err
				}
				return emu.Send(ctx, "https://qr.example/pay?o=42")
			})
			mustScan(t, ctx, drv, payCode)
			mustScan(t, ctx, drv, "https://qr.example/pay?o=42")
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDefaultsMatch(t *testing.T) {
	// Emulator and driver defaults agree: 9600 baud, CR.
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{})
	done := async(func() error { return emu.Send(ctx, payCode) })
	mustScan(t, ctx, drv, payCode)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := drv.Name(), "serial:"+emu.Path(); got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
}

func TestPrefixAndAIM(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Prefix: "PL>", AIM: "]Q1", Suffix: "\r\n"},
		serial.WithPrefix("PL>"), serial.WithAIM(), serial.WithSuffix(serial.SuffixCRLF))
	done := async(func() error { return emu.Send(ctx, payCode) })
	c, err := drv.ScanCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Text != payCode || c.AIM != "]Q1" || c.Symbology != "QR Code" {
		t.Fatalf("code = {%q %q %q}, want {%q ]Q1 QR Code}", serial.Mask(c.Text), c.AIM, c.Symbology, serial.Mask(payCode))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAIMWithoutPrefix(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{AIM: "]C0"}, serial.WithAIM())
	done := async(func() error { return emu.SendAfterGarbage(ctx, "0123456789", 7) })
	c, err := drv.ScanCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Text != "0123456789" || c.AIM != "]C0" || c.Symbology != "Code 128" {
		t.Fatalf("code = %+v", c)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPacing(t *testing.T) {
	// At 1200 baud a byte takes 8.3 ms: a 64-character code cannot arrive
	// in one read. No timed assertion; the figures are logged.
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Baud: 1200}, serial.WithBaud(1200))
	code := strings.Repeat("7", 64)
	start := time.Now()
	done := async(func() error { return emu.Send(ctx, code) })
	mustScan(t, ctx, drv, code)
	elapsed := time.Since(start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := drv.Stats()
	if st.Reads < 2 {
		t.Fatalf("code arrived in %d read(s), want several", st.Reads)
	}
	t.Logf("65 bytes at 1200 baud: %d reads, %v (line time %v)", st.Reads, elapsed.Round(time.Millisecond), 65*emu.ByteTime())
}

func TestTimeout(t *testing.T) {
	_, drv := pair(t, scanner.Config{}, serial.WithReadTimeout(150*time.Millisecond))
	_, err := drv.Scan(ctxT(t))
	if !errors.Is(err, serial.ErrTimeout) {
		t.Fatalf("scan error = %v, want ErrTimeout", err)
	}
}

func TestContextCancel(t *testing.T) {
	// A cancelled scan returns within a poll interval; see
	// TestScanAfterCancelReadsNextCode for the scanner's use afterwards.
	_, drv := pair(t, scanner.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := drv.Scan(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("scan error = %v, want context.Canceled", err)
	}
}

func TestScanAfterCancelReadsNextCode(t *testing.T) {
	emu, drv := pair(t, scanner.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	if _, err := drv.Scan(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("scan error = %v, want DeadlineExceeded", err)
	}
	ctx2 := ctxT(t)
	done := async(func() error { return emu.Send(ctx2, payCode) })
	mustScan(t, ctx2, drv, payCode)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPartialLine(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{})
	done := async(func() error { return emu.SendSplit(ctx, payCode, 7, 250*time.Millisecond) })
	mustScan(t, ctx, drv, payCode)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := drv.Stats(); st.Reads < 2 {
		t.Fatalf("split code arrived in %d read(s)", st.Reads)
	}
}

func TestGarbageBeforeCode(t *testing.T) {
	for name, cfg := range map[string]struct {
		emu  scanner.Config
		opts []serial.Option
	}{
		"plain":  {scanner.Config{}, nil},
		"prefix": {scanner.Config{Prefix: "#"}, []serial.Option{serial.WithPrefix("#")}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			emu, drv := pair(t, cfg.emu, cfg.opts...)
			done := async(func() error { return emu.SendAfterGarbage(ctx, payCode, 23) })
			mustScan(t, ctx, drv, payCode)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDoubleRead(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{})
	done := async(func() error { return emu.SendTwice(ctx, payCode) })
	mustScan(t, ctx, drv, payCode)
	mustScan(t, ctx, drv, payCode)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := drv.Stats(); st.Codes != 2 {
		t.Fatalf("codes = %d, want 2", st.Codes)
	}
}

func TestDroppedSuffixWithPrefix(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Prefix: "~"}, serial.WithPrefix("~"))
	done := async(func() error {
		if err := emu.SendWithoutSuffix(ctx, "111111111111"); err != nil {
			return err
		}
		return emu.Send(ctx, "222222222222")
	})
	mustScan(t, ctx, drv, "111111111111")
	mustScan(t, ctx, drv, "222222222222")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestUnplugReplug(t *testing.T) {
	ctx := ctxT(t)
	link := filepath.Join(t.TempDir(), "ttyACM-scanner")
	emu, drv := pair(t, scanner.Config{Link: link}, serial.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	if drv.Path() != link {
		t.Fatalf("driver path = %q, want the link %q", drv.Path(), link)
	}
	done := async(func() error { return emu.Send(ctx, "before-unplug-0001") })
	mustScan(t, ctx, drv, "before-unplug-0001")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	old := emu.PTY()
	if err := emu.Unplug(); err != nil {
		t.Fatal(err)
	}
	if err := emu.Send(ctx, "lost"); !errors.Is(err, scanner.ErrUnplugged) {
		t.Fatalf("send while unplugged = %v, want ErrUnplugged", err)
	}
	done = async(func() error {
		time.Sleep(300 * time.Millisecond) // the driver retries meanwhile
		if err := emu.Replug(); err != nil {
			return err
		}
		return emu.Send(ctx, "after-replug-0002")
	})
	mustScan(t, ctx, drv, "after-replug-0002")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := drv.Stats(); st.Reconnects != 1 {
		t.Fatalf("reconnects = %d, want 1", st.Reconnects)
	}
	t.Logf("pty %s replaced by %s behind %s", old, emu.PTY(), link)
}

func TestUnplugWithoutReconnect(t *testing.T) {
	emu, drv := pair(t, scanner.Config{}, serial.WithoutReconnect())
	time.AfterFunc(100*time.Millisecond, func() { emu.Unplug() })
	_, err := drv.Scan(ctxT(t))
	if !errors.Is(err, serial.ErrDisconnected) {
		t.Fatalf("scan error = %v, want ErrDisconnected", err)
	}
}

func TestUnplugUntilContextEnds(t *testing.T) {
	// Through a link: the driver retries a path that stays absent. Retrying
	// the bare /dev/pts/N would open whichever pseudo-terminal another
	// process is given next under that number, and read its codes.
	emu, drv := pair(t, scanner.Config{Link: filepath.Join(t.TempDir(), "scanner")})
	if err := emu.Unplug(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := drv.Scan(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("scan error = %v, want DeadlineExceeded", err)
	}
}

func TestCloseDuringScan(t *testing.T) {
	_, drv := pair(t, scanner.Config{})
	time.AfterFunc(100*time.Millisecond, func() { drv.Close() })
	_, err := drv.Scan(ctxT(t))
	if !errors.Is(err, serial.ErrClosed) {
		t.Fatalf("scan error = %v, want ErrClosed", err)
	}
}

func TestPortsList(t *testing.T) {
	ports, err := serial.Ports()
	if err != nil {
		t.Fatalf("ports: %v", err)
	}
	for _, p := range ports {
		t.Logf("%s usb=%v vid=%s pid=%s", p.Path, p.IsUSB, p.VID, p.PID)
	}
}

func TestSendValidation(t *testing.T) {
	emu, _ := pair(t, scanner.Config{})
	if err := emu.SendSplit(context.Background(), "x", 99, 0); err == nil {
		t.Fatal("split outside the frame accepted")
	}
	if _, err := scanner.New(scanner.Config{Baud: -1}); err == nil {
		t.Fatal("negative baud accepted")
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	if err := emu.Send(context.Background(), "x"); err == nil {
		t.Fatal("send after close accepted")
	}
}

func TestSendCancelledWhenNobodyReads(t *testing.T) {
	// Nobody drains the slave: the pty queue fills and the write blocks
	// until the context ends.
	emu, err := scanner.New(scanner.Config{Baud: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	big := strings.Repeat("9", 1<<20)
	if err := emu.Send(ctx, big); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send to a pty nobody reads = %v, want DeadlineExceeded", err)
	}
}

func TestDroppedSuffixIdleEnd(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{}, serial.WithIdleEnd(150*time.Millisecond))
	done := async(func() error {
		if err := emu.SendWithoutSuffix(ctx, "333333333333"); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
		return emu.Send(ctx, "444444444444")
	})
	mustScan(t, ctx, drv, "333333333333")
	mustScan(t, ctx, drv, "444444444444")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLineSettings(t *testing.T) {
	// 7E2 at 19200 and a custom name: a pty accepts any line setting.
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Baud: 19200}, serial.WithBaud(19200), serial.WithDataBits(7),
		serial.WithParity(serial.ParityEven), serial.WithStopBits(serial.StopBits2), serial.WithName("bench QR scanner"))
	done := async(func() error { return emu.Send(ctx, payCode) })
	mustScan(t, ctx, drv, payCode)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if drv.Name() != "bench QR scanner" {
		t.Errorf("Name = %q", drv.Name())
	}
}

func TestUnplugMidCodeDropsPartialFrame(t *testing.T) {
	ctx := ctxT(t)
	link := filepath.Join(t.TempDir(), "scanner")
	emu, drv := pair(t, scanner.Config{Link: link}, serial.WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond))
	split := async(func() error { return emu.SendSplit(ctx, "half-a-code-never-ends", 6, 500*time.Millisecond) })
	plug := async(func() error {
		time.Sleep(150 * time.Millisecond) // inside the split's gap
		if err := emu.Unplug(); err != nil {
			return err
		}
		time.Sleep(700 * time.Millisecond) // the split's rest finds it unplugged
		if err := emu.Replug(); err != nil {
			return err
		}
		return emu.Send(ctx, payCode)
	})
	mustScan(t, ctx, drv, payCode)
	if err := <-plug; err != nil {
		t.Fatal(err)
	}
	if err := <-split; !errors.Is(err, scanner.ErrUnplugged) {
		t.Fatalf("rest of split code = %v, want ErrUnplugged", err)
	}
	if st := drv.Stats(); st.Reconnects != 1 {
		t.Fatalf("reconnects = %d, want 1", st.Reconnects)
	}
}
