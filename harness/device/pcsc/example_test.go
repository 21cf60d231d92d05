package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paylab/paylab/harness/device/pcsc"
)

// List the readers, wait for a card in the first one and select the PSE
// (EMV Book 1, 12.2.2); 61xx and 6Cxx are resolved by the driver.
func Example() {
	names, err := pcsc.Readers()
	if errors.Is(err, pcsc.ErrNoService) || len(names) == 0 {
		fmt.Println("no PC/SC reader:", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pcsc.NewReader(names[0], pcsc.WithProtocol(pcsc.T0)).ConnectCard(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.Identity()) // reader, ATR, protocol: what a report records
	r, err := c.Transmit(ctx, []byte("\x00\xA4\x04\x00\x0E1PAY.SYS.DDF01\x00"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("SW %X\n", r[len(r)-2:])
}
