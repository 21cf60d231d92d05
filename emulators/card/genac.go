package card

import (
	"bytes"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

// Authorisation response codes a terminal puts in 8A when it could not go
// online (EMV Book 4, Annex A6: Y3 offline approved, Z3 offline declined).
var (
	arcUnableApprove = []byte("Y3")
	arcUnableDecline = []byte("Z3")
)

// generateAC is GENERATE AC (EMV Book 3, 6.5.5) with card risk management
// (Book 3, 10.8 and the scheme's card rules) and CDA (Book 2, 6.6).
func (c *Card) generateAC(cmd emv.Command) ([]byte, uint16) {
	a, st, ok := c.current()
	t := &c.txn
	if !ok || !t.gpoDone || t.genACs >= 2 {
		return nil, emv.SWConditionsNotSatisfied
	}
	if cmd.P2 != 0 || cmd.P1&0x2F != 0 || cmd.P1&0xC0 == 0xC0 {
		return nil, emv.SWIncorrectP1P2
	}
	requested := emv.CryptogramType(cmd.P1 >> 6)
	second := t.genACs == 1
	if second && (requested == emv.CryptogramARQC || emv.CID(t.firstCID).Type() != emv.CryptogramARQC) {
		// Book 3, 9.3: a second GENERATE AC follows an ARQC and asks TC or AAC.
		return nil, emv.SWConditionsNotSatisfied
	}
	dol := a.cdol1
	if second {
		dol = a.cdol2
	}
	if len(cmd.Data) != dol.Len() {
		return nil, emv.SWWrongLength
	}
	values, err := emv.ParseDOLData(dol, cmd.Data)
	if err != nil {
		return nil, emv.SWWrongData
	}
	var typ emv.CryptogramType
	if !second {
		typ = c.riskFirst(requested)
		t.cdol1Data, t.cdol1 = bytes.Clone(cmd.Data), values
	} else {
		if iad, ok := values[0x91]; ok && !t.extAuthDone && len(iad) > 0 && !allZero(iad) {
			_ = c.issuerAuth(iad)
		}
		typ = c.riskSecond(requested, values)
	}
	// Never upgrade what the terminal asked for (Book 3, 9.3 Table 11).
	if approval(typ) > approval(requested) {
		typ = requested
	}
	cid := byte(typ) << 6
	if !second && typ == emv.CryptogramAAC && st.PINTryCounter == 0 && st.PIN != "" {
		cid |= 0x08 | byte(emv.CIDReasonPINTryLimitExceeded) // advice, PIN try limit exceeded (Book 3, Annex A: 9F27)
	}
	tx := map[emv.Tag][]byte{}
	for k, v := range t.cdol1 {
		tx[k] = v
	}
	if second {
		for k, v := range values {
			tx[k] = v
		}
	}
	// CDA only for a TC or an ARQC (EMV Book 2, 6.6.1; Book 3, 6.5.5.4).
	cda := cmd.P1&emv.RefControlCDA != 0 && typ != emv.CryptogramAAC &&
		emv.AIP(a.aip).Has(emv.AIPCDASupported) && a.oda != nil && a.oda.ICCPrivate != nil
	cvr := c.cvr(a, st, typ, second, cda)
	iad := c.iad(a, st, cvr)
	tx[emv.TagAIP] = a.aip[:]
	tx[emv.TagATC] = u16(st.ATC)
	tx[emv.TagIAD] = iad
	ac, err := a.version.Generate(a.keys.AC, tx)
	if err != nil {
		return nil, emv.SWConditionsNotSatisfied // CDOL lacks the cryptogram data
	}
	if t.wrongAC {
		ac[0] ^= 0xFF
	}
	t.lastCVR, t.lastIAD = cvr, iad
	c.commit(st, typ, second, values)
	if !second {
		t.firstCID, t.firstAC = cid, ac
	} else {
		t.secondCID, t.secondAC = cid, ac
	}
	t.genACs++

	if cda {
		un := tx[emv.TagUN]
		if len(un) != 4 {
			return nil, emv.SWConditionsNotSatisfied
		}
		// CDA response (Book 3, 6.5.5.4 Table 13; Book 2, 6.6.1): the
		// cryptogram travels inside the signature.
		objs := []emv.TLV{{Tag: emv.TagCID, Value: []byte{cid}}, {Tag: emv.TagATC, Value: u16(st.ATC)}, {Tag: emv.TagIAD, Value: iad}}
		var cdol2Data []byte
		if second {
			cdol2Data = cmd.Data
		}
		hash := oda.TransactionDataHash(t.pdolData, t.cdol1Data, cdol2Data, emv.Encode(objs...))
		num, err := c.dynamicNumber()
		if err != nil {
			return nil, emv.SWNoPreciseDiagnosis
		}
		sdad, err := a.oda.SignCDA(num, cid, [8]byte(ac), hash, un)
		if err != nil {
			return nil, emv.SWNoPreciseDiagnosis
		}
		t.cdaDone = true
		resp := []emv.TLV{objs[0], objs[1], {Tag: 0x9F4B, Value: sdad}, objs[2]}
		return emv.TLV{Tag: 0x77, Children: resp}.Encode(), emv.SWNoError
	}
	if a.prof.ACFormat == 2 {
		return emv.TLV{Tag: 0x77, Children: []emv.TLV{
			{Tag: emv.TagCID, Value: []byte{cid}}, {Tag: emv.TagATC, Value: u16(st.ATC)},
			{Tag: emv.TagCryptogram, Value: ac}, {Tag: emv.TagIAD, Value: iad},
		}}.Encode(), emv.SWNoError
	}
	v := append([]byte{cid}, u16(st.ATC)...)
	v = append(append(v, ac...), iad...)
	return emv.TLV{Tag: 0x80, Value: v}.Encode(), emv.SWNoError
}

// riskFirst is card risk management at the first GENERATE AC: the card may
// answer less than asked (AAC < TC < ARQC in approval terms: an offline TC
// request may become an ARQC or an AAC, an ARQC an AAC), never more.
func (c *Card) riskFirst(req emv.CryptogramType) emv.CryptogramType {
	a, st, _ := c.current()
	if st.Blocked {
		return emv.CryptogramAAC
	}
	if req != emv.CryptogramTC {
		return req
	}
	switch {
	case a.prof.DeclineOffline:
		return emv.CryptogramAAC
	case a.prof.ForceOnline, st.LastOnlineATC == 0, st.LastOnlineNotCompleted, st.LastIssuerAuthFailed,
		st.PIN != "" && st.PINTryCounter == 0, c.lowerExceeded(a, st), c.upperExceeded(a, st):
		return emv.CryptogramARQC
	}
	return emv.CryptogramTC
}

// riskSecond decides the second GENERATE AC. The terminal asks TC after an
// issuer approval (or Y3 when unable to go online) and AAC otherwise.
func (c *Card) riskSecond(req emv.CryptogramType, cdol2 emv.TagValues) emv.CryptogramType {
	a, st, _ := c.current()
	arc := cdol2[0x8A]
	if bytes.Equal(arc, arcUnableApprove) || bytes.Equal(arc, arcUnableDecline) {
		c.txn.unableOnline = true
		if st.Blocked || a.prof.DeclineOffline || c.upperExceeded(a, st) {
			return emv.CryptogramAAC
		}
		return req
	}
	if st.Blocked {
		return emv.CryptogramAAC
	}
	if a.prof.IssuerAuthRequired && (!c.txn.issuerAuthPerformed || c.txn.issuerAuthFailed) {
		return emv.CryptogramAAC
	}
	return req
}

// commit updates the persistent counters after a cryptogram.
func (c *Card) commit(st *AppState, typ emv.CryptogramType, second bool, cdol2 emv.TagValues) {
	t := &c.txn
	switch {
	case !second && typ == emv.CryptogramTC:
		st.ConsecutiveOffline++
	case !second && typ == emv.CryptogramARQC:
		st.LastOnlineNotCompleted = true
	case second:
		st.LastOnlineNotCompleted = false
		if t.unableOnline {
			if typ == emv.CryptogramTC {
				st.ConsecutiveOffline++
			}
			return
		}
		st.LastIssuerAuthFailed = t.issuerAuthFailed
		if !t.issuerAuthFailed {
			st.LastOnlineATC = st.ATC
			st.ConsecutiveOffline = 0
		}
	}
}

func (c *Card) lowerExceeded(a *app, st *AppState) bool {
	l, ok := a.data[0x9F14]
	return ok && len(l) == 1 && st.ConsecutiveOffline >= int(l[0])
}

func (c *Card) upperExceeded(a *app, st *AppState) bool {
	u, ok := a.data[0x9F23]
	return ok && len(u) == 1 && st.ConsecutiveOffline >= int(u[0])
}

// cvr builds the Card Verification Results of the profile's version: VIS
// format 0/1/3 (CVN 10, 18), VIS format 2 (CVN 22) or M/Chip (CVN 16, 17).
func (c *Card) cvr(a *app, st *AppState, typ emv.CryptogramType, second, cda bool) []byte {
	t := &c.txn
	first := typ
	acBits := byte(0x80) // 2nd GENERATE AC not requested
	if second {
		first = emv.CID(t.firstCID).Type()
		acBits = byte(typ) << 6
	}
	acBits |= byte(first) << 4
	if a.version.Scheme == "Mastercard" {
		var v emv.MChipCVR
		v[0] = acBits
		if t.pinPerformed {
			v.Set(emv.MChipCVROfflinePINPerformed)
			if t.pinEnciphered {
				v.Set(emv.MChipCVROfflineEncPINPerformed)
			}
			if !t.pinFailed {
				v.Set(emv.MChipCVROfflinePINSuccessful)
			} else {
				v.Set(emv.MChipCVROfflinePINFailed)
			}
		}
		if t.ddaDone {
			v.Set(emv.MChipCVRDDAReturned)
		}
		if cda && !second {
			v.Set(emv.MChipCVRCDAFirstGenAC)
		}
		if cda && second {
			v.Set(emv.MChipCVRCDASecondGenAC)
		}
		if t.issuerAuthPerformed {
			v.Set(emv.MChipCVRIssuerAuthPerformed)
		}
		if t.issuerAuthFailed {
			v.Set(emv.MChipCVRIssuerAuthFailed)
		}
		v[2] = byte(st.ScriptCounter&0x0F)<<4 | byte(st.PINTryCounter&0x0F)
		if t.unableOnline {
			v.Set(emv.MChipCVRUnableToGoOnline)
		}
		if st.PIN != "" && st.PINTryCounter == 0 {
			v.Set(emv.MChipCVRPTLExceeded)
		}
		if c.lowerExceeded(a, st) {
			v.Set(emv.MChipCVRLowerConsecutiveExceeded)
		}
		if c.upperExceeded(a, st) {
			v.Set(emv.MChipCVRUpperConsecutiveExceeded)
		}
		if st.ScriptFailed {
			v.Set(emv.MChipCVRScriptFailed)
		}
		return v[:]
	}
	var v emv.VisaCVR
	v[0], v[1] = 0x03, acBits
	if t.issuerAuthFailed {
		v.Set(emv.VisaCVRIssuerAuthFailed)
	}
	if t.pinPerformed {
		v.Set(emv.VisaCVROfflinePINPerformed)
		if t.pinFailed {
			v.Set(emv.VisaCVROfflinePINFailed)
		}
	}
	if t.unableOnline {
		v.Set(emv.VisaCVRUnableToGoOnline)
	}
	if st.LastOnlineNotCompleted && !second {
		v.Set(emv.VisaCVRLastOnlineNotCompleted)
	}
	if st.PIN != "" && st.PINTryCounter == 0 {
		v.Set(emv.VisaCVRPINTryLimitExceeded)
	}
	if c.lowerExceeded(a, st) {
		v.Set(emv.VisaCVRVelocityExceeded)
	}
	if st.LastOnlineATC == 0 {
		v.Set(emv.VisaCVRNewCard)
	}
	if st.LastIssuerAuthFailed {
		v.Set(emv.VisaCVRLastIssuerAuthFailed)
	}
	if second && !t.unableOnline && !t.issuerAuthPerformed {
		v.Set(emv.VisaCVRIssuerAuthNotPerformed)
	}
	if st.ScriptFailed {
		v.Set(emv.VisaCVRScriptFailed)
	}
	if t.ddaDone {
		v.Set(emv.VisaCVRDDAPerformed)
	}
	v[3] |= byte(st.ScriptCounter&0x0F) << 4
	if a.version.Number == 22 {
		var v2 emv.VisaCVR2
		copy(v2[1:4], v[1:4])
		return v2[:]
	}
	return v[:]
}

// iad builds the Issuer Application Data (9F10) around the CVR:
// VIS format 0/1/3 "06 DKI CVN CVR(4)", VIS format 2 "1F CVN DKI CVR(5)
// ..." (32 bytes) or M/Chip "DKI CVN CVR(6) DAC/IDN(2) counters(8)".
func (c *Card) iad(a *app, st *AppState, cvr []byte) []byte {
	switch {
	case a.version.Scheme == "Mastercard":
		iad := []byte{a.dki, a.version.IADCVN}
		iad = append(iad, cvr...)
		if a.oda != nil {
			iad = append(iad, a.oda.DAC[:]...)
		} else {
			iad = append(iad, 0, 0)
		}
		counters := make([]byte, 8)
		counters[0] = byte(st.ConsecutiveOffline)
		return append(iad, counters...)
	case a.version.Number == 22:
		iad := make([]byte, 32)
		iad[0], iad[1], iad[2] = 0x1F, a.version.IADCVN, a.dki
		copy(iad[3:8], cvr)
		return iad
	}
	return append([]byte{0x06, a.dki, a.version.IADCVN}, cvr...)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// approval ranks cryptogram types by how much they approve: AAC < ARQC < TC
// (EMV Book 3, 9.3 Table 11).
func approval(t emv.CryptogramType) int {
	switch t {
	case emv.CryptogramTC:
		return 2
	case emv.CryptogramARQC:
		return 1
	}
	return 0
}
