package serial

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bug "go.bug.st/serial"

	"github.com/paylab/paylab/harness/device"
)

// Errors callers branch on.
var (
	// ErrTimeout: no complete code arrived within the read timeout.
	ErrTimeout = errors.New("read timeout")
	// ErrClosed: the scanner was closed.
	ErrClosed = errors.New("scanner closed")
	// ErrDisconnected: the port went away and reconnection is disabled.
	ErrDisconnected = errors.New("port disconnected")

	errNoPort = errors.New("port not open")
)

var _ device.Scanner = (*Scanner)(nil)

// Stats counts what the driver has done since Open.
type Stats struct {
	Reads      int64 // reads that returned data
	Bytes      int64 // bytes received
	Codes      int64 // codes returned by Scan
	Reconnects int64 // successful re-opens after the port went away
}

// Scanner is a serial scanner. It implements device.Scanner. Scan must not
// be called concurrently; Close may be called at any time.
type Scanner struct {
	path string
	cfg  config

	scanMu  sync.Mutex // serialises Scan
	framer  framer
	pending []Code

	portMu sync.Mutex
	port   bug.Port
	closed bool

	reads, bytes, codes, reconnects atomic.Int64
}

// Open opens the scanner on path (for example /dev/ttyACM0). The defaults
// are 9600 baud, 8N1, suffix CR; see the With* options.
func Open(path string, opts ...Option) (*Scanner, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("open scanner %s: %w", path, err)
	}
	s := &Scanner{path: path, cfg: cfg}
	s.framer = framer{suffix: []byte(cfg.suffix), prefix: cfg.prefix, aim: cfg.aim}
	p, err := s.openPort()
	if err != nil {
		return nil, fmt.Errorf("open scanner %s: %w", path, err)
	}
	s.port = p
	return s, nil
}

func (s *Scanner) openPort() (bug.Port, error) {
	p, err := bug.Open(s.path, s.cfg.mode())
	if err != nil {
		return nil, err
	}
	if err := p.SetReadTimeout(s.cfg.poll); err != nil {
		p.Close()
		return nil, fmt.Errorf("set read timeout: %w", err)
	}
	return p, nil
}

// Name reports the scanner's name, "serial:" and its path by default.
func (s *Scanner) Name() string {
	if s.cfg.name != "" {
		return s.cfg.name
	}
	return "serial:" + s.path
}

// Path is the port path the scanner was opened on.
func (s *Scanner) Path() string { return s.path }

// Stats returns the driver's counters.
func (s *Scanner) Stats() Stats {
	return Stats{Reads: s.reads.Load(), Bytes: s.bytes.Load(), Codes: s.codes.Load(), Reconnects: s.reconnects.Load()}
}

// Close closes the port; a Scan in progress returns ErrClosed.
func (s *Scanner) Close() error {
	s.portMu.Lock()
	defer s.portMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.port == nil {
		return nil
	}
	err := s.port.Close()
	s.port = nil
	if err != nil {
		return fmt.Errorf("close scanner %s: %w", s.path, err)
	}
	return nil
}

// Scan returns the text of the next code. It implements device.Scanner.
func (s *Scanner) Scan(ctx context.Context) (string, error) {
	c, err := s.ScanCode(ctx)
	return c.Text, err
}

// ScanCode returns the next code with its AIM identifier. It returns
// ErrTimeout after the read timeout (if one was set), the context's error
// when ctx ends, ErrClosed after Close, and ErrDisconnected when the port
// went away and reconnection is disabled. While the port is gone it is
// re-opened with backoff until ctx ends.
func (s *Scanner) ScanCode(ctx context.Context) (Code, error) {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	var deadline time.Time
	if s.cfg.readTimeout > 0 {
		deadline = time.Now().Add(s.cfg.readTimeout)
	}
	buf := make([]byte, 256)
	lastByte := time.Now()
	for {
		if len(s.pending) == 0 {
			if codes, ok := s.framer.next(); ok {
				s.pending = codes
			}
		}
		if len(s.pending) > 0 {
			c := s.pending[0]
			s.pending = s.pending[1:]
			s.codes.Add(1)
			return c, nil
		}
		if err := ctx.Err(); err != nil {
			return Code{}, fmt.Errorf("scan %s: %w", s.path, err)
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return Code{}, fmt.Errorf("scan %s: %w", s.path, ErrTimeout)
		}
		n, err := s.read(buf)
		switch {
		case err == nil:
			s.framer.buf = append(s.framer.buf, buf[:n]...)
			lastByte = time.Now()
		case errors.Is(err, ErrTimeout):
			// A poll elapsed; loop to check ctx and the deadline.
			if s.cfg.idleEnd > 0 && len(s.framer.buf) > 0 && time.Since(lastByte) >= s.cfg.idleEnd {
				s.pending = s.framer.flush()
			}
		case errors.Is(err, ErrClosed):
			return Code{}, fmt.Errorf("scan %s: %w", s.path, ErrClosed)
		default:
			// The port is gone: a partial frame from before the
			// disconnect can never be completed.
			s.framer.reset()
			if !s.cfg.reconnect {
				return Code{}, fmt.Errorf("scan %s: %w: %w", s.path, ErrDisconnected, err)
			}
			if err := s.reconnect(ctx); err != nil {
				return Code{}, fmt.Errorf("scan %s: %w", s.path, err)
			}
		}
	}
}

// read does one poll of the port. go.bug.st/serial returns (0, nil) when
// its read timeout elapses; that becomes ErrTimeout. Any other failure
// means the port is unusable and has been closed.
func (s *Scanner) read(buf []byte) (int, error) {
	s.portMu.Lock()
	p, closed := s.port, s.closed
	s.portMu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	if p == nil {
		// A previous Scan gave up reconnecting when its context ended.
		return 0, errNoPort
	}
	n, err := p.Read(buf)
	if n > 0 {
		s.reads.Add(1)
		s.bytes.Add(int64(n))
		return n, nil
	}
	if err == nil {
		return 0, ErrTimeout
	}
	s.portMu.Lock()
	defer s.portMu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	// Linux reports an unplugged device as EIO, or as readable with no
	// data, which go.bug.st/serial turns into a PortClosed error.
	p.Close()
	s.port = nil
	return 0, fmt.Errorf("read port: %w", err)
}

// reconnect re-opens the same path with exponential backoff until it
// succeeds, ctx ends or the scanner is closed.
func (s *Scanner) reconnect(ctx context.Context) error {
	wait := s.cfg.backoffMin
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("reconnect port: %w", ctx.Err())
		case <-t.C:
		}
		p, err := s.openPort()
		if err == nil {
			s.portMu.Lock()
			if s.closed {
				s.portMu.Unlock()
				p.Close()
				return ErrClosed
			}
			s.port = p
			s.portMu.Unlock()
			s.reconnects.Add(1)
			return nil
		}
		s.portMu.Lock()
		closed := s.closed
		s.portMu.Unlock()
		if closed {
			return ErrClosed
		}
		wait = min(2*wait, s.cfg.backoffMax)
		t.Reset(wait)
	}
}
