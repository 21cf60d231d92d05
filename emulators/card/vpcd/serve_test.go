package vpcd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeICC records what vpcd asked of it.
type fakeICC struct {
	mu             sync.Mutex
	resets, closes int
	apdus          [][]byte
	fail           bool
}

func (f *fakeICC) ATR() []byte { return []byte{0x3B, 0x02, 0x14, 0x50} }
func (f *fakeICC) Reset()      { f.mu.Lock(); f.resets++; f.mu.Unlock() }
func (f *fakeICC) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}
func (f *fakeICC) Transmit(_ context.Context, c []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apdus = append(f.apdus, bytes.Clone(c))
	if f.fail {
		return nil, errors.New("card powered off")
	}
	return []byte{0x6F, 0x00, 0x90, 0x00}, nil
}

// countingConn counts the writes of the emulator's side.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func frame(t *testing.T, p []byte) []byte {
	t.Helper()
	b, err := AppendMessage(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeProtocol(t *testing.T) {
	vp, emu := net.Pipe()
	cc := &countingConn{Conn: emu}
	icc := &fakeICC{}
	var st Stats
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), cc, icc, WithStats(&st)) }()

	send := func(p ...byte) { vp.Write(frame(t, p)) }
	recv := func() []byte {
		m, err := ReadMessage(vp, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	send(CtrlPowerOn)
	send(CtrlATR)
	if got := recv(); !bytes.Equal(got, icc.ATR()) {
		t.Fatalf("ATR %X", got)
	}
	send(0x00, 0xA4, 0x04, 0x00, 0x00)
	if got := recv(); !bytes.Equal(got, []byte{0x6F, 0x00, 0x90, 0x00}) {
		t.Fatalf("R-APDU %X", got)
	}
	send(CtrlReset)
	send(0x03) // unknown control: ignored, no answer
	send(CtrlPowerOff)
	icc.mu.Lock()
	icc.fail = true
	icc.mu.Unlock()
	send(0x00, 0xB2, 0x01, 0x0C, 0x00)
	if got := recv(); !bytes.Equal(got, []byte{0x6F, 0x00}) {
		t.Fatalf("R-APDU of a failing card %X, want 6F00", got)
	}
	vp.Close()
	if err := <-done; !errors.Is(err, ErrDisconnected) {
		t.Fatalf("Serve after vpcd closed: %v, want ErrDisconnected", err)
	}
	if icc.resets != 2 || icc.closes != 1 || len(icc.apdus) != 2 {
		t.Errorf("resets %d closes %d apdus %d, want 2 1 2", icc.resets, icc.closes, len(icc.apdus))
	}
	if st.APDUs.Load() != 2 || st.ATRs.Load() != 1 || st.PowerOns.Load() != 1 || st.Resets.Load() != 1 || st.PowerOffs.Load() != 1 {
		t.Errorf("stats %d APDUs %d ATRs", st.APDUs.Load(), st.ATRs.Load())
	}
	// One write per answer: ATR and two R-APDUs.
	if cc.writes != 3 {
		t.Errorf("%d writes for 3 answers", cc.writes)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	vp, emu := net.Pipe()
	defer vp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, emu, &fakeICC{}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

func TestReadMessage(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want []byte
		err  error
	}{
		{[]byte{0, 1, 4}, []byte{4}, nil},
		{[]byte{0, 0}, []byte{}, nil},
		{[]byte{0, 3, 1, 2}, nil, io.ErrUnexpectedEOF},
		{[]byte{0}, nil, io.ErrUnexpectedEOF},
		{nil, nil, io.EOF},
	} {
		got, err := ReadMessage(bytes.NewReader(tc.in), nil)
		if !errors.Is(err, tc.err) || (err == nil && !bytes.Equal(got, tc.want)) {
			t.Errorf("ReadMessage(%X) = %X %v, want %X %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := AppendMessage(nil, make([]byte, MaxMessage+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("AppendMessage of 65536 bytes: %v", err)
	}
}

// TestRunReconnects plays vpcd: it accepts the card, drops it (pcscd
// restarting), and accepts it again.
func TestRunReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, ln.Addr().String(), &fakeICC{}, WithRetry(10*time.Millisecond)) }()
	for i := 0; i < 2; i++ {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c.Write(frame(t, []byte{CtrlATR}))
		if m, err := ReadMessage(c, nil); err != nil || len(m) != 4 {
			t.Fatalf("connection %d: ATR %X %v", i, m, err)
		}
		c.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// FuzzReadMessage: any byte stream gives messages or an error, never a
// panic, and a message read back is the one framed.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte{0, 1, 4})
	f.Add([]byte{0, 5, 0, 0xA4, 4, 0, 0, 0, 1})
	f.Add([]byte{0xFF, 0xFF, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for {
			m, err := ReadMessage(r, nil)
			if err != nil {
				return
			}
			b, err := AppendMessage(nil, m)
			if err != nil || len(b) != len(m)+2 {
				t.Fatalf("re-framing %X: %X %v", m, b, err)
			}
		}
	})
}

func TestSlotLock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	addr := ln.Addr().String()
	s1, err := Insert(context.Background(), addr, &fakeICC{})
	if err != nil {
		t.Fatal(err)
	}
	if _, busy, _ := lockSlot(addr); !busy {
		t.Fatal("slot not locked while a card is in it")
	}
	if _, err := Insert(context.Background(), addr, &fakeICC{}, WithSlotWait(100*time.Millisecond)); !errors.Is(err, ErrSlotBusy) {
		t.Fatalf("second card in the slot: %v, want ErrSlotBusy", err)
	}
	released := make(chan error, 1)
	go func() {
		s2, err := Insert(context.Background(), addr, &fakeICC{})
		if err == nil {
			s2.Remove()
		}
		released <- err
	}()
	time.Sleep(100 * time.Millisecond)
	s1.Remove()
	if err := <-released; err != nil {
		t.Fatalf("insert after removal: %v", err)
	}
}
