package iso8583

import (
	"errors"
	"strconv"
)

// Sentinel causes. Every error of this package wraps one of them, so a
// caller branches with errors.Is and finds the field with errors.As on
// *FieldError. No error message carries field content: a PAN, track or PIN
// block never reaches a log through an error.
var (
	// ErrShort: the input ends inside an MTI, bitmap, length prefix, field
	// or frame.
	ErrShort = errors.New("input too short")
	// ErrLength: a length is outside what the spec allows (see LengthError).
	ErrLength = errors.New("length out of range")
	// ErrCharset: a character or nibble is not allowed by the field type
	// (ISO 8583:1987, 4.3: n, a, s, an, as, ns, ans, z, x+n) or encoding.
	ErrCharset = errors.New("character not allowed by the field type")
	// ErrPrefix: a variable-length prefix is not a decimal number.
	ErrPrefix = errors.New("malformed length prefix")
	// ErrUndefined: the dialect does not define the field.
	ErrUndefined = errors.New("field not defined by the dialect")
	// ErrBitmapField: field 1, the secondary bitmap, is written by Pack from
	// the fields present, never set directly.
	ErrBitmapField = errors.New("field is a bitmap, derived from the fields present")
	// ErrMandatory: a field the dialect makes mandatory for the MTI is
	// absent.
	ErrMandatory = errors.New("mandatory field missing")
	// ErrTrailing: bytes follow the last field the bitmap announces.
	ErrTrailing = errors.New("trailing bytes after the last field")
	// ErrVersion: the MTI's version digit is not the dialect's version.
	ErrVersion = errors.New("MTI version does not match the dialect")
	// ErrMTI: the MTI is not four decimal digits, or is not a request or
	// advice when a response MTI is asked for.
	ErrMTI = errors.New("invalid message type indicator")
	// ErrSpec: a dialect spec is inconsistent.
	ErrSpec = errors.New("invalid dialect spec")
	// ErrNoDialect: a Message was not made by NewMessage or Unpack.
	ErrNoDialect = errors.New("message has no dialect (use NewMessage)")
)

// FieldError reports a problem with one data element. Op is what was being
// done: "set", "pack", "unpack", "validate" or "decode tlv". Err is one of
// the sentinel causes (possibly through a *LengthError or an
// *emv.DecodeError).
type FieldError struct {
	Op    string
	Field int
	Err   error
}

func (e *FieldError) Error() string {
	op := e.Op
	if op == "" {
		op = "process"
	}
	return op + " field " + strconv.Itoa(e.Field) + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// LengthError is the cause when a length is outside [Min, Max]: a field
// value, a length prefix or a frame. It matches ErrLength with errors.Is.
type LengthError struct {
	Got, Min, Max int
}

func (e *LengthError) Error() string {
	if e.Min == e.Max {
		return "length " + strconv.Itoa(e.Got) + ", want " + strconv.Itoa(e.Max)
	}
	return "length " + strconv.Itoa(e.Got) + " outside " + strconv.Itoa(e.Min) + ".." + strconv.Itoa(e.Max)
}

// Is makes errors.Is(err, ErrLength) true.
func (e *LengthError) Is(target error) bool { return target == ErrLength }

// MTIError reports a malformed or unexpected message type indicator.
type MTIError struct {
	Op  string
	Err error
}

func (e *MTIError) Error() string { return e.Op + " MTI: " + e.Err.Error() }
func (e *MTIError) Unwrap() error { return e.Err }

// BitmapError reports a truncated or malformed primary or secondary bitmap.
type BitmapError struct {
	Op string
	// Secondary is true when the secondary bitmap is at fault.
	Secondary bool
	Err       error
}

func (e *BitmapError) Error() string {
	which := "primary"
	if e.Secondary {
		which = "secondary"
	}
	return e.Op + " " + which + " bitmap: " + e.Err.Error()
}

func (e *BitmapError) Unwrap() error { return e.Err }

// FrameError reports a bad length header or TPDU, or a stream that ends
// inside a frame (Err is then io.ErrUnexpectedEOF or wraps ErrShort).
type FrameError struct {
	Op  string
	Err error
}

func (e *FrameError) Error() string { return e.Op + " frame: " + e.Err.Error() }
func (e *FrameError) Unwrap() error { return e.Err }

// posError is a cause located at a byte offset within a field value; it
// names the offset, never the byte.
type posError struct {
	cause  error
	offset int
}

func (e *posError) Error() string {
	return e.cause.Error() + " at offset " + strconv.Itoa(e.offset)
}

func (e *posError) Unwrap() error { return e.cause }
