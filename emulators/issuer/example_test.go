package issuer_test

import (
	"fmt"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/iso8583"
)

func ExampleIssuer_Handle() {
	is := issuer.New(issuer.WithAccounts(issuer.Account{PAN: "4761739001010010", Balance: 5000, Status: issuer.Active}))
	req := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0200"))
	req.SetString(2, "4761739001010010")
	req.SetString(3, "000000")
	req.SetString(4, "000000001234")
	req.SetString(11, "000001")
	b, _ := req.Pack()
	out, _ := is.Handle(b)
	resp, _ := iso8583.Unpack(iso8583.ISO1987, out)
	code, _ := resp.GetString(39)
	fmt.Println(resp.MTI, code, is.Ledger()["4761739001010010"])
	// Output: 0210 00 3766
}
