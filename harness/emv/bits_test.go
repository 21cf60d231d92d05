package emv

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Every bit table: one bit per constant, no bit named twice, inside the
// field's length.
func TestBitTables(t *testing.T) {
	tables := []struct {
		name  string
		table []bitDef
		size  int
	}{
		{"TVR", tvrBits, 5}, {"TSI", tsiBits, 2}, {"AIP", aipBits, 2}, {"AUC", aucBits, 2},
		{"TermCaps", termCapBits, 3}, {"AddTermCaps", addTermCapBits, 5},
		{"VisaCVR", visaCVRBits, 4}, {"VisaCVR2", visaCVR2Bits, 5},
		{"MChipCVR", mchipCVRBits, 6}, {"CCDCVR", ccdCVRBits, 5},
	}
	for _, tb := range tables {
		seen := map[uint16]bool{}
		for _, d := range tb.table {
			if bitNumber(byte(d.bit)) == 0 {
				t.Errorf("%s %q: mask %02X is not one bit", tb.name, d.name, byte(d.bit))
			}
			if int(d.bit>>8) >= tb.size {
				t.Errorf("%s %q: byte %d beyond %d bytes", tb.name, d.name, d.bit>>8+1, tb.size)
			}
			if seen[d.bit] {
				t.Errorf("%s: bit %04X named twice", tb.name, d.bit)
			}
			seen[d.bit] = true
			if d.name == "" {
				t.Errorf("%s: bit %04X has no name", tb.name, d.bit)
			}
		}
	}
}

// Every TVR bit of Book 3 Annex C5 in isolation: set, has, named, cleared.
func TestTVREveryBit(t *testing.T) {
	for _, d := range tvrBits {
		bit := TVRBit(d.bit)
		var tvr TVR
		tvr.Set(bit)
		if !tvr.Has(bit) {
			t.Errorf("%v: Has false after Set", bit)
		}
		if got := tvr.Bits(); !reflect.DeepEqual(got, []TVRBit{bit}) {
			t.Errorf("%v: Bits() = %v", bit, got)
		}
		if tvr.String() != d.name || bit.String() != d.name {
			t.Errorf("%04X: String() = %q / %q, want %q", d.bit, tvr.String(), bit.String(), d.name)
		}
		tvr.Clear(bit)
		if tvr != (TVR{}) {
			t.Errorf("%v: Clear left %X", bit, tvr)
		}
	}
}

// Byte and bit positions of Book 3 Annex C5, Table 46.
func TestTVRPositions(t *testing.T) {
	tests := []struct {
		bit  TVRBit
		byte int // 1-based, as in the book
		b    int // b1..b8
	}{
		{TVROfflineDataAuthNotPerformed, 1, 8},
		{TVRSDAFailed, 1, 7},
		{TVRICCDataMissing, 1, 6},
		{TVRCardOnExceptionFile, 1, 5},
		{TVRDDAFailed, 1, 4},
		{TVRCDAFailed, 1, 3},
		{TVRSDASelected, 1, 2},
		{TVRXDASelected, 1, 1},
		{TVRICCAppVersionsDiffer, 2, 8},
		{TVRExpiredApplication, 2, 7},
		{TVRAppNotYetEffective, 2, 6},
		{TVRServiceNotAllowed, 2, 5},
		{TVRNewCard, 2, 4},
		{TVRCardholderVerificationNotSuccessful, 3, 8},
		{TVRUnrecognisedCVM, 3, 7},
		{TVRPINTryLimitExceeded, 3, 6},
		{TVRPINPadNotPresentOrNotWorking, 3, 5},
		{TVRPINNotEntered, 3, 4},
		{TVROnlinePINEntered, 3, 3},
		{TVRFloorLimitExceeded, 4, 8},
		{TVRLowerConsecutiveOfflineLimitExceeded, 4, 7},
		{TVRUpperConsecutiveOfflineLimitExceeded, 4, 6},
		{TVRRandomlySelectedOnline, 4, 5},
		{TVRMerchantForcedOnline, 4, 4},
		{TVRDefaultTDOLUsed, 5, 8},
		{TVRIssuerAuthenticationFailed, 5, 7},
		{TVRScriptFailedBeforeFinalGenAC, 5, 6},
		{TVRScriptFailedAfterFinalGenAC, 5, 5},
	}
	for _, tt := range tests {
		if got := int(tt.bit>>8) + 1; got != tt.byte {
			t.Errorf("%v: byte %d, want %d", tt.bit, got, tt.byte)
		}
		if got := bitNumber(byte(tt.bit)); got != tt.b {
			t.Errorf("%v: b%d, want b%d", tt.bit, got, tt.b)
		}
	}
}

// 95 = 8000048000, the TVR of the Visa CVN 10 vector published in the pyemv
// test suite (see shared/reference/test-vectors.md).
func TestTVRPublishedVector(t *testing.T) {
	tvr, err := ParseTVR(mustHex(t, "8000048000"))
	if err != nil {
		t.Fatal(err)
	}
	want := []TVRBit{TVROfflineDataAuthNotPerformed, TVROnlinePINEntered, TVRFloorLimitExceeded}
	if got := tvr.Bits(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Bits() = %v, want %v", got, want)
	}
	wantStr := "Offline data authentication was not performed; Online PIN entered (Online CVM captured); Transaction exceeds floor limit"
	if tvr.String() != wantStr {
		t.Fatalf("String() = %q", tvr.String())
	}
	var built TVR
	built.Set(want...)
	if built != tvr {
		t.Fatalf("Set(%v) = %X, want %X", want, built, tvr)
	}
}

func TestRFUBitsNamed(t *testing.T) {
	tsi := TSI{0x02, 0x80}
	if got := tsi.String(); got != "RFU byte 1 b2; RFU byte 2 b8" {
		t.Fatalf("String() = %q", got)
	}
	if len(tsi.Bits()) != 0 {
		t.Fatalf("Bits() = %v, want none", tsi.Bits())
	}
	if (TSI{}).String() != "none" {
		t.Fatalf("empty TSI String() = %q", (TSI{}).String())
	}
}

func TestParseBitfieldLength(t *testing.T) {
	_, err := ParseTVR([]byte{1, 2, 3})
	var le *BitfieldLengthError
	if !errors.As(err, &le) || le.Want != 5 || le.Got != 3 {
		t.Fatalf("ParseTVR(3 bytes) = %v", err)
	}
	for name, parse := range map[string]func([]byte) error{
		"TSI":         func(b []byte) error { _, err := ParseTSI(b); return err },
		"AIP":         func(b []byte) error { _, err := ParseAIP(b); return err },
		"AUC":         func(b []byte) error { _, err := ParseAUC(b); return err },
		"TermCaps":    func(b []byte) error { _, err := ParseTermCaps(b); return err },
		"AddTermCaps": func(b []byte) error { _, err := ParseAddTermCaps(b); return err },
		"VisaCVR":     func(b []byte) error { _, err := ParseVisaCVR(b); return err },
		"VisaCVR2":    func(b []byte) error { _, err := ParseVisaCVR2(b); return err },
		"MChipCVR":    func(b []byte) error { _, err := ParseMChipCVR(b); return err },
		"CCDCVR":      func(b []byte) error { _, err := ParseCCDCVR(b); return err },
		"CVMResults":  func(b []byte) error { _, err := ParseCVMResults(b); return err },
	} {
		if err := parse(make([]byte, 7)); !errors.As(err, &le) {
			t.Errorf("%s: 7 bytes gave %v, want *BitfieldLengthError", name, err)
		}
	}
}

func TestOtherBitfields(t *testing.T) {
	tsi, _ := ParseTSI(mustHex(t, "E800"))
	if want := []TSIBit{TSIOfflineDataAuthPerformed, TSICardholderVerificationPerformed,
		TSICardRiskManagementPerformed, TSITerminalRiskManagementPerformed}; !reflect.DeepEqual(tsi.Bits(), want) {
		t.Errorf("TSI E800 = %v", tsi.Bits())
	}
	aip, _ := ParseAIP(mustHex(t, "3900"))
	if want := []AIPBit{AIPDDASupported, AIPCardholderVerification, AIPTerminalRiskManagement, AIPCDASupported}; !reflect.DeepEqual(aip.Bits(), want) {
		t.Errorf("AIP 3900 = %v", aip.Bits())
	}
	if !(AIP{0x00, 0x81}).Has(AIPRelayResistanceSupported) {
		t.Error("AIP byte 2 b1 is the Kernel 2 relay resistance bit")
	}
	auc, _ := ParseAUC(mustHex(t, "FF00"))
	if len(auc.Bits()) != 8 || auc.Has(AUCDomesticCashback) {
		t.Errorf("AUC FF00 = %v", auc.Bits())
	}
	caps, _ := ParseTermCaps(mustHex(t, "E0F8C8"))
	wantCaps := []TermCapBit{TermCapManualKeyEntry, TermCapMagneticStripe, TermCapICWithContacts,
		TermCapPlaintextPINForICC, TermCapEncipheredPINOnline, TermCapSignature, TermCapEncipheredPINOffline,
		TermCapNoCVMRequired, TermCapSDA, TermCapDDA, TermCapCDA}
	if !reflect.DeepEqual(caps.Bits(), wantCaps) {
		t.Errorf("9F33 E0F8C8 = %v", caps.Bits())
	}
	add, _ := ParseAddTermCaps(mustHex(t, "6000F0A001"))
	wantAdd := []AddTermCapBit{AddTermCapGoods, AddTermCapServices, AddTermCapNumericKeys,
		AddTermCapAlphaSpecialKeys, AddTermCapCommandKeys, AddTermCapFunctionKeys,
		AddTermCapPrintAttendant, AddTermCapDisplayAttendant, AddTermCapCodeTable1}
	if !reflect.DeepEqual(add.Bits(), wantAdd) {
		t.Errorf("9F40 6000F0A001 = %v", add.Bits())
	}
	if AddTermCapCodeTable10.String() != "Code table 10" || TermCapXDA.String() != "XDA" {
		t.Error("bit names")
	}
}

func TestTerminalType(t *testing.T) {
	tests := []struct {
		tt       TerminalType
		attended bool
		want     string
	}{
		{0x22, true, "attended, offline with online capability, merchant"},
		{0x14, false, "unattended, online only, financial institution"},
		{0x36, false, "unattended, offline only, cardholder"},
		{0x31, false, "unknown terminal type 31"}, // Book 4: no attended cardholder terminal
		{0x27, false, "unknown terminal type 27"},
	}
	for _, tt := range tests {
		if got := tt.tt.String(); got != tt.want {
			t.Errorf("%02X: %q, want %q", byte(tt.tt), got, tt.want)
		}
		if tt.tt.Valid() && tt.tt.Attended() != tt.attended {
			t.Errorf("%02X: Attended() = %v", byte(tt.tt), tt.tt.Attended())
		}
	}
}

// Book 3 6.5.5.4, Table 15.
func TestCID(t *testing.T) {
	tests := []struct {
		cid    CID
		typ    CryptogramType
		advice bool
		reason CIDReason
		str    string
	}{
		{0x00, CryptogramAAC, false, CIDReasonNone, "AAC"},
		{0x40, CryptogramTC, false, CIDReasonNone, "TC"},
		{0x80, CryptogramARQC, false, CIDReasonNone, "ARQC"},
		{0x0A, CryptogramAAC, true, CIDReasonPINTryLimitExceeded, "AAC, advice required, PIN Try Limit exceeded"},
		{0x09, CryptogramAAC, true, CIDReasonServiceNotAllowed, "AAC, advice required, Service not allowed"},
		{0x03, CryptogramAAC, false, CIDReasonIssuerAuthFailed, "AAC, Issuer authentication failed"},
		{0xC4, CryptogramRFU, false, 4, "RFU, RFU reason 4"},
		{0x90, CryptogramARQC, false, CIDReasonNone, "ARQC, payment system-specific 1"},
	}
	for _, tt := range tests {
		if tt.cid.Type() != tt.typ || tt.cid.AdviceRequired() != tt.advice || tt.cid.Reason() != tt.reason || tt.cid.String() != tt.str {
			t.Errorf("CID %02X = %v %v %v %q", byte(tt.cid), tt.cid.Type(), tt.cid.AdviceRequired(), tt.cid.Reason(), tt.cid.String())
		}
	}
}

// Book 4 Annex A4, Table 33.
func TestCVMResults(t *testing.T) {
	tests := []struct {
		hex  string
		want CVMResults
		str  string
	}{
		{"420300", CVMResults{CVMRule{CVMEncipheredPINOnline, true, CVMIfTerminalSupportsCVM}, CVMResultUnknown},
			"Enciphered PIN verified online; If terminal supports the CVM; Unknown"},
		{"1F0302", CVMResults{CVMRule{CVMNoCVMRequired, false, CVMIfTerminalSupportsCVM}, CVMResultSuccessful},
			"No CVM required; If terminal supports the CVM; Successful"},
		{"3F0001", CVMResults{CVMRule{CVMNoCVMPerformed, false, CVMAlways}, CVMResultFailed},
			"No CVM performed; Always; Failed"},
		{"410002", CVMResults{CVMRule{CVMPlaintextPINByICC, true, CVMAlways}, CVMResultSuccessful},
			"Plaintext PIN verification performed by ICC; Always; Successful"},
	}
	for _, tt := range tests {
		got, err := ParseCVMResults(mustHex(t, tt.hex))
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseCVMResults(%s) = %+v %q, %v", tt.hex, got, got.String(), err)
		}
		b := got.Bytes()
		if hex.EncodeToString(b[:]) != strings.ToLower(tt.hex) {
			t.Errorf("Bytes() = %X, want %s", b, tt.hex)
		}
	}
}

// CVR 03A06010 from 9F10 06010A03A06010 of the Visa CVN 10 vector published
// in pyemv's tests: second GENERATE AC not requested, ARQC in the first,
// PIN Try Limit exceeded, velocity counters exceeded, one script command.
func TestVisaCVRPublished(t *testing.T) {
	cvr, err := ParseVisaCVR(mustHex(t, "03A06010"))
	if err != nil {
		t.Fatal(err)
	}
	if typ, requested := cvr.SecondAC(); requested {
		t.Errorf("SecondAC() = %v, requested", typ)
	}
	if cvr.FirstAC() != CryptogramARQC {
		t.Errorf("FirstAC() = %v", cvr.FirstAC())
	}
	if want := []CVRBit{VisaCVRPINTryLimitExceeded, VisaCVRVelocityExceeded}; !reflect.DeepEqual(cvr.Bits(), want) {
		t.Errorf("Bits() = %v", cvr.Bits())
	}
	if cvr.ScriptCount() != 1 {
		t.Errorf("ScriptCount() = %d", cvr.ScriptCount())
	}
	want := "1st GENERATE AC: ARQC; 2nd GENERATE AC: not requested; PIN Try Limit exceeded; Exceeded velocity checking counters; 1 issuer script commands processed"
	if cvr.String() != want {
		t.Errorf("String() = %q", cvr.String())
	}

	// The CVN 18 vector's IAD 06011203A0B800: last online not completed,
	// velocity exceeded, new card, issuer authentication failed last time.
	cvr, _ = ParseVisaCVR(mustHex(t, "03A0B800"))
	if want := []CVRBit{VisaCVRLastOnlineNotCompleted, VisaCVRVelocityExceeded, VisaCVRNewCard, VisaCVRLastIssuerAuthFailed}; !reflect.DeepEqual(cvr.Bits(), want) {
		t.Errorf("03A0B800 Bits() = %v", cvr.Bits())
	}
	var built VisaCVR
	built[0] = 0x03
	built.Set(VisaCVROfflinePINPerformed, VisaCVRDDAPerformed)
	if built != (VisaCVR{0x03, 0x04, 0x00, 0x02}) {
		t.Errorf("Set = %X", built)
	}
}

func TestVisaCVR2(t *testing.T) {
	cvr, _ := ParseVisaCVR2(mustHex(t, "00 A0 00 00 02"))
	if !cvr.Has(VisaCVR2CDCVMPerformed) || cvr.FirstAC() != CryptogramARQC {
		t.Fatalf("Bits() = %v, FirstAC %v", cvr.Bits(), cvr.FirstAC())
	}
	if got := cvr.String(); got != "1st GENERATE AC: ARQC; 2nd GENERATE AC: not requested; CDCVM successfully performed" {
		t.Fatalf("String() = %q", got)
	}
	// Byte 1 has no public meaning: shown as RFU, not guessed.
	cvr2, _ := ParseVisaCVR2(mustHex(t, "80 00 00 00 00"))
	if !strings.Contains(cvr2.String(), "RFU byte 1 b8") {
		t.Fatalf("String() = %q", cvr2.String())
	}
}

func TestMChipCVR(t *testing.T) {
	cvr, err := ParseMChipCVR(mustHex(t, "A5 40 23 04 80 02"))
	if err != nil {
		t.Fatal(err)
	}
	if _, requested := cvr.SecondAC(); requested || cvr.FirstAC() != CryptogramARQC {
		t.Errorf("AC fields wrong")
	}
	want := []CVRBit{MChipCVROfflinePINPerformed, MChipCVROfflinePINSuccessful, MChipCVRCDAFirstGenAC,
		MChipCVRInternational, MChipCVRLowerConsecutiveExceeded, MChipCVRMatchAdditionalCheck}
	if !reflect.DeepEqual(cvr.Bits(), want) {
		t.Errorf("Bits() = %v", cvr.Bits())
	}
	if cvr.ScriptCounterNibble() != 2 || cvr.PINTryCounterNibble() != 3 {
		t.Errorf("counters %d %d", cvr.ScriptCounterNibble(), cvr.PINTryCounterNibble())
	}
	// Byte 3 is counters, never RFU bits.
	if strings.Contains(cvr.String(), "RFU") {
		t.Errorf("String() = %q", cvr.String())
	}
	second, _ := ParseMChipCVR(mustHex(t, "50 00 00 00 00 00"))
	if typ, requested := second.SecondAC(); !requested || typ != CryptogramTC || second.FirstAC() != CryptogramTC {
		t.Errorf("50: SecondAC %v %v, FirstAC %v", typ, requested, second.FirstAC())
	}
}

// EMV 4.4 Book 3, Table CCD 10.
func TestCCDCVR(t *testing.T) {
	cvr, _ := ParseCCDCVR(mustHex(t, "A4 39 80 23 00"))
	if _, requested := cvr.SecondAC(); requested || cvr.FirstAC() != CryptogramARQC {
		t.Error("AC fields wrong")
	}
	want := []CVRBit{CCDCVROfflineDDAPerformed, CCDCVROfflinePINPerformed, CCDCVRLastOnlineNotCompleted,
		CCDCVRLowerCountExceeded, CCDCVRGoOnlineNextTxn, CCDCVRUnableToGoOnline}
	if !reflect.DeepEqual(cvr.Bits(), want) {
		t.Errorf("Bits() = %v", cvr.Bits())
	}
	if cvr.PINTryCounterNibble() != 3 || cvr.ScriptCount() != 2 {
		t.Errorf("fields %d %d", cvr.PINTryCounterNibble(), cvr.ScriptCount())
	}
}

func BenchmarkTVRString(b *testing.B) {
	tvr := TVR{0x80, 0x00, 0x04, 0x80, 0x00}
	for b.Loop() {
		_ = tvr.String()
	}
}
