package issuer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
)

// Start returns a new issuer (New(opts...)) listening on addr
// ("127.0.0.1:0" picks a free port; Addr tells which) and serving in the
// background until ctx ends or Close.
func Start(ctx context.Context, addr string, opts ...Option) (*Issuer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start issuer: %w", err)
	}
	is := New(opts...)
	if err := is.addListener(ln); err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { is.Close() })
	go is.accept(ln)
	return is, nil
}

// ListenAndServe listens on addr and serves until ctx ends.
func (is *Issuer) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen issuer: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	return is.Serve(ln)
}

// Addr returns the address of the first listener, nil before Serve.
func (is *Issuer) Addr() net.Addr {
	is.lnMu.Lock()
	defer is.lnMu.Unlock()
	if len(is.lns) == 0 {
		return nil
	}
	return is.lns[0].Addr()
}

// Serve accepts connections on ln, one reader and one writer goroutine
// each, until ln closes.
func (is *Issuer) Serve(ln net.Listener) error {
	if err := is.addListener(ln); err != nil {
		return err
	}
	return is.accept(ln)
}

func (is *Issuer) addListener(ln net.Listener) error {
	is.lnMu.Lock()
	defer is.lnMu.Unlock()
	if is.closed {
		ln.Close()
		return net.ErrClosed
	}
	is.lns = append(is.lns, ln)
	return nil
}

func (is *Issuer) accept(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept connection: %w", err)
		}
		is.lnMu.Lock()
		if is.closed {
			is.lnMu.Unlock()
			c.Close()
			return nil
		}
		is.conns[c] = struct{}{}
		is.wg.Add(2)
		is.lnMu.Unlock()
		w := &connWriter{c: c, ch: make(chan outFrame, 256), done: make(chan struct{}), framing: is.framing}
		go func() { defer is.wg.Done(); w.run() }()
		go is.serveConn(c, w)
	}
}

// Close stops the listeners, closes the connections and waits for their
// goroutines. Delayed answers still pending are dropped.
func (is *Issuer) Close() error {
	is.lnMu.Lock()
	is.closed = true
	for _, ln := range is.lns {
		ln.Close()
	}
	for c := range is.conns {
		c.Close()
	}
	is.lnMu.Unlock()
	is.wg.Wait()
	return nil
}

type outFrame struct {
	tpdu iso8583.TPDU
	msg  []byte
}

// connWriter serialises the answers of one connection, coalescing those
// that are ready together into one write.
type connWriter struct {
	c       net.Conn
	ch      chan outFrame
	done    chan struct{}
	framing iso8583.Framing
}

func (w *connWriter) send(f outFrame) {
	select {
	case w.ch <- f:
	case <-w.done:
	}
}

func (w *connWriter) run() {
	bw := bufio.NewWriterSize(w.c, 16<<10)
	var buf []byte
	for {
		select {
		case <-w.done:
			return
		case f := <-w.ch:
			for {
				var err error
				if buf, err = w.framing.Append(buf[:0], f.tpdu, f.msg); err == nil {
					_, err = bw.Write(buf)
				}
				if err != nil {
					w.c.Close()
					return
				}
				if len(w.ch) == 0 {
					break
				}
				f = <-w.ch
			}
			if bw.Flush() != nil {
				w.c.Close()
				return
			}
		}
	}
}

// serveConn reads requests and answers each as soon as it is processed:
// pipelined requests are matched by the peer on DE 11 and DE 41, so a
// delayed answer (a Delay fault) is written later by a timer without
// holding up the ones behind it.
func (is *Issuer) serveConn(c net.Conn, w *connWriter) {
	defer func() {
		close(w.done)
		c.Close()
		is.lnMu.Lock()
		delete(is.conns, c)
		is.lnMu.Unlock()
		is.wg.Done()
	}()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		fr, err := is.framing.Read(br)
		if err != nil {
			return
		}
		if len(fr.Message) == 0 {
			continue // keep-alive
		}
		out, f, err := is.handle(fr.Message)
		if f.Drop {
			return
		}
		if err != nil || f.NoResponse {
			continue // nothing to answer (no MTI, a response) or the answer is "lost"
		}
		of := outFrame{tpdu: fr.TPDU.Reply(), msg: out}
		if f.Delay > 0 {
			time.AfterFunc(f.Delay, func() { w.send(of) })
			continue
		}
		w.send(of)
	}
}
