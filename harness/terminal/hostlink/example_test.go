package hostlink_test

import (
	"bufio"
	"context"
	"fmt"
	"net"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/harness/terminal/hostlink"
)

// host is a minimal acquirer: it answers every request with DE 39 00.
func host(ln net.Listener) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		fr, err := iso8583.DefaultFraming.Read(r)
		if err != nil {
			return
		}
		req, err := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		if err != nil {
			return
		}
		mti, _ := req.MTI.Response()
		resp := iso8583.NewMessage(iso8583.ISO1987, mti)
		for _, n := range []int{3, 4, 7, 11, 41, 70} {
			if v, ok := req.GetString(n); ok {
				resp.SetString(n, v)
			}
		}
		resp.SetString(37, "000000000001")
		resp.SetString(39, "00")
		b, _ := resp.Pack()
		iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b)
	}
}

func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go host(ln)

	ctx := context.Background()
	link, err := hostlink.Dial(ctx, ln.Addr().String(), hostlink.WithTerminal("TERM0001", "MERCHANT0000001"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer link.Close()
	if err := link.SignOn(ctx); err != nil {
		fmt.Println(err)
		return
	}
	// What the kernel sends online (EMV Book 3, 10.9); a kernel built with
	// terminal.WithAuthorizer(link) calls Authorize itself.
	resp, err := link.Authorize(ctx, terminal.AuthRequest{Data: emv.TagValues{
		emv.TagPAN:          {0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19},
		emv.TagAmount:       {0x00, 0x00, 0x00, 0x00, 0x10, 0x00},
		emv.TagCurrencyCode: {0x09, 0x78},
		emv.TagCryptogram:   {1, 2, 3, 4, 5, 6, 7, 8},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, ARC %s\n", resp.Decision, resp.ARC[:])
	for _, e := range link.Transcript() {
		fmt.Println(e.Dir, e.MTI, e.STAN)
	}
	// Output:
	// approved, ARC 00
	// sent 0800 000001
	// received 0810 000001
	// sent 0200 000002
	// received 0210 000002
}
