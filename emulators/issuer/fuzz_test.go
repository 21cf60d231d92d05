package issuer

import (
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// fuzzSeeds are well-formed requests of every kind the issuer answers.
func fuzzSeeds(t testing.TB) [][]byte {
	var out [][]byte
	add := func(m *iso8583.Message) {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	add(msg(t, "0200", "000000", "4761739001010119", 1000, "T00000000001"))
	add(msg(t, "0100", "310000", "4761739001010119", -1, "T00000000002"))
	m := msg(t, "0200", "200000", "4761739001010119", 10, "T00000000003")
	m.SetString(62, "orig=T00000000001")
	add(m)
	m = msg(t, "0100", "000000", "5413330089010012", 10, "T00000000004")
	m.SetTLV(55, []emv.TLV{{Tag: emv.TagCryptogram, Value: make([]byte, 8)}, {Tag: emv.TagCID, Value: []byte{0x80}},
		{Tag: emv.TagATC, Value: []byte{0, 1}}, {Tag: emv.TagPANSeq, Value: []byte{1}}})
	add(m)
	m = msg(t, "0400", "000000", "", 1000, "")
	m.SetString(90, "020000000111281200000000000000000000000000")
	add(m)
	m = msg(t, "0200", "000000", "4761739009020086", 10, "T00000000005")
	m.SetBytes(52, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	add(m)
	add(msg(t, "0220", "000000", "4761739001010119", 10, "T00000000006"))
	e := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	e.SetString(7, "1128120000")
	e.SetString(11, "000001")
	e.SetString(70, "301")
	add(e)
	return append(out, []byte("garbage!"), []byte("0200"), nil)
}

// FuzzHandle: any bytes get an answer that unpacks as the response of the
// request, or an error; never a panic, never an answer to a response.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	cfg, err := LoadConfig("test-issuer")
	if err != nil {
		f.Fatal(err)
	}
	is := New(WithConfig(cfg))
	f.Fuzz(func(t *testing.T, req []byte) {
		out, err := is.Handle(req)
		if err != nil {
			return
		}
		in := iso8583.NewMessage(iso8583.ISO1987, 0)
		in.Unpack(req)
		r, err := iso8583.Unpack(iso8583.ISO1987, out)
		if err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		want, err := in.MTI.Response()
		if err != nil || r.MTI != want {
			t.Fatalf("answer MTI %s to request %s", r.MTI, in.MTI)
		}
		if rc, ok := r.GetString(39); !ok || len(rc) != 2 {
			t.Fatalf("no response code")
		}
		if r.Has(52) {
			t.Fatal("a PIN block in the answer")
		}
	})
}
