package emv

import (
	"strings"
	"testing"
)

func TestMaskPAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4761739001010010", "476173******0010"},
		{"4761739001010010123", "476173*********0123"},
		{"5413330089010012", "541333******0012"},
		{"4761739001010", "476173***1010"},
		{"476173900101", "476******101"},
		{"4761739001", "476*****01"},
		{"47617390", "47****90"},
		{"4761", "4**1"},
		{"47", "4*"},
		{"4", "*"},
		{"", ""},
		{"4761-7390-0101-0010", "4761*7*********0010"},
	}
	for _, tt := range tests {
		if got := MaskPAN(tt.in); got != tt.want {
			t.Errorf("MaskPAN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The rule of mask.go: never more than the first six and last four digits,
// and under 13 digits never more than half.
func TestMaskPANRule(t *testing.T) {
	const digits = "1234567890123456789"
	for n := 0; n <= len(digits); n++ {
		got := MaskPAN(digits[:n])
		if len(got) != n {
			t.Fatalf("n=%d: length changed: %q", n, got)
		}
		first := len(got) - len(strings.TrimLeft(got, "0123456789"))
		last := len(got) - len(strings.TrimRight(got, "0123456789"))
		if first == n {
			last = 0
		}
		if first > 6 || last > 4 {
			t.Errorf("n=%d: %q shows %d+%d digits", n, got, first, last)
		}
		if n < 13 && 2*(first+last) > n {
			t.Errorf("n=%d: %q shows more than half", n, got)
		}
		if n >= 1 && strings.Count(got, "*") == 0 {
			t.Errorf("n=%d: %q masks nothing", n, got)
		}
	}
}

func TestMaskTrack2(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4761739001010010D22122011143804400000F", "476173******0010D********************"},
		{";4761739001010010=22122011143804400000?", "476173******0010=********************"},
		{"4761739001010010=", "476173******0010="},
		{"4761739001010010", "****************"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskTrack2(tt.in); got != tt.want {
			t.Errorf("MaskTrack2(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskTrack1(t *testing.T) {
	tests := []struct{ in, want string }{
		{"B4761739001010010^VISA ACQUIRER TEST/CARD 01^22122011143804400000", "B476173******0010^****"},
		{"%B4761739001010010^DOE/JOHN^2212201?", "B476173******0010^****"},
		{"4761739001010010^DOE/JOHN^2212", Masked},
		{"no separator at all", Masked},
		{"", Masked},
	}
	for _, tt := range tests {
		if got := MaskTrack1(tt.in); got != tt.want {
			t.Errorf("MaskTrack1(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskValue(t *testing.T) {
	tests := []struct {
		tag  Tag
		hex  string
		want string
	}{
		{TagPAN, "4761739001010010", "476173******0010"},
		{TagPAN, "476173900101001F", "476173*****1001"},
		{TagPAN, "47617390010100AF", Masked},
		{TagTrack2, "4761739001010010D22122011143804400000F", "476173******0010D********************"},
		{TagTrack2Equiv, "5413330089010012D25121", "541333******0012D*****"},
		{0x56, strings.ToUpper(hexOf("B4761739001010010^DOE/JOHN^2212201")), "B476173******0010^****"},
		{0x5F20, hexOf("DOE/JOHN"), Masked},
		{0x9F0B, hexOf("A VERY LONG CARDHOLDER NAME/EXTENDED"), Masked},
		{0x9F1F, hexOf("1010"), Masked},
		{0x9F20, "1234567F", Masked},
		{0x99, "2412345FFFFFFFFF", Masked},
		{0x9F02, "000000004000", "000000004000"},
		{0x9F26, "29cca15ae665fa2e", "29CCA15AE665FA2E"},
		{0xDF7F, "0102", "0102"},
	}
	for _, tt := range tests {
		if got := MaskValue(tt.tag, mustHex(t, tt.hex)); got != tt.want {
			t.Errorf("MaskValue(%s, %s) = %q, want %q", tt.tag, tt.hex, got, tt.want)
		}
	}
}

func hexOf(s string) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, digits[s[i]>>4], digits[s[i]&0x0F])
	}
	return string(out)
}

func BenchmarkMaskValuePAN(b *testing.B) {
	v := mustHex(b, "4761739001010010")
	for b.Loop() {
		_ = MaskValue(TagPAN, v)
	}
}
