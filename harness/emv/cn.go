package emv

import "strings"

// PackCN encodes digits as n bytes of compressed numeric (cn): left
// justified, right padded with F nibbles, extra digits dropped (EMV Book 3,
// 4.3). Non-digit characters are the caller's error to prevent.
func PackCN(digits string, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = 0xFF
	}
	for i := 0; i < len(digits) && i < 2*n; i++ {
		d := digits[i] - '0'
		if i%2 == 0 {
			out[i/2] = d<<4 | 0x0F
		} else {
			out[i/2] = out[i/2]&0xF0 | d
		}
	}
	return out
}

// UnpackCN reads cn digits up to the first F nibble; every nibble after it
// must be F too, and every one before it a decimal digit.
func UnpackCN(b []byte) (string, bool) {
	var sb strings.Builder
	padding := false
	for _, c := range b {
		for _, n := range [2]byte{c >> 4, c & 0x0F} {
			switch {
			case n == 0x0F:
				padding = true
			case padding || n > 9:
				return "", false
			default:
				sb.WriteByte('0' + n)
			}
		}
	}
	return sb.String(), true
}
