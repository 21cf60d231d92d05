package cryptogram

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Keys of the PIN tests. pinKeyA is a textbook double-length key; pinKeyB
// is fixtures/keys/pin.yaml's ZPK (a TEST KEY). The enciphered values were
// computed independently with OpenSSL 3 (`openssl enc -des-ede -nopad`,
// two-key triple DES, ECB) from the clear blocks.
const (
	pinKeyA = "0123456789ABCDEF FEDCBA9876543210"
	pinKeyB = "192CAB2F293E8349 E08CA78CCB2FE992"
)

// TestISOFormat0Vectors: ISO 9564-1 format 0 blocks. The first is the
// published example of the format (PAN 43219876543210987, PIN 1234 → clear
// block 0412AC89ABCDEF67, as in EFTlab's and ID TECH's format 0 pages).
func TestISOFormat0Vectors(t *testing.T) {
	tests := []struct {
		pan, pin, clear string
		key, enciphered string // "" for clear-only vectors
	}{
		{"43219876543210987", "1234", "0412AC89ABCDEF67", pinKeyA, "C967C8198151A458"},
		{"43219876543210987", "1234", "0412AC89ABCDEF67", pinKeyB, "5575F49CBD2BC735"},
		{"4761739009020086", "2468", "04247FC6FF6FDFF7", pinKeyB, "0E279EA13EF606F7"},
		{"4111111111111111", "1234", "041225EEEEEEEEEE", "", ""},
		// PAN shorter than 13 digits: right-justified, zeros on the left.
		{"12345678", "1234", "041234FFFEDCBA98", "", ""},
		// 12-digit PIN: no fill nibble left.
		{"4761739001010119", "123456789012", "0C12236F788002EE", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.pan+"/"+tt.enciphered, func(t *testing.T) {
			got, err := ISOFormat0PINBlock(tt.pin, tt.pan)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustHex(t, tt.clear); !bytes.Equal(got, want) {
				t.Fatalf("clear block %X, want %X", got, want)
			}
			pin, err := ParseISOFormat0PINBlock(got, tt.pan)
			if err != nil || pin != tt.pin {
				t.Fatalf("parse: %v (PIN matches: %v)", err, pin == tt.pin)
			}
			if tt.key == "" {
				return
			}
			key := mustHex(t, tt.key)
			enc, err := EncipherISOFormat0PINBlock(key, tt.pin, tt.pan)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustHex(t, tt.enciphered); !bytes.Equal(enc, want) {
				t.Fatalf("enciphered %X, want %X", enc, want)
			}
			pin, err = DecipherISOFormat0PINBlock(key, enc, tt.pan)
			if err != nil || pin != tt.pin {
				t.Fatalf("decipher: %v (PIN matches: %v)", err, pin == tt.pin)
			}
		})
	}
}

func TestTranslatePINBlockVector(t *testing.T) {
	a, b := mustHex(t, pinKeyA), mustHex(t, pinKeyB)
	got, err := TranslatePINBlock(a, b, mustHex(t, "C967C8198151A458"), "43219876543210987")
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex(t, "5575F49CBD2BC735"); !bytes.Equal(got, want) {
		t.Fatalf("translated %X, want %X", got, want)
	}
}

func TestPINBlockRoundTrip(t *testing.T) {
	a, b := mustHex(t, pinKeyA), mustHex(t, pinKeyB)
	pans := []string{"4761739001010119", "5413330089010020", "43219876543210987", "1234567890123456789", "12345678"}
	for _, pan := range pans {
		for n := 4; n <= 12; n++ {
			pin := "9081726354637281"[:n]
			enc, err := EncipherISOFormat0PINBlock(a, pin, pan)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := TranslatePINBlock(a, b, enc, pan)
			if err != nil {
				t.Fatalf("%s/%d: %v", pan, n, err)
			}
			want, _ := EncipherISOFormat0PINBlock(b, pin, pan)
			if !bytes.Equal(tr, want) {
				t.Fatalf("%s/%d: translation differs from enciphering under the destination key", pan, n)
			}
			got, err := DecipherISOFormat0PINBlock(b, tr, pan)
			if err != nil || got != pin {
				t.Fatalf("%s/%d: %v (PIN matches: %v)", pan, n, err, got == pin)
			}
			f2, _ := ISOFormat2PINBlock(pin)
			if got, err := ParseISOFormat2PINBlock(f2); err != nil || got != pin {
				t.Fatalf("format 2 %d: %v (PIN matches: %v)", n, err, got == pin)
			}
		}
	}
}

// TestPINBlockErrors: wrong key, wrong PAN, wrong format and bad inputs
// are typed errors that never show the PIN, the block or the key.
func TestPINBlockErrors(t *testing.T) {
	a, b := mustHex(t, pinKeyA), mustHex(t, pinKeyB)
	const pan, pin = "4761739009020086", "2468"
	enc, _ := EncipherISOFormat0PINBlock(a, pin, pan)
	f2, _ := ISOFormat2PINBlock(pin)
	f2enc := encryptECB(mustCipher(t, a), f2)
	secrets := []string{pin, fmt.Sprintf("%X", enc), fmt.Sprintf("%X", a), fmt.Sprintf("%X", b), fmt.Sprintf("%X", f2)}

	tests := []struct {
		name string
		run  func() error
		is   error // ErrPINBlock, or nil for an input error
	}{
		{"wrong key", func() error { _, err := TranslatePINBlock(b, a, enc, pan); return err }, ErrPINBlock},
		{"wrong PAN", func() error { _, err := DecipherISOFormat0PINBlock(a, enc, "4761739009020094"); return err }, ErrPINBlock},
		{"format 2 enciphered", func() error { _, err := TranslatePINBlock(a, b, f2enc, pan); return err }, ErrPINBlock},
		{"short block", func() error { _, err := TranslatePINBlock(a, b, enc[:7], pan); return err }, ErrPINBlock},
		{"format 0 read as format 2", func() error { c, _ := ISOFormat0PINBlock(pin, pan); _, err := ParseISOFormat2PINBlock(c); return err }, ErrPINBlock},
		{"single-length key", func() error { _, err := EncipherISOFormat0PINBlock(a[:8], pin, pan); return err }, nil},
		{"24-byte destination key", func() error { _, err := TranslatePINBlock(a, append(b, a[:8]...), enc, pan); return err }, nil},
		{"short PIN", func() error { _, err := EncipherISOFormat0PINBlock(a, "246", pan); return err }, nil},
		{"PIN not digits", func() error { _, err := EncipherISOFormat0PINBlock(a, "24A8", pan); return err }, nil},
		{"bad PAN", func() error { _, err := EncipherISOFormat0PINBlock(a, pin, "47617390090200X6"); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("%v: not %v", err, tt.is)
			}
			var le *LengthError
			var ie *InputError
			if tt.is == nil && !errors.As(err, &le) && !errors.As(err, &ie) {
				t.Fatalf("%v: want *LengthError or *InputError", err)
			}
			msg := strings.ToUpper(err.Error())
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Fatalf("error %q shows a secret", err)
				}
			}
		})
	}
}

// TestFormat0RejectsEachCheck flips each part of a clear block.
func TestFormat0RejectsEachCheck(t *testing.T) {
	const pan = "4761739001010119"
	base, _ := ISOFormat0PINBlock("1234", pan)
	pf, _ := panField(pan)
	tests := map[string]string{ // clear PIN field → the check it fails
		"141234FFFFFFFFFF": "control field",
		"031234FFFFFFFFFF": "PIN length",
		"0D1234FFFFFFFFFF": "PIN length",
		"04123AFFFFFFFFFF": "PIN digit",
		"041234FFFFFFFFFE": "fill digit",
	}
	for field, reason := range tests {
		blk := xorBytes(mustHex(t, field), pf[:])
		_, err := ParseISOFormat0PINBlock(blk, pan)
		var pe *PINBlockError
		if !errors.As(err, &pe) || pe.Reason != reason || pe.Format != 0 {
			t.Errorf("%s: %v, want %s", field, err, reason)
		}
	}
	if _, err := ParseISOFormat0PINBlock(base, pan); err != nil {
		t.Fatal(err)
	}
}

func mustCipher(t testing.TB, key []byte) cipher.Block {
	t.Helper()
	b, err := newCipher("key", key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParseISOFormat0PINBlock: any deciphered block either parses to a PIN
// that rebuilds the same block, or fails with a *PINBlockError that shows
// nothing of the block.
func FuzzParseISOFormat0PINBlock(f *testing.F) {
	f.Add(mustHex(f, "0412AC89ABCDEF67"), "43219876543210987")
	f.Add(mustHex(f, "04247FC6FF6FDFF7"), "4761739009020086")
	f.Add(mustHex(f, "241234FFFFFFFFFF"), "4761739001010119")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, block []byte, pan string) {
		pin, err := ParseISOFormat0PINBlock(block, pan)
		if err != nil {
			var pe *PINBlockError
			var ie *InputError
			if !errors.As(err, &pe) && !errors.As(err, &ie) {
				t.Fatalf("untyped error %v", err)
			}
			if len(block) >= 2 && strings.Contains(strings.ToUpper(err.Error()), fmt.Sprintf("%X", block)) {
				t.Fatalf("error shows the block: %v", err)
			}
			return
		}
		again, err := ISOFormat0PINBlock(pin, pan)
		if err != nil || !bytes.Equal(again, block) {
			t.Fatalf("parsed PIN does not rebuild the block: %v", err)
		}
	})
}

// FuzzParseISOFormat2PINBlock: the kernel's format 2 block, as hostlink
// reads it before enciphering.
func FuzzParseISOFormat2PINBlock(f *testing.F) {
	f.Add(mustHex(f, "241234FFFFFFFFFF"))
	f.Add(mustHex(f, "2C123456789012FF"))
	f.Fuzz(func(t *testing.T, block []byte) {
		pin, err := ParseISOFormat2PINBlock(block)
		if err != nil {
			return
		}
		again, err := ISOFormat2PINBlock(pin)
		if err != nil || !bytes.Equal(again, block) {
			t.Fatalf("parsed PIN does not rebuild the block: %v", err)
		}
	})
}
