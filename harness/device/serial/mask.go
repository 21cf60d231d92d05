package serial

import "strings"

// Mask returns s with everything but its first six and last four characters
// replaced by '*', the most of a payment code that may appear in a log
// (PCI DSS 3.4 display rule, as for PANs). Codes of ten characters or fewer
// would be shown whole by that rule, so they are masked entirely.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	out := make([]rune, len(r))
	for i := range r {
		if i < 6 || i >= len(r)-4 {
			out[i] = r[i]
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}
