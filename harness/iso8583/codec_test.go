package iso8583

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/bits"
	"reflect"
	"strings"
	"testing"
)

// oneField compiles a dialect holding only field 2 with spec f.
func oneField(tb testing.TB, f FieldSpec) *Dialect {
	tb.Helper()
	d, err := Compile(Spec{Name: "one", Version: 1987, Fields: map[int]FieldSpec{2: f}})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// header is the MTI 0100 and a primary bitmap with only field 2, as ISO1987
// and oneField dialects encode them.
const header = "30313030" + "4000000000000000"

// Wire forms of single fields. The BCD rules are those of packed numeric
// ISO 8583 (an odd count of digits gets a 0 nibble on the left, LL and LLL
// prefixes are one and two BCD bytes), as published for example in
// Elavon's EISOP "Data Encoding and Representation"; track 2 characters
// pack as their ISO/IEC 7813 4-bit codes ('=' is D).
func TestFieldWireForms(t *testing.T) {
	tests := []struct {
		name  string
		f     FieldSpec
		value string // as given to SetString
		canon string // canonical value after SetString
		wire  string // hex of prefix and value
	}{
		{"n fixed ascii, justified", FieldSpec{Type: TypeN, Length: 6}, "123", "000123", "303030313233"},
		{"n LL ascii", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "4761739001010119", "4761739001010119", "3136" + hex.EncodeToString([]byte("4761739001010119"))},
		{"n LL ascii empty", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "", "", "3030"},
		{"n LLL ascii", FieldSpec{Type: TypeN, Length: 104, Prefix: LLL}, "42", "42", "3030323432"},
		{"n LLLL ascii", FieldSpec{Type: TypeN, Length: 9999, Prefix: LLLL}, "7", "7", "3030303137"},
		{"n fixed bcd odd", FieldSpec{Type: TypeN, Length: 3, Encoding: BCD}, "051", "051", "0051"},
		{"n fixed bcd even", FieldSpec{Type: TypeN, Length: 12, Encoding: BCD}, "1000", "000000001000", "000000001000"},
		{"n LL bcd", FieldSpec{Type: TypeN, Length: 19, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD}, "4761739001010119", "4761739001010119", "164761739001010119"},
		{"n LL bcd odd left", FieldSpec{Type: TypeN, Length: 19, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD}, "476173900101011", "476173900101011", "150476173900101011"},
		{"n LL bcd odd right", FieldSpec{Type: TypeN, Length: 19, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD, Pad: PadRight}, "476173900101011", "476173900101011", "15476173900101011F"},
		{"n LLL bcd", FieldSpec{Type: TypeN, Length: 999, Prefix: LLL, Encoding: BCD, PrefixEncoding: BCD}, "12345", "12345", "0005012345"},
		{"n LL binary prefix", FieldSpec{Type: TypeN, Length: 19, Prefix: LL, PrefixEncoding: Binary}, "12", "12", "023132"},
		{"n LLL binary prefix", FieldSpec{Type: TypeN, Length: 999, Prefix: LLL, PrefixEncoding: Binary}, "12", "12", "00023132"},
		{"z LL ascii", FieldSpec{Type: TypeZ, Length: 37, Prefix: LL}, "476173=2512", "476173=2512", "3131" + hex.EncodeToString([]byte("476173=2512"))},
		{"z LL bcd", FieldSpec{Type: TypeZ, Length: 37, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD},
			"4761739001010119=25122011143804400000", "4761739001010119=25122011143804400000", "374761739001010119D25122011143804400000F"},
		{"z LL bcd even", FieldSpec{Type: TypeZ, Length: 37, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD}, "12=4", "12=4", "0412D4"},
		{"x+n ascii", FieldSpec{Type: TypeXN, Length: 8}, "C00000100", "C00000100", hex.EncodeToString([]byte("C00000100"))},
		{"x+n bcd", FieldSpec{Type: TypeXN, Length: 8, Encoding: BCD}, "D00000100", "D00000100", "4400000100"},
		{"x+n bcd odd", FieldSpec{Type: TypeXN, Length: 7, Encoding: BCD}, "C1234567", "C1234567", "4301234567"},
		{"b binary", FieldSpec{Type: TypeB, Length: 8}, "0123456789ABCDEF", "\x01\x23\x45\x67\x89\xAB\xCD\xEF", "0123456789ABCDEF"},
		{"b hex", FieldSpec{Type: TypeB, Length: 8, Encoding: ASCII}, "0123456789abcdef", "\x01\x23\x45\x67\x89\xAB\xCD\xEF", hex.EncodeToString([]byte("0123456789ABCDEF"))},
		{"b LLL binary", FieldSpec{Type: TypeB, Length: 999, Prefix: LLL}, "9F0206000000001000", "\x9F\x02\x06\x00\x00\x00\x00\x10\x00", "303039" + "9F0206000000001000"},
		{"b LL binary prefix", FieldSpec{Type: TypeB, Length: 48, Prefix: LL, PrefixEncoding: Binary}, "CAFE", "\xCA\xFE", "02CAFE"},
		{"ans fixed, justified", FieldSpec{Type: TypeANS, Length: 8}, "TERM01", "TERM01  ", hex.EncodeToString([]byte("TERM01  "))},
		{"an fixed", FieldSpec{Type: TypeAN, Length: 2}, "00", "00", "3030"},
		{"a fixed", FieldSpec{Type: TypeA, Length: 3}, "USD", "USD", "555344"},
		{"ns LL", FieldSpec{Type: TypeNS, Length: 28, Prefix: LL}, "12-34", "12-34", "3035" + hex.EncodeToString([]byte("12-34"))},
		{"as fixed", FieldSpec{Type: TypeAS, Length: 4}, "A-B", "A-B ", hex.EncodeToString([]byte("A-B "))},
		{"s fixed", FieldSpec{Type: TypeS, Length: 2}, "*/", "*/", "2A2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := oneField(t, tt.f)
			m := NewMessage(d, MustMTI("0100"))
			if err := m.SetString(2, tt.value); err != nil {
				t.Fatalf("SetString: %v", err)
			}
			if v, _ := m.GetBytes(2); string(v) != tt.canon {
				t.Errorf("canonical %q, want %q", v, tt.canon)
			}
			packed, err := m.Pack()
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			got := strings.ToUpper(hex.EncodeToString(packed))
			if want := strings.ToUpper(header + tt.wire); got != want {
				t.Fatalf("packed %s, want %s", got, want)
			}
			back, err := Unpack(d, packed)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if v, _ := back.GetBytes(2); string(v) != tt.canon {
				t.Errorf("unpacked %q, want %q", v, tt.canon)
			}
		})
	}
}

// Malformed wire forms of field 2, each with the cause Unpack must name.
func TestFieldReadErrors(t *testing.T) {
	nLLbcd := FieldSpec{Type: TypeN, Length: 19, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD}
	tests := []struct {
		name string
		f    FieldSpec
		wire string
		want error
	}{
		{"ascii prefix not digits", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "3A31", ErrPrefix},
		{"ascii prefix short", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "31", ErrShort},
		{"length over max", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "3230" + strings.Repeat("31", 20), ErrLength},
		{"length under min", FieldSpec{Type: TypeN, Length: 19, MinLength: 12, Prefix: LL}, "3131" + strings.Repeat("31", 11), ErrLength},
		{"value short", FieldSpec{Type: TypeN, Length: 19, Prefix: LL}, "3136" + strings.Repeat("31", 15), ErrShort},
		{"fixed short", FieldSpec{Type: TypeN, Length: 6}, "3132", ErrShort},
		{"n not digit", FieldSpec{Type: TypeN, Length: 6}, "313233343541", ErrCharset},
		{"an with symbol", FieldSpec{Type: TypeAN, Length: 2}, "302A", ErrCharset},
		{"an leading space", FieldSpec{Type: TypeAN, Length: 2}, "2030", ErrCharset},
		{"ans control char", FieldSpec{Type: TypeANS, Length: 2}, "4109", ErrCharset},
		{"ans high byte", FieldSpec{Type: TypeANS, Length: 2}, "41C3", ErrCharset},
		{"z letter", FieldSpec{Type: TypeZ, Length: 37, Prefix: LL}, "3032" + "3144", ErrCharset},
		{"x+n bad sign", FieldSpec{Type: TypeXN, Length: 2}, "583132", ErrCharset},
		{"bcd prefix nibble", nLLbcd, "1A", ErrPrefix},
		{"bcd prefix short", nLLbcd, "", ErrShort},
		{"bcd digit nibble", nLLbcd, "02" + "1A", ErrCharset},
		{"bcd left pad not 0", nLLbcd, "03" + "F123", ErrCharset},
		{"bcd right pad", FieldSpec{Type: TypeN, Length: 19, Prefix: LL, Encoding: BCD, PrefixEncoding: BCD, Pad: PadRight}, "03" + "123A", ErrCharset},
		{"bcd LLL first nibble", FieldSpec{Type: TypeN, Length: 999, Prefix: LLL, Encoding: BCD, PrefixEncoding: BCD}, "1000", ErrPrefix},
		{"x+n bcd sign", FieldSpec{Type: TypeXN, Length: 2, Encoding: BCD}, "5812", ErrCharset},
		{"hex b bad char", FieldSpec{Type: TypeB, Length: 2, Encoding: ASCII}, "30314733", ErrCharset},
		{"binary prefix over max", FieldSpec{Type: TypeB, Length: 48, Prefix: LL, PrefixEncoding: Binary}, "31", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := oneField(t, tt.f)
			data, err := hex.DecodeString(header + tt.wire)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Unpack(d, data)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != 2 || fe.Op != "unpack" {
				t.Fatalf("err = %v, want a *FieldError for field 2", err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// fieldsOf lists the fields a bitmap word marks, numbering from base+1.
func fieldsOf(x uint64, base int) []int {
	var out []int
	for x != 0 {
		lz := bits.LeadingZeros64(x)
		out = append(out, base+lz+1)
		x &^= 1 << 63 >> uint(lz)
	}
	return out
}

// Bitmaps published with the fields they mark in the Wikipedia article
// "ISO 8583" (section Bitmaps). Bit 1 is the most significant bit of the
// first byte. (Elavon's EISOP "Bitmap Primary" example, 3034045928E18203,
// is left out: its list names field 7, which its own bit string lacks.)
var publishedBitmaps = []struct {
	hex       string
	secondary bool
	fields    []int
}{
	{"4210001102C04804", false, []int{2, 7, 12, 28, 32, 39, 41, 42, 50, 53, 62}},
	{"7234054128C28805", false, []int{2, 3, 4, 7, 11, 12, 14, 22, 24, 26, 32, 35, 37, 41, 42, 47, 49, 53, 62, 64}},
	{"8000000000000001", false, []int{1, 64}},
	{"0000000000000003", true, []int{127, 128}},
}

func TestPublishedBitmaps(t *testing.T) {
	// A dialect that defines every field as ans...999, so that any bitmap
	// can be packed and unpacked.
	all := map[int]FieldSpec{}
	for n := 2; n <= 128; n++ {
		all[n] = FieldSpec{Type: TypeANS, Length: 999, Prefix: LLL}
	}
	d := MustCompile(Spec{Name: "all", Fields: all})
	for _, tt := range publishedBitmaps {
		raw, err := hex.DecodeString(tt.hex)
		if err != nil {
			t.Fatal(err)
		}
		x, _, err := readBitmap(raw, 0, Binary)
		if err != nil {
			t.Fatal(err)
		}
		base := 0
		if tt.secondary {
			base = 64
		}
		if got := fieldsOf(x, base); !reflect.DeepEqual(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.hex, got, tt.fields)
		}
		// The ASCII form of the same bitmap reads the same.
		y, _, err := readBitmap([]byte(strings.ToLower(hex.EncodeToString(raw))), 0, ASCII)
		if err != nil || y != x {
			t.Errorf("%s: ASCII bitmap %X, %v", tt.hex, y, err)
		}
		if tt.secondary || tt.fields[0] == 1 {
			continue
		}
		// Packing a message with these fields writes this bitmap.
		m := NewMessage(d, MustMTI("0100"))
		for _, n := range tt.fields {
			if err := m.SetString(n, "X"); err != nil {
				t.Fatal(err)
			}
		}
		packed, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if got := packed[4:12]; string(got) != string(raw) {
			t.Errorf("packed bitmap %X, want %s", got, tt.hex)
		}
		back, err := Unpack(d, packed)
		if err != nil || !reflect.DeepEqual(back.Fields(), tt.fields) {
			t.Errorf("%s: unpacked fields %v, %v", tt.hex, back.Fields(), err)
		}
	}
}

// The word-at-a-time character tests agree with the byte table on every
// byte value in every position.
func TestWordCharsets(t *testing.T) {
	for _, mask := range []uint8{clDigit, clTrack, clAlpha | clDigit | clSpecial} {
		base := map[uint8]byte{clDigit: '5', clTrack: '=', clAlpha | clDigit | clSpecial: 'a'}[mask]
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				v := bytes.Repeat([]byte{base}, 11)
				v[pos] = byte(c)
				err := checkClass(v, 0, mask)
				want := charClass[c]&mask != 0
				if (err == nil) != want {
					t.Fatalf("mask %b, byte %#x at %d: err %v", mask, c, pos, err)
				}
				var pe *posError
				if err != nil && (!errors.As(err, &pe) || pe.offset != pos) {
					t.Fatalf("mask %b, byte %#x at %d: offset in %v", mask, c, pos, err)
				}
			}
		}
	}
}
