package card

import (
	"bytes"
	"errors"
	"io"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
)

// txn is the volatile state of one transaction (lost on SELECT and reset).
type txn struct {
	pse                 bool // the PSE is the current DF
	app                 int  // selected application, -1 none
	gpoDone             bool
	pdolData            []byte
	cdol1Data           []byte
	cdol1               emv.TagValues
	genACs              int
	firstCID, secondCID byte
	firstAC, secondAC   []byte
	challenge           []byte
	extAuthDone         bool
	issuerAuthPerformed bool
	issuerAuthFailed    bool
	pinPerformed        bool
	pinFailed           bool
	pinEnciphered       bool
	unableOnline        bool
	ddaDone, cdaDone    bool
	scripts             int
	scriptsFailed       int
	wrongAC             bool
	lastCVR, lastIAD    []byte
}

func (t *txn) reset() { *t = txn{app: -1} }

func (c *Card) current() (*app, *AppState, bool) {
	if c.txn.app < 0 {
		return nil, nil, false
	}
	return c.apps[c.txn.app], c.states[c.txn.app], true
}

// selectCmd is SELECT by DF name (EMV Book 1, 11.3; Book 3, 6.5.11).
func (c *Card) selectCmd(cmd emv.Command) ([]byte, uint16) {
	if cmd.P1 != 0x04 || (cmd.P2 != 0x00 && cmd.P2 != 0x02) {
		return nil, emv.SWIncorrectP1P2
	}
	if c.blocked {
		return nil, emv.SWFunctionNotSupported // card blocked (Book 1, 12.3.2 step 1)
	}
	name := cmd.Data
	if len(name) == 0 || len(name) > 16 {
		return nil, emv.SWWrongLength
	}
	prev := c.txn.app
	c.txn.reset()
	if bytes.Equal(name, pseName) {
		if !c.pse || cmd.P2 == 0x02 {
			return nil, emv.SWFileNotFound
		}
		c.txn.pse = true
		return emv.TLV{Tag: 0x6F, Children: []emv.TLV{
			{Tag: 0x84, Value: pseName},
			{Tag: 0xA5, Children: []emv.TLV{{Tag: 0x88, Value: []byte{directorySFI}}, {Tag: 0x5F2D, Value: []byte("en")}}},
		}}.Encode(), emv.SWNoError
	}
	// Partial name selection and next occurrence (Book 1, 11.3.5 and
	// 12.3.3): P2 02 returns the next application whose AID begins with the
	// name, after the one currently selected.
	start := 0
	if cmd.P2 == 0x02 && prev >= 0 && bytes.HasPrefix(c.apps[prev].aid, name) {
		start = prev + 1
	}
	for i := start; i < len(c.apps); i++ {
		a := c.apps[i]
		if !bytes.HasPrefix(a.aid, name) {
			continue
		}
		c.txn.app = i
		if c.states[i].Blocked {
			return bytes.Clone(a.fci), emv.SWSelectedFileInvalidated // Book 1, 12.3.3
		}
		return bytes.Clone(a.fci), emv.SWNoError
	}
	return nil, emv.SWFileNotFound
}

// readRecord is READ RECORD (EMV Book 3, 6.5.11).
func (c *Card) readRecord(cmd emv.Command) ([]byte, uint16) {
	if cmd.P2&0x07 != 0x04 || cmd.P1 == 0 {
		return nil, emv.SWIncorrectP1P2
	}
	sfi := cmd.P2 >> 3
	if c.txn.pse {
		if sfi != directorySFI {
			return nil, emv.SWFileNotFound
		}
		if int(cmd.P1) > len(c.apps) {
			return nil, emv.SWRecordNotFound
		}
		return c.directoryRecord(c.apps[cmd.P1-1]), emv.SWNoError
	}
	a, _, ok := c.current()
	if !ok {
		return nil, emv.SWConditionsNotSatisfied
	}
	if _, ok := a.records[[2]byte{sfi, 1}]; !ok {
		return nil, emv.SWFileNotFound
	}
	r, ok := a.records[[2]byte{sfi, cmd.P1}]
	if !ok {
		return nil, emv.SWRecordNotFound
	}
	return bytes.Clone(r), emv.SWNoError
}

// directoryRecord is one PSE directory record with one entry (Book 1,
// 12.2.3 Table 47).
func (c *Card) directoryRecord(a *app) []byte {
	e := []emv.TLV{{Tag: 0x4F, Value: a.aid}}
	if a.prof.Label != "" {
		e = append(e, emv.TLV{Tag: 0x50, Value: []byte(a.prof.Label)})
	}
	if a.prof.PreferredName != "" {
		e = append(e, emv.TLV{Tag: 0x9F12, Value: []byte(a.prof.PreferredName)})
	}
	if a.prof.Priority > 0 {
		e = append(e, emv.TLV{Tag: 0x87, Value: []byte{byte(a.prof.Priority)}})
	}
	return emv.TLV{Tag: 0x70, Children: []emv.TLV{{Tag: 0x61, Children: e}}}.Encode()
}

// gpo is GET PROCESSING OPTIONS (EMV Book 3, 6.5.8 and 10.1).
func (c *Card) gpo(cmd emv.Command) ([]byte, uint16) {
	a, st, ok := c.current()
	if !ok || c.txn.gpoDone || st.Blocked || st.ATC == 0xFFFF {
		return nil, emv.SWConditionsNotSatisfied
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, emv.SWIncorrectP1P2
	}
	objs, err := emv.Decode(cmd.Data)
	if err != nil || len(objs) != 1 || objs[0].Tag != 0x83 {
		return nil, emv.SWWrongData
	}
	if len(objs[0].Value) != a.pdol.Len() {
		return nil, emv.SWWrongLength
	}
	c.txn.gpoDone = true
	c.txn.pdolData = bytes.Clone(objs[0].Value)
	st.ATC++ // the ATC counts every GPO (EMV Book 3, Annex A: 9F36)
	if a.prof.GPOFormat == 2 {
		return emv.TLV{Tag: 0x77, Children: []emv.TLV{
			{Tag: emv.TagAIP, Value: a.aip[:]}, {Tag: emv.TagAFL, Value: a.afl},
		}}.Encode(), emv.SWNoError
	}
	return emv.TLV{Tag: 0x80, Value: append(a.aip[:2:2], a.afl...)}.Encode(), emv.SWNoError
}

// getData is GET DATA (EMV Book 3, 6.5.7).
func (c *Card) getData(cmd emv.Command) ([]byte, uint16) {
	a, st, ok := c.current()
	if !ok {
		return nil, emv.SWConditionsNotSatisfied
	}
	tag := emv.Tag(uint32(cmd.P1)<<8 | uint32(cmd.P2))
	if cmd.P1 == 0 {
		tag = emv.Tag(cmd.P2)
	}
	var v []byte
	switch tag {
	case emv.TagATC:
		v = u16(st.ATC)
	case 0x9F13:
		v = u16(st.LastOnlineATC)
	case 0x9F17:
		v = []byte{byte(st.PINTryCounter)}
	default:
		// Only data objects a card makes retrievable by GET DATA (Book 3,
		// 6.5.7: ATC, last online ATC, PIN try counter, log format) and
		// the ones an issuer wrote by PUT DATA.
		if !getDataTags[tag] && !a.put[tag] {
			return nil, emv.SWReferencedDataNotFound
		}
		if v, ok = a.data[tag]; !ok {
			return nil, emv.SWReferencedDataNotFound
		}
	}
	return emv.TLV{Tag: tag, Value: v}.Encode(), emv.SWNoError
}

// getChallenge is GET CHALLENGE (EMV Book 3, 6.5.6): an 8-byte number the
// next enciphered VERIFY must carry back.
func (c *Card) getChallenge(cmd emv.Command) ([]byte, uint16) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, emv.SWIncorrectP1P2
	}
	ch := make([]byte, oda.ChallengeLen)
	if _, err := io.ReadFull(c.rand, ch); err != nil {
		return nil, emv.SWNoPreciseDiagnosis
	}
	c.txn.challenge = ch
	return bytes.Clone(ch), emv.SWNoError
}

// verify is VERIFY (EMV Book 3, 6.5.12): plaintext (P2 80) or enciphered
// (P2 88) offline PIN against the PIN try counter.
func (c *Card) verify(cmd emv.Command) ([]byte, uint16) {
	a, st, ok := c.current()
	if !ok || !c.txn.gpoDone {
		return nil, emv.SWConditionsNotSatisfied
	}
	if cmd.P1 != 0 || (cmd.P2 != emv.VerifyPlaintextPIN && cmd.P2 != emv.VerifyEncipheredPIN) {
		return nil, emv.SWIncorrectP1P2
	}
	if st.PIN == "" {
		return nil, emv.SWReferencedDataNotFound
	}
	if st.PINTryCounter == 0 {
		// Book 3, 6.5.12.4: PIN try limit exceeded.
		return nil, emv.SWAuthMethodBlocked
	}
	if len(cmd.Data) == 0 { // ISO/IEC 7816-4: the remaining tries, nothing verified
		return nil, 0x63C0 | uint16(st.PINTryCounter&0x0F)
	}
	var block []byte
	if cmd.P2 == emv.VerifyPlaintextPIN {
		block = cmd.Data
	} else {
		key := a.pinKey()
		if key == nil {
			return nil, emv.SWReferencedDataNotFound
		}
		ch := c.txn.challenge
		c.txn.challenge = nil // a challenge serves one VERIFY (Book 2, 7.2)
		if ch == nil {
			return nil, emv.SWConditionsNotSatisfied
		}
		var err error
		if block, err = oda.DecipherPIN(key, cmd.Data, ch); err != nil {
			return nil, emv.SWWrongData
		}
		c.txn.pinEnciphered = true
	}
	pin, err := oda.ParsePINBlock(block)
	if err != nil {
		return nil, emv.SWWrongData
	}
	c.txn.pinPerformed = true
	if pin != st.PIN {
		st.PINTryCounter--
		c.txn.pinFailed = true
		return nil, 0x63C0 | uint16(st.PINTryCounter&0x0F)
	}
	st.PINTryCounter = st.PINTryLimit
	c.txn.pinFailed = false
	return nil, emv.SWNoError
}

func (a *app) pinKey() *oda.PrivateKey {
	if a.oda == nil {
		return nil
	}
	if a.oda.PINPrivate != nil {
		return a.oda.PINPrivate
	}
	return a.oda.ICCPrivate
}

// internalAuth is INTERNAL AUTHENTICATE for DDA (EMV Book 3, 6.5.9; Book 2,
// 6.5.1).
func (c *Card) internalAuth(cmd emv.Command) ([]byte, uint16) {
	a, _, ok := c.current()
	if !ok || !c.txn.gpoDone {
		return nil, emv.SWConditionsNotSatisfied
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, emv.SWIncorrectP1P2
	}
	if a.oda == nil || a.oda.ICCPrivate == nil {
		return nil, emv.SWFunctionNotSupported
	}
	if len(cmd.Data) == 0 {
		return nil, emv.SWWrongLength
	}
	num, err := c.dynamicNumber()
	if err != nil {
		return nil, emv.SWNoPreciseDiagnosis
	}
	sdad, err := a.oda.SignDDA(num, cmd.Data)
	if err != nil {
		return nil, emv.SWWrongLength // DDOL data too long for the key
	}
	c.txn.ddaDone = true
	if a.prof.ACFormat == 2 {
		return emv.TLV{Tag: 0x77, Children: []emv.TLV{{Tag: 0x9F4B, Value: sdad}}}.Encode(), emv.SWNoError
	}
	return emv.TLV{Tag: 0x80, Value: sdad}.Encode(), emv.SWNoError
}

// dynamicNumber is a fresh 8-byte ICC dynamic number (Book 2, 6.5.1 Table 18).
func (c *Card) dynamicNumber() ([]byte, error) {
	n := make([]byte, 8)
	_, err := io.ReadFull(c.rand, n)
	return n, err
}

// externalAuth is EXTERNAL AUTHENTICATE (EMV Book 3, 6.5.4): the ARPC of
// the issuer authentication data (tag 91) against the ARQC of the first
// GENERATE AC.
func (c *Card) externalAuth(cmd emv.Command) ([]byte, uint16) {
	_, _, ok := c.current()
	if !ok || c.txn.genACs != 1 || c.txn.extAuthDone || emv.CID(c.txn.firstCID).Type() != emv.CryptogramARQC {
		return nil, emv.SWConditionsNotSatisfied
	}
	if len(cmd.Data) < 8 || len(cmd.Data) > 16 {
		return nil, emv.SWWrongLength
	}
	c.txn.extAuthDone = true
	if err := c.issuerAuth(cmd.Data); err != nil {
		return nil, emv.SWAuthenticationFailed
	}
	return nil, emv.SWNoError
}

var errIssuerAuth = errors.New("issuer authentication failed")

// issuerAuth checks issuer authentication data (tag 91) by the version's
// ARPC method: ARPC (8) || ARC (2) for method 1, ARPC (4) || CSU (4) ||
// proprietary data for method 2 (EMV Book 2, 8.2).
func (c *Card) issuerAuth(iad []byte) error {
	a, st, _ := c.current()
	c.txn.issuerAuthPerformed = true
	in := cryptogram.ARPCInput{ARQC: c.txn.firstAC, ATC: u16(st.ATC)}
	var arpc []byte
	switch {
	case a.version.ARPCMethod == 1 && len(iad) == 10:
		arpc, in.ARC = iad[:8], iad[8:]
	case a.version.ARPCMethod == 2 && len(iad) >= 8:
		arpc, in.CSU, in.PAD = iad[:4], iad[4:8], iad[8:]
	default:
		c.txn.issuerAuthFailed = true
		return errIssuerAuth
	}
	if err := a.version.VerifyARPC(a.keys.AC, in, arpc); err != nil {
		c.txn.issuerAuthFailed = true
		return err
	}
	c.txn.issuerAuthFailed = false
	return nil
}

// getDataTags are the data objects GET DATA returns besides the counters.
var getDataTags = map[emv.Tag]bool{0x9F14: true, 0x9F23: true, 0x9F4F: true, 0x9F42: true}

func u16(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
