package emv

import (
	"encoding/hex"
	"strings"
)

// Masking of sensitive data for logs, traces and reports. The rule, applied
// by every paylab printer, is PCI DSS requirement 3.4.1's ceiling: at most
// the first six and the last four digits of a PAN are shown. Shorter PANs
// show less so that at least half of the digits stay hidden:
//
//	13 to 19 digits: first 6 and last 4       (4761739001010010 -> 476173******0010)
//	 1 to 12 digits: last n/4 (at most 4) and first n/2 - n/4
//	                 (12 -> 3+3, 10 -> 3+2, 8 -> 2+2, 4 -> 1+1, 1 -> none)
//
// Everything else sensitive (track discretionary data, names, PIN data) is
// replaced by the fixed string Masked, which does not leak its length.

// Masked replaces a sensitive value that has no displayable part.
const Masked = "****"

// panReveal returns how many leading and trailing digits of an n-digit PAN
// may be shown.
func panReveal(n int) (first, last int) {
	if n >= 13 {
		return 6, 4
	}
	last = min(n/4, 4)
	first = min(n/2-last, 6)
	return first, last
}

// MaskPAN masks a PAN given as a digit string, keeping its length. Any
// character that is not a decimal digit is masked too, wherever it is.
func MaskPAN(pan string) string {
	first, last := panReveal(len(pan))
	b := []byte(pan)
	for i, c := range b {
		keep := i < first || i >= len(b)-last
		if !keep || c < '0' || c > '9' {
			b[i] = '*'
		}
	}
	return string(b)
}

// MaskTrack2 masks track 2 data given as text: PAN, separator ('D' as in
// tag '57' or '=' as in ISO/IEC 7813 and ISO 8583 field 35), then expiry date,
// service code and discretionary data. The PAN is masked by MaskPAN, the
// separator kept, and everything after it replaced by '*'. Sentinels ';' and
// '?' around the data and trailing 'F' padding are dropped. Data without a
// separator is masked whole.
func MaskTrack2(t2 string) string {
	t2 = strings.TrimPrefix(t2, ";")
	t2 = strings.TrimSuffix(t2, "?")
	t2 = strings.TrimRight(t2, "Ff")
	sep := strings.IndexAny(t2, "Dd=")
	if sep < 0 {
		return strings.Repeat("*", len(t2))
	}
	return MaskPAN(t2[:sep]) + string(t2[sep]) + strings.Repeat("*", len(t2)-sep-1)
}

// MaskTrack1 masks track 1 data (ISO/IEC 7813 format B: 'B', PAN, '^', name,
// '^', expiry date, service code, discretionary data). The format code and
// the masked PAN are kept; the name and everything after it are replaced by
// Masked. Data that does not have this shape is replaced by Masked whole.
func MaskTrack1(t1 string) string {
	t1 = strings.TrimPrefix(t1, "%")
	t1 = strings.TrimSuffix(t1, "?")
	sep := strings.IndexByte(t1, '^')
	if len(t1) < 2 || sep < 2 || t1[0] < 'A' || t1[0] > 'Z' {
		return Masked
	}
	return t1[:1] + MaskPAN(t1[1:sep]) + "^" + Masked
}

// MaskValue renders the value of t for display, masked when the dictionary
// marks t sensitive: PAN '5A' as masked digits, track 2 ('57', '9F6B') as a
// masked PAN followed by '*', track 1 ('56') as format code and masked PAN,
// and anything else sensitive (names, track discretionary data, PIN data) as
// Masked. A value that is not sensitive is returned as upper-case hex.
func MaskValue(t Tag, v []byte) string {
	if !IsSensitive(t) {
		return strings.ToUpper(hex.EncodeToString(v))
	}
	return maskSensitive(t, v)
}

// maskSensitive masks v, known to be sensitive, by the rules of MaskValue.
func maskSensitive(t Tag, v []byte) string {
	switch t {
	case TagPAN:
		digits := strings.TrimRight(strings.ToUpper(hex.EncodeToString(v)), "F")
		if strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
			return Masked
		}
		return MaskPAN(digits)
	case TagTrack2, TagTrack2Equiv:
		return MaskTrack2(strings.ToUpper(hex.EncodeToString(v)))
	case 0x56:
		return MaskTrack1(string(v))
	}
	return Masked
}
