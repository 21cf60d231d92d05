package vpcd_test

import (
	"context"
	"fmt"
	"time"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
	"github.com/paylab/paylab/harness/device/pcsc"
)

// A card profile inserted into vpcd's first reader answers any PC/SC
// application; here harness/device/pcsc selects the PSE through pcscd.
func Example() {
	c, err := card.Open("visa-cda-online")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := vpcd.Insert(context.Background(), vpcd.DefaultAddr, c)
	if err != nil {
		fmt.Println(err) // pcscd with vsmartcard-vpcd is not running
		return
	}
	defer s.Remove()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pc, err := pcsc.NewReader("Virtual PCD 00 00").ConnectCard(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pc.Close()
	r, err := pc.Transmit(ctx, []byte("\x00\xA4\x04\x00\x0E1PAY.SYS.DDF01\x00"))
	fmt.Printf("%s: SW %X %v\n", pc.Reader(), r[len(r)-2:], err)
}
