package iso8583_test

import (
	"errors"
	"fmt"

	"github.com/paylab/paylab/harness/iso8583"
)

// Build an authorisation request in the acquirer's default dialect, frame
// it for the wire, and read it back on the other side.
func Example() {
	req := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0100"))
	for n, v := range map[int]string{
		2:  "4761739001010119",
		3:  "000000",
		4:  "1000", // fixed n 12: right-justified with zeros
		7:  "0701123045",
		11: "123456",
		12: "123045",
		13: "0701",
		22: "051",
		35: "4761739001010119=25122011143804400000",
		41: "TERM0001",
		42: "MERCHANT0000012",
		49: "840",
	} {
		if err := req.SetString(n, v); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := req.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	packed, err := req.Pack()
	if err != nil {
		fmt.Println(err)
		return
	}
	wire, _ := iso8583.DefaultFraming.Append(nil, iso8583.TPDU{}, packed)
	fmt.Printf("frame of %d bytes, length header %X\n", len(wire), wire[:2])

	frame, _, err := iso8583.DefaultFraming.Split(wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := iso8583.Unpack(iso8583.ISO1987, frame.Message)
	if err != nil {
		fmt.Println(err)
		return
	}
	amount, _ := got.GetString(4)
	fmt.Println("amount", amount)
	fmt.Print(got) // masked: PAN first six and last four, track 2 hidden
	// Output:
	// frame of 144 bytes, length header 008E
	// amount 000000001000
	// 0100 ISO 8583:1987 authorization request from acquirer (iso8583-1987-ascii)
	// bitmap 7238040020C08000
	// DE   2 n..19     Primary account number (PAN): 476173******0119
	// DE   3 n 6       Processing code: 000000
	// DE   4 n 12      Amount, transaction: 000000001000
	// DE   7 n 10      Transmission date and time: 0701123045
	// DE  11 n 6       Systems trace audit number: 123456
	// DE  12 n 6       Time, local transaction: 123045
	// DE  13 n 4       Date, local transaction: 0701
	// DE  22 n 3       Point of service entry mode: 051
	// DE  35 z..37     Track 2 data: ****
	// DE  41 ans 8     Card acceptor terminal identification: "TERM0001"
	// DE  42 ans 15    Card acceptor identification code: "MERCHANT0000012"
	// DE  49 n 3       Currency code, transaction: 840
}

// A lab describes its network's dialect in YAML; here a packed one with
// BCD numeric fields and prefixes.
func ExampleLoadDialect() {
	spec := []byte(`
name: packed-pos
version: 1987
mti: bcd
defaults: {numeric: bcd, prefix: bcd}
fields:
  2:  {name: "Primary account number (PAN)", type: n, length: 19, prefix: LL, mask: pan}
  3:  {name: "Processing code", type: n, length: 6}
  4:  {name: "Amount, transaction", type: n, length: 12}
  41: {name: "Card acceptor terminal identification", type: ans, length: 8}
mandatory:
  "0200": [3, 4, 41]
`)
	d, err := iso8583.LoadDialect("packed-pos.yaml", spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := iso8583.NewMessage(d, iso8583.MustMTI("0200"))
	_ = m.SetString(2, "476173900101011") // 15 digits: a 0 nibble in front
	_ = m.SetString(3, "000000")
	_ = m.SetString(4, "2500")
	err = m.Validate()
	var fe *iso8583.FieldError
	if errors.As(err, &fe) && errors.Is(err, iso8583.ErrMandatory) {
		fmt.Println("missing field", fe.Field)
	}
	_ = m.SetString(41, "TERM0003")
	packed, err := m.Pack()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%X\n", packed)
	// Output:
	// missing field 41
	// 020070000000008000001504761739001010110000000000000025005445524D30303033
}

func ExampleMTI() {
	req := iso8583.MustMTI("0421")
	resp, _ := req.Response()
	fmt.Println(req.Describe())
	fmt.Println(resp, resp.Describe())
	// Output:
	// ISO 8583:1987 reversal/chargeback advice from acquirer repeat
	// 0430 ISO 8583:1987 reversal/chargeback advice response from acquirer
}
