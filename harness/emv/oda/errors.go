package oda

import (
	"errors"
	"fmt"
)

// Step names the object whose recovery or verification failed.
type Step uint8

const (
	StepIssuerCert      Step = iota + 1 // Issuer Public Key Certificate, tag 90 (EMV Book 2, 5.3 / 6.3)
	StepICCCert                         // ICC Public Key Certificate, tag 9F46 (EMV Book 2, 6.4)
	StepSSAD                            // Signed Static Application Data, tag 93 (EMV Book 2, 5.4)
	StepSDAD                            // Signed Dynamic Application Data, tag 9F4B (EMV Book 2, 6.5.2, 6.6.2)
	StepPINCert                         // ICC PIN Encipherment Public Key Certificate, tag 9F2D (EMV Book 2, 7.1)
	StepPINBlock                        // the plaintext PIN block (EMV Book 3, 6.5.12)
	StepPINEncipherment                 // offline PIN encipherment and its recovery by the card (EMV Book 2, 7.2)
	StepCAKey                           // the certification authority public key itself (EMV Book 2, 11.2)
)

var stepNames = [...]string{
	StepIssuerCert:      "issuer public key certificate",
	StepICCCert:         "ICC public key certificate",
	StepSSAD:            "signed static application data",
	StepSDAD:            "signed dynamic application data",
	StepPINCert:         "ICC PIN encipherment public key certificate",
	StepPINBlock:        "PIN block",
	StepPINEncipherment: "enciphered PIN",
	StepCAKey:           "CA public key",
}

func (s Step) String() string {
	if int(s) < len(stepNames) && stepNames[s] != "" {
		return stepNames[s]
	}
	return fmt.Sprintf("step(%d)", uint8(s))
}

// Check names the rule that failed. Each maps to one step of EMV Book 2
// 5.3, 5.4, 6.4, 6.5.2, 6.6.2 or 7.1–7.2.
type Check uint8

const (
	CheckMissing         Check = iota + 1 // a required data object is absent (Book 3, 10.3: "ICC data missing", not "ODA failed")
	CheckLength                           // object length differs from the signer's modulus length (step 1)
	CheckHeader                           // recovered data header is not 6A (step 2)
	CheckTrailer                          // recovered data trailer is not BC (step 3)
	CheckFormat                           // certificate or signed data format is wrong (step 4)
	CheckHashAlgorithm                    // hash algorithm indicator not 01 (SHA-1) (step 6)
	CheckHash                             // hash result differs (step 7)
	CheckIssuerID                         // issuer identifier does not match the leftmost PAN digits (5.3 step 8)
	CheckPAN                              // recovered PAN differs from the application PAN (6.4 step 8)
	CheckExpired                          // certificate expiration date earlier than today (5.3 step 9, 6.4 step 9)
	CheckRevoked                          // RID, CA index and serial are on the revocation list (5.3 step 10)
	CheckKeyAlgorithm                     // public key algorithm indicator not 01 (RSA) (5.3 step 11)
	CheckRemainder                        // public key remainder missing or of the wrong length (5.3 step 5)
	CheckKeyLength                        // recovered key length or exponent length inconsistent
	CheckCAIndex                          // CA public key index not present in the terminal (Book 3, 10.3)
	CheckDynamicData                      // ICC dynamic data malformed (6.5.2 Table 17, 6.6 Table 19)
	CheckCID                              // CID in the signature differs from the GENERATE AC response (6.6.2 step 6)
	CheckTransactionHash                  // transaction data hash code differs (6.6.2 steps 10–11)
	CheckChallenge                        // ICC unpredictable number in the enciphered PIN differs (7.2)
	CheckPINBlock                         // PIN block malformed (Book 3, 6.5.12)
	CheckKey                              // a key is malformed (wrong exponent, size beyond limits)
)

var checkNames = [...]string{
	CheckMissing:         "required data missing",
	CheckLength:          "length differs from modulus length",
	CheckHeader:          "recovered data header is not 6A",
	CheckTrailer:         "recovered data trailer is not BC",
	CheckFormat:          "wrong format",
	CheckHashAlgorithm:   "unknown hash algorithm indicator",
	CheckHash:            "hash result mismatch",
	CheckIssuerID:        "issuer identifier does not match PAN",
	CheckPAN:             "PAN does not match application PAN",
	CheckExpired:         "certificate expired",
	CheckRevoked:         "certificate revoked",
	CheckKeyAlgorithm:    "unknown public key algorithm indicator",
	CheckRemainder:       "public key remainder missing or wrong length",
	CheckKeyLength:       "public key length inconsistent",
	CheckCAIndex:         "unknown CA public key",
	CheckDynamicData:     "ICC dynamic data malformed",
	CheckCID:             "cryptogram information data mismatch",
	CheckTransactionHash: "transaction data hash code mismatch",
	CheckChallenge:       "ICC unpredictable number mismatch",
	CheckPINBlock:        "malformed PIN block",
	CheckKey:             "malformed key",
}

func (c Check) String() string {
	if int(c) < len(checkNames) && checkNames[c] != "" {
		return checkNames[c]
	}
	return fmt.Sprintf("check(%d)", uint8(c))
}

// Error reports which check of which step failed. Detail never holds a full
// PAN, a key or a PIN. Use errors.As to branch on Step and Check, or
// errors.Is with an *Error template whose zero fields match anything:
//
//	errors.Is(err, &oda.Error{Check: oda.CheckHash})
type Error struct {
	Step   Step
	Check  Check
	Detail string // human context, e.g. "format 03, want 02"
	Err    error  // underlying cause, if any
}

func (e *Error) Error() string {
	msg := "oda: " + e.Step.String() + ": " + e.Check.String()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error whose non-zero Step and Check equal e's.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil {
		return false
	}
	return (t.Step == 0 || t.Step == e.Step) && (t.Check == 0 || t.Check == e.Check)
}

// CheckOf returns the failing Check of an *Error in err's chain, or 0.
func CheckOf(err error) Check {
	var e *Error
	if errors.As(err, &e) {
		return e.Check
	}
	return 0
}

func fail(step Step, check Check, format string, args ...any) *Error {
	return &Error{Step: step, Check: check, Detail: fmt.Sprintf(format, args...)}
}
