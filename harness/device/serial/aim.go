package serial

// An AIM symbology identifier (ISO/IEC 15424) is three characters sent
// before the data: ']' , a code character naming the symbology and a
// modifier character giving options of that symbology.

// aimSymbologies names the code characters of ISO/IEC 15424 that payment
// and retail scanners commonly send.
var aimSymbologies = map[byte]string{
	'A': "Code 39",
	'C': "Code 128",
	'E': "EAN/UPC",
	'F': "Codabar",
	'G': "Code 93",
	'H': "Code 11",
	'I': "Interleaved 2 of 5",
	'L': "PDF417",
	'M': "MSI",
	'Q': "QR Code",
	'X': "Other",
	'd': "Data Matrix",
	'e': "GS1 DataBar",
	'z': "Aztec",
}

// AIMSymbology names the symbology of an AIM identifier such as "]Q1", or
// returns "" when the identifier is malformed or its code character unknown.
func AIMSymbology(id string) string {
	if !isAIM(id) {
		return ""
	}
	return aimSymbologies[id[1]]
}

// isAIM reports whether s begins with a well-formed AIM identifier: ']',
// a letter, and a modifier that is a digit or a letter.
func isAIM(s string) bool {
	if len(s) < 3 || s[0] != ']' {
		return false
	}
	return isLetter(s[1]) && (isLetter(s[2]) || (s[2] >= '0' && s[2] <= '9'))
}

func isLetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
