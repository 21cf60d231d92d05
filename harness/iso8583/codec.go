package iso8583

import "encoding/binary"

// Field value codecs. A value is held in its canonical form: the characters
// of an n, z, x+n or text field (ASCII), the raw bytes of a b field. The wire
// form depends on the field's encoding (ISO 8583:1987, 4.3 and 4.4): ASCII
// characters as they are, BCD digits two per byte, b fields raw or as
// hexadecimal characters.

const hexUpper = "0123456789ABCDEF"

// hexVal maps a hexadecimal character to its value, others to 0xFF.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < 10; i++ {
		t['0'+i] = byte(i)
	}
	for i := 0; i < 6; i++ {
		t['A'+i] = byte(10 + i)
		t['a'+i] = byte(10 + i)
	}
	return t
}()

// wireLen is the size on the wire of a value of n units (prefix excluded).
func (c *codec) wireLen(n int) int {
	switch c.enc {
	case BCD:
		if c.typ == TypeXN {
			return 1 + n/2 // sign byte, then n-1 digits in (n-1+1)/2 bytes
		}
		return (n + 1) / 2
	case ASCII:
		if c.typ == TypeB {
			return 2 * n
		}
	}
	return n
}

// check validates a canonical value: its length and its characters. Fixed
// text fields may carry trailing spaces, which ISO 8583:1987 (4.3) uses to
// left-justify them.
func (c *codec) check(v []byte) error {
	n := len(v)
	if n < c.min || n > c.max {
		return &LengthError{Got: n, Min: c.min, Max: c.max}
	}
	switch c.typ {
	case TypeB:
		return nil
	case TypeXN:
		if n == 0 {
			return nil
		}
		if v[0] != 'C' && v[0] != 'D' {
			return &posError{ErrCharset, 0}
		}
		return checkClass(v, 1, clDigit)
	}
	if c.text && c.prefix == Fixed {
		for n > 0 && v[n-1] == ' ' {
			n--
		}
	}
	return checkClass(v[:n], 0, c.mask)
}

func checkClass(v []byte, from int, mask uint8) error {
	i := from
	// The three common sets are tested eight (then four) bytes at a time; a
	// word that fails is rescanned byte by byte for the exact offset.
	switch mask {
	case clDigit:
		for ; i+8 <= len(v) && digits8(binary.LittleEndian.Uint64(v[i:])); i += 8 {
		}
		if i+4 <= len(v) && digits8(uint64(binary.LittleEndian.Uint32(v[i:]))|0x3030303000000000) {
			i += 4
		}
	case clTrack:
		for ; i+8 <= len(v) && track8(binary.LittleEndian.Uint64(v[i:])); i += 8 {
		}
		if i+4 <= len(v) && track8(uint64(binary.LittleEndian.Uint32(v[i:]))|0x3030303000000000) {
			i += 4
		}
	case clAlpha | clDigit | clSpecial:
		for ; i+8 <= len(v) && printable8(binary.LittleEndian.Uint64(v[i:])); i += 8 {
		}
		if i+4 <= len(v) && printable8(uint64(binary.LittleEndian.Uint32(v[i:]))|0x2020202000000000) {
			i += 4
		}
	}
	for ; i < len(v); i++ {
		if charClass[v[i]]&mask == 0 {
			return &posError{ErrCharset, i}
		}
	}
	return nil
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// digits8 reports whether all eight bytes are '0'..'9': each high nibble
// is 3, and adding 6 to each low nibble does not carry into it.
func digits8(x uint64) bool {
	return x&(0xF0*ones) == 0x30*ones && (x+0x06*ones)&(0xF0*ones) == 0x30*ones
}

// track8 reports whether all eight bytes are 0x30..0x3F.
func track8(x uint64) bool { return x&(0xF0*ones) == 0x30*ones }

// printable8 reports whether all eight bytes are 0x20..0x7E: none has bit 7
// set, none is below 0x20 (no borrow reaches bit 7 when subtracting 0x20
// from each) and none is 0x7F (adding 1 to each sets no bit 7).
func printable8(x uint64) bool {
	return x&highs == 0 && (x-0x20*ones)&^x&highs == 0 && (x+ones)&highs == 0
}

// appendPrefix appends the length prefix for n units.
func (c *codec) appendPrefix(dst []byte, n int) []byte {
	switch c.prefixEnc {
	case ASCII:
		switch c.prefix {
		case LL:
			return append(dst, '0'+byte(n/10%10), '0'+byte(n%10))
		case LLL:
			return append(dst, '0'+byte(n/100%10), '0'+byte(n/10%10), '0'+byte(n%10))
		default:
			return append(dst, '0'+byte(n/1000%10), '0'+byte(n/100%10), '0'+byte(n/10%10), '0'+byte(n%10))
		}
	case BCD:
		if c.prefix == LL {
			return append(dst, byte(n/10%10)<<4|byte(n%10))
		}
		return append(dst, byte(n/1000%10)<<4|byte(n/100%10), byte(n/10%10)<<4|byte(n%10))
	default: // Binary
		if c.prefixBytes == 1 {
			return append(dst, byte(n))
		}
		return append(dst, byte(n>>8), byte(n))
	}
}

// readPrefix parses the length prefix at the start of b.
func (c *codec) readPrefix(b []byte) (int, error) {
	if len(b) < c.prefixBytes {
		return 0, ErrShort
	}
	n := 0
	switch c.prefixEnc {
	case ASCII:
		for _, ch := range b[:c.prefixBytes] {
			if ch < '0' || ch > '9' {
				return 0, ErrPrefix
			}
			n = n*10 + int(ch-'0')
		}
	case BCD:
		for _, x := range b[:c.prefixBytes] {
			hi, lo := x>>4, x&0x0F
			if hi > 9 || lo > 9 {
				return 0, ErrPrefix
			}
			n = n*100 + int(hi)*10 + int(lo)
		}
		if n > maxPrefixValue[c.prefix] {
			// An LLL prefix in two BCD bytes leaves its first nibble 0.
			return 0, ErrPrefix
		}
	default:
		for _, x := range b[:c.prefixBytes] {
			n = n<<8 | int(x)
		}
	}
	return n, nil
}

// appendValue appends the wire form of a checked canonical value.
func (c *codec) appendValue(dst, v []byte) []byte {
	if c.verbatim {
		return append(dst, v...)
	}
	switch c.enc {
	case BCD:
		if c.typ == TypeXN {
			if len(v) == 0 {
				return dst
			}
			dst = append(dst, v[0])
			return appendBCD(dst, v[1:], false)
		}
		return appendBCD(dst, v, c.padRight)
	case ASCII:
		if c.typ == TypeB {
			for _, x := range v {
				dst = append(dst, hexUpper[x>>4], hexUpper[x&0x0F])
			}
			return dst
		}
	}
	return append(dst, v...)
}

// appendBCD packs digits (or track characters 0x30-0x3F, each as its low
// nibble: '=' is D, ISO/IEC 7813) two per byte. An odd count gets a 0
// nibble in front or an F nibble behind.
func appendBCD(dst, v []byte, padRight bool) []byte {
	i := 0
	if len(v)%2 == 1 && !padRight {
		dst = append(dst, v[0]&0x0F)
		i = 1
	}
	for ; i+1 < len(v); i += 2 {
		dst = append(dst, (v[i]&0x0F)<<4|v[i+1]&0x0F)
	}
	if i < len(v) {
		dst = append(dst, (v[i]&0x0F)<<4|0x0F)
	}
	return dst
}

// read parses the field that starts at data[p]. The value stays in data
// when the wire form is the canonical form (ASCII characters, binary b);
// otherwise it is decoded onto the end of *arena. It returns where the
// value is and the position after the field; the error is a bare cause for
// the caller to wrap.
func (c *codec) read(data []byte, p int, arena *[]byte) (s span, next int, err error) {
	n := c.max
	if c.prefix != Fixed {
		n, err = c.readPrefix(data[p:])
		if err != nil {
			return span{}, p, err
		}
		if n < c.min || n > c.max {
			return span{}, p, &LengthError{Got: n, Min: c.min, Max: c.max}
		}
		p += c.prefixBytes
	}
	w := c.wireLen(n)
	if w > len(data)-p {
		return span{}, p, ErrShort
	}
	raw := data[p : p+w : p+w]
	next = p + w
	start := len(*arena)
	switch c.enc {
	case BCD:
		if c.typ == TypeXN {
			if raw[0] != 'C' && raw[0] != 'D' {
				return span{}, p, &posError{ErrCharset, 0}
			}
			*arena = append(*arena, raw[0])
			err = unpackBCD(arena, raw[1:], n-1, false, false)
		} else {
			err = unpackBCD(arena, raw, n, c.padRight, c.typ == TypeZ)
		}
		if err != nil {
			*arena = (*arena)[:start]
			return span{}, p, err
		}
		return arenaSpan(start, len(*arena)), next, nil
	case ASCII:
		if c.typ == TypeB {
			a := *arena
			for i := 0; i < len(raw); i += 2 {
				hi, lo := hexVal[raw[i]], hexVal[raw[i+1]]
				if hi|lo == 0xFF {
					*arena = a[:start]
					return span{}, p, &posError{ErrCharset, i}
				}
				a = append(a, hi<<4|lo)
			}
			*arena = a
			return arenaSpan(start, len(a)), next, nil
		}
		if err := c.check(raw); err != nil {
			return span{}, p, err
		}
	}
	return span{off: uint32(p), n: uint32(w)}, next, nil
}

// unpackBCD decodes n digits (or track characters) from packed b into
// *arena. Digits must be 0-9 (track characters: any nibble, 0x30 + nibble);
// a left filler nibble must be 0, a right one F or 0.
func unpackBCD(arena *[]byte, b []byte, n int, padRight, track bool) error {
	a := *arena
	limit := byte(9)
	if track {
		limit = 0x0F
	}
	skip := 0
	if n%2 == 1 && !padRight {
		skip = 1
	}
	total := n + skip
	for k := 0; k < total; k++ {
		x := b[k>>1]
		var d byte
		if k&1 == 0 {
			d = x >> 4
		} else {
			d = x & 0x0F
		}
		if k < skip {
			if d != 0 {
				*arena = a
				return &posError{ErrCharset, 0}
			}
			continue
		}
		if d > limit {
			*arena = a
			return &posError{ErrCharset, k >> 1}
		}
		a = append(a, '0'+d)
	}
	if n%2 == 1 && padRight {
		if d := b[len(b)-1] & 0x0F; d != 0x0F && d != 0 {
			*arena = a
			return &posError{ErrCharset, len(b) - 1}
		}
	}
	*arena = a
	return nil
}
