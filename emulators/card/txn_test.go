package card

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
)

func TestProfilesPersonalise(t *testing.T) {
	names, err := Profiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c, p := openCard(t, name)
			if p.Name != name {
				t.Errorf("profile name %q, file %q", p.Name, name)
			}
			for _, a := range p.Apps {
				if !bytes.HasPrefix(mustHex(a.AID), []byte{0xF0, 'T', 'E', 'S', 'T'}) {
					t.Errorf("AID %s does not carry the test RID F054455354", a.AID)
				}
			}
			if len(c.ATR()) < 2 {
				t.Error("no ATR")
			}
		})
	}
	if len(names) < 4 {
		t.Fatalf("%d profiles, want at least 4", len(names))
	}
}

// TestOnlineCDATransaction runs SELECT → GPO → READ RECORD → GENERATE AC
// ARQC with CDA → EXTERNAL AUTHENTICATE → GENERATE AC TC with CDA, checking
// every card output with the issuer's and the terminal's crypto.
func TestOnlineCDATransaction(t *testing.T) {
	c, p := openCard(t, "visa-cda-online")
	prof := p.Apps[0]
	tt := newTerm(t, c, prof)

	// PSE first (EMV Book 1, 12.3.2).
	fci := tt.must(emv.SelectByName([]byte("1PAY.SYS.DDF01"), false), "SELECT PSE")
	objs, _ := emv.Decode(fci)
	sfi, ok := emv.Find(objs, 0x88)
	if !ok || sfi.Value[0] != 1 {
		t.Fatalf("PSE FCI without SFI 88: % X", fci)
	}
	rc, _ := emv.ReadRecord(1, 1)
	dir := tt.must(rc, "READ directory")
	dobjs, _ := emv.Decode(dir)
	if aid, _ := emv.Find(dobjs, 0x4F); !bytes.Equal(aid.Value, mustHex(prof.AID)) {
		t.Fatalf("directory AID % X", aid.Value)
	}
	rc, _ = emv.ReadRecord(1, 2)
	if _, sw := tt.cmd(rc); sw != emv.SWRecordNotFound {
		t.Fatalf("second directory record: SW %04X, want 6A83", sw)
	}

	tt.start()
	tt.recoverKeys()
	if tt.iccKey == nil || tt.pinKey == nil {
		t.Fatal("ICC or PIN encipherment key missing")
	}

	// Offline enciphered PIN (Book 2, 7.2).
	ch := tt.must(emv.GetChallenge(), "GET CHALLENGE")
	blk, _ := oda.PINBlock("1234")
	enc, err := oda.EncipherPIN(*tt.pinKey, blk, ch, bytes.NewReader(make([]byte, 512)))
	if err != nil {
		t.Fatal(err)
	}
	tt.must(emv.Verify(emv.VerifyEncipheredPIN, enc), "VERIFY enciphered")

	// First GENERATE AC: ARQC with CDA.
	res, cdol1, sw := tt.genAC(emv.RefControlARQC|emv.RefControlCDA, 0x8C)
	if sw != emv.SWNoError {
		t.Fatalf("GENERATE AC: SW %04X", sw)
	}
	if emv.CID(res.cid).Type() != emv.CryptogramARQC || res.sdad == nil || res.ac != nil {
		t.Fatalf("want ARQC with SDAD and no clear AC, got CID %02X", res.cid)
	}
	tmpl, _ := emv.Decode(res.raw)
	respData, err := oda.ResponseDataForHash(tmpl[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	cda, err := oda.VerifyCDA(*tt.iccKey, res.sdad, oda.CDAInput{
		UnpredictableNumber: tt.values[emv.TagUN], CID: res.cid,
		PDOLData: tt.pdolData, CDOL1Data: cdol1, ResponseData: respData,
	})
	if err != nil {
		t.Fatalf("VerifyCDA: %v", err)
	}
	arqc := cda.AC[:]
	v, keys := issuerKeys(t, prof)
	if err := v.VerifyARQC(keys.AC, tt.txData(res), arqc); err != nil {
		t.Fatalf("issuer VerifyARQC: %v", err)
	}
	cvr, _ := emv.ParseVisaCVR(res.iad[3:7])
	if cvr.FirstAC() != emv.CryptogramARQC || !cvr.Has(emv.VisaCVROfflinePINPerformed) || cvr.Has(emv.VisaCVROfflinePINFailed) {
		t.Errorf("CVR %s", cvr)
	}

	// Issuer authentication (ARPC method 2 for CVN 18).
	csu := mustHex("00000000")
	arpc, err := v.ARPC(keys.AC, cryptogram.ARPCInput{ARQC: arqc, ATC: res.atc, CSU: csu})
	if err != nil {
		t.Fatal(err)
	}
	tt.must(emv.ExternalAuthenticate(append(arpc, csu...)), "EXTERNAL AUTHENTICATE")

	// Issuer script before the final GENERATE AC: PUT DATA 9F14 = 02.
	ctx := cryptogram.ScriptContext{ATC: res.atc, AC: arqc}
	put, err := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0xDA, 0x9F, 0x14}, []byte{0x02}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, sw := tt.tx(put); sw != emv.SWNoError {
		t.Fatalf("PUT DATA script: SW %04X", sw)
	}

	// Second GENERATE AC: TC with CDA.
	tt.values[emv.TagUN] = mustHex("55667788")
	res2, cdol2, sw := tt.genAC(emv.RefControlTC|emv.RefControlCDA, 0x8D)
	if sw != emv.SWNoError || emv.CID(res2.cid).Type() != emv.CryptogramTC {
		t.Fatalf("2nd GENERATE AC: SW %04X CID %02X", sw, res2.cid)
	}
	tmpl, _ = emv.Decode(res2.raw)
	respData, _ = oda.ResponseDataForHash(tmpl[0].Value)
	cda2, err := oda.VerifyCDA(*tt.iccKey, res2.sdad, oda.CDAInput{
		UnpredictableNumber: tt.values[emv.TagUN], CID: res2.cid,
		PDOLData: tt.pdolData, CDOL1Data: cdol1, CDOL2Data: cdol2, ResponseData: respData,
	})
	if err != nil {
		t.Fatalf("VerifyCDA (2nd): %v", err)
	}
	if err := v.VerifyARQC(keys.AC, tt.txData(res2), cda2.AC[:]); err != nil {
		t.Fatalf("issuer check of the TC: %v", err)
	}

	s := c.Snapshot()
	st := s.Apps[0]
	if st.ATC != 11 || st.LastOnlineATC != 11 || st.ConsecutiveOffline != 0 || st.ScriptCounter != 1 || st.PINTryCounter != 3 {
		t.Errorf("state after online approval: %+v", st)
	}
	if !s.IssuerAuthPerformed || s.IssuerAuthFailed || !s.CDAPerformed || s.GenerateACs != 2 {
		t.Errorf("snapshot: %+v", s)
	}
	gd, _ := emv.GetData(0x9F14)
	if d := tt.must(gd, "GET DATA 9F14"); !bytes.Equal(d, mustHex("9F140102")) {
		t.Errorf("GET DATA 9F14 after PUT DATA: % X", d)
	}
}

// TestOfflineSDATransaction approves offline with SDA and a plaintext PIN.
func TestOfflineSDATransaction(t *testing.T) {
	c, p := openCard(t, "visa-sda-offline")
	prof := p.Apps[0]
	tt := newTerm(t, c, prof)
	tt.start()
	iss := tt.recoverKeys()
	if _, err := oda.VerifySSAD(iss.Key, tt.tags[0x93], tt.static); err != nil {
		t.Fatalf("VerifySSAD: %v", err)
	}
	blk, _ := oda.PINBlock("1234")
	tt.must(emv.Verify(emv.VerifyPlaintextPIN, blk), "VERIFY")
	res, _, sw := tt.genAC(emv.RefControlTC, 0x8C)
	if sw != emv.SWNoError || emv.CID(res.cid).Type() != emv.CryptogramTC {
		t.Fatalf("offline TC: SW %04X CID %02X", sw, res.cid)
	}
	v, keys := issuerKeys(t, prof)
	if err := v.VerifyARQC(keys.AC, tt.txData(res), res.ac); err != nil {
		t.Fatalf("issuer check of the TC: %v", err)
	}
	if st := c.Snapshot().Apps[0]; st.ConsecutiveOffline != 1 || st.ATC != 21 {
		t.Errorf("state: %+v", st)
	}
}

// TestDDAOnlineWithIssuerAuthInCDOL2 is the M/Chip path: INTERNAL
// AUTHENTICATE, ARQC, ARPC method 1 in tag 91 of the second GENERATE AC.
func TestDDAOnlineWithIssuerAuthInCDOL2(t *testing.T) {
	c, p := openCard(t, "mc-dda")
	prof := p.Apps[0]
	tt := newTerm(t, c, prof)
	tt.start()
	tt.recoverKeys()
	ddol := tt.values[emv.TagUN]
	r := tt.must(emv.InternalAuthenticate(ddol), "INTERNAL AUTHENTICATE")
	objs, _ := emv.Decode(r)
	sdad, _ := emv.Find(objs, 0x9F4B)
	if _, err := oda.VerifySDAD(*tt.iccKey, sdad.Value, ddol); err != nil {
		t.Fatalf("VerifySDAD: %v", err)
	}
	res, _, sw := tt.genAC(emv.RefControlARQC, 0x8C)
	if sw != emv.SWNoError || emv.CID(res.cid).Type() != emv.CryptogramARQC {
		t.Fatalf("ARQC: SW %04X", sw)
	}
	v, keys := issuerKeys(t, prof)
	if err := v.VerifyARQC(keys.AC, tt.txData(res), res.ac); err != nil {
		t.Fatalf("VerifyARQC: %v", err)
	}
	cvr, _ := emv.ParseMChipCVR(res.iad[2:8])
	if !cvr.Has(emv.MChipCVRDDAReturned) {
		t.Errorf("CVR %s", cvr)
	}
	arc := []byte("00")
	arpc, err := v.ARPC(keys.AC, cryptogram.ARPCInput{ARQC: res.ac, ATC: res.atc, ARC: arc})
	if err != nil {
		t.Fatal(err)
	}
	tt.values[0x91] = append(arpc, arc...)
	res2, _, sw := tt.genAC(emv.RefControlTC, 0x8D)
	if sw != emv.SWNoError || emv.CID(res2.cid).Type() != emv.CryptogramTC {
		t.Fatalf("2nd GENERATE AC: SW %04X CID %02X", sw, res2.cid)
	}
	m := tt.txData(res2)
	if err := v.VerifyARQC(keys.AC, m, res2.ac); err != nil {
		t.Fatalf("issuer check of the TC: %v", err)
	}
	if s := c.Snapshot(); !s.IssuerAuthPerformed || s.IssuerAuthFailed {
		t.Errorf("issuer auth: %+v", s)
	}

	// A wrong ARPC: the card records the failure; the next TC request goes online.
	c.Reset()
	tt = newTerm(t, c, prof)
	tt.start()
	res, _, _ = tt.genAC(emv.RefControlARQC, 0x8C)
	tt.values[0x91] = append(make([]byte, 8), arc...)
	tt.values[0x91][0] = 1
	res2, _, _ = tt.genAC(emv.RefControlTC, 0x8D)
	cvr, _ = emv.ParseMChipCVR(res2.iad[2:8])
	if s := c.Snapshot(); !s.IssuerAuthFailed || !cvr.Has(emv.MChipCVRIssuerAuthFailed) {
		t.Errorf("failed issuer auth not recorded: CVR %s", cvr)
	}
	c.Reset()
	tt = newTerm(t, c, prof)
	tt.start()
	if res, _, _ = tt.genAC(emv.RefControlTC, 0x8C); emv.CID(res.cid).Type() != emv.CryptogramARQC {
		t.Errorf("after a failed issuer authentication a TC request gave CID %02X, want ARQC", res.cid)
	}
}

func TestExternalAuthenticateFailure(t *testing.T) {
	c, p := openCard(t, "visa-cda-online")
	tt := newTerm(t, c, p.Apps[0])
	tt.start()
	if _, sw := tt.cmd(emv.ExternalAuthenticate(make([]byte, 8))); sw != emv.SWConditionsNotSatisfied {
		t.Errorf("EXTERNAL AUTHENTICATE before GENERATE AC: SW %04X, want 6985", sw)
	}
	tt.genAC(emv.RefControlARQC, 0x8C)
	if _, sw := tt.cmd(emv.ExternalAuthenticate(make([]byte, 8))); sw != emv.SWAuthenticationFailed {
		t.Errorf("bad ARPC: SW %04X, want 6300", sw)
	}
	if _, sw := tt.cmd(emv.ExternalAuthenticate(make([]byte, 8))); sw != emv.SWConditionsNotSatisfied {
		t.Errorf("second EXTERNAL AUTHENTICATE: SW %04X, want 6985", sw)
	}
	res, _, _ := tt.genAC(emv.RefControlTC, 0x8D)
	cvr, _ := emv.ParseVisaCVR(res.iad[3:7])
	if !cvr.Has(emv.VisaCVRIssuerAuthFailed) {
		t.Errorf("CVR %s lacks issuer authentication failed", cvr)
	}
}

func TestScripts(t *testing.T) {
	c, p := openCard(t, "visa-cda-online")
	prof := p.Apps[0]
	v, keys := issuerKeys(t, prof)
	tt := newTerm(t, c, prof)
	tt.start()
	// Script before any ARQC: refused.
	if _, sw := tt.tx(mustHex("841E000008" + "0000000000000000")); sw != emv.SWConditionsNotSatisfied {
		t.Errorf("script before ARQC: SW %04X", sw)
	}
	res, _, _ := tt.genAC(emv.RefControlARQC, 0x8C)
	tmpl, _ := emv.Decode(res.raw)
	_ = tmpl
	// ARQC under CDA is inside the SDAD; this request had no CDA.
	ctx := cryptogram.ScriptContext{ATC: res.atc, AC: res.ac}

	// Bad MAC → 6988 and the script failure is counted.
	bad, _ := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0x1E, 0, 0}, nil, false)
	bad[len(bad)-1] ^= 1
	if _, sw := tt.tx(bad); sw != emv.SWSecureMessagingIncorrect {
		t.Errorf("bad MAC: SW %04X, want 6988", sw)
	}
	// PIN change to 9876 (VIS PIN block with the current PIN).
	pc, err := v.PINChangeCommand(keys, ctx, "9876", "1234")
	if err != nil {
		t.Fatal(err)
	}
	if _, sw := tt.tx(pc); sw != emv.SWNoError {
		t.Errorf("PIN change: SW %04X", sw)
	}
	// APPLICATION BLOCK.
	blk, _ := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0x1E, 0, 0}, nil, false)
	if _, sw := tt.tx(blk); sw != emv.SWNoError {
		t.Errorf("APPLICATION BLOCK: SW %04X", sw)
	}
	res2, _, _ := tt.genAC(emv.RefControlTC, 0x8D)
	if emv.CID(res2.cid).Type() != emv.CryptogramAAC {
		t.Errorf("blocked application answered CID %02X, want AAC", res2.cid)
	}
	s := c.Snapshot()
	if !s.Apps[0].Blocked || s.Apps[0].PIN != "9876" || s.ScriptCommands != 3 || s.ScriptCommandsFailed != 1 || !s.Apps[0].ScriptFailed {
		t.Errorf("snapshot: %+v", s)
	}
	if _, sw := tt.cmd(emv.SelectByName(mustHex(prof.AID), false)); sw != emv.SWSelectedFileInvalidated {
		t.Errorf("SELECT blocked application: SW %04X, want 6283", sw)
	}

	// Unblock, then CARD BLOCK.
	c.Reset()
	c.states[0].Blocked = false
	tt = newTerm(t, c, prof)
	tt.start()
	res, _, _ = tt.genAC(emv.RefControlARQC, 0x8C)
	ctx = cryptogram.ScriptContext{ATC: res.atc, AC: res.ac}
	cb, _ := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0x16, 0, 0}, nil, false)
	if _, sw := tt.tx(cb); sw != emv.SWNoError {
		t.Errorf("CARD BLOCK: SW %04X", sw)
	}
	if _, sw := tt.cmd(emv.SelectByName(mustHex(prof.AID), false)); sw != emv.SWFunctionNotSupported {
		t.Errorf("SELECT on a blocked card: SW %04X, want 6A81", sw)
	}
}

func TestMastercardScriptPINChange(t *testing.T) {
	c, p := openCard(t, "mc-dda")
	prof := p.Apps[0]
	v, keys := issuerKeys(t, prof)
	tt := newTerm(t, c, prof)
	tt.start()
	res, _, _ := tt.genAC(emv.RefControlARQC, 0x8C)
	ctx := cryptogram.ScriptContext{ATC: res.atc, AC: res.ac}
	put, _ := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0xDA, 0x9F, 0x23}, []byte{0x09}, false)
	if _, sw := tt.tx(put); sw != emv.SWNoError {
		t.Fatalf("PUT DATA: SW %04X", sw)
	}
	pc, err := v.PINChangeCommand(keys, ctx.Next(), "5555", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, sw := tt.tx(pc); sw != emv.SWNoError {
		t.Fatalf("PIN change (second command, AC+1): SW %04X", sw)
	}
	if st := c.Snapshot().Apps[0]; st.PIN != "5555" {
		t.Errorf("PIN not changed")
	}
	un, _ := v.ScriptCommand(keys, ctx.Next().Next(), [4]byte{0x84, 0x24, 0, 0}, nil, false)
	if _, sw := tt.tx(un); sw != emv.SWNoError {
		t.Fatalf("PIN unblock: SW %04X", sw)
	}
}

func TestCardRiskManagement(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*AppProfile)
		req     byte
		want    emv.CryptogramType
		cvrBits []emv.CVRBit
	}{
		{"offline TC", nil, emv.RefControlTC, emv.CryptogramTC, nil},
		{"AAC asked", nil, emv.RefControlAAC, emv.CryptogramAAC, nil},
		{"ARQC asked", nil, emv.RefControlARQC, emv.CryptogramARQC, nil},
		{"new card", func(a *AppProfile) { a.LastOnlineATC = 0 }, emv.RefControlTC, emv.CryptogramARQC, []emv.CVRBit{emv.VisaCVRNewCard}},
		{"lower limit", func(a *AppProfile) { a.ConsecutiveOffline = 5 }, emv.RefControlTC, emv.CryptogramARQC, []emv.CVRBit{emv.VisaCVRVelocityExceeded}},
		{"decline offline", func(a *AppProfile) { a.DeclineOffline = true }, emv.RefControlTC, emv.CryptogramAAC, nil},
		{"force online", func(a *AppProfile) { a.ForceOnline = true }, emv.RefControlTC, emv.CryptogramARQC, nil},
		{"never upgrade AAC", func(a *AppProfile) { a.ForceOnline = true }, emv.RefControlAAC, emv.CryptogramAAC, nil},
		{"PIN try limit exceeded", func(a *AppProfile) { z := 0; a.PINTries = &z }, emv.RefControlTC, emv.CryptogramARQC, []emv.CVRBit{emv.VisaCVRPINTryLimitExceeded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := LoadProfile("visa-sda-offline")
			if tc.edit != nil {
				tc.edit(&p.Apps[0])
			}
			c, err := New(p, WithSeed(2))
			if err != nil {
				t.Fatal(err)
			}
			tt := newTerm(t, c, p.Apps[0])
			tt.start()
			res, _, sw := tt.genAC(tc.req, 0x8C)
			if sw != emv.SWNoError {
				t.Fatalf("SW %04X", sw)
			}
			if got := emv.CID(res.cid).Type(); got != tc.want {
				t.Errorf("CID type %s, want %s", got, tc.want)
			}
			cvr, _ := emv.ParseVisaCVR(res.iad[3:7])
			if cvr.FirstAC() != tc.want {
				t.Errorf("CVR first AC %s, want %s", cvr.FirstAC(), tc.want)
			}
			for _, b := range tc.cvrBits {
				if !cvr.Has(b) {
					t.Errorf("CVR %s lacks bit %04X", cvr, uint16(b))
				}
			}
		})
	}
}

func TestUnableToGoOnline(t *testing.T) {
	p, _ := LoadProfile("visa-sda-offline")
	p.Apps[0].ConsecutiveOffline = 10 // at the upper limit
	c, _ := New(p, WithSeed(3))
	tt := newTerm(t, c, p.Apps[0])
	tt.start()
	res, _, _ := tt.genAC(emv.RefControlTC, 0x8C)
	if emv.CID(res.cid).Type() != emv.CryptogramARQC {
		t.Fatalf("want ARQC, got %02X", res.cid)
	}
	tt.values[0x8A] = []byte("Y3")
	res2, _, _ := tt.genAC(emv.RefControlTC, 0x8D)
	if emv.CID(res2.cid).Type() != emv.CryptogramAAC {
		t.Errorf("unable to go online beyond the upper limit: CID %02X, want AAC", res2.cid)
	}
	cvr, _ := emv.ParseVisaCVR(res2.iad[3:7])
	if typ, req := cvr.SecondAC(); !req || typ != emv.CryptogramAAC || !cvr.Has(emv.VisaCVRUnableToGoOnline) {
		t.Errorf("CVR %s", cvr)
	}
}

func TestTranscript(t *testing.T) {
	var n int
	var last []byte
	c, p := openCard(t, "no-pse", WithTranscript(func(capdu, rapdu []byte) { n++; last = rapdu }))
	tt := newTerm(t, c, p.Apps[0])
	if _, sw := tt.cmd(emv.SelectByName([]byte("1PAY.SYS.DDF01"), false)); sw != emv.SWFileNotFound {
		t.Errorf("PSE on a card without one: SW %04X", sw)
	}
	tt.start()
	if n < 4 || !bytes.HasSuffix(last, []byte{0x90, 0x00}) {
		t.Errorf("transcript saw %d exchanges", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(t.Context(), mustHex("00A4040000")); !errors.Is(err, ErrClosed) {
		t.Errorf("Transmit after Close: %v", err)
	}
}

func TestReader(t *testing.T) {
	c, _ := openCard(t, "visa-cda-online")
	r := NewReader("emulated", c)
	if r.Name() != "emulated" || r.Card() != c {
		t.Fatal("reader identity")
	}
	c.Close()
	dc, err := r.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Transmit(t.Context(), mustHex("00A4040007F054455354101000")); err != nil {
		t.Fatalf("Transmit after Connect: %v", err)
	}
	if s := c.Snapshot().Apps[0].String(); strings.Contains(s, "1234") {
		t.Errorf("AppState.String shows the PIN: %s", s)
	}
}

// TestMastercardCDA checks CDA with an issuer-b (1408-bit, e=65537) chain
// and CVN 17.
func TestMastercardCDA(t *testing.T) {
	c, p := openCard(t, "mc-cda")
	prof := p.Apps[0]
	tt := newTerm(t, c, prof)
	tt.start()
	tt.recoverKeys()
	blk, _ := oda.PINBlock("4321")
	tt.must(emv.Verify(emv.VerifyPlaintextPIN, blk), "VERIFY")
	res, cdol1, sw := tt.genAC(emv.RefControlARQC|emv.RefControlCDA, 0x8C)
	if sw != emv.SWNoError || res.sdad == nil {
		t.Fatalf("GENERATE AC: SW %04X", sw)
	}
	tmpl, _ := emv.Decode(res.raw)
	rd, _ := oda.ResponseDataForHash(tmpl[0].Value)
	cda, err := oda.VerifyCDA(*tt.iccKey, res.sdad, oda.CDAInput{
		UnpredictableNumber: tt.values[emv.TagUN], CID: res.cid, PDOLData: tt.pdolData, CDOL1Data: cdol1, ResponseData: rd,
	})
	if err != nil {
		t.Fatalf("VerifyCDA: %v", err)
	}
	v, keys := issuerKeys(t, prof)
	if err := v.VerifyARQC(keys.AC, tt.txData(res), cda.AC[:]); err != nil {
		t.Fatalf("VerifyARQC: %v", err)
	}
	cvr, _ := emv.ParseMChipCVR(res.iad[2:8])
	if !cvr.Has(emv.MChipCVRCDAFirstGenAC) || !cvr.Has(emv.MChipCVROfflinePINSuccessful) {
		t.Errorf("CVR %s", cvr)
	}
}
