package emv

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestParseCVMList(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want CVMList
	}{
		{
			// A common contact profile: online PIN if supported, else
			// signature, else no CVM.
			name: "online PIN, signature, no CVM",
			hex:  "00000000 00000000 4203 1E03 1F00",
			want: CVMList{Rules: []CVMRule{
				{CVMEncipheredPINOnline, true, CVMIfTerminalSupportsCVM},
				{CVMSignature, false, CVMIfTerminalSupportsCVM},
				{CVMNoCVMRequired, false, CVMAlways},
			}},
		},
		{
			name: "amounts X and Y, offline PIN over X",
			hex:  "00002710 000186A0 4407 4107 5E03 0000",
			want: CVMList{X: 10000, Y: 100000, Rules: []CVMRule{
				{CVMEncipheredPINByICC, true, CVMIfAppCurrencyOverX},
				{CVMPlaintextPINByICC, true, CVMIfAppCurrencyOverX},
				{CVMSignature, true, CVMIfTerminalSupportsCVM},
				{CVMFailCVMProcessing, false, CVMAlways},
			}},
		},
		{
			name: "amounts only",
			hex:  "00000001 00000002",
			want: CVMList{X: 1, Y: 2, Rules: []CVMRule{}},
		},
		{
			// b8 is RFU: kept as read so the list round-trips.
			name: "RFU bit and payment system values",
			hex:  "00000000 00000000 C180 2509 3E0A",
			want: CVMList{Rules: []CVMRule{
				{0x81, true, 0x80},
				{0x25, false, CVMIfAppCurrencyOverY},
				{0x3E, false, 0x0A},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustHex(t, tt.hex)
			got, err := ParseCVMList(in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseCVMList = %+v, want %+v", got, tt.want)
			}
			if out := got.Bytes(); !bytes.Equal(out, in) {
				t.Fatalf("Bytes() = %X, want %X", out, in)
			}
		})
	}
}

func TestParseCVMListErrors(t *testing.T) {
	tests := []struct {
		hex  string
		want error
	}{
		{"", ErrCVMListTooShort},
		{"00000000000000", ErrCVMListTooShort},
		{"000000000000000042", ErrCVMListOddLength},
		{"00000000000000004203 1E", ErrCVMListOddLength},
	}
	for _, tt := range tests {
		_, err := ParseCVMList(mustHex(t, tt.hex))
		var le *CVMListError
		if !errors.Is(err, tt.want) || !errors.As(err, &le) {
			t.Errorf("ParseCVMList(%s) = %v, want %v", tt.hex, err, tt.want)
		}
	}
}

func TestCVMNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{CVMEncipheredPINOnline.String(), "Enciphered PIN verified online"},
		{CVMPlaintextPINByICCAndSignature.String(), "Plaintext PIN verification performed by ICC and signature"},
		{CVMSignature.String(), "Signature"},
		{CVMNoCVMRequired.String(), "No CVM required"},
		{CVMFingerBiometricOnline.String(), "Finger biometric verified online"},
		{CVMethod(0x15).String(), "CVM 15 reserved for EMV"},
		{CVMethod(0x2A).String(), "payment system CVM 2A"},
		{CVMethod(0x31).String(), "issuer CVM 31"},
		{CVMethod(0x81).String(), "RFU CVM 81"},
		{CVMIfUnattendedCash.String(), "If unattended cash"},
		{CVMIfAppCurrencyUnderY.String(), "If transaction is in the application currency and is under Y value"},
		{CVMCondition(0x0A).String(), "RFU condition 0A"},
		{CVMCondition(0x85).String(), "payment system condition 85"},
		{CVMRule{CVMEncipheredPINOnline, true, CVMIfTerminalSupportsCVM}.String(),
			"42 03 Enciphered PIN verified online, If terminal supports the CVM, else next rule"},
		{CVMRule{CVMNoCVMRequired, false, CVMAlways}.String(), "1F 00 No CVM required, Always, else fail"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !CVMSignature.Known() || CVMethod(0x15).Known() {
		t.Error("Known()")
	}
}

// FuzzParseCVMList: any input either fails with a *CVMListError or parses
// to a list that encodes back to the input.
func FuzzParseCVMList(f *testing.F) {
	f.Add(mustHex(f, "000000000000000042031E031F00"))
	f.Add(mustHex(f, "00002710000186A04407410700000000"))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := ParseCVMList(in)
		if err != nil {
			var le *CVMListError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *CVMListError", err)
			}
			return
		}
		if out := l.Bytes(); !bytes.Equal(out, in) {
			t.Fatalf("round trip: %X became %X", in, out)
		}
		_ = l.String()
	})
}

func BenchmarkParseCVMList(b *testing.B) {
	in := mustHex(b, "00002710000186A04407410742035E031F00")
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseCVMList(in); err != nil {
			b.Fatal(err)
		}
	}
}
