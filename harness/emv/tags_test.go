package emv

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestDictionaryShape(t *testing.T) {
	if n := len(tagTable); n < 150 {
		t.Fatalf("dictionary has %d entries, want at least 150", n)
	}
	seen := map[Tag]bool{}
	for _, ti := range tagTable {
		if seen[ti.Tag] {
			t.Errorf("tag %s appears twice", ti.Tag)
		}
		seen[ti.Tag] = true
		if strings.TrimSpace(ti.Name) == "" {
			t.Errorf("tag %s has no name", ti.Tag)
		}
		if ti.Format < FormatB || ti.Format > FormatVar {
			t.Errorf("tag %s has no format", ti.Tag)
		}
		if ti.Source < SourceICC || ti.Source > SourceIssuer {
			t.Errorf("tag %s has no source", ti.Tag)
		}
		if ti.MinLen < 1 || (ti.MaxLen != 0 && ti.MaxLen < ti.MinLen) {
			t.Errorf("tag %s: bad length bounds %d..%d", ti.Tag, ti.MinLen, ti.MaxLen)
		}
		if ti.Tag > 0xFFFFFF {
			t.Errorf("tag %s longer than three bytes (Book 3 Annex B1)", ti.Tag)
		}
		if got, ok := LookupTag(ti.Tag); !ok || got.Name != ti.Name {
			t.Errorf("LookupTag(%s) = %v, %v", ti.Tag, got.Name, ok)
		}
		for _, tpl := range ti.Templates {
			// '80' (Format 1: values without tags) and '9F31' (coded as a
			// primitive tag, yet a template in Book 3 Table 51) are templates
			// only by Annex A's say-so.
			if !tpl.Constructed() && tpl != 0x80 && tpl != 0x9F31 {
				t.Errorf("tag %s: template %s is not a constructed tag", ti.Tag, tpl)
			}
		}
	}
	all := Tags()
	if len(all) != len(tagTable) {
		t.Fatalf("Tags() returned %d entries, want %d", len(all), len(tagTable))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Tag >= all[i].Tag {
			t.Fatalf("Tags() not sorted at %s, %s", all[i-1].Tag, all[i].Tag)
		}
	}
	t.Logf("dictionary: %d tags, %d context-dependent entries", len(tagTable), len(contextTable))
}

// Spot checks against EMV 4.4 Book 3 Annex A1, Table 37.
func TestDictionaryBook3(t *testing.T) {
	tests := []struct {
		tag       Tag
		format    Format
		min, max  int
		source    Source
		sensitive bool
	}{
		{0x9F02, FormatN, 6, 6, SourceTerminal, false},     // n 12
		{0x5F24, FormatN, 3, 3, SourceICC, false},          // n 6 YYMMDD
		{0x5F25, FormatN, 3, 3, SourceICC, false},          // n 6 YYMMDD
		{0x9F26, FormatB, 8, 8, SourceICC, false},          // b 8
		{0x8C, FormatB, 1, 252, SourceICC, false},          // var. up to 252
		{0x8D, FormatB, 1, 252, SourceICC, false},          // var. up to 252
		{0x8E, FormatB, 10, 252, SourceICC, false},         // 10-252
		{0x9F10, FormatB, 1, 32, SourceICC, false},         // var. up to 32
		{0x95, FormatB, 5, 5, SourceTerminal, false},       // b 5
		{0x9B, FormatB, 2, 2, SourceTerminal, false},       // b 2
		{0x82, FormatB, 2, 2, SourceICC, false},            // b 2
		{0x94, FormatVar, 4, 252, SourceICC, false},        // var. up to 252
		{0x5A, FormatCN, 1, 10, SourceICC, true},           // cn var. up to 19 digits
		{0x57, FormatB, 1, 19, SourceICC, true},            // b var. up to 19
		{0x5F20, FormatANS, 2, 26, SourceICC, true},        // ans 2-26
		{0x9F0B, FormatANS, 27, 45, SourceICC, true},       // ans 27-45
		{0x9F1F, FormatANS, 1, 0, SourceICC, true},         // ans var.
		{0x9F20, FormatCN, 1, 0, SourceICC, true},          // cn var.
		{0x99, FormatB, 1, 0, SourceTerminal, true},        // b var.
		{0x5F30, FormatN, 2, 2, SourceICC, false},          // n 3
		{0x5F34, FormatN, 1, 1, SourceICC, false},          // n 2
		{0x9F37, FormatB, 4, 4, SourceTerminal, false},     // b 4
		{0x9F36, FormatB, 2, 2, SourceICC, false},          // b 2
		{0x9F27, FormatB, 1, 1, SourceICC, false},          // b 1
		{0x9F33, FormatB, 3, 3, SourceTerminal, false},     // b 3
		{0x9F40, FormatB, 5, 5, SourceTerminal, false},     // b 5
		{0x9F41, FormatN, 2, 4, SourceTerminal, false},     // n 4-8
		{0x9F1C, FormatAN, 8, 8, SourceTerminal, false},    // an 8
		{0x9F16, FormatANS, 15, 15, SourceTerminal, false}, // ans 15
		{0x8A, FormatAN, 2, 2, SourceIssuer, false},        // an 2
		{0x91, FormatB, 8, 16, SourceIssuer, false},        // b 8-16
		{0x86, FormatB, 1, 261, SourceIssuer, false},       // var. up to 261
		{0x9F24, FormatAN, 29, 29, SourceICC, false},       // an 29
		{0x9F19, FormatN, 6, 6, SourceICC, false},          // n 11
		{0xBF0C, FormatVar, 1, 222, SourceICC, false},      // var. up to 222
		{0x9F6C, FormatB, 2, 2, SourceICC, false},          // CTQ: not sensitive
		{0x9F6B, FormatVar, 1, 19, SourceICC, true},        // Kernel 2 track 2
		{0x56, FormatANS, 1, 76, SourceICC, true},          // Kernel 2 track 1
		{0xDF8124, FormatN, 6, 6, SourceTerminal, false},   // Kernel 2 n 12
		{0x9F66, FormatVar, 2, 4, SourceTerminal, false},   // TTQ / PUNATC(Track2)
		{0x9F4E, FormatANS, 1, 0, SourceTerminal, false},   // ans var.
		{0x9F0C, FormatN, 3, 4, SourceICC, false},          // n 6 or 8
		{0x9F4A, FormatVar, 1, 0, SourceICC, false},        // tag list
		{0x5F2D, FormatAN, 2, 8, SourceICC, false},         // an 2, 2-8
		{0x9F0A, FormatB, 1, 0, SourceICC, false},          // ASRPD
		{0x9F1D, FormatB, 1, 8, SourceTerminal, false},     // b 1-8
		{0x9F3B, FormatN, 2, 8, SourceICC, false},          // n 3, 2-8
		{0x9F45, FormatB, 2, 2, SourceICC, false},          // DAC
		{0x9F4C, FormatB, 2, 8, SourceICC, false},          // ICC Dynamic Number
		{0x98, FormatB, 20, 20, SourceTerminal, false},     // TC hash
		{0x9F15, FormatN, 2, 2, SourceTerminal, false},     // MCC n 4
		{0x9F35, FormatN, 1, 1, SourceTerminal, false},     // Terminal Type
		{0x9F34, FormatB, 3, 3, SourceTerminal, false},     // CVM Results
		{0x5F57, FormatN, 1, 1, SourceTerminal, false},     // Account Type
		{0x9F01, FormatN, 6, 6, SourceTerminal, false},     // Acquirer Identifier
		{0x9F09, FormatB, 2, 2, SourceTerminal, false},     // AVN terminal
		{0x9F08, FormatB, 2, 2, SourceICC, false},          // AVN ICC
		{0x9F21, FormatN, 3, 3, SourceTerminal, false},     // HHMMSS
		{0x9A, FormatN, 3, 3, SourceTerminal, false},       // YYMMDD
		{0x9C, FormatN, 1, 1, SourceTerminal, false},       // n 2
		{0x5F2A, FormatN, 2, 2, SourceTerminal, false},     // n 3
		{0x9F1A, FormatN, 2, 2, SourceTerminal, false},     // n 3
	}
	for _, tt := range tests {
		ti, ok := LookupTag(tt.tag)
		if !ok {
			t.Errorf("tag %s missing", tt.tag)
			continue
		}
		if ti.Format != tt.format || ti.MinLen != tt.min || ti.MaxLen != tt.max || ti.Source != tt.source || ti.Sensitive != tt.sensitive {
			t.Errorf("tag %s = {%s %d..%d %s sensitive=%v}, want {%s %d..%d %s sensitive=%v}",
				tt.tag, ti.Format, ti.MinLen, ti.MaxLen, ti.Source, ti.Sensitive,
				tt.format, tt.min, tt.max, tt.source, tt.sensitive)
		}
	}
}

// Every tag Book 3 Annex A2 (Table 38) lists outside the biometric templates.
func TestDictionaryCoversAnnexA2(t *testing.T) {
	annexA2 := []Tag{
		0x42, 0x4F, 0x50, 0x57, 0x5A, 0x5F20, 0x5F24, 0x5F25, 0x5F28, 0x5F2A, 0x5F2D,
		0x5F30, 0x5F34, 0x5F36, 0x5F50, 0x5F53, 0x5F54, 0x5F55, 0x5F56, 0x5F57, 0x61,
		0x6F, 0x70, 0x71, 0x72, 0x73, 0x77, 0x7F60, 0x80, 0x81, 0x82, 0x83, 0x84, 0x86,
		0x87, 0x88, 0x89, 0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94,
		0x95, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F01, 0x9F02, 0x9F03, 0x9F04,
		0x9F05, 0x9F06, 0x9F07, 0x9F08, 0x9F09, 0x9F0A, 0x9F0B, 0x9F0C, 0x9F0D, 0x9F0E,
		0x9F0F, 0x9F10, 0x9F11, 0x9F12, 0x9F13, 0x9F14, 0x9F15, 0x9F16, 0x9F17, 0x9F18,
		0x9F19, 0x9F1A, 0x9F1B, 0x9F1C, 0x9F1D, 0x9F1E, 0x9F1F, 0x9F20, 0x9F21, 0x9F22,
		0x9F23, 0x9F24, 0x9F25, 0x9F26, 0x9F27, 0x9F2D, 0x9F2E, 0x9F2F, 0x9F30, 0x9F31,
		0x9F32, 0x9F33, 0x9F34, 0x9F35, 0x9F36, 0x9F37, 0x9F38, 0x9F39, 0x9F3A, 0x9F3B,
		0x9F3C, 0x9F3D, 0x9F40, 0x9F41, 0x9F42, 0x9F43, 0x9F44, 0x9F45, 0x9F46, 0x9F47,
		0x9F48, 0x9F49, 0x9F4A, 0x9F4B, 0x9F4C, 0x9F4D, 0x9F4E, 0x9F4F, 0xA1, 0xA5,
		0xBF0C, 0xBF4A, 0xBF4B, 0xBF4C, 0xBF4D, 0xBF4E,
	}
	for _, tag := range annexA2 {
		if _, ok := LookupTag(tag); !ok {
			t.Errorf("Book 3 Annex A2 tag %s missing", tag)
		}
	}
}

func TestLookupTagIn(t *testing.T) {
	tests := []struct {
		parent, tag Tag
		want        string
	}{
		{0, 0x90, "Issuer Public Key Certificate"},
		{0x70, 0x90, "Issuer Public Key Certificate"},
		{0xA1, 0x90, "Biometric Solution ID"},
		{0xA1, 0x81, "Biometric Type"},
		{0x77, 0x81, "Amount, Authorised (Binary)"},
		{0xBF4C, 0xDF51, "Finger Try Counter"},
		{0xBF4D, 0xDF51, "Preferred Finger Attempts"},
		{0xBF4E, 0xDF51, "Enciphered Biometric Data"},
	}
	for _, tt := range tests {
		ti, ok := LookupTagIn(tt.parent, tt.tag)
		if !ok || ti.Name != tt.want {
			t.Errorf("LookupTagIn(%s, %s) = %q, %v; want %q", tt.parent, tt.tag, ti.Name, ok, tt.want)
		}
	}
	if _, ok := LookupTagIn(0x70, 0xDF51); ok {
		t.Error("DF51 outside the biometric templates should be unknown")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		tag     Tag
		value   string // hex
		wantErr error
	}{
		{0x9F02, "000000001000", nil},
		{0x9F02, "0000001000", ErrValueLength},
		{0x9F02, "00000000100A", ErrValueFormat},
		{0x9F02, "", nil}, // length '00': not present (Book 3 5.2)
		{0x5F24, "251231", nil},
		{0x5F24, "2512", ErrValueLength},
		{0x5A, "4761739001010010", nil},
		{0x5A, "476173900101001F", nil},
		{0x5A, "1234567890123FFF", nil}, // Book 3 4.3 example
		{0x5A, "12345F7890", ErrValueFormat},
		{0x5A, "12345A", ErrValueFormat},
		{0x5A, "4761739001010010123456", ErrValueLength},
		{0x9F26, "29CCA15AE665FA2E", nil},
		{0x9F26, "29CCA15AE665FA", ErrValueLength},
		{0x8E, "000000000000000042031E031F00", nil},
		{0x8E, "0000000000000000", ErrValueLength},
		{0x9F10, strings.Repeat("00", 32), nil},
		{0x9F10, strings.Repeat("00", 33), ErrValueLength},
		{0x94, "08010100", nil},
		{0x94, "0801010010", ErrValueLength},
		{0x9F32, "03", nil},
		{0x9F32, "010001", nil},
		{0x9F32, "0100", ErrValueLength},
		{0x5F54, "4445555446464646", nil},                // 8
		{0x5F54, "44455554464646464646", ErrValueLength}, // 10
		{0x50, hex.EncodeToString([]byte("VISA CREDIT")), nil},
		{0x50, hex.EncodeToString([]byte("VISA-CREDIT")), ErrValueFormat},
		{0x5F20, hex.EncodeToString([]byte("DOE/JOHN")), nil},
		{0x5F20, "444F450A4A", ErrValueFormat}, // control character
		{0x5F20, "444F450000", nil},            // trailing '00' padding
		{0x5F55, hex.EncodeToString([]byte("US")), nil},
		{0x5F55, hex.EncodeToString([]byte("U1")), ErrValueFormat},
		{0x9F1C, hex.EncodeToString([]byte("TERM0001")), nil},
		{0x9F1C, hex.EncodeToString([]byte("TERM 001")), ErrValueFormat},
		{0x9F24, hex.EncodeToString([]byte("V0010013019123456789012345678")), nil},
		{0x9F24, hex.EncodeToString([]byte("v0010013019123456789012345678")), ErrValueFormat},
		{0x9F12, "56495341C9", nil}, // ISO/IEC 8859 letter
		{0x9F12, "5649534185", ErrValueFormat},
		{0x5F2D, hex.EncodeToString([]byte("enfr")), nil},
		{0x5F2D, hex.EncodeToString([]byte("enf")), ErrValueLength},
	}
	for _, tt := range tests {
		ti, ok := LookupTag(tt.tag)
		if !ok {
			t.Fatalf("tag %s missing", tt.tag)
		}
		v, err := hex.DecodeString(tt.value)
		if err != nil {
			t.Fatalf("bad test hex %q", tt.value)
		}
		err = ti.Validate(v)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("Validate(%s, %s) = %v, want %v", tt.tag, tt.value, err, tt.wantErr)
		}
		var tve *TagValueError
		if err != nil && (!errors.As(err, &tve) || tve.Tag != tt.tag) {
			t.Errorf("Validate(%s) error %T does not name the tag", tt.tag, err)
		}
	}
}

// A validation error must never carry the value: it may be a PAN.
func TestValidateErrorHasNoValue(t *testing.T) {
	ti, _ := LookupTag(TagPAN)
	err := ti.Validate([]byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x00, 0x1A})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, leak := range []string{"4761", "7390", "9001", "0101", "001A"} {
		if strings.Contains(err.Error(), leak) {
			t.Fatalf("error %q contains value digits %q", err, leak)
		}
	}
	if !strings.Contains(err.Error(), "5A") {
		t.Fatalf("error %q does not name the tag", err)
	}
}

func TestIsSensitive(t *testing.T) {
	for _, tag := range []Tag{0x5A, 0x57, 0x56, 0x5F20, 0x9F0B, 0x9F1F, 0x9F20, 0x9F6B, 0x99} {
		if !IsSensitive(tag) {
			t.Errorf("tag %s should be sensitive", tag)
		}
	}
	for _, tag := range []Tag{0x9F6C, 0x5F30, 0x5F24, 0x9F02, 0x9F26, 0x9F10, 0xDEAD} {
		if IsSensitive(tag) {
			t.Errorf("tag %s should not be sensitive", tag)
		}
	}
}

func BenchmarkLookupTag(b *testing.B) {
	tags := []Tag{0x9F02, 0x5A, 0xDF8129, 0x9F6C, 0xDEAD}
	for i := 0; b.Loop(); i++ {
		LookupTag(tags[i%len(tags)])
	}
}
