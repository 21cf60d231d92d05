package cryptogram

import (
	"errors"
	"fmt"
)

// Online PIN blocks. EMV Book 3, 10.5.2 (Online PIN Processing) leaves the
// enciphered block to the payment system; ISO 9564-1 defines the plain PIN
// block formats, of which format 2 is for the IC card only (the offline PIN
// of Book 3, 6.5.12) and formats 0, 1 and 3 travel online (Visa PIN Security
// Requirements, requirement 3). The ISO text was not at hand, so its
// clauses are named by format, not by number.
//
// ISO 9564-1 format 0, two 64-bit fields xored together:
//
//	PIN field  C N P P P P P/F P/F P/F P/F P/F P/F P/F P/F F F   C = 0, N = PIN length 4 to 12
//	PAN field  0 0 0 0 A1 A2 ... A12                              the 12 rightmost PAN digits
//	                                                              without the check digit
//
// The block is enciphered with a double-length triple-DES key, one 8-byte
// block in ECB mode (ISO 9564-2 lists TDEA among the approved algorithms). A PIN
// key is a terminal PIN key (TPK, terminal → acquirer) or a zone PIN key
// (ZPK, acquirer → issuer); TranslatePINBlock moves a block from one to the
// other without the PIN leaving this package.

// PINBlockLen is the length of an ISO 9564-1 format 0 or 2 PIN block.
const PINBlockLen = 8

// ErrPINBlock is the error every *PINBlockError unwraps to: the bytes are
// not a well-formed PIN block of the expected format (after deciphering:
// most often a block enciphered under another key or for another PAN).
var ErrPINBlock = errors.New("malformed PIN block")

// PINBlockError reports a PIN block that fails one of the format checks.
// It names the check only: never the PIN, the block, a nibble of it or the
// key, so it may be logged.
type PINBlockError struct {
	Format int    // ISO 9564-1 format: 0 or 2
	Reason string // "length", "control field", "PIN length", "PIN digit", "fill digit"
}

func (e *PINBlockError) Error() string {
	return fmt.Sprintf("ISO 9564-1 format %d PIN block: bad %s", e.Format, e.Reason)
}

// Unwrap makes errors.Is(err, ErrPINBlock) true.
func (e *PINBlockError) Unwrap() error { return ErrPINBlock }

// panField is the format 0 PAN field (ISO 9564-1, format 0): four zero
// nibbles, then the 12 rightmost digits of the PAN excluding the check
// digit; a PAN with fewer than 12 such digits is right-justified and
// padded on the left with zeros. PANs are 8 to 19 digits (ISO/IEC 7812-1).
func panField(pan string) ([PINBlockLen]byte, error) {
	var f [PINBlockLen]byte
	if len(pan) < 8 || len(pan) > 19 || !decimal(pan) {
		return f, &InputError{Name: "PAN", Reason: "want 8 to 19 decimal digits"}
	}
	body := pan[:len(pan)-1] // without the check digit
	if len(body) > 12 {
		body = body[len(body)-12:]
	}
	var nib [16]byte // nibbles, zero on the left
	for i := 0; i < len(body); i++ {
		nib[16-len(body)+i] = body[i] - '0'
	}
	for i := range f {
		f[i] = nib[2*i]<<4 | nib[2*i+1]
	}
	return f, nil
}

// pinNibbles writes the PIN digits and F fill into the 14 nibbles after the
// control and length nibble (the layout shared by formats 0 and 2).
func pinNibbles(control byte, pin string) [PINBlockLen]byte {
	var b [PINBlockLen]byte
	b[0] = control<<4 | byte(len(pin))
	for i := 0; i < 14; i++ {
		nib := byte(0xF)
		if i < len(pin) {
			nib = pin[i] - '0'
		}
		if i%2 == 0 {
			b[1+i/2] = nib << 4
		} else {
			b[1+i/2] |= nib
		}
	}
	return b
}

// readPINNibbles checks the control field, the PIN length (4 to 12, ISO
// 9564-1 formats 0 and 2), the PIN digits (0 to 9) and the fill (F) of a
// clear PIN field and returns the PIN.
func readPINNibbles(format int, control byte, b []byte) (string, error) {
	if len(b) != PINBlockLen {
		return "", &PINBlockError{Format: format, Reason: "length"}
	}
	if b[0]>>4 != control {
		return "", &PINBlockError{Format: format, Reason: "control field"}
	}
	n := int(b[0] & 0x0F)
	if n < 4 || n > 12 {
		return "", &PINBlockError{Format: format, Reason: "PIN length"}
	}
	pin := make([]byte, n)
	for i := 0; i < 14; i++ {
		nib := b[1+i/2] >> 4
		if i%2 == 1 {
			nib = b[1+i/2] & 0x0F
		}
		switch {
		case i < n && nib > 9:
			return "", &PINBlockError{Format: format, Reason: "PIN digit"}
		case i < n:
			pin[i] = '0' + nib
		case nib != 0x0F:
			return "", &PINBlockError{Format: format, Reason: "fill digit"}
		}
	}
	return string(pin), nil
}

// ISOFormat0PINBlock builds the plain ISO 9564-1 format 0 PIN block of pin
// (4 to 12 digits) for pan (ISO 9564-1, format 0): the PIN field xor the PAN
// field. It is the input of EncipherISOFormat0PINBlock and must not leave
// the caller unenciphered.
func ISOFormat0PINBlock(pin, pan string) ([]byte, error) {
	if err := checkPIN("PIN", pin); err != nil {
		return nil, fmt.Errorf("build PIN block: %w", err)
	}
	pf, err := panField(pan)
	if err != nil {
		return nil, fmt.Errorf("build PIN block: %w", err)
	}
	b := pinNibbles(0, pin)
	return xorBytes(b[:], pf[:]), nil
}

// ParseISOFormat0PINBlock reads a plain ISO 9564-1 format 0 block for pan
// and returns the PIN. It checks the length, the control field 0, the PIN
// length 4 to 12, the PIN digits and the F fill; a block built for another
// PAN or deciphered under the wrong key fails one of them (with probability
// about 1 - 2^-20 for a random block) as a *PINBlockError.
func ParseISOFormat0PINBlock(block []byte, pan string) (string, error) {
	if len(block) != PINBlockLen {
		return "", &PINBlockError{Format: 0, Reason: "length"}
	}
	pf, err := panField(pan)
	if err != nil {
		return "", fmt.Errorf("parse PIN block: %w", err)
	}
	return readPINNibbles(0, 0, xorBytes(block, pf[:]))
}

// ParseISOFormat2PINBlock reads a plaintext ISO 9564-1 format 2 block (the
// offline PIN block of EMV Book 3, 6.5.12, as ISOFormat2PINBlock builds it)
// and returns the PIN. Errors are *PINBlockError.
func ParseISOFormat2PINBlock(block []byte) (string, error) {
	return readPINNibbles(2, 2, block)
}

// EncipherISOFormat0PINBlock builds the format 0 block of pin for pan and
// enciphers it under key, a double-length triple-DES PIN key (TPK or ZPK),
// as DE 52 of an ISO 8583 request carries it (ISO 9564-1 format 0; ISO
// 9564-2 approves TDEA; one block, ECB).
func EncipherISOFormat0PINBlock(key []byte, pin, pan string) ([]byte, error) {
	if err := checkDoubleKey("PIN key", key); err != nil {
		return nil, fmt.Errorf("encipher PIN block: %w", err)
	}
	plain, err := ISOFormat0PINBlock(pin, pan)
	if err != nil {
		return nil, fmt.Errorf("encipher PIN block: %w", err)
	}
	b, err := newCipher("PIN key", key)
	if err != nil {
		return nil, fmt.Errorf("encipher PIN block: %w", err)
	}
	out := encryptECB(b, plain)
	wipe(plain)
	return out, nil
}

// DecipherISOFormat0PINBlock deciphers an enciphered format 0 block under
// key and returns the PIN, after the checks of ParseISOFormat0PINBlock.
func DecipherISOFormat0PINBlock(key, block []byte, pan string) (string, error) {
	plain, err := decipherPINBlock(key, block)
	if err != nil {
		return "", fmt.Errorf("decipher PIN block: %w", err)
	}
	defer wipe(plain)
	pin, err := ParseISOFormat0PINBlock(plain, pan)
	if err != nil {
		return "", fmt.Errorf("decipher PIN block: %w", err)
	}
	return pin, nil
}

func decipherPINBlock(key, block []byte) ([]byte, error) {
	if err := checkDoubleKey("PIN key", key); err != nil {
		return nil, err
	}
	if len(block) != PINBlockLen {
		return nil, &PINBlockError{Format: 0, Reason: "length"}
	}
	b, err := newCipher("PIN key", key)
	if err != nil {
		return nil, err
	}
	return decryptECB(b, block), nil
}

// TranslatePINBlock re-enciphers a format 0 PIN block of pan from one PIN
// key to another, as an acquirer's security module does between the
// terminal's TPK and the issuer zone's ZPK. The block stays format 0 (a
// format 0 block may only become format 0 or 3: Visa PIN Security
// Requirements, requirement 3). The deciphered block must be a valid format 0 block for pan — control
// field 0, PIN length 4 to 12, digits and F fill — or a *PINBlockError is
// returned and nothing is enciphered under to. The PIN never leaves this
// function.
func TranslatePINBlock(from, to, block []byte, pan string) ([]byte, error) {
	if err := checkDoubleKey("source PIN key", from); err != nil {
		return nil, fmt.Errorf("translate PIN block: %w", err)
	}
	if err := checkDoubleKey("destination PIN key", to); err != nil {
		return nil, fmt.Errorf("translate PIN block: %w", err)
	}
	plain, err := decipherPINBlock(from, block)
	if err != nil {
		return nil, fmt.Errorf("translate PIN block: %w", err)
	}
	defer wipe(plain)
	if _, err := ParseISOFormat0PINBlock(plain, pan); err != nil {
		return nil, fmt.Errorf("translate PIN block: %w", err)
	}
	b, err := newCipher("destination PIN key", to)
	if err != nil {
		return nil, fmt.Errorf("translate PIN block: %w", err)
	}
	return encryptECB(b, plain), nil
}

// wipe overwrites a clear PIN block once it is no longer needed.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
