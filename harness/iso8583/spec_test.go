package iso8583

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The spec files in testdata are the built-in dialects written as a lab
// would write them; they must describe exactly the Go specs.
func TestSpecFilesMatchBuiltins(t *testing.T) {
	for file, want := range map[string]Spec{
		"iso8583-1987-ascii.yaml": ISO1987Spec(),
		"iso8583-1993-ascii.json": ISO1993Spec(),
	} {
		b, err := os.ReadFile("testdata/specs/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseSpec(file, b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !reflect.DeepEqual(got, want) {
			for n, f := range want.Fields {
				if got.Fields[n] != f {
					t.Errorf("%s: field %d = %+v, want %+v", file, n, got.Fields[n], f)
				}
			}
			if len(got.Fields) != len(want.Fields) {
				t.Errorf("%s: %d fields, want %d", file, len(got.Fields), len(want.Fields))
			}
			t.Fatalf("%s differs from the built-in spec", file)
		}
	}
}

func TestDialectAccessors(t *testing.T) {
	if ISO1987.Name() != "iso8583-1987-ascii" || ISO1993.Name() != "iso8583-1993-ascii" {
		t.Fatalf("names %s %s", ISO1987.Name(), ISO1993.Name())
	}
	if len(Dialects()) != 2 {
		t.Fatalf("Dialects() = %v", Dialects())
	}
	f, ok := ISO1987.Field(35)
	if !ok || f.Type != TypeZ || f.Prefix != LL || f.Length != 37 || f.Mask != MaskAll {
		t.Errorf("field 35 = %+v, %v", f, ok)
	}
	if _, ok := ISO1987.Field(65); ok {
		t.Error("field 65 defined in 1987")
	}
	if _, ok := ISO1987.Field(200); ok {
		t.Error("field 200 defined")
	}
	if got := ISO1987.Mandatory(MustMTI("0800")); !reflect.DeepEqual(got, []int{7, 11, 70}) {
		t.Errorf("mandatory 0800 = %v", got)
	}
	// Spec returns a copy: changing it leaves the dialect alone.
	s := ISO1987.Spec()
	delete(s.Fields, 2)
	s.Mandatory["0800"][0] = 99
	if _, ok := ISO1987.Field(2); !ok || ISO1987.Mandatory(MustMTI("0800"))[0] != 7 {
		t.Error("Spec() shares storage with the dialect")
	}
}

func TestFieldSpecFormat(t *testing.T) {
	tests := []struct {
		f    FieldSpec
		want string
	}{
		{FieldSpec{Type: TypeN, Length: 6}, "n 6"},
		{FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "n..19"},
		{FieldSpec{Type: TypeANS, Length: 999, Prefix: LLL}, "ans...999"},
		{FieldSpec{Type: TypeB, Length: 8}, "b 8"},
		{FieldSpec{Type: TypeXN, Length: 8}, "x+n 8"},
		{FieldSpec{Type: TypeZ, Length: 37, Prefix: LL}, "z..37"},
		{FieldSpec{Type: TypeANS, Length: 9999, Prefix: LLLL}, "ans....9999"},
	}
	for _, tt := range tests {
		if got := tt.f.Format(); got != tt.want {
			t.Errorf("Format(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestEnumText(t *testing.T) {
	for ft := TypeN; ft <= TypeXN; ft++ {
		b, err := ft.MarshalText()
		var back FieldType
		if err != nil || back.UnmarshalText(b) != nil || back != ft {
			t.Errorf("field type %d: %s %v -> %d", ft, b, err, back)
		}
	}
	for _, e := range []Encoding{ASCII, BCD, Binary} {
		b, _ := e.MarshalText()
		var back Encoding
		if back.UnmarshalText(b) != nil || back != e {
			t.Errorf("encoding %s round trip", e)
		}
	}
	for _, p := range []Prefix{Fixed, LL, LLL, LLLL} {
		b, _ := p.MarshalText()
		var back Prefix
		if back.UnmarshalText(b) != nil || back != p {
			t.Errorf("prefix %s round trip", p)
		}
	}
	for _, m := range []Mask{MaskNone, MaskPAN, MaskAll} {
		b, _ := m.MarshalText()
		var back Mask
		if back.UnmarshalText(b) != nil || back != m {
			t.Errorf("mask %s round trip", m)
		}
	}
	for _, p := range []Pad{PadDefault, PadLeft, PadRight} {
		b, _ := p.MarshalText()
		var back Pad
		if back.UnmarshalText(b) != nil || back != p {
			t.Errorf("pad %d round trip", p)
		}
	}
	var e Encoding
	if e.UnmarshalText([]byte("hex")) != nil || e != ASCII {
		t.Error(`"hex" is not ASCII`)
	}
	var (
		ft FieldType
		p  Prefix
		m  Mask
		pd Pad
	)
	for _, err := range []error{
		ft.UnmarshalText([]byte("nx")), e.UnmarshalText([]byte("ebcdic")),
		p.UnmarshalText([]byte("LLLLL")), m.UnmarshalText([]byte("half")), pd.UnmarshalText([]byte("centre")),
	} {
		if !errors.Is(err, ErrSpec) {
			t.Errorf("err = %v, want ErrSpec", err)
		}
	}
	if _, err := FieldType(0).MarshalText(); !errors.Is(err, ErrSpec) {
		t.Error("FieldType(0) marshals")
	}
}

func TestParseSpecStrict(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"unknown.yaml", "name: x\nfeilds: {}\n", "feilds"},
		{"unknown-field-key.yaml", "name: x\nfields: {2: {type: n, length: 6, lenght: 2}}\n", "lenght"},
		{"two.yaml", "name: x\nfields: {2: {type: n, length: 6}}\n---\nname: y\n", "more than one"},
		{"badtype.yaml", "name: x\nfields: {2: {type: q, length: 6}}\n", "field type"},
		{"unknown.json", `{"name": "x", "feilds": {}}`, "feilds"},
		{"trailing.json", `{"name": "x", "fields": {"2": {"type": "n", "length": 6}}} {}`, "after the JSON"},
		{"badenc.json", `{"name": "x", "fields": {"2": {"type": "n", "length": 6, "encoding": "ebcdic"}}}`, "encoding"},
	}
	for _, tt := range tests {
		_, err := ParseSpec(tt.name, []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
	if _, err := LoadDialect("ok.yaml", []byte("name: x\nversion: 1987\nfields: {2: {type: n, length: 6}}\n")); err != nil {
		t.Errorf("minimal spec: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	base := func() Spec {
		return Spec{Name: "t", Version: 1987, Fields: map[int]FieldSpec{2: {Type: TypeN, Length: 19, Prefix: LL}}}
	}
	tests := []struct {
		name string
		edit func(*Spec)
	}{
		{"version", func(s *Spec) { s.Version = 1988 }},
		{"mti binary", func(s *Spec) { s.MTI = Binary }},
		{"bitmap bcd", func(s *Spec) { s.Bitmap = BCD }},
		{"no fields", func(s *Spec) { s.Fields = nil }},
		{"field 1", func(s *Spec) { s.Fields[1] = FieldSpec{Type: TypeB, Length: 8} }},
		{"field 129", func(s *Spec) { s.Fields[129] = FieldSpec{Type: TypeB, Length: 8} }},
		{"field 0", func(s *Spec) { s.Fields[0] = FieldSpec{Type: TypeB, Length: 8} }},
		{"no type", func(s *Spec) { s.Fields[3] = FieldSpec{Length: 6} }},
		{"bad type", func(s *Spec) { s.Fields[3] = FieldSpec{Type: 42, Length: 6} }},
		{"zero length", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN} }},
		{"text bcd", func(s *Spec) { s.Fields[41] = FieldSpec{Type: TypeANS, Length: 8, Encoding: BCD} }},
		{"numeric binary", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, Encoding: Binary} }},
		{"b bcd", func(s *Spec) { s.Fields[52] = FieldSpec{Type: TypeB, Length: 8, Encoding: BCD} }},
		{"tlv on n", func(s *Spec) { s.Fields[55] = FieldSpec{Type: TypeN, Length: 8, TLV: true} }},
		{"pad on ascii", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, Pad: PadRight} }},
		{"bad pad", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 5, Encoding: BCD, Pad: 7} }},
		{"bad prefix", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, Prefix: 9} }},
		{"bad mask", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, Mask: 9} }},
		{"bad prefix encoding", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, Prefix: LL, PrefixEncoding: 9} }},
		{"LL too long", func(s *Spec) { s.Fields[48] = FieldSpec{Type: TypeANS, Length: 100, Prefix: LL} }},
		{"LLL too long", func(s *Spec) { s.Fields[48] = FieldSpec{Type: TypeANS, Length: 1000, Prefix: LLL} }},
		{"min over max", func(s *Spec) { s.Fields[48] = FieldSpec{Type: TypeANS, Length: 10, MinLength: 11, Prefix: LL} }},
		{"min on fixed", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, MinLength: 2} }},
		{"prefix encoding on fixed", func(s *Spec) { s.Fields[3] = FieldSpec{Type: TypeN, Length: 6, PrefixEncoding: BCD} }},
		{"mandatory bad MTI", func(s *Spec) { s.Mandatory = map[string][]int{"01": {2}} }},
		{"mandatory other version", func(s *Spec) { s.Mandatory = map[string][]int{"1100": {2}} }},
		{"mandatory undefined", func(s *Spec) { s.Mandatory = map[string][]int{"0100": {3}} }},
		{"mandatory bitmap", func(s *Spec) { s.Mandatory = map[string][]int{"0100": {1}} }},
		{"mandatory twice", func(s *Spec) { s.Mandatory = map[string][]int{"0100": {2, 2}} }},
	}
	if _, err := Compile(base()); err != nil {
		t.Fatalf("base spec: %v", err)
	}
	for _, tt := range tests {
		s := base()
		tt.edit(&s)
		if _, err := Compile(s); !errors.Is(err, ErrSpec) {
			t.Errorf("%s: err = %v, want ErrSpec", tt.name, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustCompile of a bad spec did not panic")
		}
	}()
	MustCompile(Spec{})
}
