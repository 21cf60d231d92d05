package hostlink

import (
	"bufio"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
)

// echoHost answers every request at once with DE 39 00, reading and
// writing in batches: the cheapest possible host, so that the figures are
// the link's own cost (build, pack, frame, write, read, unpack, match).
func echoHost(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r, w := bufio.NewReader(c), bufio.NewWriter(c)
				req := iso8583.NewMessage(iso8583.ISO1987, 0)
				resp := iso8583.NewMessage(iso8583.ISO1987, 0)
				var out []byte
				for {
					fr, err := iso8583.DefaultFraming.Read(r)
					if err != nil {
						return
					}
					if err := req.Unpack(fr.Message); err != nil {
						return
					}
					resp.Reset()
					resp.MTI, _ = req.MTI.Response()
					for _, n := range []int{3, 4, 7, 11, 41} {
						if v, ok := req.GetBytes(n); ok {
							resp.SetBytes(n, v)
						}
					}
					resp.SetString(37, "000000000001")
					resp.SetString(39, "00")
					if out, err = resp.AppendPack(out[:0]); err != nil {
						return
					}
					if err := iso8583.DefaultFraming.Write(w, iso8583.TPDU{}, out); err != nil {
						return
					}
					if r.Buffered() == 0 {
						if w.Flush() != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkAuthorize measures one link's authorisations with 8 in flight:
// go test -bench Authorize -benchmem ./harness/terminal/hostlink.
func BenchmarkAuthorize(b *testing.B) {
	addr := echoHost(b)
	l, err := Dial(context.Background(), addr, WithTranscript(0), WithAuthorizationMTI(100), WithTimeout(10*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	req := terminal.AuthRequest{Data: authData("000000001000")}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	work := make(chan struct{}, 64)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if _, err := l.Authorize(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "auth/s")
}
