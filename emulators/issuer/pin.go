package issuer

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// Online PIN (EMV Book 3, 10.5.2): DE 52 carries an ISO 9564-1 format 0
// PIN block enciphered under the issuer's zone PIN key (ZPK, a TEST KEY:
// WithPINKey, pin_key in the configuration). The acquirer translated it to
// this key from the terminal's; the format and the triple-DES encipherment
// are package cryptogram's (DecipherISOFormat0PINBlock), as on the other
// hops.

// errIncorrectPIN: the block is well formed but holds another PIN.
var errIncorrectPIN = errors.New("incorrect PIN")

// checkPIN deciphers a DE 52 block under key and compares its PIN with
// want. Any failure — no key, a block that does not decipher to a format 0
// block for pan (another key, another PAN), another PIN — is the issuer's
// decision 55 (ISO 8583:1987, DE 39 "incorrect PIN"). The error never
// holds the PIN or the block.
func checkPIN(key []byte, pan string, block []byte, want string) error {
	if key == nil {
		return errors.New("no PIN key")
	}
	pin, err := cryptogram.DecipherISOFormat0PINBlock(key, block, pan)
	if err != nil {
		return fmt.Errorf("check PIN: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(pin), []byte(want)) != 1 {
		return errIncorrectPIN
	}
	return nil
}
