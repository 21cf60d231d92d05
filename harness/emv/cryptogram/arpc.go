package cryptogram

import (
	"crypto/subtle"
	"fmt"
)

// ARPC1 computes an 8-byte ARPC by ARPC method 1 (EMV Book 2, 8.2.1):
// ARPC = DES3(key)[ARQC xor (ARC || 00 00 00 00 00 00)], one block, no
// padding, no MAC. key is the AC session key or, for Visa CVN 10 and
// Mastercard CVN 16/17, the ICC master key AC itself.
func ARPC1(key, arqc, arc []byte) ([]byte, error) {
	if err := checkDoubleKey("ARPC key", key); err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	if err := checkLen("ARQC", arqc, 8); err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	if err := checkLen("authorisation response code", arc, 2); err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	y := append([]byte{}, arqc...)
	y[0] ^= arc[0]
	y[1] ^= arc[1]
	return encryptBlock("ARPC key", key, y)
}

// ARPC2 computes a 4-byte ARPC by ARPC method 2 (EMV Book 2, 8.2.2): the
// leftmost 4 bytes of MAC algorithm 3 with padding method 2 (Book 2, Annex
// A1.2.1) over ARQC || CSU || proprietary authentication data, under the AC
// session key. pad may be empty (at most 8 bytes).
func ARPC2(key, arqc, csu, pad []byte) ([]byte, error) {
	if err := checkLen("ARQC", arqc, 8); err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	if err := checkLen("card status update", csu, 4); err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	if len(pad) > 8 {
		return nil, fmt.Errorf("compute ARPC: %w", &LengthError{Name: "proprietary authentication data", Len: len(pad), Want: "0 to 8 bytes"})
	}
	data := make([]byte, 0, 20)
	data = append(append(append(data, arqc...), csu...), pad...)
	mac, err := MAC(MACAlgorithm3, PaddingMethod2, key, data)
	if err != nil {
		return nil, fmt.Errorf("compute ARPC: %w", err)
	}
	return mac[:4], nil
}

// ARPCInput is what the issuer returns and the card checks in issuer
// authentication (EMV Book 2, 8.2): method 1 uses ARC, method 2 CSU and the
// optional proprietary authentication data PAD. ATC is needed only where the
// ARPC key is a session key (Visa CVN 18 and 22).
type ARPCInput struct {
	ARQC []byte // 9F26 of the first GENERATE AC, 8 bytes
	ATC  []byte // 9F36, 2 bytes
	ARC  []byte // authorisation response code, 2 bytes (method 1)
	CSU  []byte // card status update, 4 bytes (method 2)
	PAD  []byte // proprietary authentication data, 0 to 8 bytes (method 2)
}

// ARPC computes the ARPC of this version from the ICC master key AC.
func (v *Version) ARPC(mkAC []byte, in ARPCInput) ([]byte, error) {
	key := mkAC
	if v.ARPCWithSessionKey {
		sk, err := DeriveACSessionKey(mkAC, in.ATC)
		if err != nil {
			return nil, fmt.Errorf("compute ARPC: %w", err)
		}
		key = sk
	}
	switch v.ARPCMethod {
	case 1:
		if in.CSU != nil || in.PAD != nil {
			return nil, fmt.Errorf("compute ARPC: CVN %d uses ARPC method 1 (ARC), not a CSU", v.Number)
		}
		return ARPC1(key, in.ARQC, in.ARC)
	case 2:
		if in.ARC != nil {
			return nil, fmt.Errorf("compute ARPC: CVN %d uses ARPC method 2 (CSU), not an ARC", v.Number)
		}
		return ARPC2(key, in.ARQC, in.CSU, in.PAD)
	}
	return nil, fmt.Errorf("compute ARPC: CVN %d has no ARPC method", v.Number)
}

// VerifyARPC is the card side of issuer authentication: it recomputes the
// ARPC and returns a *MismatchError when the received one differs.
func (v *Version) VerifyARPC(mkAC []byte, in ARPCInput, arpc []byte) error {
	want, err := v.ARPC(mkAC, in)
	if err != nil {
		return fmt.Errorf("verify ARPC: %w", err)
	}
	if subtle.ConstantTimeCompare(want, arpc) != 1 {
		return &MismatchError{What: "ARPC", Got: append([]byte{}, arpc...), Expected: want}
	}
	return nil
}
