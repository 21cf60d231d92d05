package card

import (
	"github.com/paylab/paylab/harness/emv"
)

// Fault is a misbehaviour knob for negative tests. It applies to the
// commands with instruction INS (and P1 when MatchP1), on their Occurrence-th
// arrival since the card was made (1-based; 0 = every time).
//
// GetResponse and WrongLe reproduce T=0 transport behaviour (ISO/IEC 7816-3
// and EMV Book 1, 9.3.1.3): a PC/SC driver normally hides 61xx and 6Cxx from
// its caller, so these knobs are for testing readers' and drivers' T=0
// handling, not the kernel (device.Card leaves them to the driver).
type Fault struct {
	INS        byte
	P1         byte
	MatchP1    bool
	Occurrence int

	SW              uint16  // answer this status word without processing
	Malformed       bool    // break the response's BER-TLV coding
	Duplicate       emv.Tag // repeat this data object inside its template
	Remove          emv.Tag // leave this data object out of the response
	WrongCryptogram bool    // GENERATE AC: corrupt the cryptogram (signed as corrupted under CDA)
	GetResponse     bool    // answer 61xx and hold the data for GET RESPONSE
	WrongLe         bool    // answer 6Cxx unless Le is the exact length
}

func (f Fault) matches(cmd emv.Command, n int) bool {
	return f.INS == cmd.INS && (!f.MatchP1 || f.P1 == cmd.P1) && (f.Occurrence == 0 || f.Occurrence == n)
}

// tamper rewrites response data as the fault says.
func (f Fault) tamper(data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	if f.Duplicate != 0 || f.Remove != 0 {
		objs, err := emv.Decode(data)
		if err == nil {
			objs = rewrite(objs, f.Duplicate, f.Remove)
			data = emv.Encode(objs...)
		}
	}
	if f.Malformed {
		data = malform(data)
	}
	return data
}

func rewrite(objs []emv.TLV, dup, remove emv.Tag) []emv.TLV {
	out := make([]emv.TLV, 0, len(objs)+1)
	for _, o := range objs {
		if o.Tag == remove && remove != 0 {
			continue
		}
		if o.Tag.Constructed() {
			o.Children = rewrite(o.Children, dup, remove)
			if o.Children == nil {
				o.Children = []emv.TLV{}
			}
		}
		out = append(out, o)
		if o.Tag == dup && dup != 0 {
			out = append(out, o)
		}
	}
	return out
}

// malform breaks the coding of the first data object: a constructed one
// gets a dangling first tag byte (9F) at the end of its value, a primitive
// one a length running one byte past the end (EMV Book 3, Annex B).
func malform(data []byte) []byte {
	objs, err := emv.Decode(data)
	if err != nil || len(objs) == 0 {
		return append(data, 0x9F)
	}
	o := objs[0]
	hdr := len(o.Tag.Bytes())
	if o.Tag.Constructed() {
		inner := append(emv.Encode(o.Children...), 0x9F)
		out := append([]byte(nil), o.Tag.Bytes()...)
		out = appendLen(out, len(inner))
		return append(out, inner...)
	}
	out := append([]byte(nil), data...)
	if out[hdr] < 0x7F {
		out[hdr]++
	} else if out[hdr] == 0x81 && out[hdr+1] < 0xFF {
		out[hdr+1]++
	} else {
		out = append(out, 0x9F)
	}
	return out
}

func appendLen(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	}
	return append(b, 0x82, byte(n>>8), byte(n))
}
