package card_test

import (
	"context"
	"fmt"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
)

// An emulated card answers SELECT of its application with its FCI.
func Example() {
	c, err := card.Open("visa-cda-online", card.WithSeed(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	apdu, _ := emv.SelectByName([]byte{0xF0, 'T', 'E', 'S', 'T', 0x10, 0x10}, false).Encode()
	r, _ := c.Transmit(context.Background(), apdu)
	fci, _ := emv.Decode(r[:len(r)-2])
	label, _ := emv.Find(fci, 0x50)
	fmt.Printf("SW %X, label %s\n", r[len(r)-2:], label.Value)
	fmt.Println("ATC", c.Snapshot().Apps[0].ATC)
	// Output:
	// SW 9000, label TEST VISA CDA
	// ATC 10
}
