package emv

import (
	"fmt"
	"strconv"
)

// StatusWord is the SW1 SW2 trailer of a response APDU (ISO/IEC 7816-4,
// 5.1.3; EMV Book 3, 6.3.5).
type StatusWord uint16

// Status words EMV terminals and cards branch on. The constants are untyped
// so that they compare with Response.SW and fill ErrStatus.SW (both uint16)
// as well as with StatusWord values.
const (
	SWNoError                   = 0x9000 // normal processing
	SWSelectedFileInvalidated   = 0x6283 // SELECT: application blocked
	SWAuthenticationFailed      = 0x6300 // EXTERNAL AUTHENTICATE: issuer authentication failed
	SWWrongLength               = 0x6700
	SWSecurityNotSatisfied      = 0x6982
	SWAuthMethodBlocked         = 0x6983 // VERIFY: PIN try limit exceeded
	SWReferencedDataInvalidated = 0x6984
	SWConditionsNotSatisfied    = 0x6985 // e.g. GPO refused, GENERATE AC out of sequence
	SWCommandNotAllowed         = 0x6986
	SWWrongData                 = 0x6A80
	SWFunctionNotSupported      = 0x6A81 // SELECT: card blocked or command not supported
	SWFileNotFound              = 0x6A82 // SELECT: file or application not found
	SWRecordNotFound            = 0x6A83 // READ RECORD past the last record
	SWIncorrectP1P2             = 0x6A86
	SWReferencedDataNotFound    = 0x6A88 // GET DATA: data object not found
	SWWrongP1P2                 = 0x6B00
	SWINSNotSupported           = 0x6D00
	SWCLANotSupported           = 0x6E00
	SWNoPreciseDiagnosis        = 0x6F00
	SWAppletSelectFailed        = 0x6999 // Java Card: applet selection failed
	SWExecutionErrorUnchanged   = 0x6400
	SWMemoryFailure             = 0x6581
	SWSecureMessagingMissing    = 0x6987
	SWSecureMessagingIncorrect  = 0x6988
)

// swNames names status words by their full value (ISO/IEC 7816-4:2013,
// 5.1.3, Tables 5 and 6; the EMV wording where EMV Book 3, 6.5 names them).
var swNames = map[StatusWord]string{
	0x9000: "normal processing",
	0x6200: "warning, no information given, non-volatile memory unchanged",
	0x6281: "part of returned data may be corrupted",
	0x6282: "end of file or record reached before reading Ne bytes",
	0x6283: "selected file invalidated",
	0x6284: "file control information not formatted according to ISO/IEC 7816-4",
	0x6285: "selected file in termination state",
	0x6286: "no input data available from a sensor on the card",
	0x6300: "warning, no information given, non-volatile memory changed (authentication failed)",
	0x6381: "file filled up by the last write",
	0x6400: "execution error, non-volatile memory unchanged",
	0x6401: "immediate response required by the card",
	0x6500: "execution error, non-volatile memory changed",
	0x6581: "memory failure",
	0x6600: "security-related issue",
	0x6700: "wrong length",
	0x6800: "functions in CLA not supported",
	0x6881: "logical channel not supported",
	0x6882: "secure messaging not supported",
	0x6883: "last command of the chain expected",
	0x6884: "command chaining not supported",
	0x6900: "command not allowed",
	0x6981: "command incompatible with file structure",
	0x6982: "security status not satisfied",
	0x6983: "authentication method blocked",
	0x6984: "referenced data invalidated",
	0x6985: "conditions of use not satisfied",
	0x6986: "command not allowed (no current EF)",
	0x6987: "expected secure messaging data objects missing",
	0x6988: "incorrect secure messaging data objects",
	0x6999: "applet selection failed",
	0x6A00: "wrong parameters P1-P2",
	0x6A80: "incorrect parameters in the command data field",
	0x6A81: "function not supported",
	0x6A82: "file or application not found",
	0x6A83: "record not found",
	0x6A84: "not enough memory space in the file",
	0x6A85: "Nc inconsistent with TLV structure",
	0x6A86: "incorrect parameters P1-P2",
	0x6A87: "Nc inconsistent with parameters P1-P2",
	0x6A88: "referenced data or reference data not found",
	0x6A89: "file already exists",
	0x6A8A: "DF name already exists",
	0x6B00: "wrong parameters P1-P2",
	0x6D00: "instruction code not supported or invalid",
	0x6E00: "class not supported",
	0x6F00: "no precise diagnosis",
}

// swGroups names status words by SW1 alone when the full value is not in
// swNames (ISO/IEC 7816-4:2013, 5.1.3, Table 5).
var swGroups = map[byte]string{
	0x62: "warning, non-volatile memory unchanged",
	0x63: "warning, non-volatile memory changed",
	0x64: "execution error, non-volatile memory unchanged",
	0x65: "execution error, non-volatile memory changed",
	0x66: "security-related issue",
	0x67: "wrong length",
	0x68: "functions in CLA not supported",
	0x69: "command not allowed",
	0x6A: "wrong parameters P1-P2",
	0x6B: "wrong parameters P1-P2",
	0x6D: "instruction code not supported or invalid",
	0x6E: "class not supported",
	0x6F: "no precise diagnosis",
}

// SW1 returns the first status byte.
func (s StatusWord) SW1() byte { return byte(s >> 8) }

// SW2 returns the second status byte.
func (s StatusWord) SW2() byte { return byte(s) }

// OK reports normal processing, 9000.
func (s StatusWord) OK() bool { return s == SWNoError }

// Warning reports a warning status (SW1 62 or 63): the process completed,
// with a warning (ISO/IEC 7816-4, 5.1.3, Table 5).
func (s StatusWord) Warning() bool { sw1 := s.SW1(); return sw1 == 0x62 || sw1 == 0x63 }

// BytesAvailable reports 61xx, "SW2 encodes the number of data bytes still
// available" (ISO/IEC 7816-4, 5.1.3): the T=0 case 4 answer that a GET
// RESPONSE with Le = n collects (EMV Book 1, 9.3.1). SW2 00 means 256.
func (s StatusWord) BytesAvailable() (n int, ok bool) {
	if s.SW1() != 0x61 {
		return 0, false
	}
	return le256(s.SW2()), true
}

// ExactLength reports 6Cxx, "wrong Le field; SW2 encodes the exact number of
// available data bytes" (ISO/IEC 7816-4, 5.1.3): the command is to be
// repeated with Le = n (EMV Book 1, 9.3.1). SW2 00 means 256.
func (s StatusWord) ExactLength() (n int, ok bool) {
	if s.SW1() != 0x6C {
		return 0, false
	}
	return le256(s.SW2()), true
}

// Counter reports 63Cx, "the counter has reached the value x" (ISO/IEC
// 7816-4, 5.1.3): after a failed VERIFY, the PIN tries left (EMV Book 3,
// 6.5.13).
func (s StatusWord) Counter() (x int, ok bool) {
	if s&0xFFF0 != 0x63C0 {
		return 0, false
	}
	return int(s & 0x0F), true
}

func le256(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

// String returns the status word in hex followed by its meaning, such as
// "6A82 file or application not found" or "63C2 counter 2".
func (s StatusWord) String() string {
	hex := fmt.Sprintf("%04X ", uint16(s))
	if name, ok := swNames[s]; ok {
		return hex + name
	}
	if n, ok := s.BytesAvailable(); ok {
		return hex + "normal processing, " + strconv.Itoa(n) + " data bytes still available"
	}
	if n, ok := s.ExactLength(); ok {
		return hex + "wrong Le field, " + strconv.Itoa(n) + " data bytes available"
	}
	if x, ok := s.Counter(); ok {
		return hex + "counter " + strconv.Itoa(x)
	}
	if sw1 := s.SW1(); sw1 == 0x62 || sw1 == 0x64 {
		if sw2 := s.SW2(); sw2 >= 0x02 && sw2 <= 0x80 {
			return hex + "triggering by the card"
		}
	}
	if name, ok := swGroups[s.SW1()]; ok {
		return hex + name
	}
	if sw1 := s.SW1(); sw1 >= 0x90 && sw1 <= 0x9F {
		return hex + "application-specific status"
	}
	return hex + "unknown status"
}

// ErrStatus is the error of a command the card answered with a status word
// other than the one expected (usually 9000). It is a comparable value, so
// both errors.As(err, &emv.ErrStatus{}) and errors.Is(err,
// emv.ErrStatus{SW: emv.SWFileNotFound}) work.
type ErrStatus struct{ SW uint16 }

func (e ErrStatus) Error() string { return "card returned " + StatusWord(e.SW).String() }

// Status returns the status word as a StatusWord.
func (e ErrStatus) Status() StatusWord { return StatusWord(e.SW) }
