package issuer

import (
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"
)

// ISO 9564-1 format 0 PIN blocks (the online PIN of DE 52):
//
//	PIN field  0 N P P P P P/F ... F   (control 0, PIN length N, digits, F fill; 16 nibbles)
//	PAN field  0 0 0 0 A1 ... A12      (the 12 rightmost PAN digits without the check digit)
//	block = DES3(PIN key)[PIN field xor PAN field]
//
// The PIN key here is a TEST KEY shared by the terminal side and the issuer
// (no PIN translation at the acquirer in this lab).

var errPINBlock = errors.New("not an ISO 9564-1 format 0 PIN block")

func panField(pan string) ([8]byte, error) {
	var f [8]byte
	if len(pan) < 13 || !isDigits(pan) {
		return f, errors.New("PAN: want at least 13 digits")
	}
	d := pan[len(pan)-13 : len(pan)-1]
	for i := 0; i < 6; i++ {
		f[2+i] = (d[2*i]-'0')<<4 | (d[2*i+1] - '0')
	}
	return f, nil
}

// EncipherPINBlock builds the ISO 9564-1 format 0 PIN block of pin for pan
// under key (triple DES, 16 or 24 bytes; a TEST KEY), as a terminal puts it
// in DE 52.
func EncipherPINBlock(key []byte, pan, pin string) ([]byte, error) {
	if len(pin) < 4 || len(pin) > 12 || !isDigits(pin) {
		return nil, fmt.Errorf("encipher PIN block: PIN: want 4 to 12 digits")
	}
	b, err := tripleDES(key)
	if err != nil {
		return nil, fmt.Errorf("encipher PIN block: %w", err)
	}
	pf, err := panField(pan)
	if err != nil {
		return nil, fmt.Errorf("encipher PIN block: %w", err)
	}
	var blk [8]byte
	blk[0] = byte(len(pin))
	for i := 0; i < 14; i++ {
		nib := byte(0xF)
		if i < len(pin) {
			nib = pin[i] - '0'
		}
		if i%2 == 0 {
			blk[1+i/2] = nib << 4
		} else {
			blk[1+i/2] |= nib
		}
	}
	for i := range blk {
		blk[i] ^= pf[i]
	}
	out := make([]byte, 8)
	b.Encrypt(out, blk[:])
	return out, nil
}

func tripleDES(key []byte) (cipher.Block, error) {
	switch len(key) {
	case 16:
		key = append(append([]byte{}, key...), key[:8]...)
	case 24:
	default:
		return nil, errors.New("PIN key: want 16 or 24 bytes")
	}
	return des.NewTripleDESCipher(key)
}

// checkPIN deciphers a DE 52 block and compares its PIN with want.
func checkPIN(key cipher.Block, pan string, block []byte, want string) error {
	if key == nil {
		return errors.New("no PIN key")
	}
	if len(block) != 8 {
		return errPINBlock
	}
	pf, err := panField(pan)
	if err != nil {
		return err
	}
	var clear [8]byte
	key.Decrypt(clear[:], block)
	for i := range clear {
		clear[i] ^= pf[i]
	}
	n := int(clear[0] & 0x0F)
	if clear[0]>>4 != 0 || n < 4 || n > 12 {
		return errPINBlock
	}
	var pin [12]byte
	for i := 0; i < 14; i++ {
		nib := clear[1+i/2] >> 4
		if i%2 == 1 {
			nib = clear[1+i/2] & 0x0F
		}
		switch {
		case i < n && nib <= 9:
			pin[i] = '0' + nib
		case i >= n && nib == 0xF:
		default:
			return errPINBlock
		}
	}
	if string(pin[:n]) != want {
		return errors.New("incorrect PIN")
	}
	return nil
}
