package emv

import (
	"errors"
	"fmt"
)

// DOLEntry is one entry of a data object list: the tag of a data element and
// the length, in bytes, its value takes in the DOL-related data.
type DOLEntry struct {
	Tag Tag
	Len int
}

// DOL is a data object list (PDOL 9F38, CDOL1 8C, CDOL2 8D, DDOL 9F49, TDOL
// 97): the card names tags and lengths, the terminal answers with the values
// concatenated, without tags or lengths (EMV Book 3, 5.4).
type DOL []DOLEntry

// ErrDOLDataLength: DOL-related data whose length differs from the DOL's
// total (ParseDOLData).
var ErrDOLDataLength = errors.New("dol data length differs from the dol")

// ParseDOL parses the value of a DOL data object: a concatenation of tag and
// length fields (EMV Book 3, 5.4), each coded as in BER-TLV (Annex B). Lengths
// are one byte in practice; the 81 and 82 forms are accepted too. Errors are
// *DecodeError with the same causes as Decode; a tag byte '00' or 'FF' is not
// padding here but ErrInvalidTag (ISO/IEC 7816-4 Annex D.1 forbids both).
func ParseDOL(b []byte) (DOL, error) {
	n := 0 // count first: one allocation of the exact size
	for pos := 0; pos < len(b); n++ {
		_, next, err := readDOLEntry(b, pos)
		if err != nil {
			return nil, err
		}
		pos = next
	}
	if n == 0 {
		return nil, nil
	}
	dol := make(DOL, 0, n)
	for pos := 0; pos < len(b); {
		e, next, _ := readDOLEntry(b, pos)
		dol = append(dol, e)
		pos = next
	}
	return dol, nil
}

// readDOLEntry reads the tag and length of the DOL entry at b[pos].
func readDOLEntry(b []byte, pos int) (DOLEntry, int, error) {
	if isPadding(b[pos]) {
		return DOLEntry{}, 0, &DecodeError{Offset: pos, Err: ErrInvalidTag}
	}
	// Length fields up to 82 xxxx: DOL-related data travels in one command
	// APDU, so no entry can ask for more than 65535 bytes.
	tag, l, next, cause := readTagLen(b, pos, 2)
	if cause != nil {
		return DOLEntry{}, 0, &DecodeError{Offset: pos, Tag: tag, Err: cause}
	}
	return DOLEntry{Tag: tag, Len: l}, next, nil
}

// Len returns the total length of the data the DOL asks for.
func (d DOL) Len() int {
	n := 0
	for _, e := range d {
		n += max(e.Len, 0)
	}
	return n
}

// Has reports whether the DOL names tag t.
func (d DOL) Has(t Tag) bool {
	for _, e := range d {
		if e.Tag == t {
			return true
		}
	}
	return false
}

// Encode returns the DOL as it is coded in a card's data (tag and minimal
// length field per entry); ParseDOL is its inverse.
func (d DOL) Encode() []byte {
	var dst []byte
	for _, e := range d {
		dst = appendTag(dst, e.Tag)
		dst = appendLength(dst, max(e.Len, 0))
	}
	return dst
}

// BuildDOL builds the DOL-related data for dol (EMV Book 3, 5.4): for each
// entry, in order, the value lookup returns, fitted to the entry's length by
// the format the dictionary (LookupTag) gives the tag. lookup reports false
// for data the terminal does not know or does not have; a tag the dictionary
// does not know but lookup supplies is treated as format b (the card is
// evidently asking the terminal for proprietary data it was configured with).
// Entries with a negative length contribute nothing.
func BuildDOL(dol []DOLEntry, lookup func(Tag) ([]byte, bool)) []byte {
	return AppendDOL(make([]byte, 0, DOL(dol).Len()), dol, lookup)
}

// AppendDOL is BuildDOL appending to dst.
func AppendDOL(dst []byte, dol []DOLEntry, lookup func(Tag) ([]byte, bool)) []byte {
	return appendDOL(dst, dol, lookup, dictionaryFormat)
}

func dictionaryFormat(t Tag) Format {
	if ti, ok := LookupTag(t); ok {
		return ti.Format
	}
	return FormatB
}

func appendDOL(dst []byte, dol []DOLEntry, lookup func(Tag) ([]byte, bool), formatOf func(Tag) Format) []byte {
	for _, e := range dol {
		if e.Len <= 0 {
			continue
		}
		var v []byte
		ok := false
		// Book 3, 5.4 a: a constructed data object gets zeros whatever the
		// terminal holds.
		if !e.Tag.Constructed() && lookup != nil {
			v, ok = lookup(e.Tag)
		}
		if !ok {
			// Book 3, 5.4 a, b and e: unknown tag, absent optional data or
			// data not applicable to this transaction: zeros of the length
			// asked.
			dst = appendZeros(dst, e.Len)
			continue
		}
		dst = appendFitted(dst, v, e.Len, formatOf(e.Tag))
	}
	return dst
}

// appendFitted appends v fitted to n bytes by the rules of EMV Book 3, 5.4 c
// (longer data) and d (shorter data).
func appendFitted(dst, v []byte, n int, f Format) []byte {
	switch f {
	case FormatN:
		// n is right-justified: 5.4 c truncates the leftmost bytes, 5.4 d
		// pads with leading hexadecimal zeroes.
		if len(v) >= n {
			return append(dst, v[len(v)-n:]...)
		}
		dst = appendZeros(dst, n-len(v))
		return append(dst, v...)
	case FormatCN:
		// cn is left-justified: 5.4 c truncates the rightmost bytes, 5.4 d
		// pads with trailing 'FF's.
		if len(v) >= n {
			return append(dst, v[:n]...)
		}
		dst = append(dst, v...)
		for range n - len(v) {
			dst = append(dst, 0xFF)
		}
		return dst
	default:
		// Any other format (a, an, ans, b, bit combinations, var): 5.4 c
		// truncates the rightmost bytes, 5.4 d pads with trailing zeroes.
		if len(v) >= n {
			return append(dst, v[:n]...)
		}
		dst = append(dst, v...)
		return appendZeros(dst, n-len(v))
	}
}

func appendZeros(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}

// ParseDOLData splits DOL-related data (the content of tag 83 in GET
// PROCESSING OPTIONS, the CDOL1/CDOL2 data of GENERATE AC, the DDOL data of
// INTERNAL AUTHENTICATE) back into the values of the tags of dol. The values
// alias data. When the DOL names a tag twice the first occurrence wins. data
// must be exactly dol.Len() bytes long, else the error wraps
// ErrDOLDataLength (a card answers such a command with 6700).
func ParseDOLData(dol []DOLEntry, data []byte) (TagValues, error) {
	if want := DOL(dol).Len(); len(data) != want {
		return nil, fmt.Errorf("parse dol data: got %d bytes, the dol asks for %d: %w", len(data), want, ErrDOLDataLength)
	}
	tv := make(TagValues, len(dol))
	pos := 0
	for _, e := range dol {
		if e.Len < 0 {
			continue
		}
		if _, dup := tv[e.Tag]; !dup {
			tv[e.Tag] = data[pos : pos+e.Len : pos+e.Len]
		}
		pos += e.Len
	}
	return tv, nil
}
