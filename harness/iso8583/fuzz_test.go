package iso8583

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Fuzz targets, one per decoder. Their seed corpora live in
// testdata/fuzz/FuzzXxx (written by TestFuzzSeeds with -update) and run as
// ordinary tests; `go test -fuzz FuzzUnpack ./harness/iso8583` explores.

// FuzzUnpack decodes arbitrary bytes with every test dialect. Whatever
// decodes must pack again, and the packed form must decode to the same
// fields; describing it must not panic.
func FuzzUnpack(f *testing.F) {
	dialects := testDialects(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range dialects {
			m, err := Unpack(d, data)
			if err != nil {
				continue
			}
			_ = m.String()
			if d.fields[55].tlv {
				_, _ = m.GetTLV(55)
			}
			packed, err := m.Pack()
			if err != nil {
				t.Fatalf("%s: unpacked message does not pack: %v", d.Name(), err)
			}
			back, err := Unpack(d, packed)
			if err != nil {
				t.Fatalf("%s: packed message does not unpack: %v", d.Name(), err)
			}
			if back.MTI != m.MTI || fmt.Sprint(back.Fields()) != fmt.Sprint(m.Fields()) {
				t.Fatalf("%s: %s %v became %s %v", d.Name(), m.MTI, m.Fields(), back.MTI, back.Fields())
			}
			for _, n := range m.Fields() {
				a, _ := m.GetBytes(n)
				b, _ := back.GetBytes(n)
				if !bytes.Equal(a, b) {
					t.Fatalf("%s: field %d changed", d.Name(), n)
				}
			}
		}
	})
}

// FuzzReadFrame reads frames from an arbitrary stream with each framing.
// Read and Split must agree, and a frame must re-encode to its own bytes.
func FuzzReadFrame(f *testing.F) {
	framings := []Framing{DefaultFraming, {Header: Binary2, TPDU: true}, {Header: ASCII4}, {Header: ASCII4, TPDU: true}, {Header: Binary2, MaxLen: 512}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fr := range framings {
			r := bytes.NewReader(data)
			rest := data
			for {
				got, err := fr.Read(r)
				sgot, srest, serr := fr.Split(rest)
				if err != nil {
					if serr == nil {
						t.Fatalf("%s: Read failed (%v) where Split did not", fr, err)
					}
					break
				}
				if serr != nil || !bytes.Equal(got.Message, sgot.Message) || got.TPDU != sgot.TPDU {
					t.Fatalf("%s: Read and Split disagree (%v)", fr, serr)
				}
				re, err := fr.Append(nil, got.TPDU, got.Message)
				if err != nil {
					t.Fatalf("%s: frame does not re-encode: %v", fr, err)
				}
				if len(got.Message) > 0 || !fr.TPDU {
					if !bytes.Equal(re, rest[:len(rest)-len(srest)]) {
						t.Fatalf("%s: re-encoded frame differs", fr)
					}
				}
				rest = srest
			}
		}
	})
}

// FuzzSpecLoad compiles arbitrary YAML and JSON specs. A spec that compiles
// must yield a dialect that packs an empty message and decodes without
// panicking.
func FuzzSpecLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		d, err := LoadDialect(name, data)
		if err != nil {
			return
		}
		m := NewMessage(d, versionMTI(d))
		packed, err := m.Pack()
		if err != nil {
			t.Fatalf("empty message does not pack: %v", err)
		}
		if _, err := Unpack(d, packed); err != nil {
			t.Fatalf("empty message does not unpack: %v", err)
		}
		_, _ = Unpack(d, data)
		_ = m.Validate()
		_ = m.String()
	})
}

// FuzzSetPack sets one field of the default dialect from an arbitrary
// string. What SetString accepts must pack and unpack to the same value.
func FuzzSetPack(f *testing.F) {
	f.Fuzz(func(t *testing.T, n int, s string) {
		m := NewMessage(ISO1987, MustMTI("0100"))
		if err := m.SetString(n, s); err != nil {
			return
		}
		packed, err := m.Pack()
		if err != nil {
			t.Fatalf("field %d: accepted value does not pack: %v", n, err)
		}
		back, err := Unpack(ISO1987, packed)
		if err != nil {
			t.Fatalf("field %d: packed value does not unpack: %v", n, err)
		}
		a, _ := m.GetBytes(n)
		b, _ := back.GetBytes(n)
		if !bytes.Equal(a, b) {
			t.Fatalf("field %d: %q became %q", n, a, b)
		}
	})
}

// corpusLine encodes one fuzz argument as the corpus file format does.
func corpusLine(v any) string {
	switch x := v.(type) {
	case []byte:
		return "[]byte(" + strconv.Quote(string(x)) + ")"
	case string:
		return "string(" + strconv.Quote(x) + ")"
	case bool:
		return "bool(" + strconv.FormatBool(x) + ")"
	case int:
		return "int(" + strconv.Itoa(x) + ")"
	}
	panic(fmt.Sprintf("corpus value %T", v))
}

func writeSeed(t *testing.T, target, name string, args ...any) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := []string{"go test fuzz v1"}
	for _, a := range args {
		lines = append(lines, corpusLine(a))
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFuzzSeeds writes the seed corpora from the golden messages and specs
// when run with -update; otherwise it checks that they are there.
func TestFuzzSeeds(t *testing.T) {
	if !*update {
		for _, target := range []string{"FuzzUnpack", "FuzzReadFrame", "FuzzSpecLoad", "FuzzSetPack"} {
			entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", target))
			if err != nil || len(entries) == 0 {
				t.Errorf("no seed corpus for %s (run with -update): %v", target, err)
			}
		}
		return
	}
	for _, gc := range goldenCases(t) {
		m := gc.build(t, gc.d)
		packed, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, "FuzzUnpack", gc.name, packed)
		writeSeed(t, "FuzzUnpack", gc.name+"-truncated", packed[:len(packed)*2/3])
		framed, err := gc.framing.Append(nil, gc.tpdu, packed)
		if err != nil {
			t.Fatal(err)
		}
		two := append(append([]byte(nil), framed...), framed...)
		writeSeed(t, "FuzzReadFrame", gc.name, two)
	}
	writeSeed(t, "FuzzReadFrame", "keep-alive", []byte{0, 0, 0, 0})
	writeSeed(t, "FuzzReadFrame", "ascii-header", []byte("0005hello0003abc"))
	// Small specs: the fuzzer mutates and minimizes them quickly (the full
	// spec files in testdata/specs are tens of kilobytes).
	writeSeed(t, "FuzzSpecLoad", "bcd", []byte(`name: bcd
version: 1987
mti: bcd
bitmap: binary
defaults: {numeric: bcd, text: ascii, binary: binary, prefix: bcd}
fields:
  2:  {name: PAN, type: n, length: 19, prefix: LL, pad: right, mask: pan}
  28: {name: Fee, type: "x+n", length: 8}
  35: {name: Track 2, type: z, length: 37, prefix: LL, mask: all}
  55: {name: ICC, type: b, length: 255, prefix: LLL, tlv: true}
mandatory: {"0200": [2, 35]}
`), false)
	writeSeed(t, "FuzzSpecLoad", "hex.json", []byte(`{"name": "hex", "bitmap": "ascii", "defaults": {"binary": "ascii"},
 "fields": {"48": {"type": "ans", "length": 999, "prefix": "LLL", "prefix_encoding": "binary"},
  "52": {"type": "b", "length": 8, "mask": "all"}, "120": {"type": "ans", "length": 9999, "prefix": "LLLL"}},
 "mandatory": {"0800": [48]}}`), true)
	writeSeed(t, "FuzzSpecLoad", "minimal", []byte("name: x\nversion: 1993\nfields: {2: {type: n, length: 19, prefix: LL, encoding: bcd}}\nmandatory: {\"1100\": [2]}\n"), false)
	for i, s := range []struct {
		n int
		v string
	}{{2, typicalPAN}, {4, "1000"}, {35, typicalTrack2}, {41, "T1"}, {52, "0123456789ABCDEF"}, {28, "C00000100"}, {55, "9F02060000000010009F2701 80"}, {70, "301"}, {1, "x"}} {
		writeSeed(t, "FuzzSetPack", "seed-"+strconv.Itoa(i), s.n, s.v)
	}
}
