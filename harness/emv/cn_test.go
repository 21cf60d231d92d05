package emv

import (
	"bytes"
	"testing"
)

func TestPackUnpackCN(t *testing.T) {
	for _, tc := range []struct {
		digits string
		n      int
		want   []byte
	}{
		{"4761739001010010", 10, []byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x00, 0x10, 0xFF, 0xFF}},
		{"476173", 4, []byte{0x47, 0x61, 0x73, 0xFF}},
		{"999", 4, []byte{0x99, 0x9F, 0xFF, 0xFF}},
		{"", 2, []byte{0xFF, 0xFF}},
	} {
		got := PackCN(tc.digits, tc.n)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("PackCN(%q, %d) = %X, want %X", tc.digits, tc.n, got, tc.want)
		}
		back, ok := UnpackCN(got)
		if !ok || back != tc.digits {
			t.Errorf("UnpackCN(%X) = %q, %v", got, back, ok)
		}
	}
	for _, bad := range [][]byte{{0x4F, 0x12}, {0xA1}, {0x1F, 0xF1}} {
		if _, ok := UnpackCN(bad); ok {
			t.Errorf("UnpackCN(%X) accepted a malformed cn", bad)
		}
	}
}
