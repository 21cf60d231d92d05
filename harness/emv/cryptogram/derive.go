package cryptogram

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// checkPAN validates the PAN and PAN sequence number used as diversification
// data and returns PAN || PSN as decimal digits. An absent PSN is taken as
// "00" (EMV Book 2, Annex A1.4.1). Error messages never contain the PAN.
func checkPAN(pan, psn string) (string, error) {
	if len(pan) < 8 || len(pan) > 19 || !decimal(pan) {
		return "", &InputError{Name: "PAN", Reason: fmt.Sprintf("want 8 to 19 decimal digits, got %d characters", len(pan))}
	}
	if psn == "" {
		psn = "00"
	}
	if len(psn) != 2 || !decimal(psn) {
		return "", &InputError{Name: "PAN sequence number", Reason: "want 2 decimal digits (tag 5F34, n 2)"}
	}
	return pan + psn, nil
}

func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// masterKeyFromY enciphers the 8-byte diversification block Y and its
// complement under the issuer master key: Z_L = DES3(IMK)[Y],
// Z_R = DES3(IMK)[Y xor FF..FF], MK = Z_L || Z_R (EMV Book 2, Annex A1.4.1).
func masterKeyFromY(imk, y []byte) ([]byte, error) {
	b, err := newCipher("issuer master key", imk)
	if err != nil {
		return nil, err
	}
	notY := make([]byte, blockSize)
	for i := range y {
		notY[i] = ^y[i]
	}
	return OddParity(encryptECB(b, append(append([]byte{}, y...), notY...))), nil
}

// DeriveICCMasterKeyA derives an ICC master key from a 16-byte issuer master
// key by EMV Option A (EMV Book 2, Annex A1.4.1): Y is the rightmost 16
// digits of PAN || PSN, left-padded with zeros to 16 digits when shorter.
// The key is returned with odd parity.
func DeriveICCMasterKeyA(imk []byte, pan, psn string) ([]byte, error) {
	if err := checkDoubleKey("issuer master key", imk); err != nil {
		return nil, fmt.Errorf("derive ICC master key: %w", err)
	}
	digits, err := checkPAN(pan, psn)
	if err != nil {
		return nil, fmt.Errorf("derive ICC master key: %w", err)
	}
	return masterKeyFromY(imk, optionAY(digits))
}

func optionAY(digits string) []byte {
	if len(digits) > 16 {
		digits = digits[len(digits)-16:]
	}
	for len(digits) < 16 {
		digits = "0" + digits
	}
	y, _ := hex.DecodeString(digits)
	return y
}

// DeriveICCMasterKeyB derives an ICC master key by EMV Option B (EMV Book 2,
// Annex A1.4.2). For a PAN of 16 digits or fewer it is Option A. For a
// longer PAN: X = PAN || PSN as BCD, left-padded with one zero digit when the
// digit count is odd; the 40 hex digits of SHA-1(X) are decimalised (first
// the decimal digits in order, then, if fewer than 16, the digits A..F in
// order mapped to 0..5) to the 16 digits of Y, and Y goes through Option A.
func DeriveICCMasterKeyB(imk []byte, pan, psn string) ([]byte, error) {
	if err := checkDoubleKey("issuer master key", imk); err != nil {
		return nil, fmt.Errorf("derive ICC master key: %w", err)
	}
	digits, err := checkPAN(pan, psn)
	if err != nil {
		return nil, fmt.Errorf("derive ICC master key: %w", err)
	}
	if len(pan) <= 16 {
		return masterKeyFromY(imk, optionAY(digits))
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	x, _ := hex.DecodeString(digits)
	sum := sha1.Sum(x)
	h := hex.EncodeToString(sum[:])
	y := make([]byte, 0, 16)
	for i := 0; i < len(h) && len(y) < 16; i++ {
		if h[i] <= '9' {
			y = append(y, h[i])
		}
	}
	for i := 0; i < len(h) && len(y) < 16; i++ {
		if h[i] >= 'a' {
			y = append(y, h[i]-'a'+'0')
		}
	}
	yb, _ := hex.DecodeString(string(y))
	return masterKeyFromY(imk, yb)
}

// DeriveCommonSessionKey derives a session key from a 16-byte ICC master key
// and an 8-byte diversification value R by the EMV Common Session Key
// Derivation Option (EMV Book 2, Annex A1.3.1):
// SK_L = DES3(MK)[R0 R1 F0 R3..R7], SK_R = DES3(MK)[R0 R1 0F R3..R7].
// R is ATC || 00..00 for application cryptograms (Book 2, 8.1.2) and the
// application cryptogram for secure messaging (Book 2, 9.2.2 and 9.3.2).
// The key is returned with odd parity.
func DeriveCommonSessionKey(mk, r []byte) ([]byte, error) {
	if err := checkDoubleKey("ICC master key", mk); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	if err := checkLen("diversification value R", r, 8); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	b, _ := newCipher("ICC master key", mk)
	in := make([]byte, 16)
	copy(in, r)
	copy(in[8:], r)
	in[2], in[10] = 0xF0, 0x0F
	return OddParity(encryptECB(b, in)), nil
}

// DeriveACSessionKey derives the application cryptogram session key of the
// EMV common method: R = ATC || 00 00 00 00 00 00 (EMV Book 2, 8.1.2 and
// Annex A1.3.1). Visa CVN 18 and 22 use it.
func DeriveACSessionKey(mk, atc []byte) ([]byte, error) {
	if err := checkLen("ATC", atc, 2); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	r := make([]byte, 8)
	copy(r, atc)
	return DeriveCommonSessionKey(mk, r)
}

// DeriveMastercardSessionKey derives the M/Chip application cryptogram
// session key of the Mastercard proprietary SKD (CVN 16 and 17): the common
// derivation with R = ATC || 00 00 || UN, that is
// SK_L = DES3(MK)[ATC F0 00 UN], SK_R = DES3(MK)[ATC 0F 00 UN].
func DeriveMastercardSessionKey(mk, atc, un []byte) ([]byte, error) {
	if err := checkLen("ATC", atc, 2); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	if err := checkLen("unpredictable number", un, 4); err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	r := make([]byte, 8)
	copy(r, atc)
	copy(r[4:], un)
	return DeriveCommonSessionKey(mk, r)
}

// DeriveVisaScriptSessionKey derives a Visa secure messaging session key
// (integrity or confidentiality, by which master key is given) as Visa VIS
// defines it for CVN 10 and 18: the left half is MK_L xor (00..00 || ATC),
// the right half MK_R xor (00..00 || NOT ATC). The key is returned with odd
// parity.
func DeriveVisaScriptSessionKey(mk, atc []byte) ([]byte, error) {
	if err := checkDoubleKey("ICC master key", mk); err != nil {
		return nil, fmt.Errorf("derive script session key: %w", err)
	}
	if err := checkLen("ATC", atc, 2); err != nil {
		return nil, fmt.Errorf("derive script session key: %w", err)
	}
	sk := append([]byte{}, mk...)
	sk[6] ^= atc[0]
	sk[7] ^= atc[1]
	sk[14] ^= ^atc[0]
	sk[15] ^= ^atc[1]
	return OddParity(sk), nil
}
