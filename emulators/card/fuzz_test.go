package card

import (
	"context"
	"testing"
)

// FuzzTransmit sends random APDU sequences (each APDU prefixed by its length
// byte) to a selected card after GPO: the card must never panic and must
// always answer with at least a status word.
func FuzzTransmit(f *testing.F) {
	for _, s := range []string{
		"0500A4040000", "0580CA9F3600", "0500B2010C00", "0580AE800000", "050084000000",
		"0E0020008008241234FFFFFFFFFF", "0F008200000A00000000000000000000",
		"0D841E0000080000000000000000", "0500C0000000", "0200A4", "00",
		"0580AE900000" + "0E80A8000006830400560978" + "00",
	} {
		f.Add(mustHex(s))
	}
	c, p := openCard(f, "visa-cda-online", WithFault(Fault{INS: 0xB2, Occurrence: 3, GetResponse: true}))
	aid := mustHex(p.Apps[0].AID)
	sel := append(append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(aid))}, aid...), 0x00)
	gpo := mustHex("80A800000683040056097800")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, in []byte) {
		c.Reset()
		for _, a := range [][]byte{sel, gpo} {
			if _, err := c.Transmit(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		for len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			apdu := in[1 : 1+n]
			in = in[1+n:]
			r, err := c.Transmit(ctx, apdu)
			if err != nil {
				t.Fatalf("Transmit error: %v", err)
			}
			if len(r) < 2 {
				t.Fatalf("response % X without a status word", r)
			}
		}
	})
}
