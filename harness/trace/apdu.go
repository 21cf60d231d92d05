package trace

import (
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// session is what the recorder learns from earlier responses to decode
// later commands: the DOLs whose data the terminal sends back (EMV Book 3,
// 5.4). Only tags and lengths are kept, never a value.
type session struct {
	pdol, cdol1, cdol2, ddol emv.DOL
	genACs                   int // GENERATE AC commands since the last SELECT
}

// exchange is one APDU exchange being masked; only its masked renderings
// leave it.
type exchange struct {
	cmd     []byte
	resp    []byte
	sec     secrets
	cmdMask byteMask
	rspMask byteMask
}

// commandName names a command APDU from its header (EMV Book 3, 6.5;
// Book 1, 11.3 for SELECT; Book 3, 6.5.5 for GENERATE AC's P1).
func commandName(c emv.Command) string {
	sm := ""
	if c.CLA&0x0C != 0 { // ISO/IEC 7816-4, 5.4.1: b4-b3 secure messaging indication
		sm = " (secure messaging)"
	}
	var name string
	switch c.INS {
	case emv.InsSelect:
		name = selectName(c)
	case emv.InsGetProcessingOptions:
		name = "GET PROCESSING OPTIONS"
	case emv.InsReadRecord, emv.InsUpdateRecord:
		name = "READ RECORD"
		if c.INS == emv.InsUpdateRecord {
			name = "UPDATE RECORD"
		}
		// Book 3, 6.5.11.2: P1 the record number, P2 b8-b4 the SFI and
		// b3-b1 '100' (P1 is a record number).
		if c.P2&0x07 == 0x04 {
			name += fmt.Sprintf(" SFI %d record %d", c.P2>>3, c.P1)
		} else {
			name += fmt.Sprintf(" P1 %02X P2 %02X", c.P1, c.P2)
		}
	case emv.InsGenerateAC:
		name = "GENERATE AC " + genACType(c.P1)
	case emv.InsGetData, emv.InsPutData:
		// Book 3, 6.5.7.2: P1 P2 the tag of the data object.
		t := emv.Tag(uint32(c.P1)<<8 | uint32(c.P2))
		if c.P1 == 0 {
			t = emv.Tag(c.P2)
		}
		verb := "GET DATA"
		if c.INS == emv.InsPutData {
			verb = "PUT DATA"
		}
		name = verb + " " + t.String()
		if ti, ok := emv.LookupTag(t); ok {
			name += " " + ti.Name
		}
	case emv.InsVerify:
		// Book 3, 6.5.12.2, Table 24: P2 qualifies the reference data.
		switch c.P2 {
		case emv.VerifyPlaintextPIN:
			name = "VERIFY plaintext PIN"
		case emv.VerifyEncipheredPIN:
			name = "VERIFY enciphered PIN"
		default:
			name = fmt.Sprintf("VERIFY P2 %02X", c.P2)
		}
	case emv.InsInternalAuthenticate:
		name = "INTERNAL AUTHENTICATE"
	case emv.InsExternalAuthenticate:
		name = "EXTERNAL AUTHENTICATE"
	case emv.InsGetChallenge:
		name = "GET CHALLENGE"
	case emv.InsGetResponse:
		name = "GET RESPONSE"
	case emv.InsApplicationBlock:
		name = "APPLICATION BLOCK"
	case emv.InsApplicationUnblock:
		name = "APPLICATION UNBLOCK"
	case emv.InsCardBlock:
		name = "CARD BLOCK"
	case emv.InsPINChangeUnblock:
		// Book 3, 6.5.10.2: P2 '00' unblock only, '01' and '02' with a new
		// PIN.
		name = "PIN CHANGE/UNBLOCK"
	default:
		name = fmt.Sprintf("INS %02X", c.INS)
	}
	return name + sm
}

// selectName describes SELECT (Book 1, 11.3.2): by name, first or next
// occurrence.
func selectName(c emv.Command) string {
	if c.P1 != 0x04 {
		return fmt.Sprintf("SELECT P1 %02X P2 %02X", c.P1, c.P2)
	}
	s := "SELECT "
	if t := string(c.Data); len(t) > 0 && isText(t) && !strings.ContainsAny(t, "\"\\") {
		s += `"` + t + `"` // a DDF name such as "1PAY.SYS.DDF01"
	} else {
		s += fmt.Sprintf("%X", c.Data)
	}
	if c.P2&0x03 == 0x02 {
		s += " next occurrence"
	}
	return s
}

// genACType names the cryptogram a GENERATE AC asks for (Book 3, 6.5.5.2,
// Table 12): b8-b7 of P1, with b5 a CDA signature request.
func genACType(p1 byte) string {
	var s string
	switch p1 & 0xC0 {
	case emv.RefControlAAC:
		s = "AAC"
	case emv.RefControlTC:
		s = "TC"
	case emv.RefControlARQC:
		s = "ARQC"
	default:
		s = "RFU"
	}
	if p1&emv.RefControlCDA != 0 {
		s += "+CDA"
	}
	return s
}

// commandData masks the data field of c, located at off in the command
// APDU, and returns its decoding (empty when there is nothing to say). The
// DOL-related data of GPO, GENERATE AC and INTERNAL AUTHENTICATE is split
// by the DOL the card gave (Book 3, 5.4); VERIFY and PIN CHANGE/UNBLOCK
// data are PIN data and masked whole; anything else of unknown structure
// has its digit runs masked.
func (x *exchange) commandData(s *session, c emv.Command, off int) string {
	d := c.Data
	if len(d) == 0 {
		return ""
	}
	end := off + len(d)
	switch c.INS {
	case emv.InsVerify, emv.InsPINChangeUnblock:
		// Book 3, 6.5.12: the plaintext PIN block or the enciphered PIN;
		// 6.5.10: the new PIN, enciphered, in an issuer script.
		x.cmdMask.set(off, end)
		return "PIN data: " + emv.Masked
	case emv.InsGetProcessingOptions:
		// Book 3, 6.5.8.3: template '83' holding the PDOL-related data.
		if len(d) >= 2 && d[0] == 0x83 && int(d[1]) == len(d)-2 && d[1] < 0x80 {
			return x.dolData(s.pdol, "PDOL", d[2:], off+2)
		}
	case emv.InsGenerateAC:
		s.genACs++
		if s.genACs == 1 {
			return x.dolData(s.cdol1, "CDOL1", d, off)
		}
		return x.dolData(s.cdol2, "CDOL2", d, off)
	case emv.InsInternalAuthenticate:
		return x.dolData(s.ddol, "DDOL", d, off)
	case emv.InsPutData:
		t := emv.Tag(uint32(c.P1)<<8 | uint32(c.P2))
		if c.P1 == 0 {
			t = emv.Tag(c.P2)
		}
		if sensitive(0, t) {
			x.sec.addValue(t, d)
			x.cmdMask.set(off, end)
			return t.String() + ": " + emv.Masked
		}
	case emv.InsSelect:
		// Book 1, 11.3.2: a DF name (AID or DDF name) is public; digit
		// masking would hide AIDs such as A0000000031010.
		return ""
	}
	// Unknown structure (issuer script data, proprietary commands): mask
	// sensitive objects if it parses as BER-TLV, PAN-like digit runs if not.
	sub := make(byteMask, len(d))
	maskTLV(d, sub, &x.sec)
	for i, v := range sub {
		if v {
			x.cmdMask[off+i] = true
		}
	}
	return ""
}

// dolData renders DOL-related data split by dol, masking the values of
// sensitive tags; with no DOL known, or data not matching it, the data is
// treated as of unknown structure.
func (x *exchange) dolData(dol emv.DOL, name string, d []byte, off int) string {
	if dol == nil || dol.Len() != len(d) {
		sub := make(byteMask, len(d))
		maskOpaque(d, sub)
		for i, v := range sub {
			if v {
				x.cmdMask[off+i] = true
			}
		}
		if dol == nil {
			return name + " unknown: data not split"
		}
		return fmt.Sprintf("%s data: %d bytes, the %s asks for %d", name, len(d), name, dol.Len())
	}
	objs := make([]emv.TLV, 0, len(dol))
	pos := off
	for _, e := range dol {
		if e.Len < 0 {
			continue
		}
		if sensitive(0, e.Tag) {
			x.cmdMask.set(pos, pos+e.Len)
			x.sec.addValue(e.Tag, x.cmd[pos:pos+e.Len])
		}
		objs = append(objs, emv.TLV{Tag: e.Tag, Value: x.cmd[pos : pos+e.Len : pos+e.Len]})
		pos += e.Len
	}
	tree := strings.TrimRight(emv.Sprint(objs, emv.PrintOptions{}), "\n")
	return name + " data:\n  " + strings.ReplaceAll(tree, "\n", "\n  ")
}

// learn takes the DOLs out of a response to SELECT or READ RECORD: the PDOL
// from the FCI (Book 1, 11.3.4), CDOL1, CDOL2 and DDOL from the records
// (Book 3, 10.2).
func (s *session) learn(c emv.Command, objs []emv.TLV) {
	get := func(t emv.Tag) emv.DOL {
		o, ok := emv.Find(objs, t)
		if !ok {
			return nil
		}
		d, err := emv.ParseDOL(o.Value)
		if err != nil {
			return nil
		}
		return d
	}
	switch c.INS {
	case emv.InsSelect:
		*s = session{pdol: get(0x9F38)}
	case emv.InsReadRecord:
		for t, p := range map[emv.Tag]*emv.DOL{0x8C: &s.cdol1, 0x8D: &s.cdol2, 0x9F49: &s.ddol} {
			if d := get(t); d != nil {
				*p = d
			}
		}
	}
}
