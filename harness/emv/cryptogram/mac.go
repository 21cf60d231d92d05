package cryptogram

import "fmt"

// Padding is an ISO/IEC 9797-1 padding method.
type Padding uint8

const (
	// PaddingMethod1 appends as few zero bytes as give a positive multiple
	// of the block size (ISO/IEC 9797-1, 6.3.1); data already a multiple is
	// left as it is, empty data becomes one zero block. Visa CVN 10 pads its
	// cryptogram data this way.
	PaddingMethod1 Padding = 1
	// PaddingMethod2 appends a mandatory 80 byte and then as few zero bytes
	// as give a multiple of the block size (ISO/IEC 9797-1, 6.3.2). It is
	// the EMV method: EMV Book 2, Annex A1.2.1 and 8.1.2.
	PaddingMethod2 Padding = 2
)

func (p Padding) String() string {
	switch p {
	case PaddingMethod1:
		return "ISO/IEC 9797-1 padding method 1"
	case PaddingMethod2:
		return "ISO/IEC 9797-1 padding method 2"
	}
	return fmt.Sprintf("Padding(%d)", uint8(p))
}

// Pad pads data to a multiple of the 8-byte DES block with method p.
func Pad(p Padding, data []byte) ([]byte, error) {
	switch p {
	case PaddingMethod1:
		n := len(data)
		if n == 0 || n%blockSize != 0 {
			n += blockSize - n%blockSize
		}
		out := make([]byte, n)
		copy(out, data)
		return out, nil
	case PaddingMethod2:
		n := len(data) + 1
		if n%blockSize != 0 {
			n += blockSize - n%blockSize
		}
		out := make([]byte, n)
		copy(out, data)
		out[len(data)] = 0x80
		return out, nil
	}
	return nil, fmt.Errorf("pad data: unknown padding method %d", uint8(p))
}

// unpadMethod2 removes ISO/IEC 9797-1 method 2 padding.
func unpadMethod2(data []byte) ([]byte, error) {
	i := len(data) - 1
	for i >= 0 && data[i] == 0x00 {
		i--
	}
	if i < 0 || data[i] != 0x80 || len(data)-i > blockSize {
		return nil, fmt.Errorf("unpad data: no ISO/IEC 9797-1 method 2 padding")
	}
	return data[:i], nil
}

// MACAlgorithm is an ISO/IEC 9797-1 MAC algorithm over the DES block cipher.
type MACAlgorithm uint8

const (
	// MACAlgorithm1 is the plain CBC-MAC: every block enciphered with the
	// whole key (single DES for 8 bytes, triple DES for 16 or 24 bytes),
	// ISO/IEC 9797-1, 7.2; EMV Book 2, Annex A1.2.1.
	MACAlgorithm1 MACAlgorithm = 1
	// MACAlgorithm3 is the "retail MAC": CBC with single DES under the left
	// key half K, then the last output deciphered under the right half K'
	// and enciphered again under K (ISO/IEC 9797-1, 7.4; EMV Book 2, Annex
	// A1.2.1). Every EMV cryptogram and script MAC here uses it.
	MACAlgorithm3 MACAlgorithm = 3
)

func (a MACAlgorithm) String() string {
	switch a {
	case MACAlgorithm1:
		return "ISO/IEC 9797-1 MAC algorithm 1"
	case MACAlgorithm3:
		return "ISO/IEC 9797-1 MAC algorithm 3"
	}
	return fmt.Sprintf("MACAlgorithm(%d)", uint8(a))
}

// MAC computes the full 8-byte MAC of data padded with pad. Callers that
// need fewer bytes (4-byte ARPC, 4-byte script MAC) keep the leftmost ones
// (EMV Book 2, Annex A1.2.1). Algorithm 3 needs a 16-byte key (K || K').
func MAC(alg MACAlgorithm, pad Padding, key, data []byte) ([]byte, error) {
	padded, err := Pad(pad, data)
	if err != nil {
		return nil, fmt.Errorf("compute MAC: %w", err)
	}
	switch alg {
	case MACAlgorithm1:
		b, err := newCipher("MAC key", key)
		if err != nil {
			return nil, fmt.Errorf("compute MAC: %w", err)
		}
		out := encryptCBC(b, padded)
		return out[len(out)-blockSize:], nil
	case MACAlgorithm3:
		if err := checkDoubleKey("MAC key", key); err != nil {
			return nil, fmt.Errorf("compute MAC: %w", err)
		}
		left, _ := newCipher("MAC key", key[:8])
		full, _ := newCipher("MAC key", key)
		// CBC under K for all blocks but the last; the last block's
		// E_K(D_K'(E_K(x))) is exactly two-key triple DES of x.
		var chain [blockSize]byte
		last := len(padded) - blockSize
		for i := 0; i < last; i += blockSize {
			for j := 0; j < blockSize; j++ {
				chain[j] ^= padded[i+j]
			}
			left.Encrypt(chain[:], chain[:])
		}
		for j := 0; j < blockSize; j++ {
			chain[j] ^= padded[last+j]
		}
		out := make([]byte, blockSize)
		full.Encrypt(out, chain[:])
		return out, nil
	}
	return nil, fmt.Errorf("compute MAC: unknown MAC algorithm %d", uint8(alg))
}
