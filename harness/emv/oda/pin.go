package oda

import (
	"crypto/subtle"
	"fmt"
	"io"
)

// PIN block and enciphered PIN layout.
const (
	PINBlockLen     = 8    // EMV Book 3, 6.5.12 Table 24
	ChallengeLen    = 8    // ICC unpredictable number from GET CHALLENGE (Book 3, 6.5.6)
	MinPINLen       = 4    // Book 3, 6.5.12: N from 4 to 12
	MaxPINLen       = 12   //
	pinControl      = 0x2  // C: plaintext offline PIN block, ISO 9564-1 format 2
	pinHeader       = 0x7F // data header of the enciphered PIN (Book 2, 7.2 Table 25)
	pinOverhead     = 1 + PINBlockLen + ChallengeLen
	minPINKeyLength = pinOverhead + 1
)

// PINBlock builds the plaintext offline PIN block that VERIFY carries (EMV
// Book 3, 6.5.12, Table 24; ISO 9564-1 format 2): control field 2, PIN
// length N, the PIN digits, then F filler to eight bytes. A bad PIN returns
// an *Error with Step StepPINBlock and Check CheckPINBlock; the message never
// shows the PIN.
func PINBlock(pin string) ([]byte, error) {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return nil, fail(StepPINBlock, CheckPINBlock, "PIN length %d, want %d to %d", len(pin), MinPINLen, MaxPINLen)
	}
	if !isDigits(pin) {
		return nil, fail(StepPINBlock, CheckPINBlock, "PIN holds a non-digit")
	}
	b := make([]byte, PINBlockLen)
	for i := range b {
		b[i] = 0xFF
	}
	b[0] = pinControl<<4 | byte(len(pin))
	for i := 0; i < len(pin); i++ {
		d := pin[i] - '0'
		pos := 2 + i // nibble index
		if pos%2 == 0 {
			b[pos/2] = d<<4 | b[pos/2]&0x0F
		} else {
			b[pos/2] = b[pos/2]&0xF0 | d
		}
	}
	return b, nil
}

// ParsePINBlock reads a plaintext offline PIN block (EMV Book 3, 6.5.12) and
// returns the PIN digits. It checks the length, the control field 2, the PIN
// length 4 to 12, that every PIN nibble is a digit and every filler nibble is
// F. Errors are *Error{Step: StepPINBlock, Check: CheckPINBlock} and never
// show PIN digits.
func ParsePINBlock(b []byte) (string, error) {
	const step = StepPINBlock
	if len(b) != PINBlockLen {
		return "", fail(step, CheckPINBlock, "%d bytes, want %d", len(b), PINBlockLen)
	}
	if c := b[0] >> 4; c != pinControl {
		return "", fail(step, CheckPINBlock, "control field %X, want 2", c)
	}
	n := int(b[0] & 0x0F)
	if n < MinPINLen || n > MaxPINLen {
		return "", fail(step, CheckPINBlock, "PIN length %d, want %d to %d", n, MinPINLen, MaxPINLen)
	}
	pin := make([]byte, 0, n)
	for pos := 2; pos < 2*PINBlockLen; pos++ {
		nib := b[pos/2] >> 4
		if pos%2 == 1 {
			nib = b[pos/2] & 0x0F
		}
		switch {
		case pos < 2+n && nib > 9:
			return "", fail(step, CheckPINBlock, "PIN nibble %d is not a digit", pos-1)
		case pos < 2+n:
			pin = append(pin, '0'+nib)
		case nib != 0x0F:
			return "", fail(step, CheckPINBlock, "filler nibble %d is not F", pos-1)
		}
	}
	return string(pin), nil
}

// EncipherPIN enciphers a PIN block for offline enciphered PIN verification
// (EMV Book 2, 7.2, Table 25): '7F' || PIN block (8 bytes) || ICC
// unpredictable number from GET CHALLENGE (8 bytes) || random pad of N − 17
// bytes, raised to the public exponent of the ICC PIN encipherment key (or the
// ICC key when no PIN key exists). The result is the data of VERIFY with P2
// 88. rand supplies the pad; pass crypto/rand.Reader outside tests.
func EncipherPIN(pub PublicKey, pinBlock, challenge []byte, rand io.Reader) ([]byte, error) {
	const step = StepPINEncipherment
	if len(pinBlock) != PINBlockLen {
		return nil, fail(step, CheckPINBlock, "PIN block %d bytes, want %d", len(pinBlock), PINBlockLen)
	}
	if len(challenge) != ChallengeLen {
		return nil, fail(step, CheckChallenge, "ICC unpredictable number %d bytes, want %d", len(challenge), ChallengeLen)
	}
	n := pub.Len()
	if n < minPINKeyLength || n > MaxModulusLen {
		return nil, fail(step, CheckKey, "modulus of %d bytes", n)
	}
	x := make([]byte, n)
	x[0] = pinHeader
	copy(x[1:], pinBlock)
	copy(x[1+PINBlockLen:], challenge)
	if _, err := io.ReadFull(rand, x[pinOverhead:]); err != nil {
		return nil, fmt.Errorf("encipher PIN: read random pad: %w", err)
	}
	out, err := pub.Encrypt(x)
	if err != nil {
		return nil, &Error{Step: step, Check: CheckKey, Err: err}
	}
	return out, nil
}

// DecipherPIN is the card side of EMV Book 2, 7.2: it deciphers the VERIFY
// data with the ICC PIN encipherment private key (or the ICC private key),
// checks the data header '7F' and that the recovered ICC unpredictable number
// equals the challenge it issued, and returns the 8-byte PIN block (check it
// with ParsePINBlock). A failure returns an *Error with Step
// StepPINEncipherment (Check CheckLength, CheckHeader or CheckChallenge); the
// card then answers VERIFY as for a wrong PIN format.
func DecipherPIN(priv *PrivateKey, data, challenge []byte) ([]byte, error) {
	const step = StepPINEncipherment
	if priv == nil {
		return nil, fail(step, CheckKey, "nil private key")
	}
	n := priv.Len()
	if n < minPINKeyLength {
		return nil, fail(step, CheckKey, "modulus of %d bytes", n)
	}
	if len(data) != n {
		return nil, fail(step, CheckLength, "%d bytes, modulus %d bytes", len(data), n)
	}
	if len(challenge) != ChallengeLen {
		return nil, fail(step, CheckChallenge, "challenge %d bytes, want %d", len(challenge), ChallengeLen)
	}
	x, err := priv.Decrypt(data)
	if err != nil {
		return nil, &Error{Step: step, Check: CheckHeader, Detail: "nothing recovered", Err: err}
	}
	if x[0] != pinHeader {
		return nil, fail(step, CheckHeader, "data header %02X, want 7F", x[0])
	}
	if subtle.ConstantTimeCompare(x[1+PINBlockLen:pinOverhead], challenge) != 1 {
		return nil, fail(step, CheckChallenge, "")
	}
	block := make([]byte, PINBlockLen)
	copy(block, x[1:1+PINBlockLen])
	return block, nil
}
