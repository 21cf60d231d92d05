package emv

import (
	"errors"
	"fmt"
	"testing"
)

func TestStatusWordString(t *testing.T) {
	tests := []struct {
		sw   StatusWord
		want string
	}{
		{0x9000, "9000 normal processing"},
		{0x6A82, "6A82 file or application not found"},
		{0x6283, "6283 selected file invalidated"},
		{0x6A81, "6A81 function not supported"},
		{0x6983, "6983 authentication method blocked"},
		{0x6984, "6984 referenced data invalidated"},
		{0x6985, "6985 conditions of use not satisfied"},
		{0x6A83, "6A83 record not found"},
		{0x6A88, "6A88 referenced data or reference data not found"},
		{0x6700, "6700 wrong length"},
		{0x6D00, "6D00 instruction code not supported or invalid"},
		{0x6E00, "6E00 class not supported"},
		{0x63C2, "63C2 counter 2"},
		{0x63C0, "63C0 counter 0"},
		{0x6110, "6110 normal processing, 16 data bytes still available"},
		{0x6100, "6100 normal processing, 256 data bytes still available"},
		{0x6C20, "6C20 wrong Le field, 32 data bytes available"},
		{0x6210, "6210 triggering by the card"},
		{0x62F1, "62F1 warning, non-volatile memory unchanged"},
		{0x6999, "6999 applet selection failed"},
		{0x6A99, "6A99 wrong parameters P1-P2"},
		{0x9302, "9302 application-specific status"},
		{0x0000, "0000 unknown status"},
		{0x6000, "6000 unknown status"},
	}
	for _, tt := range tests {
		if got := tt.sw.String(); got != tt.want {
			t.Errorf("%04X: %q, want %q", uint16(tt.sw), got, tt.want)
		}
	}
	if got := fmt.Sprint(StatusWord(0x6985)); got != "6985 conditions of use not satisfied" {
		t.Errorf("fmt: %q", got)
	}
}

func TestStatusWordHelpers(t *testing.T) {
	sw := StatusWord(0x6C1D)
	if sw.SW1() != 0x6C || sw.SW2() != 0x1D {
		t.Error("SW1/SW2")
	}
	if n, ok := sw.ExactLength(); !ok || n != 29 {
		t.Errorf("ExactLength = %d, %v", n, ok)
	}
	if _, ok := sw.BytesAvailable(); ok {
		t.Error("6C1D BytesAvailable")
	}
	if n, ok := StatusWord(0x6100).BytesAvailable(); !ok || n != 256 {
		t.Errorf("6100 BytesAvailable = %d, %v", n, ok)
	}
	if x, ok := StatusWord(0x63C1).Counter(); !ok || x != 1 {
		t.Errorf("63C1 Counter = %d, %v", x, ok)
	}
	if _, ok := StatusWord(0x6300).Counter(); ok {
		t.Error("6300 Counter")
	}
	if !StatusWord(0x9000).OK() || StatusWord(0x6283).OK() {
		t.Error("OK")
	}
	if !StatusWord(0x6283).Warning() || !StatusWord(0x63C2).Warning() || StatusWord(0x6A82).Warning() {
		t.Error("Warning")
	}
}

func TestErrStatus(t *testing.T) {
	err := fmt.Errorf("select application: %w", ErrStatus{SW: SWSelectedFileInvalidated})
	if !errors.Is(err, ErrStatus{SW: 0x6283}) {
		t.Error("errors.Is by value")
	}
	var es ErrStatus
	if !errors.As(err, &es) || es.SW != 0x6283 {
		t.Errorf("errors.As = %+v", es)
	}
	if want := "select application: card returned 6283 selected file invalidated"; err.Error() != want {
		t.Errorf("%q, want %q", err.Error(), want)
	}
	// Comparable: usable as a map key and with ==.
	seen := map[error]bool{ErrStatus{SW: SWAuthMethodBlocked}: true}
	if !seen[ErrStatus{SW: 0x6983}] {
		t.Error("ErrStatus is not comparable by value")
	}
}
