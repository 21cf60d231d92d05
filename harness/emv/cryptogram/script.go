package cryptogram

import (
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

// ScriptContext is the transaction that issuer script commands are bound
// to: secure messaging MACs cover ATC and application cryptogram, and the
// session keys derive from one of them (EMV Book 2, 9.2 and 9.3).
type ScriptContext struct {
	ATC []byte // 9F36 of the transaction, 2 bytes
	AC  []byte // the application cryptogram (ARQC) of the transaction, 8 bytes
}

// Next returns the context of the following script command of the same
// issuer response where the version diversifies by command: M/Chip uses
// AC + 1 (as a 64-bit big-endian counter) for the second command, AC + 2
// for the third, both as session key diversifier and in the MAC data.
func (c ScriptContext) Next() ScriptContext {
	ac := append([]byte{}, c.AC...)
	for i := len(ac) - 1; i >= 0; i-- {
		ac[i]++
		if ac[i] != 0 {
			break
		}
	}
	return ScriptContext{ATC: c.ATC, AC: ac}
}

func (c ScriptContext) check() error {
	if err := checkLen("ATC", c.ATC, 2); err != nil {
		return err
	}
	return checkLen("application cryptogram", c.AC, 8)
}

// ScriptSessionKey derives the secure messaging session key (integrity from
// the ICC master key SMI, confidentiality from SMC) for this version.
func (v *Version) ScriptSessionKey(mk []byte, ctx ScriptContext) ([]byte, error) {
	if err := ctx.check(); err != nil {
		return nil, fmt.Errorf("derive script session key: %w", err)
	}
	if v.ScriptKey == CommonScriptKey {
		return DeriveCommonSessionKey(mk, ctx.AC)
	}
	return DeriveVisaScriptSessionKey(mk, ctx.ATC)
}

// CommandMAC computes the 8-byte secure messaging MAC of an issuer script
// command (EMV Book 2, 9.2.1.2 format 2 and 9.2.3): MAC algorithm 3 with
// padding method 2 under the SMI session key over
// CLA INS P1 P2 Lc || ATC || AC || command data. header is the 5-byte
// command header whose Lc already counts the MAC; data is the command data
// as sent (enciphered, if it is). ATC and AC are MACed, not sent.
func (v *Version) CommandMAC(mkSMI []byte, ctx ScriptContext, header, data []byte) ([]byte, error) {
	if err := checkLen("command header", header, 5); err != nil {
		return nil, fmt.Errorf("compute command MAC: %w", err)
	}
	sk, err := v.ScriptSessionKey(mkSMI, ctx)
	if err != nil {
		return nil, fmt.Errorf("compute command MAC: %w", err)
	}
	in := make([]byte, 0, 15+len(data))
	in = append(append(append(append(in, header...), ctx.ATC...), ctx.AC...), data...)
	return MAC(MACAlgorithm3, PaddingMethod2, sk, in)
}

// EncipherCommandData enciphers script command data under the SMC session
// key (EMV Book 2, 9.3.1.2 format 2 and 9.3.3) the version's way.
func (v *Version) EncipherCommandData(mkSMC []byte, ctx ScriptContext, plain []byte) ([]byte, error) {
	sk, err := v.ScriptSessionKey(mkSMC, ctx)
	if err != nil {
		return nil, fmt.Errorf("encipher command data: %w", err)
	}
	b, _ := newCipher("SMC session key", sk)
	if v.Encipherment == VisaEncipherment {
		if len(plain) > 255 {
			return nil, fmt.Errorf("encipher command data: %w", &LengthError{Name: "command data", Len: len(plain), Want: "at most 255 bytes"})
		}
		padded, _ := Pad(PaddingMethod2, append([]byte{byte(len(plain))}, plain...))
		return encryptECB(b, padded), nil
	}
	in := plain
	if len(in) == 0 || len(in)%blockSize != 0 {
		in, _ = Pad(PaddingMethod2, plain)
	}
	return encryptCBC(b, in), nil
}

// DecipherCommandData is the card side of EncipherCommandData. With Visa
// encipherment the exact plaintext comes back (its length byte is checked).
// Mastercard padding is not self-describing, so the deciphered blocks are
// returned as they are: a card knows the length it expects (8 for a PIN block).
func (v *Version) DecipherCommandData(mkSMC []byte, ctx ScriptContext, enc []byte) ([]byte, error) {
	if len(enc) == 0 || len(enc)%blockSize != 0 {
		return nil, fmt.Errorf("decipher command data: %w", &LengthError{Name: "enciphered data", Len: len(enc), Want: "a non-zero multiple of 8 bytes"})
	}
	sk, err := v.ScriptSessionKey(mkSMC, ctx)
	if err != nil {
		return nil, fmt.Errorf("decipher command data: %w", err)
	}
	b, _ := newCipher("SMC session key", sk)
	if v.Encipherment != VisaEncipherment {
		return decryptCBC(b, enc), nil
	}
	plain, err := unpadMethod2(decryptECB(b, enc))
	if err != nil || len(plain) == 0 || int(plain[0]) != len(plain)-1 {
		return nil, fmt.Errorf("decipher command data: bad length byte or padding")
	}
	return plain[1:], nil
}

// ScriptCommand builds a complete issuer script command APDU with secure
// messaging: header (CLA INS P1 P2; EMV Book 3, 6.5 wants CLA 84 for secure
// messaging), Lc, the data (enciphered under SMC when encipher is set) and
// the 8-byte MAC under SMI.
func (v *Version) ScriptCommand(keys Keys, ctx ScriptContext, header [4]byte, data []byte, encipher bool) ([]byte, error) {
	body := data
	if encipher {
		var err error
		if body, err = v.EncipherCommandData(keys.SMC, ctx, data); err != nil {
			return nil, fmt.Errorf("build script command: %w", err)
		}
	}
	if len(body)+8 > 255 {
		return nil, fmt.Errorf("build script command: %w", &LengthError{Name: "command data", Len: len(body), Want: "at most 247 bytes"})
	}
	h := append(header[:], byte(len(body)+8))
	mac, err := v.CommandMAC(keys.SMI, ctx, h, body)
	if err != nil {
		return nil, fmt.Errorf("build script command: %w", err)
	}
	out := make([]byte, 0, len(h)+len(body)+8)
	return append(append(append(out, h...), body...), mac...), nil
}

// OpenScriptCommand is the card side of ScriptCommand: it checks Lc and the
// MAC (a *MismatchError when it does not verify) and returns the header and
// the command data, deciphered when enciphered is set.
func (v *Version) OpenScriptCommand(keys Keys, ctx ScriptContext, apdu []byte, enciphered bool) ([4]byte, []byte, error) {
	var header [4]byte
	if len(apdu) < 5+8 || int(apdu[4]) != len(apdu)-5 {
		return header, nil, fmt.Errorf("open script command: %w", &LengthError{Name: "command APDU", Len: len(apdu), Want: "5 + Lc bytes with Lc >= 8"})
	}
	copy(header[:], apdu)
	body := apdu[5 : len(apdu)-8]
	got := apdu[len(apdu)-8:]
	want, err := v.CommandMAC(keys.SMI, ctx, apdu[:5], body)
	if err != nil {
		return header, nil, fmt.Errorf("open script command: %w", err)
	}
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return header, nil, &MismatchError{What: "command MAC", Got: append([]byte{}, got...), Expected: want}
	}
	if !enciphered {
		return header, append([]byte{}, body...), nil
	}
	plain, err := v.DecipherCommandData(keys.SMC, ctx, body)
	if err != nil {
		return header, nil, fmt.Errorf("open script command: %w", err)
	}
	return header, plain, nil
}

// PINChangeCommand builds the PIN CHANGE/UNBLOCK script command that sets a
// new offline PIN (EMV Book 3, 6.5.10: CLA 84, INS 24, P1 00, P2 02 without
// the current PIN, 01 with it). Visa versions encipher the VIS PIN block
// (see VisaPINBlock; currentPIN optional); Mastercard versions encipher an
// ISO 9564-1 format 2 block and take no current PIN.
func (v *Version) PINChangeCommand(keys Keys, ctx ScriptContext, newPIN, currentPIN string) ([]byte, error) {
	var block []byte
	var err error
	p2 := byte(0x02)
	if v.Scheme == "Visa" {
		if currentPIN != "" {
			p2 = 0x01
		}
		block, err = VisaPINBlock(keys.AC, newPIN, currentPIN)
	} else {
		if currentPIN != "" {
			return nil, fmt.Errorf("build PIN change: CVN %d takes no current PIN", v.Number)
		}
		block, err = ISOFormat2PINBlock(newPIN)
	}
	if err != nil {
		return nil, fmt.Errorf("build PIN change: %w", err)
	}
	return v.ScriptCommand(keys, ctx, [4]byte{0x84, 0x24, 0x00, p2}, block, true)
}

func checkPIN(name, pin string) error {
	if len(pin) < 4 || len(pin) > 12 || !decimal(pin) {
		return &InputError{Name: name, Reason: "want 4 to 12 decimal digits"}
	}
	return nil
}

// pinField is the 7-byte field: PIN digits right-padded with F to 14 nibbles.
func pinField(pin string) []byte {
	b, _ := hex.DecodeString(pin + "FFFFFFFFFFFFFF"[:14-len(pin)])
	return b
}

// VisaPINBlock builds the 8-byte VIS PIN block for PIN change: the block
// (PIN length || PIN digits || F padding) xor (00 00 00 00 || the rightmost
// 4 bytes of the left half of the ICC master key AC), and, when the current
// PIN is given, xor again with the current PIN digits right-padded with 0 to
// 16 nibbles.
func VisaPINBlock(mkAC []byte, newPIN, currentPIN string) ([]byte, error) {
	if err := checkDoubleKey("ICC master key AC", mkAC); err != nil {
		return nil, fmt.Errorf("build PIN block: %w", err)
	}
	if err := checkPIN("new PIN", newPIN); err != nil {
		return nil, fmt.Errorf("build PIN block: %w", err)
	}
	block := append([]byte{byte(len(newPIN))}, pinField(newPIN)...)
	for i := 4; i < 8; i++ {
		block[i] ^= mkAC[i]
	}
	if currentPIN != "" {
		if err := checkPIN("current PIN", currentPIN); err != nil {
			return nil, fmt.Errorf("build PIN block: %w", err)
		}
		cur, _ := hex.DecodeString(currentPIN + "0000000000000000"[:16-len(currentPIN)])
		block = xorBytes(block, cur)
	}
	return block, nil
}

// ISOFormat2PINBlock builds an ISO 9564-1 format 2 PIN block: control 2,
// PIN length, PIN digits, F padding (the offline PIN block of EMV Book 3,
// 6.5.12).
func ISOFormat2PINBlock(pin string) ([]byte, error) {
	if err := checkPIN("PIN", pin); err != nil {
		return nil, fmt.Errorf("build PIN block: %w", err)
	}
	return append([]byte{0x20 | byte(len(pin))}, pinField(pin)...), nil
}
