package emv

import (
	"fmt"
	"strings"
)

// Named bitfields. Each bitfield type is a byte array in wire order; each
// bit constant packs its 0-based byte index and its mask as index<<8 | mask,
// so TVRSDAFailed (TVR byte 1, b7) is 0x0040 and TVRNewCard (byte 2, b4) is
// 0x0108. Every type offers Has, Set, Clear, Bits (the named bits that are
// set, in table order) and String (their names, plus any set RFU bit).

// bitDef names one bit of a bitfield.
type bitDef struct {
	bit  uint16
	name string
}

func hasBit(b []byte, bit uint16) bool {
	i := int(bit >> 8)
	return i < len(b) && b[i]&byte(bit) != 0
}

func setBit(b []byte, bit uint16) {
	if i := int(bit >> 8); i < len(b) {
		b[i] |= byte(bit)
	}
}

func clearBit(b []byte, bit uint16) {
	if i := int(bit >> 8); i < len(b) {
		b[i] &^= byte(bit)
	}
}

func bitNameOf(table []bitDef, bit uint16) string {
	for _, d := range table {
		if d.bit == bit {
			return d.name
		}
	}
	return fmt.Sprintf("byte %d b%d", bit>>8+1, bitNumber(byte(bit)))
}

// bitNumber converts a one-bit mask to the EMV bit number b1..b8.
func bitNumber(mask byte) int {
	for n := 1; n <= 8; n++ {
		if mask == 1<<(n-1) {
			return n
		}
	}
	return 0
}

// setNames lists the names of the set bits of b: the named bits in table
// order, then any set bit the table does not name ("RFU byte 2 b3").
func setNames(b []byte, table []bitDef) []string {
	var names []string
	known := make([]byte, len(b))
	for _, d := range table {
		setBit(known, d.bit)
		if hasBit(b, d.bit) {
			names = append(names, d.name)
		}
	}
	for i, c := range b {
		for n := 8; n >= 1; n-- {
			m := byte(1) << (n - 1)
			if c&m != 0 && known[i]&m == 0 {
				names = append(names, fmt.Sprintf("RFU byte %d b%d", i+1, n))
			}
		}
	}
	return names
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "; ")
}

func setBitsOf[T ~uint16](b []byte, table []bitDef) []T {
	var out []T
	for _, d := range table {
		if hasBit(b, d.bit) {
			out = append(out, T(d.bit))
		}
	}
	return out
}

// BitfieldLengthError reports a bitfield value of the wrong length.
type BitfieldLengthError struct {
	Field     string
	Want, Got int
}

func (e *BitfieldLengthError) Error() string {
	return fmt.Sprintf("parse %s: length %d, want %d", e.Field, e.Got, e.Want)
}

func parseFixed(field string, dst, src []byte) error {
	if len(src) != len(dst) {
		return &BitfieldLengthError{Field: field, Want: len(dst), Got: len(src)}
	}
	copy(dst, src)
	return nil
}

// ---------------------------------------------------------------------------
// Terminal Verification Results, tag '95' (EMV 4.4 Book 3 Annex C5, Table 46).

// TVR is the Terminal Verification Results.
type TVR [5]byte

// TVRBit is one bit of the TVR.
type TVRBit uint16

// TVR bits. Names follow EMV 4.4; where 4.4 renamed a 4.3 bit the constant
// keeps the name the kernels and scheme documents still use.
const (
	// Byte 1
	TVROfflineDataAuthNotPerformed TVRBit = 0x0080
	TVRSDAFailed                   TVRBit = 0x0040
	TVRICCDataMissing              TVRBit = 0x0020
	TVRCardOnExceptionFile         TVRBit = 0x0010
	TVRDDAFailed                   TVRBit = 0x0008
	TVRCDAFailed                   TVRBit = 0x0004
	TVRSDASelected                 TVRBit = 0x0002
	TVRXDASelected                 TVRBit = 0x0001 // EMV 4.4
	// Byte 2
	TVRICCAppVersionsDiffer                TVRBit = 0x0180
	TVRExpiredApplication                  TVRBit = 0x0140
	TVRAppNotYetEffective                  TVRBit = 0x0120
	TVRServiceNotAllowed                   TVRBit = 0x0110
	TVRNewCard                             TVRBit = 0x0108
	TVRBiometricPerformedAndSuccessful     TVRBit = 0x0102 // EMV 4.4
	TVRBiometricTemplateFormatNotSupported TVRBit = 0x0101 // EMV 4.4
	// Byte 3
	TVRCardholderVerificationNotSuccessful TVRBit = 0x0280
	TVRUnrecognisedCVM                     TVRBit = 0x0240
	TVRPINTryLimitExceeded                 TVRBit = 0x0220
	TVRPINPadNotPresentOrNotWorking        TVRBit = 0x0210
	TVRPINNotEntered                       TVRBit = 0x0208
	// TVROnlinePINEntered is "Online PIN entered" in EMV 4.3 and "Online
	// CVM captured" in EMV 4.4 (same bit, now also set for online biometrics).
	TVROnlinePINEntered                 TVRBit = 0x0204
	TVRBiometricCaptureDeviceNotWorking TVRBit = 0x0202 // EMV 4.4
	TVRBiometricSubtypeBypassed         TVRBit = 0x0201 // EMV 4.4
	// Byte 4
	TVRFloorLimitExceeded                   TVRBit = 0x0380
	TVRLowerConsecutiveOfflineLimitExceeded TVRBit = 0x0340
	TVRUpperConsecutiveOfflineLimitExceeded TVRBit = 0x0320
	TVRRandomlySelectedOnline               TVRBit = 0x0310
	TVRMerchantForcedOnline                 TVRBit = 0x0308
	TVRBiometricTryLimitExceeded            TVRBit = 0x0304 // EMV 4.4
	TVRBiometricTypeNotSupported            TVRBit = 0x0302 // EMV 4.4
	TVRXDASignatureVerificationFailed       TVRBit = 0x0301 // EMV 4.4
	// Byte 5
	TVRDefaultTDOLUsed                  TVRBit = 0x0480
	TVRIssuerAuthenticationFailed       TVRBit = 0x0440
	TVRScriptFailedBeforeFinalGenAC     TVRBit = 0x0420
	TVRScriptFailedAfterFinalGenAC      TVRBit = 0x0410
	TVRRelayResistanceThresholdExceeded TVRBit = 0x0408 // reserved for contactless in Book 3; Book C-2 meaning
	TVRCAECCKeyMissing                  TVRBit = 0x0404 // EMV 4.4
	TVRECCKeyRecoveryFailed             TVRBit = 0x0402 // EMV 4.4
)

var tvrBits = []bitDef{
	{uint16(TVROfflineDataAuthNotPerformed), "Offline data authentication was not performed"},
	{uint16(TVRSDAFailed), "SDA failed"},
	{uint16(TVRICCDataMissing), "ICC data missing"},
	{uint16(TVRCardOnExceptionFile), "Card appears on terminal exception file"},
	{uint16(TVRDDAFailed), "DDA failed"},
	{uint16(TVRCDAFailed), "CDA failed"},
	{uint16(TVRSDASelected), "SDA selected"},
	{uint16(TVRXDASelected), "XDA selected"},
	{uint16(TVRICCAppVersionsDiffer), "ICC and terminal have different application versions"},
	{uint16(TVRExpiredApplication), "Expired application"},
	{uint16(TVRAppNotYetEffective), "Application not yet effective"},
	{uint16(TVRServiceNotAllowed), "Requested service not allowed for card product"},
	{uint16(TVRNewCard), "New card"},
	{uint16(TVRBiometricPerformedAndSuccessful), "Biometric performed and successful"},
	{uint16(TVRBiometricTemplateFormatNotSupported), "Biometric template format not supported"},
	{uint16(TVRCardholderVerificationNotSuccessful), "Cardholder verification was not successful"},
	{uint16(TVRUnrecognisedCVM), "Unrecognised CVM"},
	{uint16(TVRPINTryLimitExceeded), "PIN Try Limit exceeded"},
	{uint16(TVRPINPadNotPresentOrNotWorking), "PIN entry required and PIN pad not present or not working"},
	{uint16(TVRPINNotEntered), "PIN entry required, PIN pad present, but PIN was not entered"},
	{uint16(TVROnlinePINEntered), "Online PIN entered (Online CVM captured)"},
	{uint16(TVRBiometricCaptureDeviceNotWorking), "Biometric required but Biometric capture device not working"},
	{uint16(TVRBiometricSubtypeBypassed), "Biometric required, Biometric capture device present, but Biometric Subtype entry was bypassed"},
	{uint16(TVRFloorLimitExceeded), "Transaction exceeds floor limit"},
	{uint16(TVRLowerConsecutiveOfflineLimitExceeded), "Lower consecutive offline limit exceeded"},
	{uint16(TVRUpperConsecutiveOfflineLimitExceeded), "Upper consecutive offline limit exceeded"},
	{uint16(TVRRandomlySelectedOnline), "Transaction selected randomly for online processing"},
	{uint16(TVRMerchantForcedOnline), "Merchant forced transaction online"},
	{uint16(TVRBiometricTryLimitExceeded), "Biometric Try Limit exceeded"},
	{uint16(TVRBiometricTypeNotSupported), "A selected Biometric Type not supported"},
	{uint16(TVRXDASignatureVerificationFailed), "XDA signature verification failed"},
	{uint16(TVRDefaultTDOLUsed), "Default TDOL used"},
	{uint16(TVRIssuerAuthenticationFailed), "Issuer authentication failed"},
	{uint16(TVRScriptFailedBeforeFinalGenAC), "Script processing failed before final GENERATE AC"},
	{uint16(TVRScriptFailedAfterFinalGenAC), "Script processing failed after final GENERATE AC"},
	{uint16(TVRRelayResistanceThresholdExceeded), "Relay resistance threshold exceeded (contactless)"},
	{uint16(TVRCAECCKeyMissing), "CA ECC key missing"},
	{uint16(TVRECCKeyRecoveryFailed), "ECC key recovery failed"},
}

// ParseTVR copies a 5-byte TVR value.
func ParseTVR(v []byte) (TVR, error) {
	var t TVR
	return t, parseFixed("TVR", t[:], v)
}

// Has reports whether bit is set.
func (t TVR) Has(bit TVRBit) bool { return hasBit(t[:], uint16(bit)) }

// Set sets bits.
func (t *TVR) Set(bits ...TVRBit) {
	for _, b := range bits {
		setBit(t[:], uint16(b))
	}
}

// Clear clears bits.
func (t *TVR) Clear(bits ...TVRBit) {
	for _, b := range bits {
		clearBit(t[:], uint16(b))
	}
}

// Bits returns the named bits that are set, in table order.
func (t TVR) Bits() []TVRBit { return setBitsOf[TVRBit](t[:], tvrBits) }

// String returns the names of the set bits, or "none".
func (t TVR) String() string { return joinNames(setNames(t[:], tvrBits)) }

// String returns the name of the bit.
func (b TVRBit) String() string { return bitNameOf(tvrBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Transaction Status Information, tag '9B' (Book 3 Annex C6, Table 47).

// TSI is the Transaction Status Information.
type TSI [2]byte

// TSIBit is one bit of the TSI.
type TSIBit uint16

// TSI bits (byte 2 is RFU).
const (
	TSIOfflineDataAuthPerformed        TSIBit = 0x0080
	TSICardholderVerificationPerformed TSIBit = 0x0040
	TSICardRiskManagementPerformed     TSIBit = 0x0020
	TSIIssuerAuthenticationPerformed   TSIBit = 0x0010
	TSITerminalRiskManagementPerformed TSIBit = 0x0008
	TSIScriptProcessingPerformed       TSIBit = 0x0004
)

var tsiBits = []bitDef{
	{uint16(TSIOfflineDataAuthPerformed), "Offline data authentication was performed"},
	{uint16(TSICardholderVerificationPerformed), "Cardholder verification was performed"},
	{uint16(TSICardRiskManagementPerformed), "Card risk management was performed"},
	{uint16(TSIIssuerAuthenticationPerformed), "Issuer authentication was performed"},
	{uint16(TSITerminalRiskManagementPerformed), "Terminal risk management was performed"},
	{uint16(TSIScriptProcessingPerformed), "Script processing was performed"},
}

// ParseTSI copies a 2-byte TSI value.
func ParseTSI(v []byte) (TSI, error) {
	var t TSI
	return t, parseFixed("TSI", t[:], v)
}

// Has reports whether bit is set.
func (t TSI) Has(bit TSIBit) bool { return hasBit(t[:], uint16(bit)) }

// Set sets bits.
func (t *TSI) Set(bits ...TSIBit) {
	for _, b := range bits {
		setBit(t[:], uint16(b))
	}
}

// Clear clears bits.
func (t *TSI) Clear(bits ...TSIBit) {
	for _, b := range bits {
		clearBit(t[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (t TSI) Bits() []TSIBit { return setBitsOf[TSIBit](t[:], tsiBits) }

// String returns the names of the set bits, or "none".
func (t TSI) String() string { return joinNames(setNames(t[:], tsiBits)) }

// String returns the name of the bit.
func (b TSIBit) String() string { return bitNameOf(tsiBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Application Interchange Profile, tag '82' (Book 3 Annex C1, Table 41).

// AIP is the Application Interchange Profile.
type AIP [2]byte

// AIPBit is one bit of the AIP.
type AIPBit uint16

// AIP bits. The bits Book 3 reserves for the EMV Contactless Specifications
// carry their Kernel 2 meaning (Book C-2, Annex A, AIP).
const (
	AIPXDASupported             AIPBit = 0x0080 // EMV 4.4
	AIPSDASupported             AIPBit = 0x0040
	AIPDDASupported             AIPBit = 0x0020
	AIPCardholderVerification   AIPBit = 0x0010
	AIPTerminalRiskManagement   AIPBit = 0x0008
	AIPIssuerAuthentication     AIPBit = 0x0004
	AIPOnDeviceCVMSupported     AIPBit = 0x0002 // Kernel 2
	AIPCDASupported             AIPBit = 0x0001
	AIPEMVModeSupported         AIPBit = 0x0180 // Kernel 2
	AIPRelayResistanceSupported AIPBit = 0x0101 // Kernel 2
)

var aipBits = []bitDef{
	{uint16(AIPXDASupported), "XDA supported"},
	{uint16(AIPSDASupported), "SDA supported"},
	{uint16(AIPDDASupported), "DDA supported"},
	{uint16(AIPCardholderVerification), "Cardholder verification is supported"},
	{uint16(AIPTerminalRiskManagement), "Terminal risk management is to be performed"},
	{uint16(AIPIssuerAuthentication), "Issuer authentication is supported"},
	{uint16(AIPOnDeviceCVMSupported), "On device cardholder verification is supported (contactless)"},
	{uint16(AIPCDASupported), "CDA supported"},
	{uint16(AIPEMVModeSupported), "EMV mode is supported (contactless)"},
	{uint16(AIPRelayResistanceSupported), "Relay resistance protocol is supported (contactless)"},
}

// ParseAIP copies a 2-byte AIP value.
func ParseAIP(v []byte) (AIP, error) {
	var a AIP
	return a, parseFixed("AIP", a[:], v)
}

// Has reports whether bit is set.
func (a AIP) Has(bit AIPBit) bool { return hasBit(a[:], uint16(bit)) }

// Set sets bits.
func (a *AIP) Set(bits ...AIPBit) {
	for _, b := range bits {
		setBit(a[:], uint16(b))
	}
}

// Clear clears bits.
func (a *AIP) Clear(bits ...AIPBit) {
	for _, b := range bits {
		clearBit(a[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (a AIP) Bits() []AIPBit { return setBitsOf[AIPBit](a[:], aipBits) }

// String returns the names of the set bits, or "none".
func (a AIP) String() string { return joinNames(setNames(a[:], aipBits)) }

// String returns the name of the bit.
func (b AIPBit) String() string { return bitNameOf(aipBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Application Usage Control, tag '9F07' (Book 3 Annex C2, Table 42).

// AUC is the Application Usage Control.
type AUC [2]byte

// AUCBit is one bit of the AUC.
type AUCBit uint16

// AUC bits.
const (
	AUCDomesticCash          AUCBit = 0x0080
	AUCInternationalCash     AUCBit = 0x0040
	AUCDomesticGoods         AUCBit = 0x0020
	AUCInternationalGoods    AUCBit = 0x0010
	AUCDomesticServices      AUCBit = 0x0008
	AUCInternationalServices AUCBit = 0x0004
	AUCATMs                  AUCBit = 0x0002
	AUCNonATMTerminals       AUCBit = 0x0001
	AUCDomesticCashback      AUCBit = 0x0180
	AUCInternationalCashback AUCBit = 0x0140
)

var aucBits = []bitDef{
	{uint16(AUCDomesticCash), "Valid for domestic cash transactions"},
	{uint16(AUCInternationalCash), "Valid for international cash transactions"},
	{uint16(AUCDomesticGoods), "Valid for domestic goods"},
	{uint16(AUCInternationalGoods), "Valid for international goods"},
	{uint16(AUCDomesticServices), "Valid for domestic services"},
	{uint16(AUCInternationalServices), "Valid for international services"},
	{uint16(AUCATMs), "Valid at ATMs"},
	{uint16(AUCNonATMTerminals), "Valid at terminals other than ATMs"},
	{uint16(AUCDomesticCashback), "Domestic cashback allowed"},
	{uint16(AUCInternationalCashback), "International cashback allowed"},
}

// ParseAUC copies a 2-byte AUC value.
func ParseAUC(v []byte) (AUC, error) {
	var a AUC
	return a, parseFixed("AUC", a[:], v)
}

// Has reports whether bit is set.
func (a AUC) Has(bit AUCBit) bool { return hasBit(a[:], uint16(bit)) }

// Set sets bits.
func (a *AUC) Set(bits ...AUCBit) {
	for _, b := range bits {
		setBit(a[:], uint16(b))
	}
}

// Clear clears bits.
func (a *AUC) Clear(bits ...AUCBit) {
	for _, b := range bits {
		clearBit(a[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (a AUC) Bits() []AUCBit { return setBitsOf[AUCBit](a[:], aucBits) }

// String returns the names of the set bits, or "none".
func (a AUC) String() string { return joinNames(setNames(a[:], aucBits)) }

// String returns the name of the bit.
func (b AUCBit) String() string { return bitNameOf(aucBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Terminal Capabilities, tag '9F33' (EMV 4.4 Book 4 Annex A2, Tables 25-27).

// TermCaps is the Terminal Capabilities: card data input, CVM and security
// capability.
type TermCaps [3]byte

// TermCapBit is one bit of the Terminal Capabilities.
type TermCapBit uint16

// Terminal Capabilities bits.
const (
	// Byte 1: card data input capability
	TermCapManualKeyEntry TermCapBit = 0x0080
	TermCapMagneticStripe TermCapBit = 0x0040
	TermCapICWithContacts TermCapBit = 0x0020
	// Byte 2: CVM capability
	TermCapPlaintextPINForICC      TermCapBit = 0x0180
	TermCapEncipheredPINOnline     TermCapBit = 0x0140
	TermCapSignature               TermCapBit = 0x0120
	TermCapEncipheredPINOffline    TermCapBit = 0x0110 // RSA ODE
	TermCapNoCVMRequired           TermCapBit = 0x0108
	TermCapOnlineBiometric         TermCapBit = 0x0104 // EMV 4.4
	TermCapOfflineBiometric        TermCapBit = 0x0102 // EMV 4.4
	TermCapEncipheredPINOfflineECC TermCapBit = 0x0101 // EMV 4.4, ECC ODE
	// Byte 3: security capability
	TermCapSDA         TermCapBit = 0x0280
	TermCapDDA         TermCapBit = 0x0240
	TermCapCardCapture TermCapBit = 0x0220
	TermCapCDA         TermCapBit = 0x0208
	TermCapXDA         TermCapBit = 0x0204 // EMV 4.4
)

var termCapBits = []bitDef{
	{uint16(TermCapManualKeyEntry), "Manual key entry"},
	{uint16(TermCapMagneticStripe), "Magnetic stripe"},
	{uint16(TermCapICWithContacts), "IC with contacts"},
	{uint16(TermCapPlaintextPINForICC), "Plaintext PIN for ICC verification"},
	{uint16(TermCapEncipheredPINOnline), "Enciphered PIN for online verification"},
	{uint16(TermCapSignature), "Signature"},
	{uint16(TermCapEncipheredPINOffline), "Enciphered PIN for offline verification (RSA ODE)"},
	{uint16(TermCapNoCVMRequired), "No CVM Required"},
	{uint16(TermCapOnlineBiometric), "Online Biometric"},
	{uint16(TermCapOfflineBiometric), "Offline Biometric"},
	{uint16(TermCapEncipheredPINOfflineECC), "Enciphered PIN for offline verification (ECC ODE)"},
	{uint16(TermCapSDA), "SDA"},
	{uint16(TermCapDDA), "DDA"},
	{uint16(TermCapCardCapture), "Card capture"},
	{uint16(TermCapCDA), "CDA"},
	{uint16(TermCapXDA), "XDA"},
}

// ParseTermCaps copies a 3-byte Terminal Capabilities value.
func ParseTermCaps(v []byte) (TermCaps, error) {
	var c TermCaps
	return c, parseFixed("Terminal Capabilities", c[:], v)
}

// Has reports whether bit is set.
func (c TermCaps) Has(bit TermCapBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *TermCaps) Set(bits ...TermCapBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *TermCaps) Clear(bits ...TermCapBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c TermCaps) Bits() []TermCapBit { return setBitsOf[TermCapBit](c[:], termCapBits) }

// String returns the names of the set bits, or "none".
func (c TermCaps) String() string { return joinNames(setNames(c[:], termCapBits)) }

// String returns the name of the bit.
func (b TermCapBit) String() string { return bitNameOf(termCapBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Additional Terminal Capabilities, tag '9F40' (Book 4 Annex A3, Tables 28-32).

// AddTermCaps is the Additional Terminal Capabilities.
type AddTermCaps [5]byte

// AddTermCapBit is one bit of the Additional Terminal Capabilities.
type AddTermCapBit uint16

// Additional Terminal Capabilities bits.
const (
	// Byte 1: transaction type capability
	AddTermCapCash           AddTermCapBit = 0x0080
	AddTermCapGoods          AddTermCapBit = 0x0040
	AddTermCapServices       AddTermCapBit = 0x0020
	AddTermCapCashback       AddTermCapBit = 0x0010
	AddTermCapInquiry        AddTermCapBit = 0x0008
	AddTermCapTransfer       AddTermCapBit = 0x0004
	AddTermCapPayment        AddTermCapBit = 0x0002
	AddTermCapAdministrative AddTermCapBit = 0x0001
	// Byte 2: transaction type capability
	AddTermCapCashDeposit AddTermCapBit = 0x0180
	// Byte 3: terminal data input capability
	AddTermCapNumericKeys      AddTermCapBit = 0x0280
	AddTermCapAlphaSpecialKeys AddTermCapBit = 0x0240
	AddTermCapCommandKeys      AddTermCapBit = 0x0220
	AddTermCapFunctionKeys     AddTermCapBit = 0x0210
	// Byte 4: terminal data output capability
	AddTermCapPrintAttendant    AddTermCapBit = 0x0380
	AddTermCapPrintCardholder   AddTermCapBit = 0x0340
	AddTermCapDisplayAttendant  AddTermCapBit = 0x0320
	AddTermCapDisplayCardholder AddTermCapBit = 0x0310
	AddTermCapCodeTable10       AddTermCapBit = 0x0302
	AddTermCapCodeTable9        AddTermCapBit = 0x0301
	// Byte 5: terminal data output capability (ISO/IEC 8859 parts)
	AddTermCapCodeTable8 AddTermCapBit = 0x0480
	AddTermCapCodeTable7 AddTermCapBit = 0x0440
	AddTermCapCodeTable6 AddTermCapBit = 0x0420
	AddTermCapCodeTable5 AddTermCapBit = 0x0410
	AddTermCapCodeTable4 AddTermCapBit = 0x0408
	AddTermCapCodeTable3 AddTermCapBit = 0x0404
	AddTermCapCodeTable2 AddTermCapBit = 0x0402
	AddTermCapCodeTable1 AddTermCapBit = 0x0401
)

var addTermCapBits = []bitDef{
	{uint16(AddTermCapCash), "Cash"},
	{uint16(AddTermCapGoods), "Goods"},
	{uint16(AddTermCapServices), "Services"},
	{uint16(AddTermCapCashback), "Cashback"},
	{uint16(AddTermCapInquiry), "Inquiry"},
	{uint16(AddTermCapTransfer), "Transfer"},
	{uint16(AddTermCapPayment), "Payment"},
	{uint16(AddTermCapAdministrative), "Administrative"},
	{uint16(AddTermCapCashDeposit), "Cash Deposit"},
	{uint16(AddTermCapNumericKeys), "Numeric keys"},
	{uint16(AddTermCapAlphaSpecialKeys), "Alphabetic and special characters keys"},
	{uint16(AddTermCapCommandKeys), "Command keys"},
	{uint16(AddTermCapFunctionKeys), "Function keys"},
	{uint16(AddTermCapPrintAttendant), "Print or electronic, attendant"},
	{uint16(AddTermCapPrintCardholder), "Print or electronic, cardholder"},
	{uint16(AddTermCapDisplayAttendant), "Display, attendant"},
	{uint16(AddTermCapDisplayCardholder), "Display, cardholder"},
	{uint16(AddTermCapCodeTable10), "Code table 10"},
	{uint16(AddTermCapCodeTable9), "Code table 9"},
	{uint16(AddTermCapCodeTable8), "Code table 8"},
	{uint16(AddTermCapCodeTable7), "Code table 7"},
	{uint16(AddTermCapCodeTable6), "Code table 6"},
	{uint16(AddTermCapCodeTable5), "Code table 5"},
	{uint16(AddTermCapCodeTable4), "Code table 4"},
	{uint16(AddTermCapCodeTable3), "Code table 3"},
	{uint16(AddTermCapCodeTable2), "Code table 2"},
	{uint16(AddTermCapCodeTable1), "Code table 1"},
}

// ParseAddTermCaps copies a 5-byte Additional Terminal Capabilities value.
func ParseAddTermCaps(v []byte) (AddTermCaps, error) {
	var c AddTermCaps
	return c, parseFixed("Additional Terminal Capabilities", c[:], v)
}

// Has reports whether bit is set.
func (c AddTermCaps) Has(bit AddTermCapBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *AddTermCaps) Set(bits ...AddTermCapBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *AddTermCaps) Clear(bits ...AddTermCapBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c AddTermCaps) Bits() []AddTermCapBit { return setBitsOf[AddTermCapBit](c[:], addTermCapBits) }

// String returns the names of the set bits, or "none".
func (c AddTermCaps) String() string { return joinNames(setNames(c[:], addTermCapBits)) }

// String returns the name of the bit.
func (b AddTermCapBit) String() string { return bitNameOf(addTermCapBits, uint16(b)) }

// ---------------------------------------------------------------------------
// Terminal Type, tag '9F35' (Book 4 Annex A1, Table 24).

// TerminalType is the Terminal Type: two BCD digits, the first saying who
// controls the terminal, the second its environment.
type TerminalType byte

// Attended reports whether the terminal is attended (second digit 1-3).
func (t TerminalType) Attended() bool { d := byte(t) & 0x0F; return d >= 1 && d <= 3 }

// Valid reports whether t is one of the values of Table 24.
func (t TerminalType) Valid() bool {
	op, env := byte(t)>>4, byte(t)&0x0F
	switch op {
	case 1, 2:
		return env >= 1 && env <= 6
	case 3: // cardholder controlled: unattended only
		return env >= 4 && env <= 6
	}
	return false
}

// String describes the terminal type, e.g. "attended, offline with online
// capability, merchant".
func (t TerminalType) String() string {
	if !t.Valid() {
		return fmt.Sprintf("unknown terminal type %02X", byte(t))
	}
	op := [...]string{1: "financial institution", 2: "merchant", 3: "cardholder"}[byte(t)>>4]
	env := byte(t) & 0x0F
	att := "attended"
	if env > 3 {
		att, env = "unattended", env-3
	}
	online := [...]string{1: "online only", 2: "offline with online capability", 3: "offline only"}[env]
	return att + ", " + online + ", " + op
}

// ---------------------------------------------------------------------------
// Cryptogram Information Data, tag '9F27' (Book 3 6.5.5.4, Table 15).

// CryptogramType is the type of an application cryptogram: bits b8-b7 of the
// CID and of the GENERATE AC reference control parameter.
type CryptogramType uint8

// Cryptogram types (Book 3 Table 15).
const (
	CryptogramAAC  CryptogramType = 0 // transaction declined
	CryptogramTC   CryptogramType = 1 // transaction approved
	CryptogramARQC CryptogramType = 2 // online authorisation requested
	CryptogramRFU  CryptogramType = 3 // RFU (AAR in EMV 3.x)
)

func (c CryptogramType) String() string {
	switch c {
	case CryptogramAAC:
		return "AAC"
	case CryptogramTC:
		return "TC"
	case CryptogramARQC:
		return "ARQC"
	}
	return "RFU"
}

// CIDReason is the reason/advice code of the CID, bits b3-b1.
type CIDReason uint8

// Reason/advice codes (Book 3 Table 15); 4-7 are RFU.
const (
	CIDReasonNone                CIDReason = 0
	CIDReasonServiceNotAllowed   CIDReason = 1
	CIDReasonPINTryLimitExceeded CIDReason = 2
	CIDReasonIssuerAuthFailed    CIDReason = 3
)

func (r CIDReason) String() string {
	switch r {
	case CIDReasonNone:
		return "No information given"
	case CIDReasonServiceNotAllowed:
		return "Service not allowed"
	case CIDReasonPINTryLimitExceeded:
		return "PIN Try Limit exceeded"
	case CIDReasonIssuerAuthFailed:
		return "Issuer authentication failed"
	}
	return fmt.Sprintf("RFU reason %d", uint8(r))
}

// CID is the Cryptogram Information Data.
type CID byte

// Type returns the cryptogram type, b8-b7.
func (c CID) Type() CryptogramType { return CryptogramType(c >> 6) }

// PaymentSystemBits returns b6-b5, the payment system-specific cryptogram bits.
func (c CID) PaymentSystemBits() uint8 { return uint8(c>>4) & 0x03 }

// AdviceRequired reports b4.
func (c CID) AdviceRequired() bool { return c&0x08 != 0 }

// Reason returns the reason/advice code, b3-b1.
func (c CID) Reason() CIDReason { return CIDReason(c & 0x07) }

// String describes the CID, e.g. "ARQC" or "AAC, advice required, PIN Try
// Limit exceeded".
func (c CID) String() string {
	parts := []string{c.Type().String()}
	if p := c.PaymentSystemBits(); p != 0 {
		parts = append(parts, fmt.Sprintf("payment system-specific %d", p))
	}
	if c.AdviceRequired() {
		parts = append(parts, "advice required")
	}
	if r := c.Reason(); r != CIDReasonNone {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------------------------
// CVM Results, tag '9F34' (Book 4 Annex A4, Table 33).

// CVMResult is byte 3 of the CVM Results.
type CVMResult uint8

// CVM results (Book 4 Table 33).
const (
	CVMResultUnknown    CVMResult = 0 // e.g. signature
	CVMResultFailed     CVMResult = 1
	CVMResultSuccessful CVMResult = 2
)

func (r CVMResult) String() string {
	switch r {
	case CVMResultUnknown:
		return "Unknown"
	case CVMResultFailed:
		return "Failed"
	case CVMResultSuccessful:
		return "Successful"
	}
	return fmt.Sprintf("RFU result %02X", uint8(r))
}

// CVMResults is the CVM Results: the last CVM performed, its condition and
// its result. A terminal that performed no CVM reports Rule {Method 3F,
// condition 00}.
type CVMResults struct {
	Rule   CVMRule
	Result CVMResult
}

// ParseCVMResults decodes a 3-byte CVM Results value.
func ParseCVMResults(v []byte) (CVMResults, error) {
	if len(v) != 3 {
		return CVMResults{}, &BitfieldLengthError{Field: "CVM Results", Want: 3, Got: len(v)}
	}
	return CVMResults{Rule: ruleFromBytes(v[0], v[1]), Result: CVMResult(v[2])}, nil
}

// Bytes encodes the CVM Results.
func (r CVMResults) Bytes() [3]byte {
	return [3]byte{r.Rule.Code(), byte(r.Rule.Condition), byte(r.Result)}
}

// String describes the CVM Results, e.g. "Enciphered PIN verified online;
// If terminal supports the CVM; Unknown".
func (r CVMResults) String() string {
	return r.Rule.Method.String() + "; " + r.Rule.Condition.String() + "; " + r.Result.String()
}

// ---------------------------------------------------------------------------
// Card Verification Results. The CVR is issuer-defined and travels inside the
// Issuer Application Data (9F10); its layout depends on the scheme and the
// Cryptogram Version Number.

// CVRBit is one bit of a CVR. The same constant type serves every CVR
// layout; a layout's table gives the names.
type CVRBit uint16

// Visa CVR of IAD formats 0, 1 and 3 (CVN 10, 17, 18): 4 bytes, byte 1 is
// the CVR length '03'. Layout as published by Visa in VIS 1.5 and repeated
// in public decoders; the bits b8-b5 of bytes 2 and 4 are fields, read with
// the methods of VisaCVR.
const (
	VisaCVRIssuerAuthFailed       CVRBit = 0x0108
	VisaCVROfflinePINPerformed    CVRBit = 0x0104
	VisaCVROfflinePINFailed       CVRBit = 0x0102
	VisaCVRUnableToGoOnline       CVRBit = 0x0101
	VisaCVRLastOnlineNotCompleted CVRBit = 0x0280
	VisaCVRPINTryLimitExceeded    CVRBit = 0x0240
	VisaCVRVelocityExceeded       CVRBit = 0x0220
	VisaCVRNewCard                CVRBit = 0x0210
	VisaCVRLastIssuerAuthFailed   CVRBit = 0x0208
	VisaCVRIssuerAuthNotPerformed CVRBit = 0x0204
	VisaCVRBlockedPINTryLimit     CVRBit = 0x0202
	VisaCVRLastSDAFailed          CVRBit = 0x0201
	VisaCVRScriptFailed           CVRBit = 0x0308
	VisaCVRLastDDAFailed          CVRBit = 0x0304
	VisaCVRDDAPerformed           CVRBit = 0x0302
	VisaCVRPINExpectedNotReceived CVRBit = 0x0301
)

var visaCVRBits = []bitDef{
	{uint16(VisaCVRIssuerAuthFailed), "Issuer Authentication performed and failed"},
	{uint16(VisaCVROfflinePINPerformed), "Offline PIN verification performed"},
	{uint16(VisaCVROfflinePINFailed), "Offline PIN verification failed"},
	{uint16(VisaCVRUnableToGoOnline), "Unable to go online"},
	{uint16(VisaCVRLastOnlineNotCompleted), "Last online transaction not completed"},
	{uint16(VisaCVRPINTryLimitExceeded), "PIN Try Limit exceeded"},
	{uint16(VisaCVRVelocityExceeded), "Exceeded velocity checking counters"},
	{uint16(VisaCVRNewCard), "New card"},
	{uint16(VisaCVRLastIssuerAuthFailed), "Issuer Authentication failure on last online transaction"},
	{uint16(VisaCVRIssuerAuthNotPerformed), "Issuer Authentication not performed after online authorization"},
	{uint16(VisaCVRBlockedPINTryLimit), "Application blocked by card because PIN Try Limit exceeded"},
	{uint16(VisaCVRLastSDAFailed), "Offline static data authentication failed on last transaction and transaction declined offline"},
	{uint16(VisaCVRScriptFailed), "Issuer Script processing failed"},
	{uint16(VisaCVRLastDDAFailed), "Offline dynamic data authentication failed on last transaction and transaction declined offline"},
	{uint16(VisaCVRDDAPerformed), "Offline dynamic data authentication performed"},
	{uint16(VisaCVRPINExpectedNotReceived), "PIN verification command not received for a PIN-Expecting card"},
}

// VisaCVR is the Visa CVR of IAD formats 0/1/3 (bytes 4-7 of a '06'-led IAD).
type VisaCVR [4]byte

// ParseVisaCVR copies a 4-byte Visa CVR.
func ParseVisaCVR(v []byte) (VisaCVR, error) {
	var c VisaCVR
	return c, parseFixed("Visa CVR", c[:], v)
}

// SecondAC returns byte 2 b8-b7: the cryptogram of the second GENERATE AC;
// requested is false for '10' (second GENERATE AC not requested).
func (c VisaCVR) SecondAC() (typ CryptogramType, requested bool) { return secondAC(c[1]) }

// FirstAC returns byte 2 b6-b5: the cryptogram of the GPO or first GENERATE
// AC ('11' is AAR in VIS).
func (c VisaCVR) FirstAC() CryptogramType { return CryptogramType(c[1]>>4) & 3 }

// ScriptCount returns byte 4 b8-b5: issuer script commands processed on the
// last transaction.
func (c VisaCVR) ScriptCount() int { return int(c[3] >> 4) }

// Has reports whether bit is set.
func (c VisaCVR) Has(bit CVRBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *VisaCVR) Set(bits ...CVRBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *VisaCVR) Clear(bits ...CVRBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c VisaCVR) Bits() []CVRBit { return setBitsOf[CVRBit](c[:], visaCVRBits) }

// String describes the CVR: the cryptogram fields, the set bits and the
// script count.
func (c VisaCVR) String() string {
	names := acNames(c.FirstAC(), c[1])
	names = append(names, setNames(fieldsCleared(c[:], 0x00FF, 0x01F0, 0x03F0), visaCVRBits)...)
	if n := c.ScriptCount(); n > 0 {
		names = append(names, fmt.Sprintf("%d issuer script commands processed", n))
	}
	return strings.Join(names, "; ")
}

// Visa CVR of IAD format 2 (CVN 22): 5 bytes without a length byte. Visa
// does not publish this layout; public decoders agree that bytes 2-4 keep
// the format 0/1/3 meaning (VisaCVR bit constants apply) with byte 2 b3
// reused for "CDCVM performed", and that byte 5 adds the two bits below.
// Byte 1 and byte 5 b8-b3 are shown as RFU: their meaning is not public.
const (
	VisaCVR2CDCVMPerformed         CVRBit = 0x0402
	VisaCVR2SessionKeySMDerivation CVRBit = 0x0401
)

var visaCVR2Bits = func() []bitDef {
	t := make([]bitDef, 0, len(visaCVRBits)+2)
	for _, d := range visaCVRBits {
		if d.bit == uint16(VisaCVROfflinePINPerformed) {
			d.name = "Offline PIN verification performed / CDCVM performed"
		}
		t = append(t, d)
	}
	return append(t,
		bitDef{uint16(VisaCVR2CDCVMPerformed), "CDCVM successfully performed"},
		bitDef{uint16(VisaCVR2SessionKeySMDerivation), "Secure messaging uses EMV session key-based derivation"},
	)
}()

// VisaCVR2 is the Visa CVR of IAD format 2 ('1F'-led IAD, CVN 22).
type VisaCVR2 [5]byte

// ParseVisaCVR2 copies a 5-byte format 2 CVR.
func ParseVisaCVR2(v []byte) (VisaCVR2, error) {
	var c VisaCVR2
	return c, parseFixed("Visa CVR (IAD format 2)", c[:], v)
}

// SecondAC returns byte 2 b8-b7, as VisaCVR.SecondAC.
func (c VisaCVR2) SecondAC() (typ CryptogramType, requested bool) { return secondAC(c[1]) }

// FirstAC returns byte 2 b6-b5.
func (c VisaCVR2) FirstAC() CryptogramType { return CryptogramType(c[1]>>4) & 3 }

// ScriptCount returns byte 4 b8-b5.
func (c VisaCVR2) ScriptCount() int { return int(c[3] >> 4) }

// Has reports whether bit is set.
func (c VisaCVR2) Has(bit CVRBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *VisaCVR2) Set(bits ...CVRBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *VisaCVR2) Clear(bits ...CVRBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c VisaCVR2) Bits() []CVRBit { return setBitsOf[CVRBit](c[:], visaCVR2Bits) }

// String describes the CVR.
func (c VisaCVR2) String() string {
	names := acNames(c.FirstAC(), c[1])
	names = append(names, setNames(fieldsCleared(c[:], 0x01F0, 0x03F0), visaCVR2Bits)...)
	if n := c.ScriptCount(); n > 0 {
		names = append(names, fmt.Sprintf("%d issuer script commands processed", n))
	}
	return strings.Join(names, "; ")
}

// Mastercard M/Chip CVR (CVN 16/17, and M/Chip 4 CVN 10): 6 bytes, as given
// in the M/Chip 4 Issuer Guide (A.19) and repeated by public decoders. Bits
// that M/Chip Advance added are marked; byte 3 holds two counters, read with
// the methods of MChipCVR.
const (
	MChipCVRDateCheckFailed           CVRBit = 0x0008 // M/Chip Advance
	MChipCVROfflinePINPerformed       CVRBit = 0x0004
	MChipCVROfflineEncPINPerformed    CVRBit = 0x0002
	MChipCVROfflinePINSuccessful      CVRBit = 0x0001
	MChipCVRDDAReturned               CVRBit = 0x0180
	MChipCVRCDAFirstGenAC             CVRBit = 0x0140
	MChipCVRCDASecondGenAC            CVRBit = 0x0120
	MChipCVRIssuerAuthPerformed       CVRBit = 0x0110
	MChipCVRCIACDefaultSkippedOnCAT3  CVRBit = 0x0108
	MChipCVROfflineChangePINResult    CVRBit = 0x0104 // M/Chip Advance
	MChipCVRLastOnlineNotCompleted    CVRBit = 0x0380 // M/Chip Advance
	MChipCVRUnableToGoOnline          CVRBit = 0x0340
	MChipCVROfflinePINNotPerformed    CVRBit = 0x0320
	MChipCVROfflinePINFailed          CVRBit = 0x0310
	MChipCVRPTLExceeded               CVRBit = 0x0308
	MChipCVRInternational             CVRBit = 0x0304
	MChipCVRDomestic                  CVRBit = 0x0302
	MChipCVRTerminalErroneousPINOK    CVRBit = 0x0301
	MChipCVRLowerConsecutiveExceeded  CVRBit = 0x0480
	MChipCVRUpperConsecutiveExceeded  CVRBit = 0x0440
	MChipCVRLowerCumulativeExceeded   CVRBit = 0x0420
	MChipCVRUpperCumulativeExceeded   CVRBit = 0x0410
	MChipCVRGoOnlineNextTxn           CVRBit = 0x0408
	MChipCVRIssuerAuthFailed          CVRBit = 0x0404
	MChipCVRScriptReceived            CVRBit = 0x0402
	MChipCVRScriptFailed              CVRBit = 0x0401
	MChipCVRLowerConsecutive2Exceeded CVRBit = 0x0580 // M/Chip Advance
	MChipCVRUpperConsecutive2Exceeded CVRBit = 0x0540 // M/Chip Advance
	MChipCVRLowerCumulative2Exceeded  CVRBit = 0x0520 // M/Chip Advance
	MChipCVRUpperCumulative2Exceeded  CVRBit = 0x0510 // M/Chip Advance
	MChipCVRMTALimitExceeded          CVRBit = 0x0508 // M/Chip Advance
	MChipCVRDaysOfflineExceeded       CVRBit = 0x0504 // M/Chip Advance
	MChipCVRMatchAdditionalCheck      CVRBit = 0x0502
	MChipCVRNoMatchAdditionalCheck    CVRBit = 0x0501
)

var mchipCVRBits = []bitDef{
	{uint16(MChipCVRDateCheckFailed), "Date check failed"},
	{uint16(MChipCVROfflinePINPerformed), "Offline PIN verification performed"},
	{uint16(MChipCVROfflineEncPINPerformed), "Offline encrypted PIN verification performed"},
	{uint16(MChipCVROfflinePINSuccessful), "Offline PIN verification successful"},
	{uint16(MChipCVRDDAReturned), "DDA returned"},
	{uint16(MChipCVRCDAFirstGenAC), "Combined DDA/AC generation returned in first GENERATE AC"},
	{uint16(MChipCVRCDASecondGenAC), "Combined DDA/AC generation returned in second GENERATE AC"},
	{uint16(MChipCVRIssuerAuthPerformed), "Issuer authentication performed"},
	{uint16(MChipCVRCIACDefaultSkippedOnCAT3), "CIAC-Default skipped on CAT3"},
	{uint16(MChipCVROfflineChangePINResult), "Offline change PIN result"},
	{uint16(MChipCVRLastOnlineNotCompleted), "Last online transaction not completed"},
	{uint16(MChipCVRUnableToGoOnline), "Unable to go online indicated"},
	{uint16(MChipCVROfflinePINNotPerformed), "Offline PIN verification not performed"},
	{uint16(MChipCVROfflinePINFailed), "Offline PIN verification failed"},
	{uint16(MChipCVRPTLExceeded), "PTL exceeded"},
	{uint16(MChipCVRInternational), "International transaction"},
	{uint16(MChipCVRDomestic), "Domestic transaction"},
	{uint16(MChipCVRTerminalErroneousPINOK), "Terminal erroneously considers offline PIN OK"},
	{uint16(MChipCVRLowerConsecutiveExceeded), "Lower consecutive offline limit exceeded"},
	{uint16(MChipCVRUpperConsecutiveExceeded), "Upper consecutive offline limit exceeded"},
	{uint16(MChipCVRLowerCumulativeExceeded), "Lower cumulative offline limit exceeded"},
	{uint16(MChipCVRUpperCumulativeExceeded), "Upper cumulative offline limit exceeded"},
	{uint16(MChipCVRGoOnlineNextTxn), "Go online on next transaction was set"},
	{uint16(MChipCVRIssuerAuthFailed), "Issuer authentication failed"},
	{uint16(MChipCVRScriptReceived), "Script received"},
	{uint16(MChipCVRScriptFailed), "Script failed"},
	{uint16(MChipCVRLowerConsecutive2Exceeded), "Lower consecutive counter 2 limit exceeded"},
	{uint16(MChipCVRUpperConsecutive2Exceeded), "Upper consecutive counter 2 limit exceeded"},
	{uint16(MChipCVRLowerCumulative2Exceeded), "Lower cumulative accumulator 2 limit exceeded"},
	{uint16(MChipCVRUpperCumulative2Exceeded), "Upper cumulative accumulator 2 limit exceeded"},
	{uint16(MChipCVRMTALimitExceeded), "MTA limit exceeded"},
	{uint16(MChipCVRDaysOfflineExceeded), "Number of days offline limit exceeded"},
	{uint16(MChipCVRMatchAdditionalCheck), "Match found in additional check table"},
	{uint16(MChipCVRNoMatchAdditionalCheck), "No match found in additional check table"},
}

// MChipCVR is the Mastercard M/Chip CVR.
type MChipCVR [6]byte

// ParseMChipCVR copies a 6-byte M/Chip CVR.
func ParseMChipCVR(v []byte) (MChipCVR, error) {
	var c MChipCVR
	return c, parseFixed("M/Chip CVR", c[:], v)
}

// SecondAC returns byte 1 b8-b7; requested is false for '10'.
func (c MChipCVR) SecondAC() (typ CryptogramType, requested bool) { return secondAC(c[0]) }

// FirstAC returns byte 1 b6-b5.
func (c MChipCVR) FirstAC() CryptogramType { return CryptogramType(c[0]>>4) & 3 }

// ScriptCounterNibble returns byte 3 b8-b5, the low nibble of the script counter.
func (c MChipCVR) ScriptCounterNibble() int { return int(c[2] >> 4) }

// PINTryCounterNibble returns byte 3 b4-b1, the low nibble of the PIN Try Counter.
func (c MChipCVR) PINTryCounterNibble() int { return int(c[2] & 0x0F) }

// Has reports whether bit is set.
func (c MChipCVR) Has(bit CVRBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *MChipCVR) Set(bits ...CVRBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *MChipCVR) Clear(bits ...CVRBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c MChipCVR) Bits() []CVRBit { return setBitsOf[CVRBit](c[:], mchipCVRBits) }

// String describes the CVR.
func (c MChipCVR) String() string {
	names := acNames(c.FirstAC(), c[0])
	names = append(names, setNames(fieldsCleared(c[:], 0x00F0, 0x02FF), mchipCVRBits)...)
	names = append(names, fmt.Sprintf("script counter nibble %d; PIN try counter nibble %d",
		c.ScriptCounterNibble(), c.PINTryCounterNibble()))
	return strings.Join(names, "; ")
}

// CVR of a CCD-compliant application, IAD Format Code 'A' (EMV 4.4 Book 3,
// Part V, C9.3, Table CCD 10): 5 bytes, byte 5 RFU.
const (
	CCDCVRCDAPerformed           CVRBit = 0x0008
	CCDCVROfflineDDAPerformed    CVRBit = 0x0004
	CCDCVRIssuerAuthNotPerformed CVRBit = 0x0002
	CCDCVRIssuerAuthFailed       CVRBit = 0x0001
	CCDCVROfflinePINPerformed    CVRBit = 0x0108
	CCDCVROfflinePINFailed       CVRBit = 0x0104
	CCDCVRPINTryLimitExceeded    CVRBit = 0x0102
	CCDCVRLastOnlineNotCompleted CVRBit = 0x0101
	CCDCVRLowerCountExceeded     CVRBit = 0x0280
	CCDCVRUpperCountExceeded     CVRBit = 0x0240
	CCDCVRLowerAmountExceeded    CVRBit = 0x0220
	CCDCVRUpperAmountExceeded    CVRBit = 0x0210
	CCDCVRIssuerDiscretionary1   CVRBit = 0x0208
	CCDCVRIssuerDiscretionary2   CVRBit = 0x0204
	CCDCVRIssuerDiscretionary3   CVRBit = 0x0202
	CCDCVRIssuerDiscretionary4   CVRBit = 0x0201
	CCDCVRScriptFailed           CVRBit = 0x0308
	CCDCVRODAFailedPrevious      CVRBit = 0x0304
	CCDCVRGoOnlineNextTxn        CVRBit = 0x0302
	CCDCVRUnableToGoOnline       CVRBit = 0x0301
)

var ccdCVRBits = []bitDef{
	{uint16(CCDCVRCDAPerformed), "CDA Performed"},
	{uint16(CCDCVROfflineDDAPerformed), "Offline DDA Performed"},
	{uint16(CCDCVRIssuerAuthNotPerformed), "Issuer Authentication Not Performed"},
	{uint16(CCDCVRIssuerAuthFailed), "Issuer Authentication Failed"},
	{uint16(CCDCVROfflinePINPerformed), "Offline PIN Verification Performed"},
	{uint16(CCDCVROfflinePINFailed), "Offline PIN Verification Performed and PIN Not Successfully Verified"},
	{uint16(CCDCVRPINTryLimitExceeded), "PIN Try Limit Exceeded"},
	{uint16(CCDCVRLastOnlineNotCompleted), "Last Online Transaction Not Completed"},
	{uint16(CCDCVRLowerCountExceeded), "Lower Offline Transaction Count Limit Exceeded"},
	{uint16(CCDCVRUpperCountExceeded), "Upper Offline Transaction Count Limit Exceeded"},
	{uint16(CCDCVRLowerAmountExceeded), "Lower Cumulative Offline Amount Limit Exceeded"},
	{uint16(CCDCVRUpperAmountExceeded), "Upper Cumulative Offline Amount Limit Exceeded"},
	{uint16(CCDCVRIssuerDiscretionary1), "Issuer-discretionary bit 1"},
	{uint16(CCDCVRIssuerDiscretionary2), "Issuer-discretionary bit 2"},
	{uint16(CCDCVRIssuerDiscretionary3), "Issuer-discretionary bit 3"},
	{uint16(CCDCVRIssuerDiscretionary4), "Issuer-discretionary bit 4"},
	{uint16(CCDCVRScriptFailed), "Issuer Script Processing Failed"},
	{uint16(CCDCVRODAFailedPrevious), "Offline Data Authentication Failed on Previous Transaction"},
	{uint16(CCDCVRGoOnlineNextTxn), "Go Online on Next Transaction Was Set"},
	{uint16(CCDCVRUnableToGoOnline), "Unable to go Online"},
}

// CCDCVR is the CVR of a CCD-compliant application (Format Code 'A').
type CCDCVR [5]byte

// ParseCCDCVR copies a 5-byte CCD CVR.
func ParseCCDCVR(v []byte) (CCDCVR, error) {
	var c CCDCVR
	return c, parseFixed("CCD CVR", c[:], v)
}

// SecondAC returns byte 1 b8-b7; requested is false for '10'.
func (c CCDCVR) SecondAC() (typ CryptogramType, requested bool) { return secondAC(c[0]) }

// FirstAC returns byte 1 b6-b5.
func (c CCDCVR) FirstAC() CryptogramType { return CryptogramType(c[0]>>4) & 3 }

// PINTryCounterNibble returns byte 2 b8-b5.
func (c CCDCVR) PINTryCounterNibble() int { return int(c[1] >> 4) }

// ScriptCount returns byte 4 b8-b5: successfully processed issuer script
// commands containing secure messaging.
func (c CCDCVR) ScriptCount() int { return int(c[3] >> 4) }

// Has reports whether bit is set.
func (c CCDCVR) Has(bit CVRBit) bool { return hasBit(c[:], uint16(bit)) }

// Set sets bits.
func (c *CCDCVR) Set(bits ...CVRBit) {
	for _, b := range bits {
		setBit(c[:], uint16(b))
	}
}

// Clear clears bits.
func (c *CCDCVR) Clear(bits ...CVRBit) {
	for _, b := range bits {
		clearBit(c[:], uint16(b))
	}
}

// Bits returns the named bits that are set.
func (c CCDCVR) Bits() []CVRBit { return setBitsOf[CVRBit](c[:], ccdCVRBits) }

// String describes the CVR.
func (c CCDCVR) String() string {
	names := acNames(c.FirstAC(), c[0])
	names = append(names, setNames(fieldsCleared(c[:], 0x00F0, 0x01F0, 0x03F0), ccdCVRBits)...)
	names = append(names, fmt.Sprintf("PIN try counter nibble %d", c.PINTryCounterNibble()))
	if n := c.ScriptCount(); n > 0 {
		names = append(names, fmt.Sprintf("%d issuer script commands processed", n))
	}
	return strings.Join(names, "; ")
}

// secondAC decodes b8-b7 of a CVR byte: '10' means not requested.
func secondAC(b byte) (CryptogramType, bool) {
	t := CryptogramType(b >> 6)
	if t == CryptogramARQC {
		return t, false
	}
	return t, true
}

func acNames(first CryptogramType, b byte) []string {
	second := "2nd GENERATE AC: "
	if t, requested := secondAC(b); requested {
		second += t.String()
	} else {
		second += "not requested"
	}
	return []string{"1st GENERATE AC: " + first.String(), second}
}

// fieldsCleared returns a copy of b with the multi-bit field masks cleared,
// so that setNames does not report field bits as RFU.
func fieldsCleared(b []byte, masks ...uint16) []byte {
	out := append([]byte(nil), b...)
	for _, m := range masks {
		clearBit(out, m)
	}
	return out
}
