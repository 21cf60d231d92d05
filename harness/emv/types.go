package emv

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Tag is a BER-TLV tag with its encoded bytes packed big-endian into a
// uint32: tag 9F02 is Tag(0x9F02), tag 5A is Tag(0x5A). EMV tags are at most
// three bytes long (EMV Book 3, Annex B1), so a uint32 always suffices.
type Tag uint32

// Common tags used by code across paylab. The full dictionary, with names
// and formats, is reached through LookupTag.
const (
	TagPAN          Tag = 0x5A
	TagTrack2       Tag = 0x57
	TagTrack2Equiv  Tag = 0x9F6B
	TagPANSeq       Tag = 0x5F34
	TagIAD          Tag = 0x9F10
	TagATC          Tag = 0x9F36
	TagAmount       Tag = 0x9F02
	TagAmountOther  Tag = 0x9F03
	TagUN           Tag = 0x9F37
	TagTVR          Tag = 0x95
	TagTSI          Tag = 0x9B
	TagAIP          Tag = 0x82
	TagAFL          Tag = 0x94
	TagCryptogram   Tag = 0x9F26
	TagCID          Tag = 0x9F27
	TagCountryCode  Tag = 0x9F1A
	TagCurrencyCode Tag = 0x5F2A
	TagTxnDate      Tag = 0x9A
	TagTxnType      Tag = 0x9C
)

// Bytes returns the encoded tag bytes (one to four).
func (t Tag) Bytes() []byte {
	switch {
	case t > 0xFFFFFF:
		return []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFFFF:
		return []byte{byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFF:
		return []byte{byte(t >> 8), byte(t)}
	default:
		return []byte{byte(t)}
	}
}

// Constructed reports whether bit 6 of the first tag byte is set
// (ISO/IEC 8825-1, EMV Book 3 Annex B1).
func (t Tag) Constructed() bool { return t.Bytes()[0]&0x20 != 0 }

// String returns the tag as upper-case hex, "9F02".
func (t Tag) String() string { return strings.ToUpper(hex.EncodeToString(t.Bytes())) }

// ParseTag parses a hex tag such as "9F02" or "5a".
func ParseTag(s string) (Tag, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 4 {
		return 0, fmt.Errorf("parse tag %q: want 1 to 4 hex bytes", s)
	}
	var t Tag
	for _, c := range b {
		t = t<<8 | Tag(c)
	}
	return t, nil
}

// TLV is one decoded BER-TLV data object. Value holds the value field as
// encoded; for a constructed object Children holds its decoded content too.
type TLV struct {
	Tag      Tag
	Value    []byte
	Children []TLV
}

// Format is the EMV data element format (EMV Book 3, Section 4.3).
type Format uint8

const (
	FormatB   Format = iota + 1 // binary
	FormatN                     // numeric BCD, right justified, left padded with 0
	FormatCN                    // compressed numeric, left justified, right padded with F
	FormatA                     // alphabetic
	FormatAN                    // alphanumeric
	FormatANS                   // alphanumeric special
	FormatVar                   // format depends on context (proprietary, templates)
)

func (f Format) String() string {
	switch f {
	case FormatB:
		return "b"
	case FormatN:
		return "n"
	case FormatCN:
		return "cn"
	case FormatA:
		return "a"
	case FormatAN:
		return "an"
	case FormatANS:
		return "ans"
	case FormatVar:
		return "var"
	}
	return "?"
}

// Source says who provides a data element (EMV Book 3, Annex A).
type Source uint8

const (
	SourceICC Source = iota + 1
	SourceTerminal
	SourceIssuer
)

func (s Source) String() string {
	switch s {
	case SourceICC:
		return "ICC"
	case SourceTerminal:
		return "terminal"
	case SourceIssuer:
		return "issuer"
	}
	return "?"
}

// TagInfo describes one tag of the dictionary.
type TagInfo struct {
	Tag    Tag
	Name   string
	Source Source
	Format Format
	// MinLen and MaxLen bound the value length in bytes.
	MinLen, MaxLen int
	// Templates lists the templates the tag may appear in (none: any).
	Templates []Tag
	// Sensitive marks data that must be masked in every log, trace and
	// report (PAN, track data, PIN data, names).
	Sensitive bool
}
