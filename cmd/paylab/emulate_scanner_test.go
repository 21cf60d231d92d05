package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/device/serial"
)

// waitOutput waits until the command's output holds s.
func waitOutput(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", s, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEmulateScanner runs the command with codes from standard input and
// reads them through the real driver on the printed link, then stops it
// as SIGINT would.
func TestEmulateScanner(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyACM-emu")
	stdin, feed := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRootCmd()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(stdin)
	root.SetArgs([]string{"emulate", "scanner", "--link", link, "--baud", "115200", "--suffix", "crlf", "--prefix", "#", "--aim", "]Q1"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	waitOutput(t, &out, "(link "+link+")")

	drv, err := serial.Open(link, serial.WithBaud(115200), serial.WithSuffix(serial.SuffixCRLF), serial.WithPrefix("#"), serial.WithAIM())
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	go func() { io.WriteString(feed, "281234567890123456\n\nhttps://qr.example/pay?o=42\r\n") }()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	for _, want := range []string{"281234567890123456", "https://qr.example/pay?o=42"} {
		c, err := drv.ScanCode(sctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Text != want || c.AIM != "]Q1" {
			t.Fatalf("code = {%q %q}, want {%q ]Q1}", serial.Mask(c.Text), c.AIM, serial.Mask(want))
		}
	}
	waitOutput(t, &out, "https:*****************o=42")
	if strings.Contains(out.String(), "281234567890123456") {
		t.Fatalf("output holds a full payment code:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatalf("link left behind: %v", err)
	}
	waitOutput(t, &out, "scanner unplugged")
}

// TestEmulateScannerImage sends a built-in QR picture in imager mode.
func TestEmulateScannerImage(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyACM-img")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRootCmd()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"emulate", "scanner", "--link", link, "--baud", "115200", "--image", "sample:wallet-url", "--delay", "300ms"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	waitOutput(t, &out, "(link "+link+")")
	// Codes sent before the driver opens wait in the pty's input queue,
	// so the delay only spares the terminal a burst at open.
	drv, err := serial.Open(link, serial.WithBaud(115200))
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	got, err := drv.Scan(sctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB"; got != want {
		t.Fatalf("scan = %q, want %q", got, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestEmulateScannerBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.png")
	if err := os.WriteFile(garbage, []byte("not a picture"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"suffix":        {"--suffix", "nul"},
		"baud":          {"--baud", "0"},
		"aim":           {"--aim", "Q1"},
		"missing image": {"--image", filepath.Join(dir, "none.png")},
		"not a PNG":     {"--image", garbage},
		"unreadable":    {"--image", "sample:blurred"},
		"no sample":     {"--image", "sample:nope"},
	} {
		root := newRootCmd()
		var out syncBuffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append([]string{"emulate", "scanner"}, args...))
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "emulate scanner: ") {
			t.Errorf("%s: error = %v", name, err)
		}
	}
}
