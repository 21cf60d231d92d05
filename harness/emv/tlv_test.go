package emv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// tlvHex decodes hex test data, ignoring spaces.
func tlvHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad test hex %q: %v", s, err)
	}
	return b
}

// Made-up but realistic card responses. Test PAN 4761739001010010 (a
// published Visa test card number); every length was computed, not copied.
const (
	// SELECT 1PAY.SYS.DDF01: FCI with DF name 84, SFI of the directory 88,
	// language preference 5F2D (EMV Book 1, 11.3.4, Table 43).
	hexPSEFCI = "6F1A 840E315041592E5359532E4444463031 A508 880101 5F2D02656E"
	// SELECT A0000000031010: FCI with label 50, priority 87, PDOL 9F38, FCI
	// issuer discretionary data BF0C holding the log entry 9F4D
	// (EMV Book 1, 11.3.4, Table 45).
	hexADFFCI = "6F37 8407A0000000031010 A52C 500B5649534120435245444954 870101" +
		" 9F380C9F66049F02069F37049F1A02 5F2D02656E BF0C059F4D020B0A"
	// GET PROCESSING OPTIONS, format 1: AIP and AFL concatenated in tag 80
	// (EMV Book 3, 6.5.8.4).
	hexGPOFormat1 = "800A 1980 08010100 10010301"
	// GET PROCESSING OPTIONS, format 2: template 77 with 82 and 94.
	hexGPOFormat2 = "770E 82021980 94080801010010010301"
	// GENERATE AC, format 1: CID, ATC, AC and IAD concatenated in tag 80
	// (EMV Book 3, 6.5.5.4).
	hexGACFormat1 = "8012 80 0001 1A2B3C4D5E6F7081 06010A03A00000"
	// GENERATE AC, format 2: template 77.
	hexGACFormat2 = "771E 9F270180 9F36020001 9F26081A2B3C4D5E6F7081 9F100706010A03A00000"
	// READ RECORD: a 210-byte record template 70 with the 81 length form.
	hexReadRecord = "7081CF" +
		"57134761739001010010D25122010000000000000F" +
		"5A084761739001010010" +
		"5F200F544553542F43415244484F4C444552" +
		"5F2403251231" + "5F2503200101" + "5F28020840" + "5F340101" +
		"8C159F02069F03069F1A0295055F2A029A039C019F3704" +
		"8D178A029F02069F03069F1A0295055F2A029A039C019F3704" +
		"8E0E000000000000000002031E031F00" +
		"9F0702FF00" + "9F08020096" +
		"9F0D05F040642000" + "9F0E050010000000" + "9F0F05F040649800" +
		"9F4A0182" + "9F1F0C303030303030303030303030" +
		"9F42020840" + "9F440102" + "9F49039F3704" + "5F30020201"
)

// tlvNode is a compact expected tree: tag, hex value for primitives, children
// for templates.
type tlvNode struct {
	tag  Tag
	val  string
	kids []tlvNode
}

func checkTLVTree(t *testing.T, path string, got []TLV, want []tlvNode) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d objects, want %d", path, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		p := path + "/" + w.tag.String()
		if g.Tag != w.tag {
			t.Fatalf("%s: tag %s, want %s", path, g.Tag, w.tag)
		}
		if w.kids != nil {
			checkTLVTree(t, p, g.Children, w.kids)
			continue
		}
		if gv := strings.ToUpper(hex.EncodeToString(g.Value)); gv != strings.ReplaceAll(w.val, " ", "") {
			t.Errorf("%s: value %s, want %s", p, gv, w.val)
		}
		if g.Children != nil {
			t.Errorf("%s: primitive with children", p)
		}
	}
}

func TestDecodeCardResponses(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []tlvNode
	}{
		{"PSE FCI", hexPSEFCI, []tlvNode{{tag: 0x6F, kids: []tlvNode{
			{tag: 0x84, val: "315041592E5359532E4444463031"},
			{tag: 0xA5, kids: []tlvNode{{tag: 0x88, val: "01"}, {tag: 0x5F2D, val: "656E"}}},
		}}}},
		{"ADF FCI", hexADFFCI, []tlvNode{{tag: 0x6F, kids: []tlvNode{
			{tag: 0x84, val: "A0000000031010"},
			{tag: 0xA5, kids: []tlvNode{
				{tag: 0x50, val: "5649534120435245444954"},
				{tag: 0x87, val: "01"},
				{tag: 0x9F38, val: "9F66049F02069F37049F1A02"},
				{tag: 0x5F2D, val: "656E"},
				{tag: 0xBF0C, kids: []tlvNode{{tag: 0x9F4D, val: "0B0A"}}},
			}},
		}}}},
		{"GPO format 1", hexGPOFormat1, []tlvNode{{tag: 0x80, val: "19800801010010010301"}}},
		{"GPO format 2", hexGPOFormat2, []tlvNode{{tag: 0x77, kids: []tlvNode{
			{tag: 0x82, val: "1980"}, {tag: 0x94, val: "0801010010010301"},
		}}}},
		{"GENERATE AC format 1", hexGACFormat1, []tlvNode{{tag: 0x80, val: "8000011A2B3C4D5E6F708106010A03A00000"}}},
		{"GENERATE AC format 2", hexGACFormat2, []tlvNode{{tag: 0x77, kids: []tlvNode{
			{tag: 0x9F27, val: "80"}, {tag: 0x9F36, val: "0001"},
			{tag: 0x9F26, val: "1A2B3C4D5E6F7081"}, {tag: 0x9F10, val: "06010A03A00000"},
		}}}},
		{"READ RECORD", hexReadRecord, []tlvNode{{tag: 0x70, kids: []tlvNode{
			{tag: 0x57, val: "4761739001010010D25122010000000000000F"},
			{tag: 0x5A, val: "4761739001010010"},
			{tag: 0x5F20, val: "544553542F43415244484F4C444552"},
			{tag: 0x5F24, val: "251231"}, {tag: 0x5F25, val: "200101"},
			{tag: 0x5F28, val: "0840"}, {tag: 0x5F34, val: "01"},
			{tag: 0x8C, val: "9F02069F03069F1A0295055F2A029A039C019F3704"},
			{tag: 0x8D, val: "8A029F02069F03069F1A0295055F2A029A039C019F3704"},
			{tag: 0x8E, val: "000000000000000002031E031F00"},
			{tag: 0x9F07, val: "FF00"}, {tag: 0x9F08, val: "0096"},
			{tag: 0x9F0D, val: "F040642000"}, {tag: 0x9F0E, val: "0010000000"},
			{tag: 0x9F0F, val: "F040649800"}, {tag: 0x9F4A, val: "82"},
			{tag: 0x9F1F, val: "303030303030303030303030"},
			{tag: 0x9F42, val: "0840"}, {tag: 0x9F44, val: "02"},
			{tag: 0x9F49, val: "9F3704"}, {tag: 0x5F30, val: "0201"},
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tlvHex(t, tt.in)
			got, err := Decode(in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			checkTLVTree(t, "", got, tt.want)
			// Minimal, unpadded input re-encodes byte for byte.
			if enc := Encode(got...); !bytes.Equal(enc, in) {
				t.Errorf("Encode(Decode(x)) = %X, want %X", enc, in)
			}
		})
	}
}

func TestDecodeLengthForms(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name   string
		in     []byte
		tag    Tag
		valLen int
	}{
		{"short 7F", append(tlvHex(t, "9F4B7F"), big[:127]...), 0x9F4B, 127},
		{"81 80", append(tlvHex(t, "9F4B8180"), big[:128]...), 0x9F4B, 128},
		{"81 FF", append(tlvHex(t, "9F4681FF"), big[:255]...), 0x9F46, 255},
		{"82 012C", append(tlvHex(t, "9F4682012C"), big...), 0x9F46, 300},
		{"83 00012C", append(tlvHex(t, "908300012C"), big...), 0x90, 300},
		{"non-minimal 81 05", tlvHex(t, "5F2481052512310000"), 0x5F24, 5},
		{"non-minimal 82 0001", tlvHex(t, "9F27820001 80"), 0x9F27, 1},
		{"zero length", tlvHex(t, "9F4C00"), 0x9F4C, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(got) != 1 || got[0].Tag != tt.tag || len(got[0].Value) != tt.valLen {
				t.Fatalf("got %d objects, first %s len %d; want %s len %d", len(got), got[0].Tag, len(got[0].Value), tt.tag, tt.valLen)
			}
		})
	}
}

func TestDecodeTags(t *testing.T) {
	tests := []struct {
		in  string
		tag Tag
	}{
		{"5A0112", 0x5A},
		{"9F0201 12", 0x9F02},
		{"5F2A0112", 0x5F2A},
		{"BF0C00", 0xBF0C},            // two-byte constructed
		{"DF810101 12", 0xDF8101},     // three bytes (EMV maximum)
		{"DF81810101 12", 0xDF818101}, // four bytes: accepted beyond EMV's three
		{"1F0001 12", 0x1F00},         // first subsequent byte b7..b1 zero: accepted leniently
	}
	for _, tt := range tests {
		got, err := Decode(tlvHex(t, tt.in))
		if err != nil {
			t.Errorf("Decode(%s): %v", tt.in, err)
			continue
		}
		if got[0].Tag != tt.tag {
			t.Errorf("Decode(%s) tag %s, want %s", tt.in, got[0].Tag, tt.tag)
		}
		if enc := Encode(got...); !bytes.Equal(enc, tlvHex(t, tt.in)) {
			t.Errorf("re-encode %s = %X", tt.in, enc)
		}
	}
}

func TestDecodePadding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []tlvNode
	}{
		{"empty", "", nil},
		{"only padding", "00FF00FFFF", nil},
		{"before, between, after", "0000 5A0112 FFFF00 9F360200 01 00FF", []tlvNode{{tag: 0x5A, val: "12"}, {tag: 0x9F36, val: "0001"}}},
		{"inside a template", "7009 00 5A0112 FF 5F340101 00", []tlvNode{{tag: 0x70, kids: []tlvNode{{tag: 0x5A, val: "12"}, {tag: 0x5F34, val: "01"}}}}},
		{"template of padding only", "7003 00FF00", []tlvNode{{tag: 0x70, kids: []tlvNode{}}}},
		{"empty template", "7000", []tlvNode{{tag: 0x70, kids: []tlvNode{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tlvHex(t, tt.in))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			checkTLVTree(t, "", got, tt.want)
			for _, o := range got {
				if o.Tag == 0x70 && len(tt.want[0].kids) == 0 && o.Children != nil {
					t.Errorf("empty template: Children %v, want nil", o.Children)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := nestedTemplates(maxDepth + 1)
	tests := []struct {
		name   string
		in     []byte
		cause  error
		broad  error
		offset int
		tag    Tag
	}{
		{"tag cut after first byte", tlvHex(t, "9F"), ErrTruncatedTag, ErrTruncated, 0, 0},
		{"three-byte tag cut", tlvHex(t, "5A0112 DF81"), ErrTruncatedTag, ErrTruncated, 3, 0},
		{"no length", tlvHex(t, "9F02"), ErrTruncatedLength, ErrTruncated, 0, 0x9F02},
		{"81 without its byte", tlvHex(t, "9F4681"), ErrTruncatedLength, ErrTruncated, 0, 0x9F46},
		{"82 with one byte", tlvHex(t, "9F468201"), ErrTruncatedLength, ErrTruncated, 0, 0x9F46},
		{"83 with two bytes", tlvHex(t, "90830100"), ErrTruncatedLength, ErrTruncated, 0, 0x90},
		{"value cut", tlvHex(t, "9F0206 000000"), ErrTruncatedValue, ErrTruncated, 0, 0x9F02},
		{"value cut after 81", tlvHex(t, "9F4681FF 00"), ErrTruncatedValue, ErrTruncated, 0, 0x9F46},
		{"second object cut", tlvHex(t, "5A0112 5F2403 2512"), ErrTruncatedValue, ErrTruncated, 3, 0x5F24},
		{"child runs past its template", tlvHex(t, "6F04 8405 0000"), ErrTruncatedValue, ErrTruncated, 2, 0x84},
		{"nested child runs past its template", tlvHex(t, "6F08 A506 880101 5F2D03"), ErrTruncatedValue, ErrTruncated, 7, 0x5F2D},
		{"template longer than input", tlvHex(t, "7081CF 5A0112"), ErrTruncatedValue, ErrTruncated, 0, 0x70},
		{"nested truncated tag", tlvHex(t, "7002 5A01 9F"), ErrTruncatedValue, ErrTruncated, 2, 0x5A},
		{"indefinite length", tlvHex(t, "7080 5A0112 0000"), ErrIndefiniteLength, ErrBadLength, 0, 0x70},
		{"84 length form", tlvHex(t, "9F4684 00000001 00"), ErrLengthOverflow, ErrBadLength, 0, 0x9F46},
		{"FF length form", tlvHex(t, "5AFF"), ErrLengthOverflow, ErrBadLength, 0, 0x5A},
		{"five-byte tag", tlvHex(t, "DF8181818101 00"), ErrTagTooLong, ErrBadTag, 0, 0},
		{"nested five-byte tag", tlvHex(t, "7007 DF8181818101 00"), ErrTagTooLong, ErrBadTag, 2, 0},
		{"too deep", deep, ErrTooDeep, ErrTooDeep, 2 * maxDepth, 0x70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode = %v, want error", objs)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			if !errors.Is(err, tt.cause) || !errors.Is(err, tt.broad) {
				t.Errorf("error %v: want cause %v within %v", err, tt.cause, tt.broad)
			}
			if de.Offset != tt.offset || de.Tag != tt.tag {
				t.Errorf("error at offset %d tag %s, want offset %d tag %s", de.Offset, de.Tag, tt.offset, tt.tag)
			}
			if objs != nil {
				t.Errorf("objects returned with error")
			}
			// Walk and Scanner report the same error.
			werr := Walk(tt.in, func(Tag, []byte, bool) error { return nil })
			var wde *DecodeError
			if !errors.As(werr, &wde) || *wde != *de {
				t.Errorf("Walk error %v, want %v", werr, err)
			}
		})
	}
}

// nestedTemplates returns n templates 70 nested around 5A 01 12.
func nestedTemplates(n int) []byte {
	o := TLV{Tag: 0x5A, Value: []byte{0x12}}
	for range n {
		o = TLV{Tag: 0x70, Children: []TLV{o}}
	}
	return o.Encode()
}

func TestDecodeMaxDepth(t *testing.T) {
	objs, err := Decode(nestedTemplates(maxDepth))
	if err != nil {
		t.Fatalf("Decode(%d levels): %v", maxDepth, err)
	}
	if o, ok := Find(objs, 0x5A); !ok || o.Value[0] != 0x12 {
		t.Error("innermost object lost")
	}
	n := 0
	if err := Walk(nestedTemplates(maxDepth), func(Tag, []byte, bool) error { n++; return nil }); err != nil || n != maxDepth+1 {
		t.Errorf("Walk: %d objects, %v", n, err)
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	_, err := Decode(tlvHex(t, "5A08 4761739001"))
	want := "decode tlv at offset 0 (tag 5A): value runs past the end of its template or input"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	// The message never carries data bytes.
	if strings.Contains(err.Error(), "4761") {
		t.Errorf("error leaks data: %v", err)
	}
	_, err = Decode(tlvHex(t, "9F"))
	if want := "decode tlv at offset 0: truncated tag"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestDecodeAliasing(t *testing.T) {
	in := tlvHex(t, "770E 82021980 94080801010010010301")
	objs, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	aip := objs[0].Children[0].Value
	if &aip[0] != &in[4] {
		t.Error("Value does not alias the input")
	}
	if cap(aip) != len(aip) {
		t.Errorf("Value capacity %d not clipped to %d", cap(aip), len(aip))
	}
	// Appending to a value or to a slice of objects must not clobber the
	// input or the shared pool of objects.
	_ = append(aip, 0xEE)
	_ = append(objs, TLV{Tag: 0x5A})
	if objs[0].Children[0].Tag != 0x82 || in[6] != 0x94 {
		t.Error("append through a decoded slice overwrote a neighbour")
	}
}

func TestDecodeOneAllocation(t *testing.T) {
	in := tlvHex(t, hexADFFCI)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Decode(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 1 {
		t.Errorf("Decode allocates %v times, want 1", allocs)
	}
}

func TestEncode(t *testing.T) {
	v := func(n int) []byte { return bytes.Repeat([]byte{0x5A}, n) }
	tests := []struct {
		name string
		obj  TLV
		head string // expected encoding minus the value bytes
		n    int    // value length
	}{
		{"empty", TLV{Tag: 0x9F4C}, "9F4C00", 0},
		{"127", TLV{Tag: 0x9F4B, Value: v(127)}, "9F4B7F", 127},
		{"128", TLV{Tag: 0x9F4B, Value: v(128)}, "9F4B8180", 128},
		{"255", TLV{Tag: 0x90, Value: v(255)}, "9081FF", 255},
		{"256", TLV{Tag: 0x90, Value: v(256)}, "90820100", 256},
		{"65535", TLV{Tag: 0x90, Value: v(65535)}, "9082FFFF", 65535},
		{"65536", TLV{Tag: 0x90, Value: v(65536)}, "9083010000", 65536},
		{"three-byte tag", TLV{Tag: 0xDF8101, Value: v(1)}, "DF810101", 1},
		{"four-byte tag", TLV{Tag: 0xDF818101, Value: v(1)}, "DF81810101", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.obj.Encode()
			want := append(tlvHex(t, tt.head), v(tt.n)...)
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = %X..., want %X...", got[:min(len(got), 8)], want[:min(len(want), 8)])
			}
			if back, err := Decode(got); err != nil || back[0].Tag != tt.obj.Tag || len(back[0].Value) != tt.n {
				t.Errorf("Decode(Encode) = %v, %v", back, err)
			}
		})
	}
}

func TestEncodeConstructed(t *testing.T) {
	gpo := TLV{Tag: 0x77, Children: []TLV{
		{Tag: 0x82, Value: tlvHex(t, "1980")},
		{Tag: 0x94, Value: tlvHex(t, "0801010010010301")},
	}}
	if got, want := gpo.Encode(), tlvHex(t, hexGPOFormat2); !bytes.Equal(got, want) {
		t.Errorf("Encode(77 from children) = %X, want %X", got, want)
	}
	// Without Children a template is encoded from its raw Value.
	raw := TLV{Tag: 0x77, Value: tlvHex(t, "82021980 94080801010010010301")}
	if got, want := raw.Encode(), tlvHex(t, hexGPOFormat2); !bytes.Equal(got, want) {
		t.Errorf("Encode(77 from value) = %X, want %X", got, want)
	}
	// Children win over a stale Value.
	stale := gpo
	stale.Value = []byte{1, 2, 3}
	if got := stale.Encode(); !bytes.Equal(got, tlvHex(t, hexGPOFormat2)) {
		t.Errorf("Encode ignored Children: %X", got)
	}
	// A primitive is always encoded from Value.
	prim := TLV{Tag: 0x5A, Value: []byte{0x12}, Children: []TLV{{Tag: 0x80}}}
	if got := prim.Encode(); !bytes.Equal(got, tlvHex(t, "5A0112")) {
		t.Errorf("Encode(primitive with children) = %X", got)
	}
	// An empty non-nil Children gives an empty template.
	if got := (TLV{Tag: 0x70, Value: []byte{1}, Children: []TLV{}}).Encode(); !bytes.Equal(got, tlvHex(t, "7000")) {
		t.Errorf("Encode(empty template) = %X", got)
	}
	// Nested lengths over 127 take the long form at every level.
	big := TLV{Tag: 0x70, Children: []TLV{{Tag: 0x9F46, Value: make([]byte, 256)}}}
	enc := big.Encode()
	if !bytes.HasPrefix(enc, tlvHex(t, "7082 0105 9F46820100")) || len(enc) != 4+5+256 {
		t.Errorf("Encode(big) header %X, len %d", enc[:10], len(enc))
	}
	if got := Encode(); len(got) != 0 {
		t.Errorf("Encode() = %X", got)
	}
	two := Encode(TLV{Tag: 0x5A, Value: []byte{0x12}}, TLV{Tag: 0x5F34, Value: []byte{0x01}})
	if !bytes.Equal(two, tlvHex(t, "5A0112 5F340101")) {
		t.Errorf("Encode(two) = %X", two)
	}
	if got := (TLV{Tag: 0x5A, Value: []byte{0x12}}).AppendTo([]byte{0xCC}); !bytes.Equal(got, tlvHex(t, "CC 5A0112")) {
		t.Errorf("AppendTo = %X", got)
	}
}

func TestFind(t *testing.T) {
	objs, err := Decode(tlvHex(t, hexADFFCI+hexGPOFormat2))
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := Find(objs, 0x9F4D); !ok || !bytes.Equal(o.Value, tlvHex(t, "0B0A")) {
		t.Errorf("Find(9F4D) = %v, %v", o, ok)
	}
	if o, ok := Find(objs, 0xA5); !ok || len(o.Children) != 5 {
		t.Errorf("Find(A5) = %v, %v", o, ok)
	}
	if o, ok := Find(objs, 0x94); !ok || len(o.Value) != 8 {
		t.Errorf("Find(94) = %v, %v", o, ok)
	}
	if _, ok := Find(objs, 0x9F26); ok {
		t.Error("Find(9F26) found a tag that is not there")
	}
	// FindAll, in document order, templates before their content.
	dup, err := Decode(tlvHex(t, "7006 5F340101 7000 5F340102 7004 5F340103"))
	if err != nil {
		t.Fatal(err)
	}
	all := FindAll(dup, 0x5F34)
	if len(all) != 3 || all[0].Value[0] != 1 || all[1].Value[0] != 2 || all[2].Value[0] != 3 {
		t.Errorf("FindAll(5F34) = %v", all)
	}
	if got := FindAll(dup, 0x70); len(got) != 3 {
		t.Errorf("FindAll(70) found %d", len(got))
	}
	if got := FindAll(dup, 0x5A); got != nil {
		t.Errorf("FindAll(5A) = %v", got)
	}
	// Flatten: first occurrence wins; templates map to their raw content.
	tv := Flatten(dup)
	if v, ok := tv.Get(0x5F34); !ok || v[0] != 1 {
		t.Errorf("Flatten 5F34 = %X", v)
	}
	if !bytes.Equal(tv[0x70], tlvHex(t, "5F340101 7000")) {
		t.Errorf("Flatten 70 = %X", tv[0x70])
	}
	if len(tv) != 2 {
		t.Errorf("Flatten has %d tags", len(tv))
	}
}

func TestWalk(t *testing.T) {
	in := tlvHex(t, hexADFFCI)
	var got []string
	err := Walk(in, func(tag Tag, value []byte, constructed bool) error {
		s := tag.String()
		if constructed {
			s += "+"
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "6F+ 84 A5+ 50 87 9F38 5F2D BF0C+ 9F4D"; strings.Join(got, " ") != want {
		t.Errorf("Walk order %q, want %q", strings.Join(got, " "), want)
	}
	// SkipChildren leaves A5's content out.
	got = got[:0]
	err = Walk(in, func(tag Tag, _ []byte, _ bool) error {
		got = append(got, tag.String())
		if tag == 0xA5 {
			return SkipChildren
		}
		return nil
	})
	if err != nil || strings.Join(got, " ") != "6F 84 A5" {
		t.Errorf("Walk with SkipChildren: %q, %v", got, err)
	}
	// A callback error stops the walk and comes back unwrapped.
	stop := errors.New("stop")
	n := 0
	err = Walk(in, func(tag Tag, _ []byte, _ bool) error {
		n++
		if tag == 0x50 {
			return stop
		}
		return nil
	})
	if err != stop || n != 4 {
		t.Errorf("Walk stop: err %v after %d objects", err, n)
	}
	allocs := testing.AllocsPerRun(100, func() {
		_ = Walk(in, func(Tag, []byte, bool) error { return nil })
	})
	if allocs != 0 {
		t.Errorf("Walk allocates %v times", allocs)
	}
}

func TestScanner(t *testing.T) {
	in := tlvHex(t, "00 "+hexPSEFCI+" FF 9F360200 01")
	s := NewScanner(in)
	if !s.Next() || s.Tag() != 0x6F || !s.Constructed() || s.Offset() != 1 {
		t.Fatalf("first: tag %s constructed %v offset %d", s.Tag(), s.Constructed(), s.Offset())
	}
	if !bytes.Equal(s.Raw(), tlvHex(t, hexPSEFCI)) {
		t.Errorf("Raw = %X", s.Raw())
	}
	c := s.Children()
	var tags []string
	for c.Next() {
		tags = append(tags, c.Tag().String())
		if c.Tag() == 0xA5 {
			g := c.Children()
			if !g.Next() || g.Tag() != 0x88 || g.Offset() != 21 || !bytes.Equal(g.Value(), []byte{1}) {
				t.Errorf("grandchild: tag %s offset %d value %X", g.Tag(), g.Offset(), g.Value())
			}
			if gc := g.Children(); gc.Next() {
				t.Error("Children of a primitive yields objects")
			}
		}
	}
	if c.Err() != nil || strings.Join(tags, " ") != "84 A5" {
		t.Errorf("children %q, err %v", tags, c.Err())
	}
	if !s.Next() || s.Tag() != 0x9F36 || s.Constructed() || s.Offset() != 30 || !bytes.Equal(s.Value(), []byte{0, 1}) {
		t.Errorf("second: tag %s offset %d value %X", s.Tag(), s.Offset(), s.Value())
	}
	if s.Next() || s.Err() != nil {
		t.Errorf("end: err %v", s.Err())
	}
	// Nested error offsets are absolute.
	bad := tlvHex(t, "6F08 A506 880101 5F2D03")
	s = NewScanner(bad)
	s.Next()
	c = s.Children()
	c.Next()
	g := c.Children()
	for g.Next() {
	}
	var de *DecodeError
	if !errors.As(g.Err(), &de) || de.Offset != 7 || !errors.Is(de, ErrTruncatedValue) {
		t.Errorf("nested scanner error %v", g.Err())
	}
	if g.Next() {
		t.Error("Next after an error")
	}
}

// tlvTreesEqual compares decoded trees: tags, primitive values, and children of
// templates (whose raw Value may differ in padding or length forms).
func tlvTreesEqual(a, b []TLV) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Tag != b[i].Tag {
			return false
		}
		if a[i].Tag.Constructed() {
			if !tlvTreesEqual(a[i].Children, b[i].Children) {
				return false
			}
		} else if !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func TestRoundTripPaddedNonMinimal(t *testing.T) {
	// Padding and a non-minimal length do not survive byte for byte, but the
	// tree does, and the re-encoding is a fixed point.
	in := tlvHex(t, "00 7081 0A 00 5A8101 12 FF 5F34 0101 00 FF")
	a, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	enc := Encode(a...)
	if !bytes.Equal(enc, tlvHex(t, "7007 5A0112 5F340101")) {
		t.Errorf("re-encoding %X", enc)
	}
	b, err := Decode(enc)
	if err != nil || !tlvTreesEqual(a, b) {
		t.Errorf("tree changed: %v", err)
	}
	if again := Encode(b...); !bytes.Equal(again, enc) {
		t.Errorf("not a fixed point: %X", again)
	}
}
