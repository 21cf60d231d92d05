package terminal

import (
	"context"
	"crypto/sha1"
	"errors"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

var (
	tvrZeros = emv.TVR{}
	tvrOnes  = emv.TVR{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
)

// actionCode returns an Issuer Action Code, or its Book 3, 10.7 default
// when the card has none: Denial all zeros, Online and Default all ones.
func (t *txn) actionCode(tag emv.Tag, def emv.TVR) emv.TVR {
	v, ok := t.icc[tag]
	if !ok || len(v) != 5 {
		return def
	}
	var c emv.TVR
	copy(c[:], v)
	return c
}

func matches(tvr, a, b emv.TVR) bool {
	for i := range tvr {
		if tvr[i]&(a[i]|b[i]) != 0 {
			return true
		}
	}
	return false
}

// onlineCapable reports the terminal type's second digit 1 (online only)
// or 2 (offline with online capability) (Book 4, A1, Table 24).
func (t *txn) onlineCapable() bool {
	d := byte(t.k.cfg.TerminalType) & 0x0F
	return d == 1 || d == 2 || d == 4 || d == 5
}

// terminalActionAnalysis is EMV Book 3, 10.7: denial codes first, then the
// online codes (online-capable terminal) or the default codes (offline-only
// terminal).
func (t *txn) terminalActionAnalysis() emv.CryptogramType {
	if matches(t.tvr, t.app.TACDenial, t.actionCode(tagIACDenial, tvrZeros)) {
		return emv.CryptogramAAC
	}
	if t.onlineCapable() {
		if matches(t.tvr, t.app.TACOnline, t.actionCode(tagIACOnline, tvrOnes)) {
			return emv.CryptogramARQC
		}
		return emv.CryptogramTC
	}
	if matches(t.tvr, t.app.TACDefault, t.actionCode(tagIACDefault, tvrOnes)) {
		return emv.CryptogramAAC
	}
	return emv.CryptogramTC
}

// defaultAction is the "unable to go online" analysis of Book 3, 10.7:
// the default codes decide between TC and AAC.
func (t *txn) defaultAction() emv.CryptogramType {
	if matches(t.tvr, t.app.TACDefault, t.actionCode(tagIACDefault, tvrOnes)) {
		return emv.CryptogramAAC
	}
	return emv.CryptogramTC
}

// genAC is one GENERATE AC response as the kernel keeps it.
type genAC struct {
	cid emv.CID
	atc []byte
	ac  []byte
	iad []byte
	cda bool // a CDA signature was requested
}

// generateAC sends GENERATE AC with CDOL1 or CDOL2 (Book 3, 6.5.5; 9) and
// checks the response, including a requested CDA signature (Book 2, 6.6.2).
// cdaErr reports a CDA failure (TVR already set).
func (t *txn) generateAC(ctx context.Context, want emv.CryptogramType, second bool) (g genAC, cdaErr error, err error) {
	p1 := byte(want) << 6
	// Book 2, 6.6: CDA is requested with a TC or ARQC, never with an AAC,
	// and only when no CDA failure (key retrieval) is already in the TVR.
	g.cda = t.cdaReady && want != emv.CryptogramAAC
	if g.cda {
		p1 |= emv.RefControlCDA
	}
	dolTag := tagCDOL1
	if second {
		dolTag = tagCDOL2
	}
	dol, perr := emv.ParseDOL(t.icc[dolTag])
	if perr != nil {
		return g, nil, terminate("CDOL malformed", perr)
	}
	if dol.Has(tagTCHash) {
		t.tcHash()
	}
	data := emv.BuildDOL(dol, t.lookup)
	if second {
		t.cdol2Data = data
	} else {
		t.cdol1Data = data
	}
	r, err := t.transmit(ctx, emv.GenerateAC(p1, data))
	if err != nil {
		return g, nil, err
	}
	if r.SW != emv.SWNoError {
		return g, nil, terminate("GENERATE AC refused", emv.ErrStatus{SW: r.SW})
	}
	objs, derr := emv.Decode(r.Data)
	if derr != nil || len(objs) != 1 {
		return g, nil, terminate("GENERATE AC response malformed", derr)
	}
	var sdad []byte
	switch objs[0].Tag {
	case tagRMT1:
		// Book 3, 6.5.5.4 format 1: CID, ATC, AC, optional IAD.
		v := objs[0].Value
		if len(v) < 11 {
			return g, nil, terminate("GENERATE AC response malformed", nil)
		}
		g.cid, g.atc, g.ac, g.iad = emv.CID(v[0]), clone(v[1:3]), clone(v[3:11]), clone(v[11:])
	case tagRMT2:
		c := objs[0].Children
		cid, cok := emv.Find(c, emv.TagCID)
		atc, aok := emv.Find(c, emv.TagATC)
		if !cok || !aok || len(cid.Value) != 1 || len(atc.Value) != 2 {
			return g, nil, terminate("GENERATE AC response without CID or ATC", nil)
		}
		g.cid, g.atc = emv.CID(cid.Value[0]), clone(atc.Value)
		if v, ok := emv.Find(c, emv.TagCryptogram); ok {
			g.ac = clone(v.Value)
		}
		if v, ok := emv.Find(c, emv.TagIAD); ok {
			g.iad = clone(v.Value)
		}
		if v, ok := emv.Find(c, tagSDAD); ok {
			sdad = v.Value
		}
	default:
		return g, nil, terminate("GENERATE AC response template unknown", nil)
	}
	// Book 3, 6.5.5.4 (Table 14): the card may always answer with less than
	// asked (AAC below TC below ARQC at the first GENERATE AC; AAC below TC
	// at the second) but never more; anything else ends the transaction.
	got := g.cid.Type()
	allowed := map[emv.CryptogramType][]emv.CryptogramType{
		emv.CryptogramAAC:  {emv.CryptogramAAC},
		emv.CryptogramARQC: {emv.CryptogramARQC, emv.CryptogramAAC},
		emv.CryptogramTC:   {emv.CryptogramTC, emv.CryptogramARQC, emv.CryptogramAAC},
	}[want]
	if second && want == emv.CryptogramTC {
		allowed = []emv.CryptogramType{emv.CryptogramTC, emv.CryptogramAAC}
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a == got
	}
	if !ok {
		return g, nil, terminate("GENERATE AC returned a cryptogram not allowed for the request", nil)
	}
	if g.cda && got != emv.CryptogramAAC {
		// Book 2, 6.6.2: verify the signature; the cryptogram is the one it
		// carries.
		cdaErr = t.verifyCDA(&g, objs[0], sdad, second)
		if cdaErr != nil {
			t.tvr.Set(emv.TVRCDAFailed)
		}
	} else if len(g.ac) != 8 {
		return g, nil, terminate("GENERATE AC response without cryptogram", nil)
	}
	t.icc[emv.TagCID] = []byte{byte(g.cid)}
	t.icc[emv.TagATC] = g.atc
	if g.ac != nil {
		t.icc[emv.TagCryptogram] = g.ac
	}
	if g.iad != nil {
		t.icc[emv.TagIAD] = g.iad
	}
	return g, cdaErr, nil
}

func (t *txn) verifyCDA(g *genAC, resp emv.TLV, sdad []byte, second bool) error {
	if resp.Tag != tagRMT2 || sdad == nil {
		return &oda.Error{Step: oda.StepSDAD, Check: oda.CheckMissing, Detail: "no 9F4B in GENERATE AC response"}
	}
	rd, err := oda.ResponseDataForHash(resp.Value)
	if err != nil {
		return &oda.Error{Step: oda.StepSDAD, Check: oda.CheckFormat, Detail: "GENERATE AC response", Err: err}
	}
	in := oda.CDAInput{UnpredictableNumber: t.term[emv.TagUN], CID: byte(g.cid), PDOLData: t.pdolData,
		CDOL1Data: t.cdol1Data, ResponseData: rd}
	if second {
		in.CDOL2Data = t.cdol2Data
	}
	d, err := oda.VerifyCDA(t.iccKey.Key, sdad, in)
	if err != nil {
		return err
	}
	g.ac = clone(d.AC[:])
	t.icc[tagICCDynNumber] = clone(d.DynamicNumber)
	return nil
}

// tcHash computes the TC Hash Value over the TDOL data (Book 3, 5.4; Book 3
// Annex A: tag 98). Without a card TDOL the default TDOL is used and the TVR
// says so.
func (t *txn) tcHash() {
	raw, ok := t.icc[tagTDOL]
	if !ok {
		if t.app.DefaultTDOL == nil {
			return
		}
		raw = t.app.DefaultTDOL.Encode()
		t.tvr.Set(emv.TVRDefaultTDOLUsed)
	}
	tdol, err := emv.ParseDOL(raw)
	if err != nil {
		return
	}
	sum := sha1.Sum(emv.BuildDOL(tdol, t.lookup))
	t.term[tagTCHash] = sum[:]
}

// generateAndComplete runs the first GENERATE AC, card action analysis
// (Book 3, 10.8), online processing (10.9), issuer scripts (10.10) and
// completion (10.11).
func (t *txn) generateAndComplete(ctx context.Context, want emv.CryptogramType) error {
	g, cdaErr, err := t.generateAC(ctx, want, false)
	if err != nil {
		return err
	}
	// Book 3, 10.8: "Card risk management was performed".
	t.tsi.Set(emv.TSICardRiskManagementPerformed)
	t.firstCID = g.cid
	t.finish(g)
	if cdaErr != nil && t.odaErr == nil {
		t.odaErr = cdaErr
	}
	switch g.cid.Type() {
	case emv.CryptogramAAC:
		t.result = DeclinedOffline
		return nil
	case emv.CryptogramTC:
		if cdaErr != nil {
			// Book 2, 6.6: CDA requested and then failed: declined offline.
			t.result = DeclinedOffline
			return nil
		}
		t.result = ApprovedOffline
		return nil
	}
	// ARQC.
	if cdaErr != nil {
		// Book 2, 6.6: CDA requested and then failed: the terminal declines
		// offline; it does not go online and completes with an AAC.
		t.term[tagARC] = []byte("Z1")
		g2, _, err := t.generateAC(ctx, emv.CryptogramAAC, true)
		if err != nil {
			return err
		}
		t.finish(g2)
		t.result = DeclinedOffline
		return nil
	}
	if !t.onlineCapable() {
		// Book 3, 10.8: an ARQC at an offline-only terminal is completed
		// as if unable to go online.
		return t.unableToGoOnline(ctx)
	}
	return t.online(ctx, g)
}

func (t *txn) finish(g genAC) {
	t.finalCID = g.cid
	t.finalAC = g.ac
}

// authData lists the data objects an authorisation request carries (the
// ICC data of DE 55 and the terminal data the issuer needs to check the
// ARQC; Book 4, 12.2).
var authData = []emv.Tag{
	emv.TagCryptogram, emv.TagCID, emv.TagIAD, emv.TagUN, emv.TagATC, emv.TagTVR, emv.TagTxnDate,
	emv.TagTxnType, emv.TagAmount, emv.TagAmountOther, emv.TagCurrencyCode, emv.TagAIP, emv.TagCountryCode,
	tagCVMResults, tagTermCaps, tagTermType, tagDFName, emv.TagPAN, emv.TagPANSeq, emv.TagTrack2,
	tagExpiry, tagAppVersionTerm, tagIFDSerial, tagTxnSeq, tagTxnTime, emv.TagTSI, tagTermAID,
	tagMerchantCat, tagTerminalID, tagMerchantID,
}

// online is Book 3, 10.9-10.11 after an ARQC.
func (t *txn) online(ctx context.Context, g genAC) error {
	req := AuthRequest{Data: emv.TagValues{}, PINBlock: t.pinBlock}
	for _, tag := range authData {
		if v, ok := t.lookup(tag); ok {
			req.Data[tag] = clone(v)
		}
	}
	var resp AuthResponse
	var err error
	if t.k.auth == nil {
		err = errors.New("no authorizer")
	} else {
		resp, err = t.k.auth.Authorize(ctx, req)
	}
	if ctx.Err() != nil {
		return terminate("cancelled", &transportError{ctx.Err()})
	}
	// TODO(issue 3): issuer referrals (ARC 01/02, Book 4 A6) are not
	// modelled; an Authorizer answers approved, declined or unable.
	if err != nil || resp.Decision == AuthUnableToGoOnline || (resp.Decision != AuthApproved && resp.Decision != AuthDeclined) {
		return t.unableToGoOnline(ctx)
	}
	t.wentOnline = true
	t.issuer = &resp
	t.term[tagARC] = clone(resp.ARC[:])
	if len(resp.AuthCode) > 0 {
		t.term[tagAuthCode] = clone(resp.AuthCode)
	}
	if len(resp.IssuerAuthData) > 0 {
		if t.aip.Has(emv.AIPIssuerAuthentication) {
			// Book 3, 10.9: the AIP asks for EXTERNAL AUTHENTICATE, sent
			// once; any status but 9000 sets "Issuer authentication failed".
			r, err := t.transmit(ctx, emv.ExternalAuthenticate(resp.IssuerAuthData))
			if err != nil {
				return err
			}
			t.tsi.Set(emv.TSIIssuerAuthenticationPerformed)
			if r.SW != emv.SWNoError {
				t.tvr.Set(emv.TVRIssuerAuthenticationFailed)
			}
		} else {
			// Book 3, 10.9: otherwise the Issuer Authentication Data goes to
			// the card in the second GENERATE AC when CDOL2 asks for 91.
			// TODO(issue 3): confirm whether the TSI bit is due here.
			t.term[tagIssuerAuthData] = clone(resp.IssuerAuthData)
		}
	}
	// Book 3, 10.10: scripts tagged 71 run before the final GENERATE AC.
	if err := t.scripts(ctx, tagScript1, emv.TVRScriptFailedBeforeFinalGenAC); err != nil {
		return err
	}
	want := emv.CryptogramAAC
	if resp.Decision == AuthApproved {
		want = emv.CryptogramTC
	}
	// Book 3, 10.11: the second GENERATE AC asks TC for an approval, AAC
	// for a decline.
	g2, cdaErr, err := t.generateAC(ctx, want, true)
	if err != nil {
		return err
	}
	t.finish(g2)
	if cdaErr != nil && t.odaErr == nil {
		t.odaErr = cdaErr
	}
	if g2.cid.Type() == emv.CryptogramTC && cdaErr == nil {
		t.result = ApprovedOnline
	} else {
		t.result = DeclinedOnline
	}
	// Book 3, 10.10: scripts tagged 72 run after the final GENERATE AC.
	return t.scripts(ctx, tagScript2, emv.TVRScriptFailedAfterFinalGenAC)
}

// unableToGoOnline completes with the default action codes (Book 3, 10.7
// and 10.11): ARC Y3 to approve, Z3 to decline (Book 4, A6).
func (t *txn) unableToGoOnline(ctx context.Context) error {
	t.unableOn = true
	want := t.defaultAction()
	if want == emv.CryptogramTC {
		t.term[tagARC] = []byte("Y3")
	} else {
		t.term[tagARC] = []byte("Z3")
	}
	g2, cdaErr, err := t.generateAC(ctx, want, true)
	if err != nil {
		return err
	}
	t.finish(g2)
	if cdaErr != nil && t.odaErr == nil {
		t.odaErr = cdaErr
	}
	if g2.cid.Type() == emv.CryptogramTC && cdaErr == nil {
		t.result = ApprovedOffline
	} else {
		t.result = DeclinedOffline
	}
	return nil
}

// scripts runs the issuer scripts of one template (Book 3, 10.10): the
// commands (86) in order, stopping a script at the first status word whose
// SW1 is not 90, 62 or 63. Each script adds five bytes to the Issuer Script
// Results: result and sequence number, then the Script Identifier (9F18)
// or zeros (Book 4, A5).
func (t *txn) scripts(ctx context.Context, tag emv.Tag, failBit emv.TVRBit) error {
	if t.issuer == nil || len(t.issuer.Scripts) == 0 {
		return nil
	}
	objs, err := emv.Decode(t.issuer.Scripts)
	if err != nil {
		// A script list that does not parse cannot be run at all.
		t.tvr.Set(failBit)
		return nil
	}
	for _, s := range objs {
		if s.Tag != tag {
			continue
		}
		id := make([]byte, 4)
		var cmds [][]byte
		malformed := false
		for _, c := range s.Children {
			switch c.Tag {
			case tagScriptID:
				if len(c.Value) == 4 {
					copy(id, c.Value)
				} else {
					malformed = true
				}
			case tagScriptCommand:
				cmds = append(cmds, c.Value)
			default:
				malformed = true
			}
		}
		t.tsi.Set(emv.TSIScriptProcessingPerformed)
		if malformed {
			// Book 3, 10.10: a script that is not correctly formatted is
			// not performed; it counts as failed.
			t.tvr.Set(failBit)
			t.scriptRes = append(t.scriptRes, append([]byte{0x00}, id...)...)
			continue
		}
		result := byte(0x20) // processing successful
		for i, raw := range cmds {
			if _, err := emv.ParseCommand(raw); err != nil {
				result = 0x10 | seqNibble(i)
				break
			}
			resp, err := t.card.Transmit(ctx, raw)
			ex := Exchange{Time: time.Now(), Command: clone(raw), Response: resp, Err: err}
			t.transcript = append(t.transcript, ex)
			if t.k.hook != nil {
				t.k.hook(ex)
			}
			if err != nil {
				return terminate("card communication", &transportError{err})
			}
			if len(resp) < 2 {
				result = 0x10 | seqNibble(i)
				break
			}
			if sw1 := resp[len(resp)-2]; sw1 != 0x90 && sw1 != 0x62 && sw1 != 0x63 {
				result = 0x10 | seqNibble(i)
				break
			}
		}
		if result&0xF0 == 0x10 {
			t.tvr.Set(failBit)
		}
		t.scriptRes = append(t.scriptRes, append([]byte{result}, id...)...)
	}
	return nil
}

// seqNibble is the failing command's sequence number: 1-14, F for 15 and
// above (Book 4, A5).
func seqNibble(i int) byte {
	if i+1 >= 15 {
		return 0x0F
	}
	return byte(i + 1)
}
