package oda

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv"
	"time"
)

// ErrBadPAN reports a PAN that is not 1 to 19 decimal digits.
var ErrBadPAN = errors.New("PAN must be 1 to 19 decimal digits")

// PANField encodes pan as the 10-byte cn Application PAN field of an ICC
// public key certificate, padded right with F (EMV Book 2, 6.3 Table 14).
func PANField(pan string) ([10]byte, error) {
	var f [10]byte
	if !isDigits(pan) || len(pan) > 19 {
		return f, fmt.Errorf("encode PAN field: %w", ErrBadPAN)
	}
	return [10]byte(emv.PackCN(pan, 10)), nil
}

// IssuerIDFromPAN encodes the leftmost digits (3 to 8) of pan as the 4-byte
// cn Issuer Identifier of an issuer public key certificate, padded right
// with F (EMV Book 2, 5.3 Table 6).
func IssuerIDFromPAN(pan string, digits int) ([4]byte, error) {
	var id [4]byte
	if digits < 3 || digits > 8 {
		return id, fmt.Errorf("encode issuer identifier: %d digits, want 3 to 8", digits)
	}
	if !isDigits(pan) || len(pan) > 19 || len(pan) < digits {
		return id, fmt.Errorf("encode issuer identifier: %w", ErrBadPAN)
	}
	return [4]byte(emv.PackCN(pan[:digits], 4)), nil
}

// PANDigits decodes a cn PAN as read from tag 5A (trailing F nibbles
// dropped) into its digits.
func PANDigits(cn []byte) (string, error) {
	digits, ok := emv.UnpackCN(cn)
	if !ok || digits == "" || len(digits) > 19 {
		return "", fmt.Errorf("decode PAN: %w", ErrBadPAN)
	}
	return digits, nil
}

// matchIssuerID performs EMV Book 2, 5.3 step 8: the issuer identifier (3 to
// 8 digits, right-padded with F) must equal the leftmost PAN digits.
func matchIssuerID(id [4]byte, pan string) error {
	const step = StepIssuerCert
	digits, ok := emv.UnpackCN(id[:])
	if !ok || len(digits) < 3 {
		return fail(step, CheckIssuerID, "issuer identifier is not 3 to 8 digits padded with F")
	}
	if !isDigits(pan) || len(pan) > 19 {
		return &Error{Step: step, Check: CheckIssuerID, Detail: "application PAN malformed", Err: ErrBadPAN}
	}
	if !strings.HasPrefix(pan, digits) {
		return fail(step, CheckIssuerID, "%d-digit identifier differs from PAN %s", len(digits), emv.MaskPAN(pan))
	}
	return nil
}

// ExpiryMMYY encodes the month of t as a cn MMYY certificate expiration date
// (EMV Book 2, 5.3 Table 6).
func ExpiryMMYY(t time.Time) [2]byte {
	m, y := int(t.Month()), t.Year()%100
	return [2]byte{byte(m/10<<4 | m%10), byte(y/10<<4 | y%10)}
}

// ExpiryTime returns the last instant of the month an MMYY date names; a
// certificate is valid through that day (EMV Book 2, 5.3 step 9). YY 00–49
// is 20YY and 50–99 is 19YY (the 50-year window of EMV Book 4, Date
// Management). The result is in UTC.
func ExpiryTime(mmyy [2]byte) (time.Time, error) {
	year, mm, ok := parseMMYY(mmyy)
	if !ok {
		return time.Time{}, fmt.Errorf("parse expiry %X: not a valid MMYY date", mmyy)
	}
	// The first instant of the next month, less one nanosecond.
	return time.Date(year, time.Month(mm)+1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond), nil
}

// checkExpiry fails when the last day of the MMYY month is earlier than
// today's date (EMV Book 2, 5.3 step 9, 6.4 step 9). Only the calendar date
// of today matters, read in its own location.
func checkExpiry(step Step, mmyy [2]byte, today time.Time) error {
	year, mm, ok := parseMMYY(mmyy)
	if !ok {
		return fail(step, CheckExpired, "expiration date %X is not a valid MMYY", mmyy)
	}
	if year*12+mm < today.Year()*12+int(today.Month()) {
		return fail(step, CheckExpired, "expired end of %02d/%04d, today %s", mm, year, today.Format("2006-01-02"))
	}
	return nil
}

// parseMMYY reads a cn MMYY date; YY 00–49 is 20YY, 50–99 is 19YY.
func parseMMYY(mmyy [2]byte) (year, month int, ok bool) {
	mm, ok1 := bcd(mmyy[0])
	yy, ok2 := bcd(mmyy[1])
	if !ok1 || !ok2 || mm < 1 || mm > 12 {
		return 0, 0, false
	}
	if yy >= 50 {
		return 1900 + yy, mm, true
	}
	return 2000 + yy, mm, true
}

func bcd(b byte) (int, bool) {
	hi, lo := b>>4, b&0x0F
	if hi > 9 || lo > 9 {
		return 0, false
	}
	return int(hi)*10 + int(lo), true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
