package acquirer_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/iso8583"
)

// An acquirer routes a Visa BIN to an issuer host; a terminal signs on and
// buys. The answer carries the acquirer's RRN and the issuer's approval;
// the journal holds the masked PAN only.
func Example() {
	is := issuer.New(issuer.WithAccounts(issuer.Account{PAN: "4761739001010010", Balance: 5000, Status: issuer.Active}))
	iln, _ := net.Listen("tcp", "127.0.0.1:0")
	go is.Serve(iln)
	defer is.Close()

	j := journal.NewMemory()
	acq := acquirer.New(j,
		acquirer.WithRoute(acquirer.Route{Name: "visa-test", Scheme: "visa", BINs: []string{"476173"}, Addr: iln.Addr().String()}),
		acquirer.WithIssuerTimeout(2*time.Second),
		acquirer.WithNodeID("A1"),
	)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go acq.Serve(ln)
	defer acq.Close()

	c, _ := net.Dial("tcp", ln.Addr().String())
	defer c.Close()
	roundTrip := func(m *iso8583.Message) *iso8583.Message {
		b, _ := m.Pack()
		iso8583.DefaultFraming.Write(c, iso8583.TPDU{}, b)
		fr, err := iso8583.DefaultFraming.Read(c)
		if err != nil {
			panic(err)
		}
		r, _ := iso8583.Unpack(iso8583.ISO1987, fr.Message)
		return r
	}

	signOn := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	signOn.SetString(7, "1128120000")
	signOn.SetString(11, "000001")
	signOn.SetString(41, "TERM0001")
	signOn.SetString(70, "001")
	r := roundTrip(signOn)
	rc, _ := r.GetString(39)
	fmt.Println(r.MTI, rc)

	buy := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0200"))
	for n, v := range map[int]string{2: "4761739001010010", 3: "000000", 4: "1234", 7: "1128120001",
		11: "000002", 12: "120001", 13: "1128", 22: "051", 41: "TERM0001", 42: "MERCHANT0000001", 49: "978"} {
		buy.SetString(n, v)
	}
	r = roundTrip(buy)
	rc, _ = r.GetString(39)
	rrn, _ := r.GetString(37)
	fmt.Println(r.MTI, rc, len(rrn), rrn[:2])

	t, _ := j.Get(context.Background(), rrn)
	fmt.Println(t.State, t.Kind, t.PANMasked, t.Amount, is.Ledger()["4761739001010010"])
	// Output:
	// 0810 00
	// 0210 00 12 A1
	// approved purchase 476173******0010 1234 3766
}
