package card

import (
	"encoding/hex"
	"errors"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
)

// script processes an issuer script command (EMV Book 3, 6.5.1–6.5.3,
// 6.5.10 and 10.10) with secure messaging checked (Book 2, 9.2 and 9.3).
// Commands are accepted once the first GENERATE AC has returned an ARQC, so
// that both script templates (71 before, 72 after the final GENERATE AC)
// work. The n-th command of a transaction is bound to ScriptContext{ATC,
// ARQC} advanced n−1 times by Next for Mastercard versions, as M/Chip
// diversifies the session key per command.
func (c *Card) script(cmd emv.Command) ([]byte, uint16) {
	a, st, ok := c.current()
	t := &c.txn
	if !ok || t.genACs == 0 || emv.CID(t.firstCID).Type() != emv.CryptogramARQC {
		return nil, emv.SWConditionsNotSatisfied
	}
	if cmd.CLA != emv.ClaSecureMessaging {
		return nil, emv.SWSecureMessagingMissing
	}
	ctx := cryptogram.ScriptContext{ATC: u16(st.ATC), AC: t.firstAC}
	if a.version.Scheme == "Mastercard" {
		for i := 0; i < t.scripts; i++ {
			ctx = ctx.Next()
		}
	}
	t.scripts++
	st.ScriptCounter++
	raw, err := cmd.Encode()
	if err != nil {
		return c.scriptFailed(st, emv.SWWrongLength)
	}
	enciphered := cmd.INS == emv.InsPINChangeUnblock && cmd.P2 != 0x00
	_, data, err := a.version.OpenScriptCommand(a.keys, ctx, raw, enciphered)
	if err != nil {
		if errors.Is(err, cryptogram.ErrMismatch) {
			return c.scriptFailed(st, emv.SWSecureMessagingIncorrect)
		}
		return c.scriptFailed(st, emv.SWWrongLength)
	}
	switch cmd.INS {
	case emv.InsApplicationBlock:
		st.Blocked = true
	case emv.InsApplicationUnblock:
		st.Blocked = false
	case emv.InsCardBlock:
		c.blocked = true
	case emv.InsPINChangeUnblock:
		if cmd.P1 != 0 || cmd.P2 > 0x02 {
			return c.scriptFailed(st, emv.SWIncorrectP1P2)
		}
		if cmd.P2 != 0x00 {
			pin, err := a.newPIN(data, st.PIN, cmd.P2 == 0x01)
			if err != nil {
				return c.scriptFailed(st, emv.SWWrongData)
			}
			st.PIN = pin
		}
		st.PINTryCounter = st.PINTryLimit
	case emv.InsPutData:
		tag := emv.Tag(uint32(cmd.P1)<<8 | uint32(cmd.P2))
		if cmd.P1 == 0 {
			tag = emv.Tag(cmd.P2)
		}
		if len(data) == 0 {
			return c.scriptFailed(st, emv.SWWrongLength)
		}
		a.data[tag] = data
		a.put[tag] = true
	}
	return nil, emv.SWNoError
}

func (c *Card) scriptFailed(st *AppState, s uint16) ([]byte, uint16) {
	c.txn.scriptsFailed++
	st.ScriptFailed = true
	return nil, s
}

var errPINBlock = errors.New("bad PIN block")

// newPIN recovers the new PIN of a PIN CHANGE: Visa's VIS PIN block (xor
// the ICC master key AC and, with P2 01, the current PIN) or an ISO 9564-1
// format 2 block (Mastercard).
func (a *app) newPIN(data []byte, current string, withCurrent bool) (string, error) {
	if len(data) < 8 {
		return "", errPINBlock
	}
	block := append([]byte(nil), data[:8]...)
	if a.version.Scheme != "Visa" {
		return oda.ParsePINBlock(block)
	}
	if withCurrent {
		cur, err := hex.DecodeString((current + "0000000000000000")[:16])
		if err != nil {
			return "", errPINBlock
		}
		for i := range block {
			block[i] ^= cur[i]
		}
	}
	for i := 4; i < 8; i++ {
		block[i] ^= a.keys.AC[i]
	}
	if block[0] > 0x0F {
		return "", errPINBlock
	}
	block[0] |= 0x20 // the VIS block is a format 2 block without its control nibble
	return oda.ParsePINBlock(block)
}
