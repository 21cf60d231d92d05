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

// A balance inquiry against the test issuer's fixture accounts.
func ExampleLoadConfig() {
	cfg, err := issuer.LoadConfig("test-issuer")
	if err != nil {
		fmt.Println(err)
		return
	}
	is := issuer.New(issuer.WithConfig(cfg))
	req := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0100"))
	req.SetString(2, "4761739009020011")
	req.SetString(3, "310000")
	req.SetString(11, "000001")
	req.SetString(37, "000000000001")
	b, _ := req.Pack()
	out, _ := is.Handle(b)
	resp, _ := iso8583.Unpack(iso8583.ISO1987, out)
	code, _ := resp.GetString(39)
	de54, _ := resp.GetString(54)
	fmt.Println(resp.MTI, code, de54)
	// Output: 0110 00 0002978C000000000500
}
