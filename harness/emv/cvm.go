package emv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// CVM List, tag '8E' (EMV 4.4 Book 3 10.5 and Annex C3): Amount X (4 bytes),
// Amount Y (4 bytes), then two-byte CV Rules: a CVM Code and a CVM Condition
// Code. X and Y are binary amounts with the implied decimal point of the
// Application Currency Exponent; they apply only when the transaction is in
// the application currency (conditions 06-09).

// CVMethod is bits b8 and b6-b1 of a CVM Code (Book 3 Table 43); b7, "apply
// succeeding CV Rule if this CVM is unsuccessful", is CVMRule.ApplyNext.
// Values with b8 set are RFU and kept as read, so that a list round-trips.
type CVMethod uint8

// CVM codes (Book 3 Annex C3, Table 43).
const (
	CVMFailCVMProcessing              CVMethod = 0x00
	CVMPlaintextPINByICC              CVMethod = 0x01
	CVMEncipheredPINOnline            CVMethod = 0x02
	CVMPlaintextPINByICCAndSignature  CVMethod = 0x03
	CVMEncipheredPINByICC             CVMethod = 0x04
	CVMEncipheredPINByICCAndSignature CVMethod = 0x05
	CVMFacialBiometricOffline         CVMethod = 0x06 // EMV 4.4
	CVMFacialBiometricOnline          CVMethod = 0x07 // EMV 4.4
	CVMFingerBiometricOffline         CVMethod = 0x08 // EMV 4.4
	CVMFingerBiometricOnline          CVMethod = 0x09 // EMV 4.4
	CVMPalmBiometricOffline           CVMethod = 0x0A // EMV 4.4
	CVMPalmBiometricOnline            CVMethod = 0x0B // EMV 4.4
	CVMIrisBiometricOffline           CVMethod = 0x0C // EMV 4.4
	CVMIrisBiometricOnline            CVMethod = 0x0D // EMV 4.4
	CVMVoiceBiometricOffline          CVMethod = 0x0E // EMV 4.4
	CVMVoiceBiometricOnline           CVMethod = 0x0F // EMV 4.4
	CVMSignature                      CVMethod = 0x1E
	CVMNoCVMRequired                  CVMethod = 0x1F
	// CVMNoCVMPerformed is not available for a CV Rule; the terminal puts it
	// in byte 1 of the CVM Results when no CVM was performed (Book 4 A4).
	CVMNoCVMPerformed CVMethod = 0x3F
)

var cvmMethodNames = map[CVMethod]string{
	CVMFailCVMProcessing:              "Fail CVM processing",
	CVMPlaintextPINByICC:              "Plaintext PIN verification performed by ICC",
	CVMEncipheredPINOnline:            "Enciphered PIN verified online",
	CVMPlaintextPINByICCAndSignature:  "Plaintext PIN verification performed by ICC and signature",
	CVMEncipheredPINByICC:             "Enciphered PIN verification performed by ICC",
	CVMEncipheredPINByICCAndSignature: "Enciphered PIN verification performed by ICC and signature",
	CVMFacialBiometricOffline:         "Facial biometric verified offline (by ICC)",
	CVMFacialBiometricOnline:          "Facial biometric verified online",
	CVMFingerBiometricOffline:         "Finger biometric verified offline (by ICC)",
	CVMFingerBiometricOnline:          "Finger biometric verified online",
	CVMPalmBiometricOffline:           "Palm biometric verified offline (by ICC)",
	CVMPalmBiometricOnline:            "Palm biometric verified online",
	CVMIrisBiometricOffline:           "Iris biometric verified offline (by ICC)",
	CVMIrisBiometricOnline:            "Iris biometric verified online",
	CVMVoiceBiometricOffline:          "Voice biometric verified offline (by ICC)",
	CVMVoiceBiometricOnline:           "Voice biometric verified online",
	CVMSignature:                      "Signature",
	CVMNoCVMRequired:                  "No CVM required",
	CVMNoCVMPerformed:                 "No CVM performed",
}

// Known reports whether the method is one Table 43 defines.
func (m CVMethod) Known() bool {
	_, ok := cvmMethodNames[m]
	return ok
}

func (m CVMethod) String() string {
	if s, ok := cvmMethodNames[m]; ok {
		return s
	}
	switch {
	case m&0x80 != 0:
		return fmt.Sprintf("RFU CVM %02X", uint8(m))
	case m >= 0x10 && m <= 0x1D:
		return fmt.Sprintf("CVM %02X reserved for EMV", uint8(m))
	case m >= 0x20 && m <= 0x2F:
		return fmt.Sprintf("payment system CVM %02X", uint8(m))
	default: // 0x30-0x3E
		return fmt.Sprintf("issuer CVM %02X", uint8(m))
	}
}

// CVMCondition is a CVM Condition Code (Book 3 Annex C3, Table 44).
type CVMCondition uint8

// CVM condition codes (Book 3 Table 44); '0A'-'7F' are RFU and '80'-'FF'
// reserved for the payment systems.
const (
	CVMAlways                 CVMCondition = 0x00
	CVMIfUnattendedCash       CVMCondition = 0x01
	CVMIfNotCashNorCashback   CVMCondition = 0x02
	CVMIfTerminalSupportsCVM  CVMCondition = 0x03
	CVMIfManualCash           CVMCondition = 0x04
	CVMIfPurchaseWithCashback CVMCondition = 0x05
	CVMIfAppCurrencyUnderX    CVMCondition = 0x06
	CVMIfAppCurrencyOverX     CVMCondition = 0x07
	CVMIfAppCurrencyUnderY    CVMCondition = 0x08
	CVMIfAppCurrencyOverY     CVMCondition = 0x09
)

var cvmConditionNames = [...]string{
	CVMAlways:                 "Always",
	CVMIfUnattendedCash:       "If unattended cash",
	CVMIfNotCashNorCashback:   "If not unattended cash and not manual cash and not purchase with cashback",
	CVMIfTerminalSupportsCVM:  "If terminal supports the CVM",
	CVMIfManualCash:           "If manual cash",
	CVMIfPurchaseWithCashback: "If purchase with cashback",
	CVMIfAppCurrencyUnderX:    "If transaction is in the application currency and is under X value",
	CVMIfAppCurrencyOverX:     "If transaction is in the application currency and is over X value",
	CVMIfAppCurrencyUnderY:    "If transaction is in the application currency and is under Y value",
	CVMIfAppCurrencyOverY:     "If transaction is in the application currency and is over Y value",
}

func (c CVMCondition) String() string {
	if int(c) < len(cvmConditionNames) {
		return cvmConditionNames[c]
	}
	if c >= 0x80 {
		return fmt.Sprintf("payment system condition %02X", uint8(c))
	}
	return fmt.Sprintf("RFU condition %02X", uint8(c))
}

// CVMRule is one CV Rule of a CVM List.
type CVMRule struct {
	Method CVMethod
	// ApplyNext is CVM Code b7: apply the succeeding CV Rule if this CVM is
	// unsuccessful; when false, cardholder verification fails.
	ApplyNext bool
	Condition CVMCondition
}

func ruleFromBytes(code, cond byte) CVMRule {
	return CVMRule{Method: CVMethod(code &^ 0x40), ApplyNext: code&0x40 != 0, Condition: CVMCondition(cond)}
}

// Code returns the one-byte CVM Code: the method with b7 set from ApplyNext.
func (r CVMRule) Code() byte {
	c := byte(r.Method) &^ 0x40
	if r.ApplyNext {
		c |= 0x40
	}
	return c
}

// String describes the rule, e.g. "42 03 Enciphered PIN verified online, If
// terminal supports the CVM, else next rule".
func (r CVMRule) String() string {
	s := fmt.Sprintf("%02X %02X %s, %s", r.Code(), byte(r.Condition), r.Method, r.Condition)
	if r.ApplyNext {
		return s + ", else next rule"
	}
	return s + ", else fail"
}

// CVMList is a decoded CVM List.
type CVMList struct {
	X, Y  uint32 // amounts in the application currency, binary
	Rules []CVMRule
}

// Errors a CVMListError wraps, for errors.Is.
var (
	ErrCVMListTooShort  = errors.New("shorter than the 8 bytes of amounts X and Y")
	ErrCVMListOddLength = errors.New("odd length: CV Rules are two bytes each")
)

// CVMListError reports a CVM List that cannot be decoded.
type CVMListError struct {
	Len int
	Err error // ErrCVMListTooShort or ErrCVMListOddLength
}

func (e *CVMListError) Error() string {
	return fmt.Sprintf("parse CVM list: length %d: %v", e.Len, e.Err)
}

func (e *CVMListError) Unwrap() error { return e.Err }

// ParseCVMList decodes the value of tag '8E'. A list holding the two amounts
// and no rule is accepted (Book 3 10.5 treats a list without CV Rules like
// an absent one); the dictionary's 10-byte minimum is for Validate. Unknown
// methods and conditions are kept as read.
func ParseCVMList(v []byte) (CVMList, error) {
	if len(v) < 8 {
		return CVMList{}, &CVMListError{Len: len(v), Err: ErrCVMListTooShort}
	}
	if len(v)%2 != 0 {
		return CVMList{}, &CVMListError{Len: len(v), Err: ErrCVMListOddLength}
	}
	l := CVMList{
		X:     binary.BigEndian.Uint32(v[0:4]),
		Y:     binary.BigEndian.Uint32(v[4:8]),
		Rules: make([]CVMRule, 0, (len(v)-8)/2),
	}
	for i := 8; i < len(v); i += 2 {
		l.Rules = append(l.Rules, ruleFromBytes(v[i], v[i+1]))
	}
	return l, nil
}

// Bytes encodes the list as the value of tag '8E'.
func (l CVMList) Bytes() []byte {
	out := make([]byte, 8, 8+2*len(l.Rules))
	binary.BigEndian.PutUint32(out[0:4], l.X)
	binary.BigEndian.PutUint32(out[4:8], l.Y)
	for _, r := range l.Rules {
		out = append(out, r.Code(), byte(r.Condition))
	}
	return out
}

// String lists the amounts and the rules, one per line.
func (l CVMList) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "X=%d Y=%d", l.X, l.Y)
	for _, r := range l.Rules {
		b.WriteString("\n")
		b.WriteString(r.String())
	}
	return b.String()
}
