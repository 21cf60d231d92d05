package emv

import (
	"bytes"
	"errors"
	"testing"
)

// cdol1 is the CDOL1 of the READ RECORD sample: amount, other amount,
// country, TVR, currency, date, type, unpredictable number.
const cdol1Hex = "9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704"

func TestParseDOL(t *testing.T) {
	dol, err := ParseDOL(tlvHex(t, cdol1Hex))
	if err != nil {
		t.Fatal(err)
	}
	want := DOL{{0x9F02, 6}, {0x9F03, 6}, {0x9F1A, 2}, {0x95, 5}, {0x5F2A, 2}, {0x9A, 3}, {0x9C, 1}, {0x9F37, 4}}
	if len(dol) != len(want) {
		t.Fatalf("ParseDOL = %v", dol)
	}
	for i := range want {
		if dol[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, dol[i], want[i])
		}
	}
	if dol.Len() != 29 {
		t.Errorf("Len = %d, want 29", dol.Len())
	}
	if !dol.Has(0x9F37) || dol.Has(0x9F36) {
		t.Error("Has")
	}
	if enc := dol.Encode(); !bytes.Equal(enc, tlvHex(t, cdol1Hex)) {
		t.Errorf("Encode = %X", enc)
	}
	// Three-byte tags, the 81 form and zero lengths parse too.
	dol, err = ParseDOL(tlvHex(t, "DF810104 9F4B8180 9F4C00"))
	if err != nil || len(dol) != 3 || dol[0] != (DOLEntry{0xDF8101, 4}) || dol[1].Len != 128 || dol[2].Len != 0 {
		t.Errorf("ParseDOL = %v, %v", dol, err)
	}
	if enc := dol.Encode(); !bytes.Equal(enc, tlvHex(t, "DF810104 9F4B8180 9F4C00")) {
		t.Errorf("Encode = %X", enc)
	}
	if dol, err := ParseDOL(nil); dol != nil || err != nil {
		t.Errorf("ParseDOL(nil) = %v, %v", dol, err)
	}
}

func TestParseDOLErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		cause  error
		offset int
	}{
		{"tag cut", "9F0206 9F", ErrTruncatedTag, 3},
		{"length missing", "9F0206 9F37", ErrTruncatedLength, 3},
		{"81 cut", "9F3781", ErrTruncatedLength, 0},
		{"indefinite", "9F3780", ErrIndefiniteLength, 0},
		{"83 form", "9F378300000004", ErrLengthOverflow, 0},
		{"00 byte", "9F0206 00 9F3704", ErrInvalidTag, 3},
		{"FF byte", "FF9F3704", ErrInvalidTag, 0},
		{"five-byte tag", "DF8181818101", ErrTagTooLong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dol, err := ParseDOL(tlvHex(t, tt.in))
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tt.cause) || de.Offset != tt.offset {
				t.Errorf("ParseDOL = %v, %v; want %v at %d", dol, err, tt.cause, tt.offset)
			}
		})
	}
}

func TestFitDOLValue(t *testing.T) {
	// Each rule of EMV Book 3, 5.4 c and d, by format.
	tests := []struct {
		name string
		f    Format
		v    string
		n    int
		want string
	}{
		{"n exact", FormatN, "000000012345", 6, "000000012345"},
		{"n longer: leftmost truncated (5.4 c)", FormatN, "000000012345", 4, "00012345"},
		{"n shorter: leading zeroes (5.4 d)", FormatN, "1234", 6, "000000001234"},
		{"n empty", FormatN, "", 2, "0000"},
		{"cn longer: rightmost truncated (5.4 c)", FormatCN, "4761739001010010", 4, "47617390"},
		{"cn shorter: trailing FF (5.4 d)", FormatCN, "4761739001", 8, "4761739001FFFFFF"},
		{"cn empty", FormatCN, "", 2, "FFFF"},
		{"b longer: rightmost truncated (5.4 c)", FormatB, "E0F0C8", 2, "E0F0"},
		{"b shorter: trailing zeroes (5.4 d)", FormatB, "1122", 4, "11220000"},
		{"an longer", FormatAN, "414243", 2, "4142"},
		{"an shorter: hex zeroes, not spaces", FormatAN, "4142", 4, "41420000"},
		{"ans shorter", FormatANS, "41", 3, "410000"},
		{"a shorter", FormatA, "41", 2, "4100"},
		{"var longer", FormatVar, "010203", 1, "01"},
		{"var shorter", FormatVar, "01", 2, "0100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendFitted(nil, tlvHex(t, tt.v), tt.n, tt.f)
			if !bytes.Equal(got, tlvHex(t, tt.want)) {
				t.Errorf("got %X, want %s", got, tt.want)
			}
		})
	}
}

func TestBuildDOL(t *testing.T) {
	// Values as a terminal holds them, some longer or shorter than the DOL
	// asks. The dictionary gives 9F02 format n, 5A cn, 9F37 b.
	tv := TagValues{
		0x9F02: tlvHex(t, "000000012345"),
		0x5A:   tlvHex(t, "4761739001010010"),
		0x9F37: tlvHex(t, "11223344"),
		0x70:   tlvHex(t, "5A0112"), // constructed: never sent
	}
	tests := []struct {
		name string
		dol  DOL
		want string
	}{
		{"exact lengths", DOL{{0x9F02, 6}, {0x9F37, 4}}, "000000012345 11223344"},
		{"n shorter entry: leftmost bytes truncated (5.4 c)", DOL{{0x9F02, 4}}, "00012345"},
		{"n longer entry: leading zeroes (5.4 d)", DOL{{0x9F02, 8}}, "0000000000012345"},
		{"cn shorter entry: rightmost bytes truncated (5.4 c)", DOL{{0x5A, 4}}, "47617390"},
		{"cn longer entry: trailing FF (5.4 d)", DOL{{0x5A, 10}}, "4761739001010010FFFF"},
		{"b shorter entry: rightmost bytes truncated (5.4 c)", DOL{{0x9F37, 2}}, "1122"},
		{"b longer entry: trailing zeroes (5.4 d)", DOL{{0x9F37, 6}}, "112233440000"},
		{"unknown or absent data: zeroes (5.4 a, b, e)", DOL{{0x9F35, 1}, {0x9F37, 2}, {0x9F66, 4}}, "00 1122 00000000"},
		{"constructed tag: zeroes (5.4 a)", DOL{{0x70, 3}}, "000000"},
		{"zero and negative lengths add nothing", DOL{{0x9F02, 0}, {0x9F37, -3}, {0x9F37, 1}}, "11"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildDOL(tt.dol, tv.Get)
			if !bytes.Equal(got, tlvHex(t, tt.want)) {
				t.Errorf("BuildDOL = %X, want %s", got, tt.want)
			}
			if len(got) != tt.dol.Len() {
				t.Errorf("len %d, DOL.Len %d", len(got), tt.dol.Len())
			}
		})
	}
	if got := BuildDOL(DOL{{0x9F37, 2}}, nil); !bytes.Equal(got, []byte{0, 0}) {
		t.Errorf("nil lookup: %X", got)
	}
	if got := AppendDOL([]byte{0xCC}, DOL{{0x9F37, 1}}, tv.Get); !bytes.Equal(got, []byte{0xCC, 0x11}) {
		t.Errorf("AppendDOL = %X", got)
	}
}

func TestBuildDOLFormats(t *testing.T) {
	// The format decides the fitting: a stand-in dictionary for 9F33
	// (terminal capabilities, b) and 9F1A (country code, n) shows a PDOL
	// asking for two bytes of both.
	formats := map[Tag]Format{0x9F33: FormatB, 0x9F1A: FormatN}
	formatOf := func(t Tag) Format { return formats[t] }
	tv := TagValues{0x9F33: tlvHex(t, "E0F0C8"), 0x9F1A: tlvHex(t, "000840")}
	got := appendDOL(nil, DOL{{0x9F33, 2}, {0x9F1A, 2}}, tv.Get, formatOf)
	if want := tlvHex(t, "E0F0 0840"); !bytes.Equal(got, want) {
		t.Errorf("got %X, want %X", got, want)
	}
	// A tag unknown to the dictionary but supplied by the lookup is b.
	const proprietary Tag = 0xDF7E
	if _, known := LookupTag(proprietary); !known {
		if f := dictionaryFormat(proprietary); f != FormatB {
			t.Errorf("dictionaryFormat(DF7E) = %v, want b", f)
		}
	}
	if f := dictionaryFormat(0x9F02); f != FormatN {
		t.Errorf("dictionaryFormat(9F02) = %v, want n", f)
	}
}

func TestBuildPDOL(t *testing.T) {
	// A qVSDC-style PDOL from the ADF FCI sample.
	pdol, err := ParseDOL(tlvHex(t, "9F6604 9F0206 9F3704 9F1A02"))
	if err != nil {
		t.Fatal(err)
	}
	terminal := TagValues{
		0x9F66: tlvHex(t, "36000000"),
		0x9F02: tlvHex(t, "000000001000"),
		0x9F37: tlvHex(t, "52BF4585"),
		0x9F1A: tlvHex(t, "0840"),
	}
	data := BuildDOL(pdol, terminal.Get)
	if want := tlvHex(t, "36000000 000000001000 52BF4585 0840"); !bytes.Equal(data, want) {
		t.Fatalf("PDOL data %X, want %X", data, want)
	}
	// The card side splits it back.
	got, err := ParseDOLData(pdol, data)
	if err != nil {
		t.Fatal(err)
	}
	for tag, v := range terminal {
		if !bytes.Equal(got[tag], v) {
			t.Errorf("%s = %X, want %X", tag, got[tag], v)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d tags", len(got))
	}
	// Values alias the data, with clipped capacity.
	if v := got[0x9F66]; &v[0] != &data[0] || cap(v) != 4 {
		t.Error("ParseDOLData values do not alias data")
	}
}

func TestParseDOLData(t *testing.T) {
	dol := DOL{{0x9F37, 4}, {0x9F4C, 0}, {0x9F37, 2}, {0x95, 5}}
	data := tlvHex(t, "11223344 AABB 0000000000")
	tv, err := ParseDOLData(dol, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tv[0x9F37], tlvHex(t, "11223344")) {
		t.Errorf("duplicate tag: first occurrence must win, got %X", tv[0x9F37])
	}
	if v, ok := tv[0x9F4C]; !ok || len(v) != 0 {
		t.Errorf("zero-length entry: %X, %v", v, ok)
	}
	if !bytes.Equal(tv[0x95], make([]byte, 5)) {
		t.Errorf("95 = %X", tv[0x95])
	}
	for _, n := range []int{0, 10, 12} {
		if _, err := ParseDOLData(dol, make([]byte, n)); !errors.Is(err, ErrDOLDataLength) {
			t.Errorf("%d bytes: err %v, want ErrDOLDataLength", n, err)
		}
	}
	if tv, err := ParseDOLData(nil, nil); err != nil || len(tv) != 0 {
		t.Errorf("empty: %v, %v", tv, err)
	}
}
