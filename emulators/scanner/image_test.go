//go:build linux

package scanner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/emulators/scanner/imager"
	"github.com/paylab/paylab/harness/device/serial"
)

const walletURL = "https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB"

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := imager.Sample(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSendImage(t *testing.T) {
	ctx := ctxT(t)
	// Config.AIM "]C0" enables identifiers; the imager sends the one of
	// what it decoded: ]Q1, QR Code model 2.
	emu, drv := pair(t, scanner.Config{Baud: 115200, Prefix: "#", AIM: "]C0", Suffix: "\r\n"},
		serial.WithBaud(115200), serial.WithPrefix("#"), serial.WithAIM(), serial.WithSuffix(serial.SuffixCRLF))
	done := async(func() error {
		if err := emu.SendImage(ctx, sample(t, "cpm-paycode")); err != nil {
			return err
		}
		return emu.SendImage(ctx, sample(t, "wallet-url"))
	})
	for _, want := range []string{payCode, walletURL} {
		c, err := drv.ScanCode(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Text != want || c.AIM != "]Q1" || c.Symbology != "QR Code" {
			t.Fatalf("code = {%q %q %q}, want {%q ]Q1 QR Code}", serial.Mask(c.Text), c.AIM, c.Symbology, serial.Mask(want))
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSendImageFileWithoutAIM(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Baud: 115200}, serial.WithBaud(115200))
	path := filepath.Join(t.TempDir(), "wallet.png")
	if err := os.WriteFile(path, sample(t, "wallet-url"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := async(func() error { return emu.SendImageFile(ctx, path) })
	mustScan(t, ctx, drv, walletURL)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := emu.SendImageFile(ctx, path+".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSendUnreadableImageSendsNothing(t *testing.T) {
	ctx := ctxT(t)
	emu, drv := pair(t, scanner.Config{Baud: 115200}, serial.WithBaud(115200), serial.WithReadTimeout(300*time.Millisecond))
	for name, tc := range map[string]struct {
		png    []byte
		reason error
	}{
		"blurred":   {sample(t, "blurred"), imager.ErrNoCode},
		"not a PNG": {[]byte("not an image"), imager.ErrNotPNG},
	} {
		err := emu.SendImage(ctx, tc.png)
		var ie *imager.Error
		if !errors.As(err, &ie) || !errors.Is(err, tc.reason) {
			t.Fatalf("%s: SendImage = %v, want *imager.Error wrapping %v", name, err, tc.reason)
		}
	}
	if _, err := drv.Scan(ctx); !errors.Is(err, serial.ErrTimeout) {
		t.Fatalf("scan after unreadable images = %v, want ErrTimeout", err)
	}
	if st := drv.Stats(); st.Bytes != 0 {
		t.Fatalf("%d bytes reached the driver", st.Bytes)
	}
}

func TestSendImageUnplugged(t *testing.T) {
	emu, _ := pair(t, scanner.Config{})
	if err := emu.Unplug(); err != nil {
		t.Fatal(err)
	}
	if err := emu.SendImage(context.Background(), sample(t, "cpm-paycode")); !errors.Is(err, scanner.ErrUnplugged) {
		t.Fatalf("send image unplugged = %v, want ErrUnplugged", err)
	}
}
