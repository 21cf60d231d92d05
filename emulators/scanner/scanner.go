//go:build linux

package scanner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Default framing and line speed, those of most scanners out of the box.
const (
	DefaultBaud   = 9600
	DefaultSuffix = "\r"
)

// bitsPerByte is the bit times one byte takes on an 8N1 line.
const bitsPerByte = 10

// ErrUnplugged is returned by the Send methods while the scanner is
// unplugged.
var ErrUnplugged = errors.New("scanner unplugged")

// noise is the line noise SendAfterGarbage emits: control characters and
// bytes that are never valid UTF-8 (0xF8, 0xFE, 0xFF), never the CR, LF or
// Tab a suffix is made of, never XON/XOFF.
var noise = []byte{0x00, 0xFF, 0x02, 0xFE, 0x18, 0xF8, 0x7F, 0x1A, 0x03, 0x1B}

// Config programs the emulated scanner.
type Config struct {
	// Baud paces the output (default 9600).
	Baud int
	// Prefix is sent before each code (default none).
	Prefix string
	// AIM is the AIM symbology identifier sent after the prefix, such as
	// "]Q1" (default none).
	AIM string
	// Suffix ends each code (default CR).
	Suffix string
	// Link, when set, is a path where the emulator keeps a symbolic link
	// to the current slave, stable across Unplug and Replug.
	Link string
}

// Scanner is an emulated serial scanner on a pseudo-terminal. Its methods
// may be called from several goroutines; sends and plug changes are
// serialised.
type Scanner struct {
	cfg Config

	mu     sync.Mutex
	master *os.File
	slave  *os.File
	pts    string
	closed bool
}

// New opens the pseudo-terminal and, if cfg.Link is set, the link to it.
func New(cfg Config) (*Scanner, error) {
	if cfg.Baud == 0 {
		cfg.Baud = DefaultBaud
	}
	if cfg.Suffix == "" {
		cfg.Suffix = DefaultSuffix
	}
	if cfg.Baud < 0 {
		return nil, fmt.Errorf("new scanner: baud %d is negative", cfg.Baud)
	}
	s := &Scanner{cfg: cfg}
	if err := s.plug(); err != nil {
		return nil, fmt.Errorf("new scanner: %w", err)
	}
	return s, nil
}

// Path is the port a driver opens: Config.Link when set, otherwise the
// current slave (which changes on Replug).
func (s *Scanner) Path() string {
	if s.cfg.Link != "" {
		return s.cfg.Link
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pts
}

// PTY is the current slave, /dev/pts/N, or "" while unplugged.
func (s *Scanner) PTY() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pts
}

// ByteTime is the time one byte takes on the line at the configured baud.
func (s *Scanner) ByteTime() time.Duration {
	return time.Duration(bitsPerByte) * time.Second / time.Duration(s.cfg.Baud)
}

// Frame is the bytes Send writes for code.
func (s *Scanner) Frame(code string) []byte {
	return []byte(s.cfg.Prefix + s.cfg.AIM + code + s.cfg.Suffix)
}

// Send writes one code, framed and paced.
func (s *Scanner) Send(ctx context.Context, code string) error {
	return s.send(ctx, "send code", s.Frame(code))
}

// SendRaw writes b paced at the baud rate, without framing.
func (s *Scanner) SendRaw(ctx context.Context, b []byte) error {
	return s.send(ctx, "send bytes", b)
}

// SendSplit writes the first at bytes of the framed code, pauses for gap,
// then writes the rest: a driver sees a partial line first.
func (s *Scanner) SendSplit(ctx context.Context, code string, at int, gap time.Duration) error {
	f := s.Frame(code)
	if at < 0 || at > len(f) {
		return fmt.Errorf("send split code: split at %d outside frame of %d bytes", at, len(f))
	}
	if err := s.send(ctx, "send split code", f[:at]); err != nil {
		return err
	}
	if err := sleep(ctx, gap); err != nil {
		return fmt.Errorf("send split code: %w", err)
	}
	return s.send(ctx, "send split code", f[at:])
}

// SendAfterGarbage writes n bytes of line noise, then the framed code.
func (s *Scanner) SendAfterGarbage(ctx context.Context, code string, n int) error {
	b := make([]byte, 0, n+len(code)+8)
	for i := range n {
		b = append(b, noise[i%len(noise)])
	}
	return s.send(ctx, "send code after garbage", append(b, s.Frame(code)...))
}

// SendTwice writes the same framed code twice, back to back: the double
// read of a scanner that decoded the symbol again before the operator
// moved it away.
func (s *Scanner) SendTwice(ctx context.Context, code string) error {
	f := s.Frame(code)
	return s.send(ctx, "send code twice", append(f, f...))
}

// SendWithoutSuffix writes the code framed without its suffix, as when the
// scanner drops it; the driver only sees the code end when the next one
// starts (with a prefix) or arrives with its own suffix.
func (s *Scanner) SendWithoutSuffix(ctx context.Context, code string) error {
	return s.send(ctx, "send code without suffix", []byte(s.cfg.Prefix+s.cfg.AIM+code))
}

// send writes b to the master, each byte no earlier than its bit-time slot
// counted from the first byte. Bytes already due are written in one call,
// so a high baud rate costs few system calls.
func (s *Scanner) send(ctx context.Context, verb string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("%s: %w", verb, os.ErrClosed)
	}
	if s.master == nil {
		return fmt.Errorf("%s: %w", verb, ErrUnplugged)
	}
	// A write blocks when nobody drains the slave (about 4 KiB queued);
	// cancelling ctx unblocks it through the master's write deadline.
	m := s.master
	_ = m.SetWriteDeadline(time.Time{})
	defer m.SetWriteDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = m.SetWriteDeadline(time.Now()) })
	defer stop()
	bt := s.ByteTime()
	start := time.Now()
	for sent := 0; sent < len(b); {
		due := min(int(time.Since(start)/bt)+1, len(b))
		if due > sent {
			if _, err := m.Write(b[sent:due]); err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				return fmt.Errorf("%s: write pty: %w", verb, err)
			}
			sent = due
			continue
		}
		if err := sleep(ctx, time.Until(start.Add(time.Duration(sent)*bt))); err != nil {
			return fmt.Errorf("%s: %w", verb, err)
		}
	}
	// The last byte's own bit time, so back-to-back sends keep the pace.
	if err := sleep(ctx, time.Until(start.Add(time.Duration(len(b))*bt))); err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Unplug simulates pulling the scanner's USB cable: the master is closed,
// so the driver's reads fail and the slave node disappears, and the link,
// if any, is removed.
func (s *Scanner) Unplug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("unplug scanner: %w", os.ErrClosed)
	}
	return s.unplug()
}

func (s *Scanner) unplug() error {
	var errs []error
	if s.master != nil {
		errs = append(errs, s.master.Close())
		errs = append(errs, s.slave.Close())
		s.master, s.slave, s.pts = nil, nil, ""
	}
	if s.cfg.Link != "" {
		if err := os.Remove(s.cfg.Link); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("unplug scanner: %w", err)
	}
	return nil
}

// Replug simulates plugging the scanner back in: a new pseudo-terminal,
// and the link, if any, pointed at it. Replugging a plugged scanner is a
// no-op.
func (s *Scanner) Replug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("replug scanner: %w", os.ErrClosed)
	}
	if s.master != nil {
		return nil
	}
	if err := s.plug(); err != nil {
		return fmt.Errorf("replug scanner: %w", err)
	}
	return nil
}

// Close unplugs the scanner for good.
func (s *Scanner) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.unplug(); err != nil {
		return fmt.Errorf("close scanner: %w", err)
	}
	return nil
}

// plug opens a pseudo-terminal pair and publishes the slave.
func (s *Scanner) plug() error {
	master, pts, err := openPTY()
	if err != nil {
		return err
	}
	sfd, err := unix.Open(pts, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return fmt.Errorf("open %s: %w", pts, err)
	}
	if err := makeRaw(sfd); err != nil {
		unix.Close(sfd)
		master.Close()
		return fmt.Errorf("set raw mode on %s: %w", pts, err)
	}
	slave := os.NewFile(uintptr(sfd), pts)
	if s.cfg.Link != "" {
		tmp := s.cfg.Link + ".new"
		_ = os.Remove(tmp)
		err := os.Symlink(pts, tmp)
		if err == nil {
			err = os.Rename(tmp, s.cfg.Link)
		}
		if err != nil {
			slave.Close()
			master.Close()
			return fmt.Errorf("link %s: %w", s.cfg.Link, err)
		}
	}
	s.master, s.slave, s.pts = master, slave, pts
	// Discard what the driver writes (a trigger command, say) so that its
	// writes never block; the read ends when the master is closed.
	go func() {
		buf := make([]byte, 256)
		for {
			if _, err := master.Read(buf); err != nil {
				return
			}
		}
	}()
	return nil
}
