package iso8583

import (
	"errors"
	"math/bits"

	"github.com/paylab/paylab/harness/emv"
)

// ErrNotTLV is the cause when SetTLV or GetTLV names a field the dialect
// does not mark as BER-TLV.
var ErrNotTLV = errors.New("field is not BER-TLV in this dialect")

// Message is one ISO 8583 message of a dialect: an MTI and data elements
// 2..128. Values are held in canonical form — the characters of n, z, x+n
// and text fields, the raw bytes of b fields. A fixed index by field number
// leads to a small slot that locates each value, as offset and length, in
// the unpacked input or in one storage buffer of the message, beside a
// presence bitmap: Pack and Unpack work without maps or per-field
// allocations, and a message is one small object (about half a kilobyte)
// with few pointers for the garbage collector to follow.
//
// Aliasing: after Unpack, the values of ASCII and binary fields are slices
// of the input, not copies; the caller must not modify the input while it
// uses the message (Clone detaches it). Values returned by GetBytes and
// GetTLV alias the message: they are valid until the field is set again or
// the message is Reset or Unpacked into.
//
// A Message is not safe for concurrent use.
type Message struct {
	d     *Dialect
	bits  [2]uint64 // presence of fields 1..128, bit 63 of word 0 is field 1
	src   []byte    // the input of the last Unpack, which values may alias
	arena []byte    // values set or decoded, reused by Reset
	tlv   []tlvEntry
	more  []span // slots beyond inlineSlots, for messages with many fields
	slots [inlineSlots]span
	idx   [129]uint8 // slot+1 of each present field

	// MTI is the message type indicator.
	MTI MTI

	nslot uint8 // slots in use, holes left by Unset included
}

// inlineSlots covers the fields of ordinary messages (the typical
// authorization request has 19) without a second allocation, and keeps a
// Message within 512 bytes, the largest size the Go allocator serves
// without a per-object type header.
const inlineSlots = 32

// maxSlots is where the slots of a message whose fields were unset and set
// again are renumbered; idx holds slot+1 in a byte.
const maxSlots = 255

// span locates a value: in arena when off has inArena set, else in src.
type span struct{ off, n uint32 }

const inArena = 1 << 31

func arenaSpan(start, end int) span {
	return span{off: inArena | uint32(start), n: uint32(end - start)}
}

// spanOf returns where the value of field n is (zero when absent).
func (m *Message) spanOf(n int) span {
	i := int(m.idx[n])
	switch {
	case i == 0:
		return span{}
	case i <= inlineSlots:
		return m.slots[i-1]
	default:
		return m.more[i-1-inlineSlots]
	}
}

// setSpan records where the value of field n is, giving the field a slot
// when it has none.
func (m *Message) setSpan(n int, s span) {
	i := int(m.idx[n])
	if i == 0 {
		if m.nslot == maxSlots {
			m.renumber()
		}
		m.nslot++
		i = int(m.nslot)
		m.idx[n] = uint8(i)
		if i > inlineSlots {
			m.more = append(m.more, span{})
		}
	}
	if i <= inlineSlots {
		m.slots[i-1] = s
	} else {
		m.more[i-1-inlineSlots] = s
	}
}

// renumber gives the present fields slots 1, 2, ... again, dropping the
// holes Unset left.
func (m *Message) renumber() {
	var spans []span
	m.each(func(n int) { spans = append(spans, m.spanOf(n)) })
	m.idx = [129]uint8{}
	m.nslot = 0
	m.more = m.more[:0]
	k := 0
	m.each(func(n int) { m.setSpan(n, spans[k]); k++ })
}

// val returns the value of field n (empty when absent), capacity clipped so
// that a caller's append cannot overwrite a neighbour.
func (m *Message) val(n int) []byte {
	s := m.spanOf(n)
	end := s.off&^inArena + s.n
	if s.off&inArena != 0 {
		return m.arena[s.off&^inArena : end : end]
	}
	if m.src == nil {
		return nil
	}
	return m.src[s.off:end:end]
}

// tlvEntry holds a BER-TLV field as data objects. When stale, the field's
// value is out of date and Pack encodes objs.
type tlvEntry struct {
	field int
	objs  []emv.TLV
	stale bool
}

// NewMessage returns an empty message of dialect d.
func NewMessage(d *Dialect, mti MTI) *Message {
	return &Message{MTI: mti, d: d}
}

// Dialect returns the message's dialect.
func (m *Message) Dialect() *Dialect { return m.d }

func bitOf(n int) (word int, mask uint64) {
	i := uint(n - 1)
	return int(i >> 6), 1 << 63 >> (i & 63)
}

// Has reports whether field n is present. Field 1 (the secondary bitmap) is
// present when any of fields 65..128 is.
func (m *Message) Has(n int) bool {
	if n == 1 {
		return m.bits[1] != 0
	}
	if n < 2 || n > 128 {
		return false
	}
	w, b := bitOf(n)
	return m.bits[w]&b != 0
}

// Fields returns the numbers of the fields present, ascending, without the
// bitmap field 1.
func (m *Message) Fields() []int {
	out := make([]int, 0, bits.OnesCount64(m.bits[0])+bits.OnesCount64(m.bits[1]))
	m.each(func(n int) { out = append(out, n) })
	return out
}

// each calls fn for every present field but 1, ascending.
func (m *Message) each(fn func(int)) {
	for w := 0; w < 2; w++ {
		x := m.bits[w]
		if w == 0 {
			x &^= 1 << 63
		}
		for x != 0 {
			lz := bits.LeadingZeros64(x)
			x &^= 1 << 63 >> uint(lz)
			fn(w*64 + lz + 1)
		}
	}
}

// Reset empties the message for reuse, keeping its dialect and storage.
func (m *Message) Reset() {
	m.bits = [2]uint64{}
	m.idx = [129]uint8{}
	m.nslot = 0
	m.more = m.more[:0]
	m.src = nil
	m.arena = m.arena[:0]
	for i := range m.tlv {
		m.tlv[i] = tlvEntry{}
	}
	m.tlv = m.tlv[:0]
	m.MTI = 0
}

func (m *Message) codecFor(op string, n int) (*codec, error) {
	if m.d == nil {
		return nil, &FieldError{Op: op, Field: n, Err: ErrNoDialect}
	}
	if n == 1 {
		return nil, &FieldError{Op: op, Field: n, Err: ErrBitmapField}
	}
	if n < 2 || n > 128 || !m.d.fields[n].defined {
		return nil, &FieldError{Op: op, Field: n, Err: ErrUndefined}
	}
	return &m.d.fields[n], nil
}

// SetString sets field n. For a b field s is hexadecimal; for the other
// types it is the characters of the value. A fixed n field shorter than its
// length is right-justified with leading zeros, a fixed text field
// left-justified with trailing spaces (ISO 8583:1987, 4.3). The value is
// checked against the field's type and length and copied.
func (m *Message) SetString(n int, s string) error {
	c, err := m.codecFor("set", n)
	if err != nil {
		return err
	}
	start := len(m.arena)
	if c.typ == TypeB {
		if len(s)%2 != 0 {
			return &FieldError{Op: "set", Field: n, Err: &posError{ErrCharset, len(s) - 1}}
		}
		for i := 0; i < len(s); i += 2 {
			hi, lo := hexVal[s[i]], hexVal[s[i+1]]
			if hi|lo == 0xFF {
				m.arena = m.arena[:start]
				return &FieldError{Op: "set", Field: n, Err: &posError{ErrCharset, i}}
			}
			m.arena = append(m.arena, hi<<4|lo)
		}
		return m.commit(n, c, start)
	}
	pad := c.padding(len(s))
	if pad > 0 && c.typ == TypeN {
		m.arena = appendRepeat(m.arena, '0', pad)
	}
	m.arena = append(m.arena, s...)
	if pad > 0 && c.text {
		m.arena = appendRepeat(m.arena, ' ', pad)
	}
	return m.commit(n, c, start)
}

// SetBytes sets field n from its canonical form: the raw bytes of a b
// field, the characters of other types. Padding and checks are those of
// SetString; the value is copied.
func (m *Message) SetBytes(n int, v []byte) error {
	c, err := m.codecFor("set", n)
	if err != nil {
		return err
	}
	start := len(m.arena)
	pad := c.padding(len(v))
	if pad > 0 && c.typ == TypeN {
		m.arena = appendRepeat(m.arena, '0', pad)
	}
	m.arena = append(m.arena, v...)
	if pad > 0 && c.text {
		m.arena = appendRepeat(m.arena, ' ', pad)
	}
	return m.commit(n, c, start)
}

// padding is how many filler characters a value of n characters gets: only
// fixed n and text fields are justified.
func (c *codec) padding(n int) int {
	if c.prefix != Fixed || n >= c.max || (c.typ != TypeN && !c.text) {
		return 0
	}
	return c.max - n
}

func appendRepeat(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

// commit checks the value built in m.arena[start:] and stores it.
func (m *Message) commit(n int, c *codec, start int) error {
	if err := c.check(m.arena[start:]); err != nil {
		m.arena = m.arena[:start]
		return &FieldError{Op: "set", Field: n, Err: err}
	}
	m.setSpan(n, arenaSpan(start, len(m.arena)))
	w, b := bitOf(n)
	m.bits[w] |= b
	m.dropTLV(n)
	if len(m.arena) > arenaCompactAt {
		m.compact()
	}
	return nil
}

// arenaCompactAt bounds the storage a message accumulates when its fields
// are set over and over without Reset.
const arenaCompactAt = 1 << 20

// compact copies the live values into fresh storage.
func (m *Message) compact() {
	size := 0
	m.each(func(n int) { size += int(m.spanOf(n).n) })
	arena := make([]byte, 0, size)
	m.each(func(n int) {
		start := len(arena)
		arena = append(arena, m.val(n)...)
		m.setSpan(n, arenaSpan(start, len(arena)))
	})
	m.arena, m.src = arena, nil
}

// Unset removes field n.
func (m *Message) Unset(n int) {
	if n < 2 || n > 128 {
		return
	}
	w, b := bitOf(n)
	m.bits[w] &^= b
	if i := m.idx[n]; i != 0 {
		m.setSpan(n, span{})
		m.idx[n] = 0
		if i == m.nslot { // the last slot: reuse it
			m.nslot--
			if i > inlineSlots {
				m.more = m.more[:len(m.more)-1]
			}
		}
	}
	m.dropTLV(n)
}

func (m *Message) dropTLV(n int) {
	for i := range m.tlv {
		if m.tlv[i].field == n {
			last := len(m.tlv) - 1
			m.tlv[i] = m.tlv[last]
			m.tlv[last] = tlvEntry{}
			m.tlv = m.tlv[:last]
			return
		}
	}
}

func (m *Message) tlvEntry(n int) *tlvEntry {
	for i := range m.tlv {
		if m.tlv[i].field == n {
			return &m.tlv[i]
		}
	}
	return nil
}

// GetBytes returns the canonical value of field n (see Message) and whether
// it is present. A BER-TLV field set with SetTLV is encoded on demand. The
// slice is the message's own storage and must not be modified: values are
// checked when they enter the message, not again by Pack (Validate does).
func (m *Message) GetBytes(n int) ([]byte, bool) {
	if !m.Has(n) || n == 1 {
		return nil, false
	}
	if e := m.tlvEntry(n); e != nil && e.stale {
		start := len(m.arena)
		for _, o := range e.objs {
			m.arena = o.AppendTo(m.arena)
		}
		m.setSpan(n, arenaSpan(start, len(m.arena)))
		e.stale = false
	}
	return m.val(n), true
}

// GetString returns field n as a string: hexadecimal (upper case) for a b
// field, the characters otherwise.
func (m *Message) GetString(n int) (string, bool) {
	v, ok := m.GetBytes(n)
	if !ok {
		return "", false
	}
	if m.d.fields[n].typ == TypeB {
		h := make([]byte, 2*len(v))
		for i, x := range v {
			h[2*i], h[2*i+1] = hexUpper[x>>4], hexUpper[x&0x0F]
		}
		return string(h), true
	}
	return string(v), true
}

// SetTLV sets BER-TLV field n (DE 55) from data objects. objs is kept, not
// copied: Pack encodes it each time (EMV Book 3, Annex B), so changes the
// caller makes to it before packing are packed. The encoded length is
// checked by Pack.
func (m *Message) SetTLV(n int, objs []emv.TLV) error {
	c, err := m.codecFor("set", n)
	if err != nil {
		return err
	}
	if !c.tlv {
		return &FieldError{Op: "set", Field: n, Err: ErrNotTLV}
	}
	m.dropTLV(n)
	m.setSpan(n, span{})
	w, b := bitOf(n)
	m.bits[w] |= b
	m.tlv = append(m.tlv, tlvEntry{field: n, objs: objs, stale: true})
	return nil
}

// GetTLV returns the data objects of BER-TLV field n, decoding its value
// with emv.Decode on first use (the objects alias the value). It returns
// nil, nil when the field is absent; a malformed value yields a *FieldError
// wrapping the *emv.DecodeError.
func (m *Message) GetTLV(n int) ([]emv.TLV, error) {
	c, err := m.codecFor("decode tlv", n)
	if err != nil {
		return nil, err
	}
	if !c.tlv {
		return nil, &FieldError{Op: "decode tlv", Field: n, Err: ErrNotTLV}
	}
	if !m.Has(n) {
		return nil, nil
	}
	if e := m.tlvEntry(n); e != nil {
		return e.objs, nil
	}
	objs, err := emv.Decode(m.val(n))
	if err != nil {
		return nil, &FieldError{Op: "decode tlv", Field: n, Err: err}
	}
	m.tlv = append(m.tlv, tlvEntry{field: n, objs: objs})
	return objs, nil
}

// Clone returns a deep copy of m that shares no storage with m or with the
// input m was unpacked from.
func (m *Message) Clone() *Message {
	c := &Message{MTI: m.MTI, d: m.d}
	size := 0
	m.each(func(n int) {
		v, _ := m.GetBytes(n) // encodes stale BER-TLV fields
		size += len(v)
	})
	c.arena = make([]byte, 0, size)
	m.each(func(n int) {
		start := len(c.arena)
		c.arena = append(c.arena, m.val(n)...)
		c.setSpan(n, arenaSpan(start, len(c.arena)))
		w, b := bitOf(n)
		c.bits[w] |= b
	})
	return c
}

// Validate checks what Pack does not: that the MTI's version is the
// dialect's, that every field the dialect makes mandatory for the MTI is
// present, and that every value still fits its field (a caller that wrote
// into a slice GetBytes returned breaks that). Problems are reported
// together, each as a *FieldError (errors.As finds the first) wrapping
// ErrMandatory or the value's error.
func (m *Message) Validate() error {
	if m.d == nil {
		return &MTIError{Op: "validate", Err: ErrNoDialect}
	}
	if !m.MTI.valid() {
		return &MTIError{Op: "validate", Err: ErrMTI}
	}
	if m.d.version >= 0 && int(m.MTI.Version()) != m.d.version {
		return &MTIError{Op: "validate", Err: ErrVersion}
	}
	var errs []error
	for _, n := range m.d.mandatory[m.MTI] {
		if !m.Has(n) {
			errs = append(errs, &FieldError{Op: "validate", Field: n, Err: ErrMandatory})
		}
	}
	m.each(func(n int) {
		if n == 1 {
			return
		}
		if e := m.tlvEntry(n); e != nil && e.stale {
			return // data objects, encoded and length-checked by Pack
		}
		if err := m.d.fields[n].check(m.val(n)); err != nil {
			errs = append(errs, &FieldError{Op: "validate", Field: n, Err: err})
		}
	})
	return errors.Join(errs...)
}
