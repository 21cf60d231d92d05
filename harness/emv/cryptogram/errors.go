package cryptogram

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// ErrUnknownVersion is returned for a cryptogram version number this package
// does not implement.
var ErrUnknownVersion = errors.New("unknown cryptogram version")

// ErrMismatch is the error every *MismatchError unwraps to, so that a caller
// can test errors.Is(err, ErrMismatch) for "the card (or issuer) is not who it
// claims to be" without caring which value failed.
var ErrMismatch = errors.New("cryptogram mismatch")

// MismatchError reports a cryptogram, ARPC or MAC that does not verify. It
// carries both values for the evidence trace; neither is key material.
type MismatchError struct {
	What     string // "ARQC", "ARPC", "command MAC"
	Got      []byte // the value received
	Expected []byte // the value computed
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s does not verify: got %X, computed %X", e.What, e.Got, e.Expected)
}

// Unwrap makes errors.Is(err, ErrMismatch) true.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// MissingDataError names every transaction data element a cryptogram version
// needs that the caller did not supply.
type MissingDataError struct {
	Version int
	Tags    []emv.Tag
}

func (e *MissingDataError) Error() string {
	names := make([]string, len(e.Tags))
	for i, t := range e.Tags {
		names[i] = describeTag(t)
	}
	return fmt.Sprintf("CVN %d needs %s", e.Version, strings.Join(names, ", "))
}

// TagLengthError reports a transaction data element of the wrong length.
// The value itself is not repeated: it may be sensitive.
type TagLengthError struct {
	Tag  emv.Tag
	Len  int
	Want string // "6 bytes", "at least 7 bytes"
}

func (e *TagLengthError) Error() string {
	return fmt.Sprintf("%s: want %s, got %d", describeTag(e.Tag), e.Want, e.Len)
}

// LengthError reports a key or an input value of the wrong length. It never
// carries the value: keys must not reach logs.
type LengthError struct {
	Name string // "issuer master key", "ATC", "ARQC"
	Len  int
	Want string // "16 bytes", "0 to 8 bytes"
}

func (e *LengthError) Error() string {
	return fmt.Sprintf("%s: want %s, got %d bytes", e.Name, e.Want, e.Len)
}

// InputError reports a malformed non-binary input such as a PAN or a PIN. Its
// message never contains the input.
type InputError struct {
	Name   string
	Reason string
}

func (e *InputError) Error() string { return e.Name + ": " + e.Reason }

func checkLen(name string, b []byte, n int) error {
	if len(b) != n {
		return &LengthError{Name: name, Len: len(b), Want: fmt.Sprintf("%d bytes", n)}
	}
	return nil
}

// tagNames gives the names used in error messages for the data elements
// this package reads (names as in EMV Book 3, Annex A1).
var tagNames = map[emv.Tag]string{
	emv.TagAmount:       "Amount, Authorised",
	emv.TagAmountOther:  "Amount, Other",
	emv.TagCountryCode:  "Terminal Country Code",
	emv.TagTVR:          "Terminal Verification Results",
	emv.TagCurrencyCode: "Transaction Currency Code",
	emv.TagTxnDate:      "Transaction Date",
	emv.TagTxnType:      "Transaction Type",
	emv.TagUN:           "Unpredictable Number",
	emv.TagAIP:          "Application Interchange Profile",
	emv.TagATC:          "Application Transaction Counter",
	emv.TagIAD:          "Issuer Application Data",
	emv.TagCryptogram:   "Application Cryptogram",
}

func describeTag(t emv.Tag) string {
	if n, ok := tagNames[t]; ok {
		return "tag " + t.String() + " (" + n + ")"
	}
	return "tag " + t.String()
}
