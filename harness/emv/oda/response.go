package oda

import (
	"errors"
	"fmt"
)

// ErrMalformedTLV reports response data that is not a sequence of BER-TLV
// data objects.
var ErrMalformedTLV = errors.New("malformed BER-TLV")

const tagSDAD = 0x9F4B

// ResponseDataForHash returns the data objects of a GENERATE AC response in
// the order returned, TLV-coded, without the Signed Dynamic Application Data
// (tag 9F4B): the last input of the CDA transaction data hash code (EMV Book
// 2, 6.6.1 and 6.6.2 step 10). template77 is the value of the response
// template 77. Padding bytes 00 between objects (Book 3, Annex B) are
// dropped.
func ResponseDataForHash(template77 []byte) ([]byte, error) {
	out := make([]byte, 0, len(template77))
	for rest := template77; len(rest) > 0; {
		if rest[0] == 0x00 {
			rest = rest[1:]
			continue
		}
		tag, size, err := nextTLV(rest)
		if err != nil {
			return nil, fmt.Errorf("strip SDAD from response: %w", err)
		}
		if tag != tagSDAD {
			out = append(out, rest[:size]...)
		}
		rest = rest[size:]
	}
	return out, nil
}

// nextTLV reads the tag and the total encoded size of the first data object
// of b (ISO/IEC 8825-1 as profiled by EMV Book 3, Annex B).
func nextTLV(b []byte) (tag uint32, size int, err error) {
	i := 0
	tag = uint32(b[0])
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) || i > 3 {
				return 0, 0, fmt.Errorf("%w: truncated tag", ErrMalformedTLV)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, 0, fmt.Errorf("%w: tag %X without length", ErrMalformedTLV, tag)
	}
	l := int(b[i])
	i++
	if l&0x80 != 0 {
		nb := l & 0x7F
		if nb == 0 || nb > 3 || i+nb > len(b) {
			return 0, 0, fmt.Errorf("%w: bad length field of tag %X", ErrMalformedTLV, tag)
		}
		l = 0
		for _, c := range b[i : i+nb] {
			l = l<<8 | int(c)
		}
		i += nb
	}
	if l > len(b)-i {
		return 0, 0, fmt.Errorf("%w: tag %X value overruns data", ErrMalformedTLV, tag)
	}
	return tag, i + l, nil
}
