package iso8583

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// FieldType is the ISO 8583 attribute of a data element's content
// (ISO 8583:1987, 4.3).
type FieldType uint8

const (
	TypeN   FieldType = iota + 1 // numeric digits 0-9
	TypeA                        // alphabetic a-z A-Z
	TypeS                        // special (printable non-alphanumeric, space included)
	TypeAN                       // alphabetic and numeric
	TypeAS                       // alphabetic and special
	TypeNS                       // numeric and special
	TypeANS                      // alphabetic, numeric and special
	TypeB                        // binary
	TypeZ                        // track 2 and 3 code set (ISO/IEC 7813, ISO/IEC 4909): 0-9 : ; < = > ?
	TypeXN                       // "x+n": C (credit) or D (debit) followed by digits
)

var typeNames = [...]string{TypeN: "n", TypeA: "a", TypeS: "s", TypeAN: "an", TypeAS: "as", TypeNS: "ns", TypeANS: "ans", TypeB: "b", TypeZ: "z", TypeXN: "x+n"}

func (t FieldType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText writes the ISO notation ("n", "ans", "x+n").
func (t FieldType) MarshalText() ([]byte, error) {
	if int(t) >= len(typeNames) || typeNames[t] == "" {
		return nil, fmt.Errorf("marshal field type %d: %w", t, ErrSpec)
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText reads the ISO notation, case-insensitively.
func (t *FieldType) UnmarshalText(b []byte) error {
	s := strings.ToLower(string(b))
	for i, n := range typeNames {
		if n != "" && n == s {
			*t = FieldType(i)
			return nil
		}
	}
	return fmt.Errorf("parse field type %q: want one of n a s an as ns ans b z x+n: %w", b, ErrSpec)
}

// Encoding says how a value, a length prefix, the MTI or the bitmap is
// represented on the wire.
type Encoding uint8

const (
	// ASCII: one character per byte. For a b field or the bitmap, two
	// upper-case hexadecimal characters per byte (also spelt "hex").
	ASCII Encoding = iota + 1
	// BCD: two decimal digits per byte, packed (for z fields each character
	// is its 4-bit track code, '=' being D).
	BCD
	// Binary: raw bytes for b fields and the bitmap; a big-endian unsigned
	// integer for a length prefix.
	Binary
)

var encodingNames = [...]string{ASCII: "ascii", BCD: "bcd", Binary: "binary"}

func (e Encoding) String() string {
	if int(e) < len(encodingNames) && encodingNames[e] != "" {
		return encodingNames[e]
	}
	return "encoding(" + strconv.Itoa(int(e)) + ")"
}

// MarshalText writes "ascii", "bcd" or "binary".
func (e Encoding) MarshalText() ([]byte, error) {
	if int(e) >= len(encodingNames) || encodingNames[e] == "" {
		return nil, fmt.Errorf("marshal encoding %d: %w", e, ErrSpec)
	}
	return []byte(encodingNames[e]), nil
}

// UnmarshalText reads "ascii" (or "hex"), "bcd" or "binary".
func (e *Encoding) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "ascii", "hex":
		*e = ASCII
	case "bcd":
		*e = BCD
	case "binary", "bin":
		*e = Binary
	default:
		return fmt.Errorf("parse encoding %q: want ascii, bcd or binary: %w", b, ErrSpec)
	}
	return nil
}

// Prefix is the length form of a field: fixed, or variable with a prefix of
// two, three or four length digits (LLVAR, LLLVAR, LLLLVAR).
type Prefix uint8

const (
	Fixed Prefix = iota
	LL
	LLL
	LLLL
)

func (p Prefix) String() string {
	switch p {
	case Fixed:
		return "fixed"
	case LL:
		return "LL"
	case LLL:
		return "LLL"
	case LLLL:
		return "LLLL"
	}
	return "prefix(" + strconv.Itoa(int(p)) + ")"
}

// digits is the number of decimal digits of the length prefix.
func (p Prefix) digits() int {
	if p == Fixed {
		return 0
	}
	return int(p) + 1
}

// MarshalText writes "fixed", "LL", "LLL" or "LLLL".
func (p Prefix) MarshalText() ([]byte, error) {
	if p > LLLL {
		return nil, fmt.Errorf("marshal prefix %d: %w", p, ErrSpec)
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads "fixed", "LL", "LLL" or "LLLL", case-insensitively.
func (p *Prefix) UnmarshalText(b []byte) error {
	switch strings.ToUpper(string(b)) {
	case "FIXED", "":
		*p = Fixed
	case "LL":
		*p = LL
	case "LLL":
		*p = LLL
	case "LLLL":
		*p = LLLL
	default:
		return fmt.Errorf("parse prefix %q: want fixed, LL, LLL or LLLL: %w", b, ErrSpec)
	}
	return nil
}

// Mask says how the pretty-printer shows a field.
type Mask uint8

const (
	// MaskNone shows the value.
	MaskNone Mask = iota
	// MaskPAN keeps the first six and last four digits (PCI DSS 3.4).
	MaskPAN
	// MaskAll shows only the length: track data, PIN blocks, keys.
	MaskAll
)

func (m Mask) String() string {
	switch m {
	case MaskNone:
		return "none"
	case MaskPAN:
		return "pan"
	case MaskAll:
		return "all"
	}
	return "mask(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText writes "none", "pan" or "all".
func (m Mask) MarshalText() ([]byte, error) {
	if m > MaskAll {
		return nil, fmt.Errorf("marshal mask %d: %w", m, ErrSpec)
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads "none", "pan" or "all".
func (m *Mask) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "none", "":
		*m = MaskNone
	case "pan":
		*m = MaskPAN
	case "all":
		*m = MaskAll
	default:
		return fmt.Errorf("parse mask %q: want none, pan or all: %w", b, ErrSpec)
	}
	return nil
}

// Pad says on which side an odd number of BCD digits gets its filler nibble.
type Pad uint8

const (
	// PadDefault is PadLeft for n and x+n fields (numeric values are right
	// justified) and PadRight for z fields (track data is left justified).
	PadDefault Pad = iota
	// PadLeft puts a 0 nibble before the first digit.
	PadLeft
	// PadRight puts an F nibble after the last digit.
	PadRight
)

// MarshalText writes "left" or "right" ("" for the default).
func (p Pad) MarshalText() ([]byte, error) {
	switch p {
	case PadDefault:
		return []byte(""), nil
	case PadLeft:
		return []byte("left"), nil
	case PadRight:
		return []byte("right"), nil
	}
	return nil, fmt.Errorf("marshal pad %d: %w", p, ErrSpec)
}

// UnmarshalText reads "left" or "right".
func (p *Pad) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "":
		*p = PadDefault
	case "left":
		*p = PadLeft
	case "right":
		*p = PadRight
	default:
		return fmt.Errorf("parse pad %q: want left or right: %w", b, ErrSpec)
	}
	return nil
}

// FieldSpec describes one data element.
type FieldSpec struct {
	Name string    `yaml:"name" json:"name"`
	Type FieldType `yaml:"type" json:"type"`
	// Length is the fixed length, or the maximum of a variable field: in
	// digits for n, z and x+n (the C/D sign not counted), characters for
	// text types, bytes for b (ISO writes "b 64" in bits: that is 8 here,
	// and a b field in ASCII takes 16 hexadecimal characters). A length
	// prefix counts the same units, whatever the encoding.
	Length int `yaml:"length" json:"length"`
	// MinLength is the minimum of a variable field (default 0).
	MinLength int    `yaml:"min_length,omitempty" json:"min_length,omitempty"`
	Prefix    Prefix `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Encoding of the value; zero takes the spec's default for the type.
	Encoding Encoding `yaml:"encoding,omitempty" json:"encoding,omitempty"`
	// PrefixEncoding of a variable field's length; zero takes the spec's
	// default.
	PrefixEncoding Encoding `yaml:"prefix_encoding,omitempty" json:"prefix_encoding,omitempty"`
	// Pad places the filler nibble of an odd-length BCD value.
	Pad Pad `yaml:"pad,omitempty" json:"pad,omitempty"`
	// TLV marks a b field whose content is BER-TLV (EMV Book 3, Annex B),
	// such as DE 55: it can be set and read as []emv.TLV, and the
	// pretty-printer lists its data objects.
	TLV  bool `yaml:"tlv,omitempty" json:"tlv,omitempty"`
	Mask Mask `yaml:"mask,omitempty" json:"mask,omitempty"`
}

// Format returns the ISO notation of the field: "n 6", "n..19", "ans...999",
// "b 8", "x+n 8".
func (f FieldSpec) Format() string {
	dots := ""
	if f.Prefix != Fixed {
		dots = strings.Repeat(".", f.Prefix.digits())
	} else {
		dots = " "
	}
	return f.Type.String() + dots + strconv.Itoa(f.Length)
}

// Defaults are the encodings a field takes when its spec leaves them zero.
type Defaults struct {
	// Numeric for n, z and x+n fields (default ascii).
	Numeric Encoding `yaml:"numeric,omitempty" json:"numeric,omitempty"`
	// Text for a, s, an, as, ns and ans fields (default ascii).
	Text Encoding `yaml:"text,omitempty" json:"text,omitempty"`
	// Binary for b fields (default binary).
	Binary Encoding `yaml:"binary,omitempty" json:"binary,omitempty"`
	// Prefix for the length prefixes of variable fields (default ascii).
	Prefix Encoding `yaml:"prefix,omitempty" json:"prefix,omitempty"`
}

// Spec describes a dialect as data: what a lab writes in YAML or JSON to
// describe its network's ISO 8583 without code. Compile turns it into a
// Dialect.
type Spec struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Version is 1987, 1993 or 2003: the MTI's first digit must then be
	// 0, 1 or 2. Zero accepts any version digit.
	Version int `yaml:"version,omitempty" json:"version,omitempty"`
	// MTI is ascii (four characters, default) or bcd (two bytes).
	MTI Encoding `yaml:"mti,omitempty" json:"mti,omitempty"`
	// Bitmap is binary (8 bytes per bitmap, default) or ascii (16
	// hexadecimal characters per bitmap).
	Bitmap   Encoding `yaml:"bitmap,omitempty" json:"bitmap,omitempty"`
	Defaults Defaults `yaml:"defaults,omitempty" json:"defaults,omitempty"`
	// Fields maps data element numbers 2..128 to their specs (1 is the
	// secondary bitmap, which Pack derives from the fields present).
	Fields map[int]FieldSpec `yaml:"fields" json:"fields"`
	// Mandatory maps an MTI ("0100") to the fields that must be present in
	// it; Message.Validate checks them.
	Mandatory map[string][]int `yaml:"mandatory,omitempty" json:"mandatory,omitempty"`
}

// charset classes, one bit each, looked up per byte.
const (
	clDigit   = 1 << iota // 0-9
	clAlpha               // A-Z a-z
	clSpecial             // printable ASCII, neither digit nor letter (space included)
	clTrack               // ISO/IEC 7813 track 2 code set: 0x30-0x3F
)

var charClass = func() (t [256]uint8) {
	for c := 0x20; c < 0x7F; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = clDigit
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			t[c] = clAlpha
		default:
			t[c] = clSpecial
		}
	}
	for c := 0x30; c <= 0x3F; c++ {
		t[c] |= clTrack
	}
	return t
}()

// allowed is the class mask of each type's characters.
var allowed = [...]uint8{
	TypeN:   clDigit,
	TypeA:   clAlpha,
	TypeS:   clSpecial,
	TypeAN:  clAlpha | clDigit,
	TypeAS:  clAlpha | clSpecial,
	TypeNS:  clDigit | clSpecial,
	TypeANS: clAlpha | clDigit | clSpecial,
	TypeZ:   clTrack,
	TypeXN:  clDigit, // after the sign
}

// codec is the compiled form of a FieldSpec.
type codec struct {
	defined     bool
	typ         FieldType
	enc         Encoding
	prefixEnc   Encoding
	prefix      Prefix
	prefixBytes int // wire size of the length prefix
	min, max    int // in units (digits, characters, bytes); x+n counts the sign
	mask        uint8
	padRight    bool
	tlv         bool
	text        bool // a, s, an, as, ns, ans: fixed values pad with trailing spaces
	verbatim    bool // the wire form is the canonical form (ASCII text, binary b)
	spec        FieldSpec
}

// Dialect is a compiled Spec: the precomputed tables Pack and Unpack use. It
// is immutable and safe for concurrent use.
type Dialect struct {
	spec      Spec
	version   int // expected MTI version digit, -1 for any
	mtiEnc    Encoding
	bitmapEnc Encoding
	fields    [129]codec
	mandatory map[MTI][]int
}

// Name returns the spec's name.
func (d *Dialect) Name() string { return d.spec.Name }

// Spec returns a copy of the spec the dialect was compiled from.
func (d *Dialect) Spec() Spec {
	s := d.spec
	s.Fields = make(map[int]FieldSpec, len(d.spec.Fields))
	for k, v := range d.spec.Fields {
		s.Fields[k] = v
	}
	s.Mandatory = make(map[string][]int, len(d.spec.Mandatory))
	for k, v := range d.spec.Mandatory {
		s.Mandatory[k] = append([]int(nil), v...)
	}
	return s
}

// Field returns the spec of field n.
func (d *Dialect) Field(n int) (FieldSpec, bool) {
	if n < 0 || n > 128 || !d.fields[n].defined {
		return FieldSpec{}, false
	}
	return d.fields[n].spec, true
}

// Mandatory returns the fields the dialect requires in mti, ascending.
func (d *Dialect) Mandatory(mti MTI) []int { return append([]int(nil), d.mandatory[mti]...) }

// MustCompile is Compile for specs built into the program; it panics on an
// invalid spec.
func MustCompile(s Spec) *Dialect {
	d, err := Compile(s)
	if err != nil {
		panic(err)
	}
	return d
}

func specErr(field int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if field > 0 {
		msg = "field " + strconv.Itoa(field) + ": " + msg
	}
	return fmt.Errorf("compile spec: %s: %w", msg, ErrSpec)
}

// Compile checks s and builds its tables.
func Compile(s Spec) (*Dialect, error) {
	d := &Dialect{spec: s, version: -1, mtiEnc: s.MTI, bitmapEnc: s.Bitmap}
	switch s.Version {
	case 0:
	case 1987:
		d.version = 0
	case 1993:
		d.version = 1
	case 2003:
		d.version = 2
	default:
		return nil, specErr(0, "version %d, want 1987, 1993, 2003 or none", s.Version)
	}
	if d.mtiEnc == 0 {
		d.mtiEnc = ASCII
	}
	if d.mtiEnc != ASCII && d.mtiEnc != BCD {
		return nil, specErr(0, "MTI encoding %s, want ascii or bcd", d.mtiEnc)
	}
	if d.bitmapEnc == 0 {
		d.bitmapEnc = Binary
	}
	if d.bitmapEnc != ASCII && d.bitmapEnc != Binary {
		return nil, specErr(0, "bitmap encoding %s, want binary or ascii", d.bitmapEnc)
	}
	def := s.Defaults
	for _, e := range []*Encoding{&def.Numeric, &def.Text, &def.Prefix} {
		if *e == 0 {
			*e = ASCII
		}
	}
	if def.Binary == 0 {
		def.Binary = Binary
	}
	if len(s.Fields) == 0 {
		return nil, specErr(0, "no fields")
	}
	for n, f := range s.Fields {
		c, err := compileField(n, f, def)
		if err != nil {
			return nil, err
		}
		d.fields[n] = c
	}
	d.mandatory = make(map[MTI][]int, len(s.Mandatory))
	for k, list := range s.Mandatory {
		mti, err := ParseMTI(k)
		if err != nil {
			return nil, specErr(0, "mandatory: MTI %q is not four digits", k)
		}
		if d.version >= 0 && int(mti.Version()) != d.version {
			return nil, specErr(0, "mandatory: MTI %s is not of version %d", k, s.Version)
		}
		l := append([]int(nil), list...)
		sort.Ints(l)
		for i, n := range l {
			if n < 2 || n > 128 || !d.fields[n].defined {
				return nil, specErr(0, "mandatory for %s: field %d is not defined", k, n)
			}
			if i > 0 && l[i-1] == n {
				return nil, specErr(0, "mandatory for %s: field %d listed twice", k, n)
			}
		}
		d.mandatory[mti] = l
	}
	return d, nil
}

// maxPrefixValue is the largest length each prefix form can carry.
var maxPrefixValue = [...]int{Fixed: 0, LL: 99, LLL: 999, LLLL: 9999}

func compileField(n int, f FieldSpec, def Defaults) (codec, error) {
	c := codec{defined: true, typ: f.Type, prefix: f.Prefix, spec: f, tlv: f.TLV}
	if n < 2 || n > 128 {
		return c, specErr(0, "field number %d outside 2..128 (1 is the secondary bitmap)", n)
	}
	if f.Type == 0 || int(f.Type) >= len(typeNames) {
		return c, specErr(n, "no type")
	}
	if f.Prefix > LLLL {
		return c, specErr(n, "bad prefix")
	}
	if f.Mask > MaskAll {
		return c, specErr(n, "bad mask")
	}
	if f.Length < 1 {
		return c, specErr(n, "length %d, want at least 1", f.Length)
	}
	c.enc = f.Encoding
	switch f.Type {
	case TypeN, TypeZ, TypeXN:
		if c.enc == 0 {
			c.enc = def.Numeric
		}
		if c.enc != ASCII && c.enc != BCD {
			return c, specErr(n, "%s field encoded %s, want ascii or bcd", f.Type, c.enc)
		}
	case TypeB:
		if c.enc == 0 {
			c.enc = def.Binary
		}
		if c.enc != ASCII && c.enc != Binary {
			return c, specErr(n, "b field encoded %s, want binary or ascii (hex)", c.enc)
		}
	default:
		c.text = true
		if c.enc == 0 {
			c.enc = def.Text
		}
		if c.enc != ASCII {
			return c, specErr(n, "%s field encoded %s, want ascii", f.Type, c.enc)
		}
	}
	if f.TLV && f.Type != TypeB {
		return c, specErr(n, "tlv field of type %s, want b", f.Type)
	}
	if f.Pad != PadDefault {
		if f.Pad > PadRight {
			return c, specErr(n, "bad pad")
		}
		if c.enc != BCD {
			return c, specErr(n, "pad applies to bcd fields only")
		}
	}
	c.padRight = f.Pad == PadRight || (f.Pad == PadDefault && f.Type == TypeZ)
	c.max = f.Length
	c.min = f.Length
	if f.Type == TypeXN {
		// The sign is one more character; Length counts digits as ISO
		// writes it ("x+n 16" carries 17 characters).
		c.max++
		c.min++
	}
	if f.Prefix != Fixed {
		c.prefixEnc = f.PrefixEncoding
		if c.prefixEnc == 0 {
			c.prefixEnc = def.Prefix
		}
		if c.prefixEnc > Binary {
			return c, specErr(n, "bad prefix encoding")
		}
		if f.Length > maxPrefixValue[f.Prefix] {
			return c, specErr(n, "length %d does not fit a %s prefix", f.Length, f.Prefix)
		}
		if f.MinLength < 0 || f.MinLength > f.Length {
			return c, specErr(n, "min_length %d outside 0..%d", f.MinLength, f.Length)
		}
		c.min = f.MinLength
		if f.Type == TypeXN {
			c.min = f.MinLength + 1
		}
		switch c.prefixEnc {
		case ASCII:
			c.prefixBytes = f.Prefix.digits()
		case BCD:
			c.prefixBytes = (f.Prefix.digits() + 1) / 2
		case Binary:
			c.prefixBytes = 1
			if maxPrefixValue[f.Prefix] > 255 {
				c.prefixBytes = 2
			}
		}
	} else {
		if f.MinLength != 0 && f.MinLength != f.Length {
			return c, specErr(n, "min_length on a fixed field")
		}
		if f.PrefixEncoding != 0 {
			return c, specErr(n, "prefix_encoding on a fixed field")
		}
	}
	if f.Type != TypeB && f.Type != TypeXN {
		c.mask = allowed[f.Type]
	}
	c.verbatim = (c.enc == ASCII && f.Type != TypeB) || (c.enc == Binary && f.Type == TypeB)
	return c, nil
}
