package imager_test

import (
	"fmt"

	"github.com/paylab/paylab/emulators/scanner/imager"
)

// Reading the wallet QR sample as an imaging scanner would.
func ExampleDecode() {
	png, err := imager.Sample("wallet-url")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := imager.Decode(png)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.AIM, r.Text)
	// Output: ]Q1 https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB
}
