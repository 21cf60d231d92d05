package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/harness/device/serial"
)

// syncBuffer is a bytes.Buffer safe for the command's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEmulateCard plays vpcd: the command connects, answers GET ATR and a
// SELECT, is dropped (pcscd restarting), connects again, and stops when its
// context ends (as on SIGINT).
func TestEmulateCard(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRootCmd()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"emulate", "card", "--profile", "visa-cda-online", "--vpcd", ln.Addr().String(), "--seed", "1"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	for i := 0; i < 2; i++ {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		ask := func(p []byte) []byte {
			b, _ := vpcd.AppendMessage(nil, p)
			if _, err := c.Write(b); err != nil {
				t.Fatal(err)
			}
			m, err := vpcd.ReadMessage(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		if atr := ask([]byte{vpcd.CtrlATR}); len(atr) < 2 || atr[0] != 0x3B {
			t.Fatalf("ATR %X", atr)
		}
		c.Write([]byte{0, 1, vpcd.CtrlPowerOn})
		r := ask([]byte("\x00\xA4\x04\x00\x0E1PAY.SYS.DDF01\x00"))
		if len(r) < 2 || !bytes.Equal(r[len(r)-2:], []byte{0x90, 0x00}) {
			t.Fatalf("SELECT PSE: %X", r)
		}
		c.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("emulate card: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("emulate card did not stop")
	}
	for _, want := range []string{"card visa-cda-online (ATR 3B", "card inserted", "reconnecting", "card visa-cda-online removed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestEmulateCardBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"emulate", "card"},
		{"emulate", "card", "--profile", "no-such-card"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "visa-cda-online") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the profile list", args, code, errb.String())
		}
	}
}

func TestListReaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status func() ([]pcsc.SlotStatus, error)
		want   string
	}{
		{"no pcscd", func() ([]pcsc.SlotStatus, error) { return nil, pcsc.ErrNoService }, "pcscd is not running"},
		{"none", func() ([]pcsc.SlotStatus, error) { return nil, nil }, "  none"},
		{"error", func() ([]pcsc.SlotStatus, error) { return nil, errors.New("boom") }, "cannot list readers: boom"},
		{"slots", func() ([]pcsc.SlotStatus, error) {
			return []pcsc.SlotStatus{{Reader: "Virtual PCD 00 00", Present: true, ATR: []byte{0x3B, 0x00}, InUse: true},
				{Reader: "Virtual PCD 00 01"}, {Reader: "ACS ACR39U 00 00", Present: true, Mute: true}}, nil
		}, "  Virtual PCD 00 00: card present, ATR 3B00, in use\n  Virtual PCD 00 01: empty\n  ACS ACR39U 00 00: card present but mute"},
	} {
		var b bytes.Buffer
		listReaders(&b, tc.status)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s: %q lacks %q", tc.name, b.String(), tc.want)
		}
	}
}

func TestListPorts(t *testing.T) {
	var b bytes.Buffer
	listPorts(&b, func() ([]serial.PortInfo, error) {
		return []serial.PortInfo{{Path: "/dev/ttyACM0", IsUSB: true, VID: "1EAB", PID: "1A03", Product: "QR scanner", SerialNumber: "S1"}, {Path: "/dev/ttyS0"}}, nil
	})
	want := "Serial ports:\n  /dev/ttyACM0: USB 1EAB:1A03 \"QR scanner\" serial S1\n  /dev/ttyS0\n"
	if b.String() != want {
		t.Errorf("listing %q, want %q", b.String(), want)
	}
}

// TestDevicesCommand runs the real verb: whatever the host has, it
// succeeds and prints both sections.
func TestDevicesCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"devices"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "PC/SC readers:") || !strings.Contains(out.String(), "Serial ports:") {
		t.Errorf("output %q", out.String())
	}
}
