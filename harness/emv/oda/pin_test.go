package oda

import (
	"bytes"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// EMV Book 3, 6.5.12 Table 24: C=2, N=PIN length, PIN digits, F filler.
func TestPINBlock(t *testing.T) {
	for _, tc := range []struct{ pin, block string }{
		{"1234", "241234FFFFFFFFFF"},
		{"12345", "2512345FFFFFFFFF"},
		{"000000000000", "2C000000000000FF"},
		{"987654321098", "2C987654321098FF"},
	} {
		b, err := PINBlock(tc.pin)
		if err != nil || !bytes.Equal(b, unhex(t, tc.block)) {
			t.Errorf("PINBlock(%s) = %X, %v; want %s", tc.pin, b, err, tc.block)
		}
		pin, err := ParsePINBlock(b)
		if err != nil || pin != tc.pin {
			t.Errorf("ParsePINBlock(%s) = %q, %v", tc.block, pin, err)
		}
	}
	for n := MinPINLen; n <= MaxPINLen; n++ {
		pin := strings.Repeat("7", n)
		b, err := PINBlock(pin)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParsePINBlock(b); err != nil || got != pin {
			t.Errorf("round trip %d digits: %q, %v", n, got, err)
		}
	}
}

func TestPINBlockErrors(t *testing.T) {
	for _, pin := range []string{"", "123", "1234567890123", "12a4", "12 34"} {
		_, err := PINBlock(pin)
		if !errors.Is(err, &Error{Step: StepPINBlock, Check: CheckPINBlock}) {
			t.Errorf("PINBlock(%q) = %v", pin, err)
		}
	}
	for _, tc := range []struct{ name, block string }{
		{"control 1", "141234FFFFFFFFFF"},
		{"control 0", "041234FFFFFFFFFF"},
		{"length 3", "23123FFFFFFFFFFF"},
		{"length 13", "2D1234567890123F"},
		{"digit A", "241A34FFFFFFFFFF"},
		{"filler E", "241234FFFFFFFFFE"},
		{"filler 0", "2412340FFFFFFFFF"},
		{"short", "241234FFFFFFFF"},
		{"long", "241234FFFFFFFFFFFF"},
	} {
		_, err := ParsePINBlock(unhex(t, tc.block))
		if !errors.Is(err, &Error{Step: StepPINBlock, Check: CheckPINBlock}) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "1234") {
			t.Errorf("%s: error shows PIN digits: %v", tc.name, err)
		}
	}
}

func TestEncipherPIN(t *testing.T) {
	for _, bits := range []int{768, 1024} {
		pe := testKey(t, bits, 3)
		block, _ := PINBlock("4315")
		challenge := []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
		rnd := mrand.NewChaCha8([32]byte{7})
		enc, err := EncipherPIN(pe.PublicKey, block, challenge, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if len(enc) != pe.Len() {
			t.Errorf("enciphered PIN %d bytes, want %d", len(enc), pe.Len())
		}
		// The pad is random: two encipherments differ.
		enc2, _ := EncipherPIN(pe.PublicKey, block, challenge, rnd)
		if bytes.Equal(enc, enc2) {
			t.Error("random pad not applied")
		}
		got, err := DecipherPIN(pe, enc, challenge)
		if err != nil || !bytes.Equal(got, block) {
			t.Fatalf("DecipherPIN = %X, %v", got, err)
		}
		// The card rejects a replay against a new challenge.
		_, err = DecipherPIN(pe, enc, []byte{8, 7, 6, 5, 4, 3, 2, 1})
		if !errors.Is(err, &Error{Step: StepPINEncipherment, Check: CheckChallenge}) {
			t.Errorf("other challenge: %v", err)
		}
		// Enciphered for another key: no 7F header.
		other := testKey(t, bits, 65537)
		enc3, _ := EncipherPIN(other.PublicKey, block, challenge, rnd)
		if _, err := DecipherPIN(pe, enc3, challenge); CheckOf(err) != CheckHeader {
			t.Errorf("other key: %v", err)
		}
		if _, err := DecipherPIN(pe, enc[1:], challenge); CheckOf(err) != CheckLength {
			t.Errorf("short data: %v", err)
		}
	}
	pe := testKey(t, 768, 3)
	if _, err := EncipherPIN(pe.PublicKey, []byte{0x24}, make([]byte, 8), mrand.NewChaCha8([32]byte{})); CheckOf(err) != CheckPINBlock {
		t.Errorf("short PIN block: %v", err)
	}
	if _, err := EncipherPIN(pe.PublicKey, make([]byte, 8), make([]byte, 4), mrand.NewChaCha8([32]byte{})); CheckOf(err) != CheckChallenge {
		t.Errorf("short challenge: %v", err)
	}
}
