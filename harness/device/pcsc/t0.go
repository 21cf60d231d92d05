package pcsc

import (
	"errors"
	"fmt"
)

// maxGetResponse bounds the GET RESPONSE chain of one command: a card that
// answers '61xx' forever must not hang the terminal. 64 times 256 bytes is
// far more than any EMV response (Book 1, 9.4.1: at most 256 data bytes).
const maxGetResponse = 64

// ErrTransport is a card that breaks the T=0 rules: a response shorter than
// a status word, an endless GET RESPONSE chain, a second '6Cxx' in a row.
var ErrTransport = errors.New("card transport error")

// exchange sends capdu with send and resolves '61xx' and '6Cxx' (EMV Book 1,
// 9.3.1.3; ISO/IEC 7816-4, 5.1.3):
//   - '6Cxx': the command is sent again, unchanged but for Le = xx;
//   - '61xx': GET RESPONSE (00 C0 00 00 xx) is sent, again while the card
//     answers '61xx'; the data of every answer are concatenated and the last
//     status word ends the response.
//
// The returned response is data || SW1 SW2.
func exchange(send func([]byte) ([]byte, error), capdu []byte) ([]byte, error) {
	r, err := send(capdu)
	if err != nil {
		return nil, err
	}
	if len(r) < 2 {
		return nil, fmt.Errorf("transmit apdu: %d-byte response: %w", len(r), ErrTransport)
	}
	if sw1 := r[len(r)-2]; sw1 == 0x6C {
		again, ok := withLe(capdu, r[len(r)-1])
		if !ok {
			return r, nil // not a short APDU: the caller sees 6Cxx
		}
		if r, err = send(again); err != nil {
			return nil, err
		}
		if len(r) < 2 {
			return nil, fmt.Errorf("transmit apdu: %d-byte response: %w", len(r), ErrTransport)
		}
		if r[len(r)-2] == 0x6C {
			return nil, fmt.Errorf("transmit apdu: card asks for Le %02X after Le %02X: %w", r[len(r)-1], again[len(again)-1], ErrTransport)
		}
	}
	var data []byte
	for i := 0; r[len(r)-2] == 0x61; i++ {
		if i == maxGetResponse {
			return nil, fmt.Errorf("transmit apdu: more than %d GET RESPONSE: %w", maxGetResponse, ErrTransport)
		}
		data = append(data, r[:len(r)-2]...)
		// EMV Book 1, 9.3.1.3: GET RESPONSE is CLA '00', Le = SW2 ('00' asks for 256).
		if r, err = send([]byte{0x00, 0xC0, 0x00, 0x00, r[len(r)-1]}); err != nil {
			return nil, err
		}
		if len(r) < 2 {
			return nil, fmt.Errorf("transmit apdu: %d-byte GET RESPONSE answer: %w", len(r), ErrTransport)
		}
		if r[len(r)-2] == 0x6C { // wrong Le on GET RESPONSE itself
			if r, err = send([]byte{0x00, 0xC0, 0x00, 0x00, r[len(r)-1]}); err != nil {
				return nil, err
			}
			if len(r) < 2 {
				return nil, fmt.Errorf("transmit apdu: %d-byte GET RESPONSE answer: %w", len(r), ErrTransport)
			}
		}
	}
	if data == nil {
		return r, nil
	}
	return append(data, r...), nil
}

// withLe returns the short command APDU capdu with its Le set to le (added
// when the command has none: case 1 becomes case 2, case 3 case 4), or
// false when capdu is not a well-formed short APDU (ISO/IEC 7816-4, 5.1).
func withLe(capdu []byte, le byte) ([]byte, bool) {
	n := len(capdu)
	switch {
	case n == 4: // case 1
		return append(append([]byte(nil), capdu...), le), true
	case n == 5: // case 2
		out := append([]byte(nil), capdu...)
		out[4] = le
		return out, true
	case n > 5 && capdu[4] != 0:
		lc := int(capdu[4])
		switch n {
		case 5 + lc: // case 3
			return append(append([]byte(nil), capdu...), le), true
		case 6 + lc: // case 4
			out := append([]byte(nil), capdu...)
			out[n-1] = le
			return out, true
		}
	}
	return nil, false
}
