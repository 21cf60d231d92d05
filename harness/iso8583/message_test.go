package iso8583

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/paylab/paylab/harness/emv"
)

const (
	typicalPAN    = "4761739001010119"
	typicalTrack2 = "4761739001010119=25122011143804400000"
)

func packTypical(t *testing.T) ([]byte, []emv.TLV) {
	t.Helper()
	m, objs := loadTypical(t)
	if err := m.SetTLV(55, objs); err != nil {
		t.Fatal(err)
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b, objs
}

func TestTypicalRoundTrip(t *testing.T) {
	m, objs := loadTypical(t)
	if err := m.SetTLV(55, objs); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	packed, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	// The bitmap of the typical request: fields 2-4, 7, 11-14, 18, 22, 23,
	// 25, 35, 37, 41-43, 49, 55.
	if got := packed[4:12]; !bytes.Equal(got, []byte{0x72, 0x3C, 0x46, 0x80, 0x28, 0xE0, 0x82, 0x00}) {
		t.Errorf("bitmap %X", got)
	}
	back, err := Unpack(ISO1987, packed)
	if err != nil {
		t.Fatal(err)
	}
	if back.MTI != m.MTI || !reflect.DeepEqual(back.Fields(), m.Fields()) {
		t.Fatalf("unpacked %s %v, want %s %v", back.MTI, back.Fields(), m.MTI, m.Fields())
	}
	for _, n := range m.Fields() {
		want, _ := m.GetBytes(n)
		got, _ := back.GetBytes(n)
		if !bytes.Equal(got, want) {
			t.Errorf("field %d: %q, want %q", n, got, want)
		}
	}
	got, err := back.GetTLV(55)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("%d data objects, want %d", len(got), len(objs))
	}
	for i := range objs {
		if got[i].Tag != objs[i].Tag || !bytes.Equal(got[i].Value, objs[i].Value) {
			t.Errorf("object %d: %s %X, want %s %X", i, got[i].Tag, got[i].Value, objs[i].Tag, objs[i].Value)
		}
	}
	again, err := back.Pack()
	if err != nil || !bytes.Equal(again, packed) {
		t.Fatalf("repacked differs: %v", err)
	}
	// Packing into a caller's buffer appends.
	buf, err := back.AppendPack([]byte("xx"))
	if err != nil || string(buf[:2]) != "xx" || !bytes.Equal(buf[2:], packed) {
		t.Fatalf("AppendPack: %v", err)
	}
}

func TestSetGet(t *testing.T) {
	m := NewMessage(ISO1987, MustMTI("0200"))
	for _, c := range []struct {
		n        int
		in, want string
	}{
		{4, "1000", "000000001000"},
		{41, "T1", "T1      "},
		{2, typicalPAN, typicalPAN},
		{52, "0123456789abcdef", "0123456789ABCDEF"},
		{28, "C00000150", "C00000150"},
	} {
		if err := m.SetString(c.n, c.in); err != nil {
			t.Fatalf("SetString(%d): %v", c.n, err)
		}
		if got, ok := m.GetString(c.n); !ok || got != c.want {
			t.Errorf("GetString(%d) = %q, %v; want %q", c.n, got, ok, c.want)
		}
	}
	if err := m.SetBytes(52, []byte{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetString(52); got != "0102030405060708" {
		t.Errorf("GetString(52) = %s", got)
	}
	if err := m.SetBytes(37, []byte("RRN1")); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetString(37); got != "RRN1        " {
		t.Errorf("GetString(37) = %q", got)
	}
	if !m.Has(2) || m.Has(3) || m.Has(1) || m.Has(0) || m.Has(129) {
		t.Error("Has")
	}
	if got := m.Fields(); !reflect.DeepEqual(got, []int{2, 4, 28, 37, 41, 52}) {
		t.Errorf("Fields() = %v", got)
	}
	m.Unset(28)
	m.Unset(500)
	if _, ok := m.GetBytes(28); ok {
		t.Error("field 28 still present")
	}
	if _, ok := m.GetString(3); ok {
		t.Error("absent field 3 reported present")
	}
	// Fields 65..128 bring in the secondary bitmap, field 1.
	if err := m.SetString(70, "301"); err != nil {
		t.Fatal(err)
	}
	if !m.Has(1) {
		t.Error("field 1 absent with field 70 set")
	}
	packed, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if packed[4]&0x80 == 0 || len(packed) < 20 {
		t.Fatalf("no secondary bitmap: %X", packed[:20])
	}
	back, err := Unpack(ISO1987, packed)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.GetString(70); got != "301" {
		t.Errorf("field 70 = %q", got)
	}
	m.Reset()
	if len(m.Fields()) != 0 || m.MTI != 0 || m.Has(1) {
		t.Error("Reset left fields")
	}
	if m.Dialect() != ISO1987 {
		t.Error("Reset lost the dialect")
	}
}

func TestSetErrors(t *testing.T) {
	m := NewMessage(ISO1987, MustMTI("0100"))
	tests := []struct {
		n    int
		v    string
		want error
	}{
		{3, "12a456", ErrCharset},
		{3, "1234567", ErrLength},
		{2, strings.Repeat("4", 20), ErrLength},
		{1, "00", ErrBitmapField},
		{65, "00", ErrUndefined},
		{129, "00", ErrUndefined},
		{0, "00", ErrUndefined},
		{52, "zz", ErrCharset},
		{52, "012", ErrCharset},
		{52, "0011", ErrLength},
		{35, "4761D2512", ErrCharset},
		{28, "X00000100", ErrCharset},
		{37, "ab-c", ErrCharset},
		{43, "café", ErrCharset},
	}
	for _, tt := range tests {
		err := m.SetString(tt.n, tt.v)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.n || !errors.Is(err, tt.want) {
			t.Errorf("SetString(%d, %q): err = %v, want field %d %v", tt.n, tt.v, err, tt.n, tt.want)
		}
		if err := m.SetBytes(tt.n, []byte(tt.v)); err == nil && tt.n != 52 {
			t.Errorf("SetBytes(%d, %q) accepted", tt.n, tt.v)
		}
	}
	if len(m.Fields()) != 0 || len(m.arena) != 0 {
		t.Errorf("failed sets left state: %v, %d arena bytes", m.Fields(), len(m.arena))
	}
}

func TestTLVAccessors(t *testing.T) {
	m := NewMessage(ISO1987, MustMTI("0100"))
	if objs, err := m.GetTLV(55); objs != nil || err != nil {
		t.Errorf("absent DE 55: %v, %v", objs, err)
	}
	if _, err := m.GetTLV(48); !errors.Is(err, ErrNotTLV) {
		t.Errorf("GetTLV(48): %v", err)
	}
	if err := m.SetTLV(48, nil); !errors.Is(err, ErrNotTLV) {
		t.Errorf("SetTLV(48): %v", err)
	}
	if err := m.SetTLV(65, nil); !errors.Is(err, ErrUndefined) {
		t.Errorf("SetTLV(65): %v", err)
	}
	if _, err := m.GetTLV(1); !errors.Is(err, ErrBitmapField) {
		t.Errorf("GetTLV(1): %v", err)
	}
	objs := []emv.TLV{
		{Tag: emv.TagAmount, Value: []byte{0, 0, 0, 0, 0x10, 0}},
		{Tag: 0x71, Children: []emv.TLV{{Tag: 0x9F18, Value: []byte{1, 2, 3, 4}}}},
	}
	if err := m.SetTLV(55, objs); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetTLV(55); !reflect.DeepEqual(got, objs) {
		t.Error("GetTLV does not return what SetTLV set")
	}
	want := emv.Encode(objs...)
	if got, _ := m.GetBytes(55); !bytes.Equal(got, want) {
		t.Errorf("GetBytes(55) = %X, want %X", got, want)
	}
	// Opaque bytes replace data objects, and are parsed on demand.
	if err := m.SetBytes(55, []byte{0x9F, 0x02, 0x06}); err != nil {
		t.Fatal(err)
	}
	_, err := m.GetTLV(55)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != 55 || !errors.Is(err, emv.ErrTruncated) {
		t.Errorf("malformed DE 55: %v", err)
	}
	// An encoding longer than the field allows fails to pack.
	big := []emv.TLV{{Tag: 0x9F10, Value: make([]byte, 1000)}}
	if err := m.SetTLV(55, big); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Pack(); !errors.As(err, &fe) || fe.Field != 55 || !errors.Is(err, ErrLength) {
		t.Errorf("oversized DE 55: %v", err)
	}
	// A dialect whose DE 55 is hexadecimal text packs data objects too.
	d := loadDialectFile(t, "ascii-hex.json")
	h := NewMessage(d, MustMTI("0100"))
	if err := h.SetTLV(55, objs); err != nil {
		t.Fatal(err)
	}
	packed, err := h.Pack()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unpack(d, packed)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.GetBytes(55); !bytes.Equal(got, want) {
		t.Errorf("hex DE 55 = %X, want %X", got, want)
	}
}

func TestUnpackErrors(t *testing.T) {
	packed, _ := packTypical(t)
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), packed...))
	}
	// Offsets in the typical request: MTI 0-3, bitmap 4-11, DE 2 prefix
	// 12-13, PAN 14-29, DE 3 30-35.
	tests := []struct {
		name  string
		data  []byte
		field int // 0: not a field error
		want  error
		as    any
	}{
		{"empty", nil, 0, ErrShort, new(*MTIError)},
		{"MTI not digits", mutate(func(b []byte) []byte { b[2] = 'X'; return b }), 0, ErrMTI, new(*MTIError)},
		{"MTI of 1993", mutate(func(b []byte) []byte { b[0] = '1'; return b }), 0, ErrVersion, new(*MTIError)},
		{"bitmap short", packed[:9], 0, ErrShort, new(*BitmapError)},
		{"secondary short", mutate(func(b []byte) []byte { b[4] |= 0x80; return b[:14] }), 0, ErrShort, new(*BitmapError)},
		{"field 64 announced, absent", mutate(func(b []byte) []byte { b[11] |= 0x01; return b }), 64, ErrShort, new(*FieldError)},
		{"field 65 in 1987", mutate(func(b []byte) []byte {
			b[4] |= 0x80
			return append(b[:12], append([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, b[12:]...)...)
		}), 65, ErrUndefined, new(*FieldError)},
		{"PAN prefix", mutate(func(b []byte) []byte { b[12] = 'A'; return b }), 2, ErrPrefix, new(*FieldError)},
		{"PAN too long", mutate(func(b []byte) []byte { b[12], b[13] = '2', '0'; return b }), 2, ErrLength, new(*FieldError)},
		{"PAN letter", mutate(func(b []byte) []byte { b[20] = 'A'; return b }), 2, ErrCharset, new(*FieldError)},
		{"processing code letter", mutate(func(b []byte) []byte { b[31] = 'A'; return b }), 3, ErrCharset, new(*FieldError)},
		{"truncated in DE 55", packed[:len(packed)-1], 55, ErrShort, new(*FieldError)},
		{"trailing byte", append(append([]byte(nil), packed...), 0), 0, ErrTrailing, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unpack(ISO1987, tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Fatalf("err = %T %v, want %T", err, err, tt.as)
			}
			var fe *FieldError
			if errors.As(err, &fe) != (tt.field != 0) || (fe != nil && fe.Field != tt.field) {
				t.Fatalf("err = %v, want field %d", err, tt.field)
			}
		})
	}
}

// No error message may carry PAN or track digits (the rule of DESIGN.md:
// at most the first six and last four). Every truncation and every single
// byte corruption of the typical request is tried.
func TestErrorsNeverShowCardData(t *testing.T) {
	packed, _ := packTypical(t)
	secrets := []string{typicalPAN[6:12], "73900101", "25122011143804400000"[4:]}
	check := func(err error) {
		if err == nil {
			return
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("error %q shows card data", err)
			}
		}
	}
	for i := 0; i < len(packed); i++ {
		_, err := Unpack(ISO1987, packed[:i])
		if err == nil {
			t.Fatalf("truncation at %d unpacked", i)
		}
		check(err)
		for _, x := range []byte{0x00, 'A', '9', 0xFF, ' '} {
			b := append([]byte(nil), packed...)
			b[i] = x
			_, err := Unpack(ISO1987, b)
			check(err)
		}
	}
	m := NewMessage(ISO1987, MustMTI("0100"))
	check(m.SetString(2, typicalPAN+"000"+"X"))
	check(m.SetString(35, typicalTrack2+"D"))
	check(m.SetString(35, typicalTrack2+"12345"))
}

func TestPackErrors(t *testing.T) {
	m := NewMessage(ISO1987, MustMTI("1100"))
	if _, err := m.Pack(); !errors.Is(err, ErrVersion) {
		t.Errorf("1100 in 1987: %v", err)
	}
	m.MTI = 10000
	if _, err := m.Pack(); !errors.Is(err, ErrMTI) {
		t.Errorf("MTI 10000: %v", err)
	}
	if err := m.Validate(); !errors.Is(err, ErrMTI) {
		t.Errorf("Validate MTI 10000: %v", err)
	}
	m.MTI = MustMTI("0100")
	if err := m.SetString(41, "TERM0001"); err != nil {
		t.Fatal(err)
	}
	// A caller that writes into a value it got breaks it; Pack trusts the
	// values it holds, Validate notices.
	v, _ := m.GetBytes(41)
	v[0] = 0x01
	err := m.Validate()
	found := false
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Field == 41 && fe.Op == "validate" && errors.Is(e, ErrCharset) {
			found = true
		}
	}
	if !found {
		t.Errorf("corrupted field 41 not reported: %v", err)
	}
	// An error leaves what AppendPack appends to as it was.
	m.MTI = MustMTI("1100")
	out, err := m.AppendPack([]byte("keep"))
	if err == nil || string(out) != "keep" {
		t.Errorf("AppendPack on error = %q, %v", out, err)
	}
}

func TestValidate(t *testing.T) {
	m, objs := loadTypical(t)
	if err := m.SetTLV(55, objs); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Unset(41)
	m.Unset(49)
	err := m.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != 41 || !errors.Is(err, ErrMandatory) {
		t.Fatalf("Validate without 41, 49: %v", err)
	}
	if !strings.Contains(err.Error(), "field 49") {
		t.Errorf("Validate does not report field 49: %v", err)
	}
	// Pack does not enforce mandatory fields: a test may send a message
	// that lacks one.
	if _, err := m.Pack(); err != nil {
		t.Errorf("Pack of an incomplete message: %v", err)
	}
	n := NewMessage(ISO1987, MustMTI("0800"))
	for f, v := range map[int]string{7: "0701123045", 11: "000001", 70: "301"} {
		if err := n.SetString(f, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Validate(); err != nil {
		t.Errorf("0800: %v", err)
	}
	n.MTI = MustMTI("1804")
	if err := n.Validate(); !errors.Is(err, ErrVersion) {
		t.Errorf("1804 in 1987: %v", err)
	}
	// An MTI without rules has no mandatory fields.
	n.MTI = MustMTI("0600")
	if err := n.Validate(); err != nil {
		t.Errorf("0600: %v", err)
	}
}

func TestAliasingAndClone(t *testing.T) {
	packed, _ := packTypical(t)
	m, err := Unpack(ISO1987, packed)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	i := bytes.Index(packed, []byte("TERM0001"))
	packed[i] = 'X'
	if got, _ := m.GetString(41); got != "XERM0001" {
		t.Errorf("unpacked field 41 does not alias the input: %q", got)
	}
	if got, _ := c.GetString(41); got != "TERM0001" {
		t.Errorf("clone aliases the input: %q", got)
	}
	if !reflect.DeepEqual(c.Fields(), m.Fields()) || c.MTI != m.MTI {
		t.Error("clone differs")
	}
	// Reuse: unpacking a smaller message into m leaves nothing behind.
	small := NewMessage(ISO1987, MustMTI("0800"))
	_ = small.SetString(70, "301")
	_ = small.SetString(11, "000002")
	b, err := small.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Fields(), []int{11, 70}) || m.MTI != MustMTI("0800") {
		t.Errorf("reused message: %s %v", m.MTI, m.Fields())
	}
	if objs, err := m.GetTLV(55); objs != nil || err != nil {
		t.Error("stale DE 55 after reuse")
	}
}

// randomValue returns a valid canonical value for c.
func randomValue(r *rand.Rand, c *codec) []byte {
	n := c.min + r.IntN(min(c.max, c.min+40)-c.min+1)
	v := make([]byte, n)
	switch c.typ {
	case TypeB:
		for i := range v {
			v[i] = byte(r.UintN(256))
		}
		return v
	case TypeXN:
		v[0] = "CD"[r.IntN(2)]
		for i := 1; i < n; i++ {
			v[i] = '0' + byte(r.IntN(10))
		}
		return v
	}
	var pool []byte
	for ch := 0; ch < 256; ch++ {
		if charClass[ch]&c.mask != 0 {
			pool = append(pool, byte(ch))
		}
	}
	for i := range v {
		v[i] = pool[r.IntN(len(pool))]
	}
	return v
}

// Random messages of every test dialect survive pack and unpack unchanged.
func TestRandomRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(8583, 1987))
	for _, d := range testDialects(t) {
		var defined []int
		for n := 2; n <= 128; n++ {
			if d.fields[n].defined {
				defined = append(defined, n)
			}
		}
		for iter := 0; iter < 300; iter++ {
			m := NewMessage(d, versionMTI(d))
			for _, n := range defined {
				if r.IntN(3) == 0 {
					if err := m.SetBytes(n, randomValue(r, &d.fields[n])); err != nil {
						t.Fatalf("%s: SetBytes(%d): %v", d.Name(), n, err)
					}
				}
			}
			packed, err := m.Pack()
			if err != nil {
				t.Fatalf("%s: Pack: %v", d.Name(), err)
			}
			back, err := Unpack(d, packed)
			if err != nil {
				t.Fatalf("%s: Unpack: %v\n%X", d.Name(), err, packed)
			}
			if !reflect.DeepEqual(back.Fields(), m.Fields()) {
				t.Fatalf("%s: fields %v, want %v", d.Name(), back.Fields(), m.Fields())
			}
			for _, n := range m.Fields() {
				want, _ := m.GetBytes(n)
				got, _ := back.GetBytes(n)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: field %d = %q, want %q", d.Name(), n, got, want)
				}
			}
			again, err := back.Pack()
			if err != nil || !bytes.Equal(again, packed) {
				t.Fatalf("%s: repack differs (%v)", d.Name(), err)
			}
		}
	}
}

// A message with every field, whose fields are unset and set again many
// times, keeps each value where it belongs.
func TestManyFieldsAndSlots(t *testing.T) {
	all := map[int]FieldSpec{}
	for n := 2; n <= 128; n++ {
		all[n] = FieldSpec{Type: TypeN, Length: 3, Prefix: LL}
	}
	d := MustCompile(Spec{Name: "all", Fields: all})
	m := NewMessage(d, MustMTI("0100"))
	want := map[int]string{}
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 2000; round++ {
		n := 2 + r.IntN(127)
		if r.IntN(3) == 0 {
			m.Unset(n)
			delete(want, n)
			continue
		}
		v := strings.Repeat(string(rune('0'+r.IntN(10))), 1+r.IntN(3))
		if err := m.SetString(n, v); err != nil {
			t.Fatal(err)
		}
		want[n] = v
	}
	check := func(m *Message) {
		t.Helper()
		if len(m.Fields()) != len(want) {
			t.Fatalf("%d fields, want %d", len(m.Fields()), len(want))
		}
		for n, v := range want {
			if got, _ := m.GetString(n); got != v {
				t.Fatalf("field %d = %q, want %q", n, got, v)
			}
		}
	}
	check(m)
	check(m.Clone())
	packed, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unpack(d, packed)
	if err != nil {
		t.Fatal(err)
	}
	check(back)
	for n := 2; n <= 128; n++ {
		_ = m.SetString(n, "7")
		want[n] = "7"
	}
	check(m)
}

func TestMessageSize(t *testing.T) {
	if size := unsafe.Sizeof(Message{}); size > 512 {
		t.Errorf("Message is %d bytes; keep it within 512 (see inlineSlots)", size)
	}
}

func TestZeroMessage(t *testing.T) {
	var m Message
	if _, err := m.Pack(); !errors.Is(err, ErrNoDialect) {
		t.Errorf("Pack: %v", err)
	}
	if _, err := m.AppendPack(nil); !errors.Is(err, ErrNoDialect) {
		t.Errorf("AppendPack: %v", err)
	}
	if err := m.Unpack([]byte("0100")); !errors.Is(err, ErrNoDialect) {
		t.Errorf("Unpack: %v", err)
	}
	if err := m.SetString(2, "1"); !errors.Is(err, ErrNoDialect) {
		t.Errorf("SetString: %v", err)
	}
	if err := m.Validate(); !errors.Is(err, ErrNoDialect) {
		t.Errorf("Validate: %v", err)
	}
	if _, ok := m.GetString(2); ok || m.String() == "" {
		t.Error("zero message")
	}
}

// Setting a field over and over does not grow the message's storage
// without bound, and values unpacked from an input survive the compaction.
func TestArenaCompaction(t *testing.T) {
	packed, _ := packTypical(t)
	m, err := Unpack(ISO1987, packed)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 999)
	for i := 0; i < 2*arenaCompactAt/len(big); i++ {
		if err := m.SetString(48, big[:999-i%7]); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.arena) > arenaCompactAt {
		t.Errorf("storage grew to %d bytes", len(m.arena))
	}
	if got, _ := m.GetString(41); got != "TERM0001" {
		t.Errorf("field 41 after compaction: %q", got)
	}
	if got, _ := m.GetString(2); got != typicalPAN {
		t.Error("field 2 lost in compaction")
	}
	packed[14] = '0' // m no longer aliases the input
	if got, _ := m.GetString(2); got != typicalPAN {
		t.Error("field 2 still aliases the input after compaction")
	}
}

// DE 55 that is not BER-TLV is shown masked whole: it may hold a PAN.
func TestDescribeMalformedTLV(t *testing.T) {
	m := NewMessage(ISO1987, MustMTI("0100"))
	bad := append([]byte{0x5A, 0x08}, 0x47, 0x61, 0x73, 0x90, 0x01) // truncated PAN object
	if err := m.SetBytes(55, bad); err != nil {
		t.Fatal(err)
	}
	d := m.Describe(DescribeOptions{})
	f := d.Fields[0]
	if f.Value != emv.Masked || !f.Masked || !strings.HasPrefix(f.Note, "not BER-TLV: ") {
		t.Errorf("masked: %+v", f)
	}
	if s := d.String(); strings.Contains(s, "4761739") || !strings.Contains(s, "not BER-TLV") {
		t.Errorf("text:\n%s", s)
	}
	u := m.Describe(DescribeOptions{Unmask: true}).Fields[0]
	if u.Value != "5A084761739001" || u.Masked {
		t.Errorf("unmasked: %+v", u)
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&FieldError{Field: 2, Err: ErrShort}, "process field 2: input too short"},
		{&FieldError{Op: "unpack", Field: 35, Err: &LengthError{Got: 40, Min: 0, Max: 37}}, "unpack field 35: length 40 outside 0..37"},
		{&LengthError{Got: 5, Min: 6, Max: 6}, "length 5, want 6"},
		{&MTIError{Op: "unpack", Err: ErrVersion}, "unpack MTI: MTI version does not match the dialect"},
		{&BitmapError{Op: "unpack", Secondary: true, Err: ErrShort}, "unpack secondary bitmap: input too short"},
		{&BitmapError{Op: "unpack", Err: ErrShort}, "unpack primary bitmap: input too short"},
		{&FrameError{Op: "read", Err: io.ErrUnexpectedEOF}, "read frame: unexpected EOF"},
		{&FieldError{Op: "set", Field: 3, Err: &posError{ErrCharset, 2}}, "set field 3: character not allowed by the field type at offset 2"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}
