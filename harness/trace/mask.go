package trace

import (
	"bytes"
	"encoding/hex"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// maskedByte stands for one byte of a hex dump whose value is sensitive.
const maskedByte = "**"

// minDigitRun is the shortest run of decimal digits treated as a possible
// PAN where the structure of the data is unknown: ISO/IEC 7812-1 PANs are 12
// to 19 digits long (EMV Book 3, Annex A: '5A' is cn, up to 19 digits).
const minDigitRun = 12

// byteMask marks the bytes of a buffer that a hex dump must hide.
type byteMask []bool

func (m byteMask) set(from, to int) {
	for i := max(from, 0); i < to && i < len(m); i++ {
		m[i] = true
	}
}

// hexDump renders b in upper-case hex with each masked byte as "**".
func hexDump(b []byte, m byteMask) string {
	var sb strings.Builder
	sb.Grow(2 * len(b))
	const digits = "0123456789ABCDEF"
	for i, c := range b {
		if i < len(m) && m[i] {
			sb.WriteString(maskedByte)
			continue
		}
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&0x0F])
	}
	return sb.String()
}

// sensitive reports whether tag t, found inside template parent (0 at top
// level), holds data that must be masked: the dictionary entry or the
// entry for that template says so (EMV Book 3, Annex A; context entries as
// in emv.LookupTagIn).
func sensitive(parent, t emv.Tag) bool {
	if emv.IsSensitive(t) {
		return true
	}
	ti, ok := emv.LookupTagIn(parent, t)
	return ok && ti.Sensitive
}

// secrets collects the clear forms of the sensitive values seen in one
// exchange, so that a last pass can prove none of them reached an output
// string, whatever path it took.
type secrets []string

// minSecret is the shortest clear form worth scrubbing: shorter strings
// would hit unrelated text.
const minSecret = 6

func (s *secrets) add(x string) {
	if len(x) >= minSecret {
		*s = append(*s, x)
	}
}

// addValue records the clear forms of sensitive value v of tag t: its hex,
// its digits (PAN and track 2 are BCD, 'F'-padded; track 2's PAN ends at
// the 'D' separator) and its text (names and track 1 are ans).
func (s *secrets) addValue(t emv.Tag, v []byte) {
	h := strings.ToUpper(hex.EncodeToString(v))
	s.add(h)
	s.add(strings.TrimRight(h, "F"))
	if i := strings.IndexByte(h, 'D'); i > 0 {
		s.add(h[:i])
	}
	if txt := strings.TrimSpace(string(v)); isText(txt) {
		s.add(txt)
		// Track 1: the PAN after the format code, then name fields.
		for _, f := range strings.Split(strings.TrimPrefix(txt, "B"), "^") {
			s.add(strings.TrimSpace(f))
		}
	}
}

func isText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return s != ""
}

// scrub replaces every secret in x by emv.Masked.
func (s secrets) scrub(x string) string {
	for _, sec := range s {
		if strings.Contains(x, sec) {
			x = strings.ReplaceAll(x, sec, emv.Masked)
		}
	}
	return x
}

// maskDigitRuns masks, with emv.MaskPAN, every run of minDigitRun or more
// decimal digits in x.
func maskDigitRuns(x string) string {
	var sb strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := x[start:end]
		if len(run) >= minDigitRun {
			run = emv.MaskPAN(run)
		}
		sb.WriteString(run)
		start = -1
	}
	for i := 0; i < len(x); i++ {
		if c := x[i]; c >= '0' && c <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		sb.WriteByte(x[i])
	}
	flush(len(x))
	return sb.String()
}

// maskOpaque marks, in data of unknown structure, every run of bytes whose
// two nibbles are both decimal digits and that is long enough to carry a
// PAN (minDigitRun digits): BCD is how '5A' and '57' code the PAN.
func maskOpaque(b []byte, m byteMask) {
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i]>>4 <= 9 && b[i]&0x0F <= 9 {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && 2*(i-start) >= minDigitRun {
			m.set(start, i)
		}
		start = -1
	}
}

// maskTLV marks the values of the sensitive data objects of BER-TLV data b
// (with their templates' context) and collects their clear forms. When b is
// not well-formed BER-TLV throughout, it falls back to maskOpaque for the
// whole of b and reports false.
func maskTLV(b []byte, m byteMask, sec *secrets) bool {
	sc := emv.NewScanner(b)
	if !maskObjects(&sc, 0, m, sec) {
		maskSalvage(b, m)
		return false
	}
	return true
}

// sensitiveTags is the encoding of every tag the dictionary marks
// sensitive.
var sensitiveTags = func() [][]byte {
	var out [][]byte
	for _, ti := range emv.Tags() {
		if ti.Sensitive {
			out = append(out, ti.Tag.Bytes())
		}
	}
	return out
}()

// maskSalvage masks malformed data: PAN-like digit runs (maskOpaque) and,
// wherever the bytes read as a sensitive tag followed by a length that
// fits, the value that header announces (a truncated or corrupted record
// still carries its name and track data in clear).
func maskSalvage(b []byte, m byteMask) {
	maskOpaque(b, m)
	for i := range b {
		for _, t := range sensitiveTags {
			if !bytes.HasPrefix(b[i:], t) {
				continue
			}
			vs, n := i+len(t)+1, 0
			switch {
			case vs > len(b):
				continue
			case b[vs-1] < 0x80:
				n = int(b[vs-1])
			case b[vs-1] == 0x81 && vs < len(b):
				n, vs = int(b[vs]), vs+1
			default:
				continue
			}
			m.set(vs, min(vs+n, len(b))) // a cut value is masked to the end
		}
	}
}

func maskObjects(sc *emv.Scanner, parent emv.Tag, m byteMask, sec *secrets) bool {
	for sc.Next() {
		t, v := sc.Tag(), sc.Value()
		vs := sc.Offset() + len(sc.Raw()) - len(v)
		switch {
		case sensitive(parent, t):
			m.set(vs, vs+len(v))
			sec.addValue(t, v)
		case sc.Constructed():
			ch := sc.Children()
			if !maskObjects(&ch, t, m, sec) {
				return false
			}
		}
	}
	return sc.Err() == nil
}
