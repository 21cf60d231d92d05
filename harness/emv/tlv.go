package emv

import (
	"errors"
	"strconv"
)

// BER-TLV as profiled by EMV Book 3, Annex B (ISO/IEC 8825-1 basic encoding
// rules, ISO/IEC 7816-4 Annex D):
//
//   - tag: one byte, or more when bits b5..b1 of the first byte are all 1;
//     every subsequent byte with b8 set is followed by another (Annex B1,
//     Tables 35 and 36). EMV tags are at most three bytes; four are accepted
//     because Tag holds them and proprietary schemes use them.
//   - length: one byte 00..7F, or 81 xx, 82 xxxx, 83 xxxxxx (Annex B2). The
//     indefinite form 80 is not used in EMV or ISO/IEC 7816 and is refused,
//     as are length fields of five bytes or more (84 and up).
//   - '00' and 'FF' bytes without meaning may occur before, between or after
//     data objects (Annex B; ISO/IEC 7816-4 Annex D.1 note) and are skipped.

// maxDepth bounds template nesting: at most maxDepth templates nest inside
// one another. Real EMV data nests four levels at most
// (6F / A5 / BF0C / 61); the bound only keeps hostile input from recursing
// without limit.
const maxDepth = 32

// decodeCause is a sentinel cause of a DecodeError. It may wrap a broader
// sentinel so that errors.Is(err, ErrTruncated) matches every truncation.
type decodeCause struct {
	msg    string
	parent error
}

func (e *decodeCause) Error() string { return e.msg }
func (e *decodeCause) Unwrap() error { return e.parent }

// Broad causes: every specific cause below but ErrTooDeep wraps one of them.
var (
	// ErrTruncated: the input ends inside a tag, length or value field.
	ErrTruncated = errors.New("truncated data object")
	// ErrBadLength: the length field is of a form EMV does not allow.
	ErrBadLength = errors.New("bad length field")
	// ErrBadTag: the tag field is of a form EMV does not allow.
	ErrBadTag = errors.New("bad tag field")
)

// Specific causes carried in DecodeError.Err.
var (
	ErrTruncatedTag     error = &decodeCause{"truncated tag", ErrTruncated}
	ErrTruncatedLength  error = &decodeCause{"truncated length", ErrTruncated}
	ErrTruncatedValue   error = &decodeCause{"value runs past the end of its template or input", ErrTruncated}
	ErrIndefiniteLength error = &decodeCause{"indefinite length form 80", ErrBadLength}
	ErrLengthOverflow   error = &decodeCause{"length field too long (84 and up; 83 and up in a DOL)", ErrBadLength}
	ErrTagTooLong       error = &decodeCause{"tag longer than four bytes", ErrBadTag}
	ErrInvalidTag       error = &decodeCause{"tag byte 00 or FF", ErrBadTag}
	ErrTooDeep          error = &decodeCause{"templates nested deeper than " + strconv.Itoa(maxDepth) + " levels", nil}
)

// DecodeError reports malformed BER-TLV. Offset is the absolute position,
// within the input given to the top-level call, of the first tag byte of the
// offending data object. Tag is that object's tag when it could be read
// (zero for a bad or truncated tag). Err is one of the ErrXxx causes of this
// package. The message carries no data bytes, so it is safe to log.
type DecodeError struct {
	Offset int
	Tag    Tag
	Err    error
}

func (e *DecodeError) Error() string {
	s := "decode tlv at offset " + strconv.Itoa(e.Offset)
	if e.Tag != 0 {
		s += " (tag " + e.Tag.String() + ")"
	}
	return s + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

func isPadding(c byte) bool { return c == 0x00 || c == 0xFF }

// readHeader parses the tag and length fields of the data object that starts
// at b[pos] (not a padding byte). It returns the tag and the bounds of the
// value field within b. On error tag is zero if the tag itself is at fault.
func readHeader(b []byte, pos int) (tag Tag, vs, ve int, cause error) {
	// Fast path: one-byte tag, short-form length.
	if pos+1 < len(b) && b[pos]&0x1F != 0x1F && b[pos+1] < 0x80 {
		if vs, l := pos+2, int(b[pos+1]); l <= len(b)-vs {
			return Tag(b[pos]), vs, vs + l, nil
		}
	}
	tag, l, i, cause := readTagLen(b, pos, 3)
	if cause != nil {
		return tag, 0, 0, cause
	}
	if l > len(b)-i {
		return tag, 0, 0, ErrTruncatedValue
	}
	return tag, i, i + l, nil
}

// readTagLen parses a tag field and a length field of at most 1+maxLen bytes
// at b[pos], without looking at the value. It returns the length and the
// position after the length field.
func readTagLen(b []byte, pos, maxLen int) (tag Tag, l, next int, cause error) {
	first := b[pos]
	tag = Tag(first)
	i := pos + 1
	if first&0x1F == 0x1F { // multi-byte tag (Annex B1, Table 36)
		for {
			if i-pos >= 4 {
				return 0, 0, 0, ErrTagTooLong
			}
			if i >= len(b) {
				return 0, 0, 0, ErrTruncatedTag
			}
			c := b[i]
			i++
			tag = tag<<8 | Tag(c)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return tag, 0, 0, ErrTruncatedLength
	}
	l = int(b[i])
	i++
	if l&0x80 != 0 { // long form (Annex B2)
		n := l & 0x7F
		switch {
		case n == 0:
			return tag, 0, 0, ErrIndefiniteLength
		case n > maxLen:
			return tag, 0, 0, ErrLengthOverflow
		case n > len(b)-i:
			return tag, 0, 0, ErrTruncatedLength
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	}
	return tag, l, i, nil
}

// skipPadding returns the position of the first non-padding byte at or after
// pos, or len(b).
func skipPadding(b []byte, pos int) int {
	for pos < len(b) && isPadding(b[pos]) {
		pos++
	}
	return pos
}

// countTree validates b (the content of a template at absolute offset base
// and nesting depth). It appends to levels the number of objects of this
// level and of every level below (template contents), in pre-order, so that
// fill needs no second count, and returns the total number of objects.
func countTree(b []byte, base, depth int, levels []int32) ([]int32, int, error) {
	slot := len(levels)
	levels = append(levels, 0)
	k, total := 0, 0
	for pos := skipPadding(b, 0); pos < len(b); pos = skipPadding(b, pos) {
		tag, vs, ve, cause := readHeader(b, pos)
		if cause != nil {
			return levels, 0, &DecodeError{Offset: base + pos, Tag: tag, Err: cause}
		}
		k++
		if b[pos]&0x20 != 0 { // constructed (Annex B1, Table 35, b6)
			if depth >= maxDepth {
				return levels, 0, &DecodeError{Offset: base + pos, Tag: tag, Err: ErrTooDeep}
			}
			var n int
			var err error
			if levels, n, err = countTree(b[vs:ve], base+vs, depth+1, levels); err != nil {
				return levels, 0, err
			}
			total += n
		}
		pos = ve
	}
	levels[slot] = int32(k)
	return levels, total + k, nil
}

// fill decodes already validated b into the front of pool and returns the
// objects of this level, the unused rest of pool and the unused rest of
// levels. Children of one template are contiguous in pool, so a whole tree
// costs one allocation.
func fill(b []byte, pool []TLV, levels []int32) (level, rest []TLV, restLevels []int32) {
	k := int(levels[0])
	levels = levels[1:]
	if k == 0 {
		return nil, pool, levels
	}
	level, rest = pool[:k:k], pool[k:]
	i := 0
	for pos := skipPadding(b, 0); pos < len(b); pos = skipPadding(b, pos) {
		tag, vs, ve, _ := readHeader(b, pos)
		o := &level[i]
		o.Tag = tag
		o.Value = b[vs:ve:ve]
		if b[pos]&0x20 != 0 {
			o.Children, rest, levels = fill(o.Value, rest, levels)
		}
		i++
		pos = ve
	}
	return level, rest, levels
}

// Decode decodes a sequence of BER-TLV data objects (EMV Book 3, Annex B),
// recursing into constructed ones: for those, Value is the raw content and
// Children its decoded objects. Padding bytes '00' and 'FF' before, between
// and after objects are skipped at every level.
//
// Values alias b (their capacity is clipped, so appending to one never
// overwrites its neighbour): copy them if b is reused. The whole tree is
// allocated as one slice. An input of only padding yields no objects and no
// error. Malformed input yields a *DecodeError whose Offset is absolute
// within b.
func Decode(b []byte) ([]TLV, error) {
	var small [48]int32 // level sizes; enough for real EMV data
	levels, n, err := countTree(b, 0, 0, small[:0])
	if err != nil || n == 0 {
		return nil, err
	}
	objs, _, _ := fill(b, make([]TLV, n), levels)
	return objs, nil
}

// SkipChildren may be returned by a Walk callback for a constructed object to
// leave its content unvisited.
var SkipChildren = errors.New("skip children")

// Walk visits the data objects of b depth first, in encoding order, without
// allocating: fn sees each object's tag and value (aliasing b) and whether it
// is constructed; the content of a constructed object is visited right after
// it unless fn returns SkipChildren. Walk stops at the first error from fn
// (returned as is) or at the first malformed object (a *DecodeError); fn may
// have seen the objects before it.
func Walk(b []byte, fn func(tag Tag, value []byte, constructed bool) error) error {
	return walk(b, 0, 0, fn)
}

func walk(b []byte, base, depth int, fn func(Tag, []byte, bool) error) error {
	for pos := skipPadding(b, 0); pos < len(b); pos = skipPadding(b, pos) {
		tag, vs, ve, cause := readHeader(b, pos)
		if cause != nil {
			return &DecodeError{Offset: base + pos, Tag: tag, Err: cause}
		}
		constructed := b[pos]&0x20 != 0
		err := fn(tag, b[vs:ve:ve], constructed)
		switch {
		case err == SkipChildren:
		case err != nil:
			return err
		case constructed:
			if depth >= maxDepth {
				return &DecodeError{Offset: base + pos, Tag: tag, Err: ErrTooDeep}
			}
			if err := walk(b[vs:ve], base+vs, depth+1, fn); err != nil {
				return err
			}
		}
		pos = ve
	}
	return nil
}

// Scanner iterates over the data objects of one level without allocating.
// Use Children to descend into a constructed object; offsets stay absolute
// within the input of the outermost scanner.
//
//	s := emv.NewScanner(b)
//	for s.Next() {
//		_ = s.Tag()
//	}
//	if err := s.Err(); err != nil { ... }
type Scanner struct {
	buf   []byte
	base  int
	depth int
	pos   int // next position to read
	start int // start of the current object
	tag   Tag
	vs    int
	ve    int
	err   error
}

// NewScanner returns a Scanner over the data objects of b.
func NewScanner(b []byte) Scanner { return Scanner{buf: b} }

// Next advances to the next data object, skipping padding. It returns false
// at the end of the input or on malformed input (see Err).
func (s *Scanner) Next() bool {
	if s.err != nil {
		return false
	}
	s.pos = skipPadding(s.buf, s.pos)
	if s.pos >= len(s.buf) {
		s.tag = 0
		return false
	}
	tag, vs, ve, cause := readHeader(s.buf, s.pos)
	if cause != nil {
		s.err = &DecodeError{Offset: s.base + s.pos, Tag: tag, Err: cause}
		s.tag = 0
		return false
	}
	s.start, s.tag, s.vs, s.ve = s.pos, tag, vs, ve
	s.pos = ve
	return true
}

// Tag returns the tag of the current object.
func (s *Scanner) Tag() Tag { return s.tag }

// Value returns the value field of the current object; it aliases the input.
func (s *Scanner) Value() []byte { return s.buf[s.vs:s.ve:s.ve] }

// Raw returns the whole encoding (tag, length and value) of the current
// object; it aliases the input. Offline data authentication signs records
// byte for byte, so callers sometimes need the exact encoding.
func (s *Scanner) Raw() []byte { return s.buf[s.start:s.ve:s.ve] }

// Constructed reports whether the current object is constructed.
func (s *Scanner) Constructed() bool { return s.tag != 0 && s.buf[s.start]&0x20 != 0 }

// Offset returns the absolute offset of the current object's first tag byte.
func (s *Scanner) Offset() int { return s.base + s.start }

// Err returns the *DecodeError that stopped the scan, or nil.
func (s *Scanner) Err() error { return s.err }

// Children returns a Scanner over the content of the current object. For a
// primitive object it returns a scanner with nothing to scan.
func (s *Scanner) Children() Scanner {
	if !s.Constructed() {
		return Scanner{}
	}
	c := Scanner{buf: s.buf[s.vs:s.ve], base: s.base + s.vs, depth: s.depth + 1}
	if c.depth > maxDepth {
		c.err = &DecodeError{Offset: s.base + s.start, Tag: s.tag, Err: ErrTooDeep}
	}
	return c
}

// appendLength appends the minimal BER length field for n (EMV Book 3,
// Annex B2): one byte up to 127, then 81, 82, 83 forms. Lengths beyond
// 16 MiB get the 84 form, which is valid BER but which Decode refuses.
func appendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xFF:
		return 2
	case n <= 0xFFFF:
		return 3
	case n <= 0xFFFFFF:
		return 4
	default:
		return 5
	}
}

func tagLen(t Tag) int {
	switch {
	case t > 0xFFFFFF:
		return 4
	case t > 0xFFFF:
		return 3
	case t > 0xFF:
		return 2
	default:
		return 1
	}
}

func appendTag(dst []byte, t Tag) []byte {
	switch tagLen(t) {
	case 4:
		return append(dst, byte(t>>24), byte(t>>16), byte(t>>8), byte(t))
	case 3:
		return append(dst, byte(t>>16), byte(t>>8), byte(t))
	case 2:
		return append(dst, byte(t>>8), byte(t))
	default:
		return append(dst, byte(t))
	}
}

// encodesChildren reports whether t's value field is built from Children.
func (t TLV) encodesChildren() bool { return t.Children != nil && t.Tag.Constructed() }

// contentLen is the length of t's value field as Encode writes it.
func (t TLV) contentLen() int {
	if !t.encodesChildren() {
		return len(t.Value)
	}
	n := 0
	for _, c := range t.Children {
		n += c.encodedLen()
	}
	return n
}

func (t TLV) encodedLen() int {
	n := t.contentLen()
	return tagLen(t.Tag) + lengthLen(n) + n
}

// AppendTo appends the BER-TLV encoding of t to dst, with a minimal length
// field. A constructed object is encoded from Children when it has any (a
// non-nil slice), else from Value; a primitive one always from Value.
func (t TLV) AppendTo(dst []byte) []byte {
	n := t.contentLen()
	dst = appendTag(dst, t.Tag)
	dst = appendLength(dst, n)
	if !t.encodesChildren() {
		return append(dst, t.Value...)
	}
	for _, c := range t.Children {
		dst = c.AppendTo(dst)
	}
	return dst
}

// Encode returns the BER-TLV encoding of t (see AppendTo).
func (t TLV) Encode() []byte { return t.AppendTo(make([]byte, 0, t.encodedLen())) }

// Encode returns the concatenated BER-TLV encodings of objs (see
// TLV.AppendTo), in one allocation.
func Encode(objs ...TLV) []byte {
	n := 0
	for _, o := range objs {
		n += o.encodedLen()
	}
	dst := make([]byte, 0, n)
	for _, o := range objs {
		dst = o.AppendTo(dst)
	}
	return dst
}

// Find returns the first object with tag t in objs, searching depth first in
// encoding order (a template before its content, its content before its next
// sibling).
func Find(objs []TLV, t Tag) (TLV, bool) {
	for _, o := range objs {
		if o.Tag == t {
			return o, true
		}
		if f, ok := Find(o.Children, t); ok {
			return f, true
		}
	}
	return TLV{}, false
}

// FindAll returns every object with tag t in objs, in the order of Find.
func FindAll(objs []TLV, t Tag) []TLV {
	var out []TLV
	var rec func([]TLV)
	rec = func(objs []TLV) {
		for _, o := range objs {
			if o.Tag == t {
				out = append(out, o)
			}
			rec(o.Children)
		}
	}
	rec(objs)
	return out
}

// TagValues maps tags to values: a flat view of decoded data, the shape in
// which a kernel or card keeps the data elements it knows.
type TagValues map[Tag][]byte

// Get returns the value of t; its signature fits BuildDOL's lookup.
func (tv TagValues) Get(t Tag) ([]byte, bool) {
	v, ok := tv[t]
	return v, ok
}

// Flatten maps every tag in objs (templates included, with their raw
// content) to its value. When a tag occurs more than once the first in Find
// order wins; callers that must reject duplicates (a kernel reading records)
// check with FindAll.
func Flatten(objs []TLV) TagValues {
	tv := make(TagValues)
	var rec func([]TLV)
	rec = func(objs []TLV) {
		for _, o := range objs {
			if _, dup := tv[o.Tag]; !dup {
				tv[o.Tag] = o.Value
			}
			rec(o.Children)
		}
	}
	rec(objs)
	return tv
}
