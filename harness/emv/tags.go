package emv

// Placeholder dictionary: the tag-dictionary helper replaces this file with
// the full dictionary. LookupTag's signature is the contract.
var dictionary = map[Tag]TagInfo{
	0x9F02: {Tag: 0x9F02, Name: "Amount, Authorised (Numeric)", Source: SourceTerminal, Format: FormatN, MinLen: 6, MaxLen: 6},
	0x5A:   {Tag: 0x5A, Name: "Application Primary Account Number (PAN)", Source: SourceICC, Format: FormatCN, MinLen: 1, MaxLen: 10, Sensitive: true},
	0x9F37: {Tag: 0x9F37, Name: "Unpredictable Number", Source: SourceTerminal, Format: FormatB, MinLen: 4, MaxLen: 4},
}

// LookupTag returns the dictionary entry of t.
func LookupTag(t Tag) (TagInfo, bool) {
	ti, ok := dictionary[t]
	return ti, ok
}
