package pcsc

import (
	"os"
	"strings"
)

// Required reports whether a missing pcscd or reader must fail a test
// rather than skip it: in CI (CI=true), or when PAYLAB_REQUIRE names
// "pcsc" (a comma- or space-separated list, as a lab sets it).
func Required() bool {
	if os.Getenv("CI") == "true" {
		return true
	}
	for _, f := range strings.FieldsFunc(os.Getenv("PAYLAB_REQUIRE"), func(r rune) bool { return r == ',' || r == ' ' }) {
		if f == "pcsc" {
			return true
		}
	}
	return false
}
