package hostlink

import (
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// FuzzParseSchemeTotals: DE 63 of an 0510 never panics, and what parses has
// no negative count.
func FuzzParseSchemeTotals(f *testing.F) {
	for _, s := range []string{"visa:D=3/4500,C=1/1000;mastercard:D=2/200", "", "visa", "a:D=1/1;a:D=1/1", "x:C=99999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseSchemeTotals(s)
		if err != nil {
			return
		}
		for k, v := range m {
			if v.Debits < 0 || v.Credits < 0 {
				t.Errorf("%q: scheme %q has negative counts %+v", s, k, v)
			}
		}
	})
}

// FuzzParseAdditionalAmounts: DE 54 never panics.
func FuzzParseAdditionalAmounts(f *testing.F) {
	for _, s := range []string{"0002978C000000012345", "0002978C0000000123450001978D000000000010", "", "0002978X000000012345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseAdditionalAmounts(s)
		if err == nil && len(out) != len(s)/20 {
			t.Errorf("%q: %d blocks", s, len(out))
		}
	})
}

// FuzzMapAuthResponse: whatever 0210 a host sends, mapping it never panics
// and a mapped answer has the response code as its ARC.
func FuzzMapAuthResponse(f *testing.F) {
	m := iso8583.NewMessage(iso8583.ISO1987, 210)
	m.SetString(39, "00")
	m.SetString(38, "123456")
	m.SetTLV(55, []emv.TLV{{Tag: 0x91, Value: []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 0}}, {Tag: 0x72, Value: []byte{0x86, 0x01, 0x00}}})
	b, _ := m.Pack()
	f.Add(b)
	f.Add([]byte("0210"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := iso8583.Unpack(iso8583.ISO1987, b)
		if err != nil {
			return
		}
		resp, _, err := mapAuthResponse(m)
		if err != nil {
			return
		}
		if rc, _ := m.GetString(39); rc != string(resp.ARC[:]) {
			t.Errorf("ARC %q, DE 39 %q", resp.ARC, rc)
		}
	})
}
