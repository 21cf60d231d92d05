package acquirer

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// session is what the acquirer knows of one terminal connection: the
// terminals signed on over it (0800 DE 70 001).
type session struct {
	mu     sync.RWMutex
	signed map[string]bool
}

func newSession() *session { return &session{signed: map[string]bool{}} }

func (s *session) signOn(tid string, on bool) {
	s.mu.Lock()
	if on {
		s.signed[tid] = true
	} else {
		delete(s.signed, tid)
	}
	s.mu.Unlock()
}

func (s *session) signedOn(tid string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.signed[tid]
}

// termConn serves one terminal connection: a reader that handles network
// management in line and every other request on its own goroutine (up to
// WithMaxInFlight), so that a connection is never serialised on an issuer
// round trip; and a writer that batches answers into one buffered write.
type termConn struct {
	a    *Acquirer
	c    net.Conn
	s    *session
	out  chan []byte
	done chan struct{}
	sem  chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newTermConn(a *Acquirer, c net.Conn) *termConn {
	return &termConn{
		a: a, c: c, s: newSession(),
		out:  make(chan []byte, 1024),
		done: make(chan struct{}),
		sem:  make(chan struct{}, a.cfg.maxInFlight),
	}
}

// stop makes the reader return; in-flight requests are still answered.
func (tc *termConn) stop() { tc.c.SetReadDeadline(time.Now()) }

func (tc *termConn) serve() {
	wdone := make(chan struct{})
	go func() { defer close(wdone); tc.writeLoop() }()
	tc.readLoop()
	tc.wg.Wait() // answer what is in flight
	tc.once.Do(func() { close(tc.done) })
	<-wdone
	tc.c.Close()
}

func (tc *termConn) readLoop() {
	a := tc.a
	br := bufio.NewReaderSize(tc.c, 32<<10)
	var hdr [2]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isTimeout(err) {
				a.log.Info("terminal connection read", "remote", tc.c.RemoteAddr().String(), "err", err)
			}
			return
		}
		n := int(hdr[0])<<8 | int(hdr[1])
		if n == 0 {
			continue // keep-alive
		}
		if n > a.framing.MaxLen {
			a.log.Warn("terminal frame too long: closing", "remote", tc.c.RemoteAddr().String(), "len", n)
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(br, frame); err != nil {
			a.log.Info("terminal connection ended inside a frame", "remote", tc.c.RemoteAddr().String(), "err", err)
			return
		}
		if isNetworkMgmt(frame) {
			// In line: a sign-on must take effect before the next request.
			out, closeConn := a.handle(a.ctx, tc.s, frame)
			if out != nil {
				tc.send(out)
			}
			if closeConn {
				return
			}
			continue
		}
		tc.sem <- struct{}{}
		tc.wg.Add(1)
		go func() {
			defer func() { <-tc.sem; tc.wg.Done() }()
			out, closeConn := a.handle(a.ctx, tc.s, frame)
			if out != nil {
				tc.send(out)
			}
			if closeConn {
				tc.c.SetReadDeadline(time.Now())
			}
		}()
	}
}

// isNetworkMgmt reports whether a frame's MTI is 08xx.
func isNetworkMgmt(frame []byte) bool {
	return len(frame) >= 4 && frame[0] == '0' && frame[1] == '8'
}

func (tc *termConn) send(b []byte) {
	select {
	case tc.out <- b:
	case <-tc.done:
		putBuf(b)
	}
}

func (tc *termConn) writeLoop() {
	bw := bufio.NewWriterSize(tc.c, 32<<10)
	failed := false
	write := func(b []byte) {
		if !failed {
			if _, err := bw.Write(b); err != nil {
				failed = true
				tc.c.Close() // the reader returns too
			}
		}
		putBuf(b)
	}
	for {
		select {
		case b := <-tc.out:
			write(b)
		drain:
			for {
				select {
				case b := <-tc.out:
					write(b)
				default:
					break drain
				}
			}
			if !failed && bw.Flush() != nil {
				failed = true
				tc.c.Close()
			}
		case <-tc.done:
			for {
				select {
				case b := <-tc.out:
					write(b)
				default:
					if !failed {
						bw.Flush()
					}
					return
				}
			}
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
