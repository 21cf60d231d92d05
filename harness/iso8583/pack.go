package iso8583

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/paylab/paylab/harness/emv"
)

// secondaryBit is field 1 in the first bitmap word: the secondary bitmap
// follows the primary one (ISO 8583:1987, 4.2).
const secondaryBit = uint64(1) << 63

// Pack encodes m into a new slice sized to fit.
func (m *Message) Pack() ([]byte, error) {
	if m.d == nil {
		return nil, &MTIError{Op: "pack", Err: ErrNoDialect}
	}
	return m.AppendPack(make([]byte, 0, m.sizeHint()))
}

// AppendPack appends the encoding of m to dst: MTI, primary bitmap, the
// secondary bitmap when any of fields 65..128 is present, then the fields
// in ascending order, each with its length prefix. Every value is checked
// against its field spec; BER-TLV fields set with SetTLV are encoded
// straight into dst. It does not check mandatory fields (see Validate), so
// that a test can send a deliberately incomplete message. On error dst is
// returned unchanged in length.
func (m *Message) AppendPack(dst []byte) ([]byte, error) {
	d := m.d
	if d == nil {
		return dst, &MTIError{Op: "pack", Err: ErrNoDialect}
	}
	if !m.MTI.valid() {
		return dst, &MTIError{Op: "pack", Err: ErrMTI}
	}
	if d.version >= 0 && int(m.MTI.Version()) != d.version {
		return dst, &MTIError{Op: "pack", Err: ErrVersion}
	}
	start := len(dst)
	if d.mtiEnc == BCD {
		v := m.MTI
		dst = append(dst, byte(v/1000%10)<<4|byte(v/100%10), byte(v/10%10)<<4|byte(v%10))
	} else {
		dst = m.MTI.appendASCII(dst)
	}
	b0, b1 := m.bits[0]&^secondaryBit, m.bits[1]
	if b1 != 0 {
		b0 |= secondaryBit
	}
	dst = appendBitmap(dst, b0, d.bitmapEnc)
	if b1 != 0 {
		dst = appendBitmap(dst, b1, d.bitmapEnc)
	}
	var err error
	for w, x := range [2]uint64{b0 &^ secondaryBit, b1} {
		for x != 0 {
			lz := bits.LeadingZeros64(x)
			x &^= 1 << 63 >> uint(lz)
			n := w*64 + lz + 1
			if dst, err = m.appendField(dst, n); err != nil {
				return dst[:start], &FieldError{Op: "pack", Field: n, Err: err}
			}
		}
	}
	return dst, nil
}

func (m *Message) appendField(dst []byte, n int) ([]byte, error) {
	c := &m.d.fields[n]
	if !c.defined {
		return dst, ErrUndefined
	}
	if c.tlv && len(m.tlv) > 0 {
		if e := m.tlvEntry(n); e != nil && e.stale {
			if c.enc != Binary {
				m.GetBytes(n) // encode into the arena, then pack as a value
			} else {
				return c.appendTLV(dst, e)
			}
		}
	}
	// Every value was checked against its field when it entered the
	// message (Set*, Unpack); packing does not check it again (a fifth of
	// the time of a typical 0100). Validate re-checks.
	v := m.val(n)
	if c.prefix != Fixed {
		dst = c.appendPrefix(dst, len(v))
	}
	return c.appendValue(dst, v), nil
}

// appendTLV encodes data objects straight after a placeholder prefix, then
// writes the prefix once the length is known.
func (c *codec) appendTLV(dst []byte, e *tlvEntry) ([]byte, error) {
	p := len(dst)
	dst = appendRepeat(dst, 0, c.prefixBytes)
	for _, o := range e.objs {
		dst = o.AppendTo(dst)
	}
	n := len(dst) - p - c.prefixBytes
	if n < c.min || n > c.max {
		return dst[:p], &LengthError{Got: n, Min: c.min, Max: c.max}
	}
	if c.prefix != Fixed {
		c.appendPrefix(dst[:p], n)
	}
	return dst, nil
}

func appendBitmap(dst []byte, x uint64, enc Encoding) []byte {
	if enc == ASCII {
		for s := 60; s >= 0; s -= 4 {
			dst = append(dst, hexUpper[x>>uint(s)&0x0F])
		}
		return dst
	}
	return append(dst, byte(x>>56), byte(x>>48), byte(x>>40), byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
}

// sizeHint bounds the packed size, so that Pack allocates once.
func (m *Message) sizeHint() int {
	n := 4 + 32
	for w := 0; w < 2; w++ {
		x := m.bits[w]
		for x != 0 {
			lz := bits.LeadingZeros64(x)
			x &^= 1 << 63 >> uint(lz)
			f := w*64 + lz + 1
			c := &m.d.fields[f]
			if c.tlv && len(m.tlv) > 0 {
				if e := m.tlvEntry(f); e != nil && e.stale {
					n += c.prefixBytes + 2*tlvBound(e.objs)
					continue
				}
			}
			n += c.prefixBytes + c.wireLen(int(m.spanOf(f).n))
		}
	}
	return n
}

// tlvBound bounds the encoded size of objs: at most four tag bytes and four
// length bytes each (EMV Book 3, Annex B).
func tlvBound(objs []emv.TLV) int {
	n := 0
	for _, o := range objs {
		if o.Children != nil {
			n += 8 + tlvBound(o.Children)
		} else {
			n += 8 + len(o.Value)
		}
	}
	return n
}

// Unpack decodes data into a new message of dialect d (see Message.Unpack).
func Unpack(d *Dialect, data []byte) (*Message, error) {
	m := &Message{d: d}
	return m, m.Unpack(data)
}

// Unpack resets m and decodes data into it: MTI, bitmaps, then each field
// the bitmaps announce, checked against its spec. Values of ASCII and binary
// fields alias data (see Message). BER-TLV fields are kept as bytes until
// GetTLV. On error m holds the fields decoded before the failing one, which
// a diagnostic printer may show; the error is an *MTIError, *BitmapError or
// *FieldError, or wraps ErrTrailing.
func (m *Message) Unpack(data []byte) error {
	m.Reset()
	m.src = data
	d := m.d
	if d == nil {
		return &MTIError{Op: "unpack", Err: ErrNoDialect}
	}
	p := 0
	if d.mtiEnc == BCD {
		if len(data) < 2 {
			return &MTIError{Op: "unpack", Err: ErrShort}
		}
		v := 0
		for _, x := range data[:2] {
			hi, lo := x>>4, x&0x0F
			if hi > 9 || lo > 9 {
				return &MTIError{Op: "unpack", Err: ErrMTI}
			}
			v = v*100 + int(hi)*10 + int(lo)
		}
		m.MTI = MTI(v)
		p = 2
	} else {
		if len(data) < 4 {
			return &MTIError{Op: "unpack", Err: ErrShort}
		}
		v := 0
		for _, ch := range data[:4] {
			if ch < '0' || ch > '9' {
				return &MTIError{Op: "unpack", Err: ErrMTI}
			}
			v = v*10 + int(ch-'0')
		}
		m.MTI = MTI(v)
		p = 4
	}
	if d.version >= 0 && int(m.MTI.Version()) != d.version {
		return &MTIError{Op: "unpack", Err: ErrVersion}
	}
	b0, p, err := readBitmap(data, p, d.bitmapEnc)
	if err != nil {
		return &BitmapError{Op: "unpack", Err: err}
	}
	var b1 uint64
	if b0&secondaryBit != 0 {
		if b1, p, err = readBitmap(data, p, d.bitmapEnc); err != nil {
			return &BitmapError{Op: "unpack", Secondary: true, Err: err}
		}
	}
	b0 &^= secondaryBit
	last := 0
	for w, x := range [2]uint64{b0, b1} {
		for x != 0 {
			lz := bits.LeadingZeros64(x)
			bit := uint64(1) << 63 >> uint(lz)
			x &^= bit
			n := w*64 + lz + 1
			c := &d.fields[n]
			if !c.defined {
				return &FieldError{Op: "unpack", Field: n, Err: ErrUndefined}
			}
			var s span
			if s, p, err = c.read(data, p, &m.arena); err != nil {
				return &FieldError{Op: "unpack", Field: n, Err: err}
			}
			m.setSpan(n, s)
			m.bits[w] |= bit
			last = n
		}
	}
	if p != len(data) {
		return fmt.Errorf("unpack message: %d bytes after field %d: %w", len(data)-p, last, ErrTrailing)
	}
	return nil
}

func readBitmap(data []byte, p int, enc Encoding) (uint64, int, error) {
	if enc == ASCII {
		var x uint64
		if len(data)-p < 16 {
			return 0, p, ErrShort
		}
		for i, ch := range data[p : p+16] {
			h := hexVal[ch]
			if h == 0xFF {
				return 0, p, &posError{ErrCharset, i}
			}
			x = x<<4 | uint64(h)
		}
		return x, p + 16, nil
	}
	if len(data)-p < 8 {
		return 0, p, ErrShort
	}
	return binary.BigEndian.Uint64(data[p:]), p + 8, nil
}
