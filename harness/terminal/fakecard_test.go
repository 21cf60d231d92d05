package terminal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"sync"
	"testing"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

// This file is a small in-test EMV card: it answers from prepared TLV and
// computes real cryptograms (CVN 10) and real ODA signatures with the test
// authority, so that the kernel is checked against the cryptography, not
// against recorded values. It is no emulator (emulators/card is); it holds
// just enough card behaviour for the kernel's tests.

var (
	authOnce sync.Once
	authErr  error
	testAuth *pki.Authority
)

func authority(t testing.TB) *pki.Authority {
	t.Helper()
	authOnce.Do(func() {
		sub, err := fs.Sub(fixtures.FS, "pki")
		if err != nil {
			authErr = err
			return
		}
		testAuth, authErr = pki.LoadFS(sub)
	})
	if authErr != nil {
		t.Fatalf("load test authority: %v", authErr)
	}
	return testAuth
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func tlv(tag emv.Tag, v []byte) emv.TLV { return emv.TLV{Tag: tag, Value: v} }

// Issuer master keys of the in-test issuer (test keys).
var testIssuerKeys = cryptogram.Keys{
	AC:  unhex("0123456789ABCDEFFEDCBA9876543210"),
	SMI: unhex("1111111111111111AAAAAAAAAAAAAAAA"),
	SMC: unhex("2222222222222222BBBBBBBBBBBBBBBB"),
}

const (
	testPAN    = "4761739001010010" // issuer-a of the test authority
	testPSN    = "01"
	testAIDHex = "F0544553541010"
)

// cardSpec says how to personalise a fake card application.
type cardSpec struct {
	AID      []byte
	Label    string
	Priority byte
	Blocked  bool // SELECT answers 6283
	AIP      emv.AIP
	CVMList  []byte
	IACDen   []byte
	IACOnl   []byte
	IACDef   []byte
	AUC      []byte
	Country  []byte // 5F28
	Expiry   []byte // 5F24 YYMMDD
	Eff      []byte // 5F25
	Version  []byte // 9F08
	Lower    byte   // 9F14 (0: absent with Upper 0)
	Upper    byte
	Variant  string // pki catalogue variant
	PINCert  bool
	NoDDOL   bool
	Omit     []emv.Tag // data objects left out of the records
	GPOSW    uint16    // a status word for GET PROCESSING OPTIONS
	CDOL1Add emv.DOL   // entries appended to CDOL1 (e.g. 98 for the TC hash)
	CDOL2Add emv.DOL   // entries appended to CDOL2 (e.g. 91 for issuer authentication)
}

func defaultSpec() cardSpec {
	var aip emv.AIP
	aip.Set(emv.AIPSDASupported, emv.AIPDDASupported, emv.AIPCDASupported, emv.AIPCardholderVerification,
		emv.AIPTerminalRiskManagement, emv.AIPIssuerAuthentication)
	return cardSpec{
		AID: unhex(testAIDHex), Label: "PAYLAB CREDIT", AIP: aip,
		// X 0, Y 0: signature if supported, else no CVM.
		CVMList: unhex("00000000000000001E031F00"),
		IACDen:  unhex("0000000000"), IACOnl: unhex("0000000000"), IACDef: unhex("0000000000"),
		AUC: unhex("FF00"), Country: unhex("0056"), Expiry: unhex("491231"), Eff: unhex("200101"),
		Version: unhex("0096"),
	}
}

type fakeApp struct {
	spec    cardSpec
	records map[[2]byte][]byte // (sfi, record) -> response data
	afl     []byte
	pki     *pki.Card
	cdol1   emv.DOL
	cdol2   emv.DOL
}

// fakeCard is a card with one or more applications.
type fakeCard struct {
	t        testing.TB
	apps     []*fakeApp
	pse      bool
	ddf      []byte // when set, the PSE directory names this DDF, whose directory lists the apps
	inDDF    bool
	blocked  bool // 6A81 to every SELECT
	selected *fakeApp
	inPSE    bool
	lastSel  map[string]int

	v      *cryptogram.Version
	keys   cryptogram.Keys
	atc    uint16
	online uint16 // last online ATC register
	noVel  bool   // GET DATA 9F36/9F13 refused
	pin    string
	tries  byte
	chal   []byte

	pdolData, cdol1Data []byte
	arqc                []byte
	genACs              int
	// decide picks the card's answer to GENERATE AC; nil answers as asked.
	decide func(second bool, want emv.CryptogramType) emv.CryptogramType
	// sw forces a status word for an instruction; raw replaces the whole
	// response to an instruction (malformed-card tests).
	sw  map[byte]uint16
	raw map[byte][]byte
	// badCDA corrupts the CDA signature's transaction hash.
	badCDA       bool
	extAuth      int  // EXTERNAL AUTHENTICATE commands seen
	issuerAuthOK bool // ARPC in the CDOL2 data verified
	scripts      [][]byte
}

func newCard(t testing.TB, specs ...cardSpec) *fakeCard {
	t.Helper()
	if len(specs) == 0 {
		specs = []cardSpec{defaultSpec()}
	}
	v, err := cryptogram.VersionByNumber(10)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := v.DeriveKeys(testIssuerKeys, testPAN, testPSN)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCard{t: t, v: v, keys: keys, atc: 0x0010, online: 0x000E, pin: "1234", tries: 3,
		lastSel: map[string]int{}, sw: map[byte]uint16{}, raw: map[byte][]byte{}}
	for _, s := range specs {
		c.apps = append(c.apps, personalise(t, s))
	}
	return c
}

func personalise(t testing.TB, s cardSpec) *fakeApp {
	t.Helper()
	a := &fakeApp{spec: s, records: map[[2]byte][]byte{}}
	omit := map[emv.Tag]bool{}
	for _, tag := range s.Omit {
		omit[tag] = true
	}
	add := func(objs []emv.TLV, tag emv.Tag, v []byte) []emv.TLV {
		if omit[tag] || v == nil {
			return objs
		}
		return append(objs, tlv(tag, v))
	}
	a.cdol1 = emv.DOL{{Tag: emv.TagAmount, Len: 6}, {Tag: emv.TagAmountOther, Len: 6}, {Tag: emv.TagCountryCode, Len: 2},
		{Tag: emv.TagTVR, Len: 5}, {Tag: emv.TagCurrencyCode, Len: 2}, {Tag: emv.TagTxnDate, Len: 3},
		{Tag: emv.TagTxnType, Len: 1}, {Tag: emv.TagUN, Len: 4}, {Tag: tagTermType, Len: 1}, {Tag: tagCVMResults, Len: 3}}
	a.cdol2 = append(emv.DOL{{Tag: tagARC, Len: 2}}, a.cdol1...)
	a.cdol1 = append(a.cdol1, s.CDOL1Add...)
	a.cdol2 = append(a.cdol2, s.CDOL2Add...)
	pan := unhex(testPAN)
	var rec1 []emv.TLV
	rec1 = add(rec1, emv.TagPAN, pan)
	rec1 = add(rec1, tagExpiry, s.Expiry)
	rec1 = add(rec1, tagEffective, s.Eff)
	rec1 = add(rec1, tagIssuerCountry, s.Country)
	rec1 = add(rec1, tagAUC, s.AUC)
	rec1 = add(rec1, tagCVMList, s.CVMList)
	rec1 = add(rec1, tagIACDefault, s.IACDef)
	rec1 = add(rec1, tagIACDenial, s.IACDen)
	rec1 = add(rec1, tagIACOnline, s.IACOnl)
	rec1 = add(rec1, tagCDOL1, a.cdol1.Encode())
	rec1 = add(rec1, tagCDOL2, a.cdol2.Encode())
	rec1 = add(rec1, tagAppVersionICC, s.Version)
	rec1 = add(rec1, tagAppCurrency, unhex("0978"))
	rec1 = add(rec1, emv.TagPANSeq, unhex(testPSN))
	rec1 = add(rec1, tagSDATagList, []byte{0x82})
	rec1Value := emv.Encode(rec1...)
	static := append(append([]byte(nil), rec1Value...), s.AIP[:]...)
	pc, err := authority(t).Card(pki.CardSpec{PAN: testPAN, StaticData: static, Variant: s.Variant, PINEncipherment: s.PINCert})
	if err != nil {
		t.Fatalf("personalise card: %v", err)
	}
	a.pki = pc
	var rec2 []emv.TLV
	for _, o := range pc.DataObjects() {
		rec2 = add(rec2, o.Tag, o.Value)
	}
	if !s.NoDDOL {
		rec2 = add(rec2, tagDDOL, unhex("9F3704"))
	}
	if s.Lower != 0 || s.Upper != 0 {
		rec2 = add(rec2, tagLowerLimit, []byte{s.Lower})
		rec2 = add(rec2, tagUpperLimit, []byte{s.Upper})
	}
	a.records[[2]byte{1, 1}] = tlv(tagRecord, rec1Value).Encode()
	a.records[[2]byte{2, 1}] = tlv(tagRecord, emv.Encode(rec2...)).Encode()
	a.afl = unhex("08010101" + "10010100")
	return a
}

func resp(data []byte, sw uint16) []byte {
	return append(append([]byte(nil), data...), byte(sw>>8), byte(sw))
}

func (c *fakeCard) ATR() []byte  { return unhex("3B6800000073C84013009000") }
func (c *fakeCard) Close() error { return nil }

func (c *fakeCard) Transmit(_ context.Context, raw []byte) ([]byte, error) {
	cmd, err := emv.ParseCommand(raw)
	if err != nil {
		return resp(nil, emv.SWWrongLength), nil
	}
	if sw, ok := c.sw[cmd.INS]; ok {
		return resp(nil, sw), nil
	}
	if r, ok := c.raw[cmd.INS]; ok {
		if cmd.INS == emv.InsGenerateAC {
			c.genACs++
		}
		return append([]byte(nil), r...), nil
	}
	switch cmd.INS {
	case emv.InsSelect:
		return c.selectName(cmd), nil
	case emv.InsReadRecord:
		return c.readRecord(cmd), nil
	case emv.InsGetProcessingOptions:
		return c.gpo(cmd), nil
	case emv.InsGetData:
		return c.getData(cmd), nil
	case emv.InsInternalAuthenticate:
		return c.internalAuth(cmd), nil
	case emv.InsGetChallenge:
		c.chal = make([]byte, 8)
		binary.BigEndian.PutUint64(c.chal, 0x1122334455667788+uint64(c.atc))
		return resp(c.chal, emv.SWNoError), nil
	case emv.InsVerify:
		return c.verify(cmd), nil
	case emv.InsGenerateAC:
		return c.generateAC(cmd), nil
	case emv.InsExternalAuthenticate:
		c.extAuth++
		if c.arqc == nil || len(cmd.Data) < 10 {
			return resp(nil, emv.SWConditionsNotSatisfied), nil
		}
		arpc, err := c.v.ARPC(c.keys.AC, cryptogram.ARPCInput{ARQC: c.arqc, ARC: cmd.Data[8:10]})
		if err != nil || !bytes.Equal(arpc, cmd.Data[:8]) {
			return resp(nil, emv.SWAuthenticationFailed), nil
		}
		return resp(nil, emv.SWNoError), nil
	case emv.InsApplicationBlock, emv.InsApplicationUnblock, emv.InsPutData, emv.InsCardBlock:
		c.scripts = append(c.scripts, raw)
		ctx := cryptogram.ScriptContext{ATC: c.atcBytes(), AC: c.arqc}
		if _, _, err := c.v.OpenScriptCommand(c.keys, ctx, raw, false); err != nil {
			return resp(nil, emv.SWSecureMessagingIncorrect), nil
		}
		return resp(nil, emv.SWNoError), nil
	}
	return resp(nil, emv.SWINSNotSupported), nil
}

func (c *fakeCard) atcBytes() []byte { return []byte{byte(c.atc >> 8), byte(c.atc)} }

func (c *fakeCard) selectName(cmd emv.Command) []byte {
	if c.blocked {
		return resp(nil, emv.SWFunctionNotSupported)
	}
	name := cmd.Data
	if string(name) == pseName {
		if !c.pse {
			return resp(nil, emv.SWFileNotFound)
		}
		c.inPSE, c.inDDF, c.selected = true, false, nil
		fci := tlv(tagFCI, nil)
		fci.Children = []emv.TLV{tlv(tagDFName, name), {Tag: tagFCIProprietary, Children: []emv.TLV{tlv(tagSFI, []byte{1})}}}
		return resp(fci.Encode(), emv.SWNoError)
	}
	if c.ddf != nil && bytes.Equal(name, c.ddf) {
		c.inPSE, c.inDDF, c.selected = false, true, nil
		fci := emv.TLV{Tag: tagFCI, Children: []emv.TLV{tlv(tagDFName, name), {Tag: tagFCIProprietary, Children: []emv.TLV{tlv(tagSFI, []byte{2})}}}}
		return resp(fci.Encode(), emv.SWNoError)
	}
	c.inPSE, c.inDDF = false, false
	start := 0
	if cmd.P2 == 0x02 {
		start = c.lastSel[string(name)] + 1
	}
	for i := start; i < len(c.apps); i++ {
		a := c.apps[i]
		if !bytes.HasPrefix(a.spec.AID, name) {
			continue
		}
		c.lastSel[string(name)] = i
		prop := []emv.TLV{tlv(tagLabel, []byte(a.spec.Label))}
		if a.spec.Priority != 0 {
			prop = append(prop, tlv(tagPriority, []byte{a.spec.Priority}))
		}
		fci := emv.TLV{Tag: tagFCI, Children: []emv.TLV{tlv(tagDFName, a.spec.AID), {Tag: tagFCIProprietary, Children: prop}}}
		if a.spec.Blocked {
			return resp(fci.Encode(), emv.SWSelectedFileInvalidated)
		}
		c.selected = a
		return resp(fci.Encode(), emv.SWNoError)
	}
	return resp(nil, emv.SWFileNotFound)
}

func (c *fakeCard) readRecord(cmd emv.Command) []byte {
	sfi, rec := cmd.P2>>3, cmd.P1
	if c.inPSE && c.ddf != nil {
		if sfi != 1 || int(rec) > 1 {
			return resp(nil, emv.SWRecordNotFound)
		}
		e := emv.TLV{Tag: tagDirEntry, Children: []emv.TLV{tlv(tagDDFName, c.ddf)}}
		return resp(emv.TLV{Tag: tagRecord, Children: []emv.TLV{e}}.Encode(), emv.SWNoError)
	}
	if c.inPSE || c.inDDF {
		if want := map[bool]byte{false: 1, true: 2}[c.inDDF]; sfi != want || int(rec) > 1 {
			return resp(nil, emv.SWRecordNotFound)
		}
		var entries []emv.TLV
		for _, a := range c.apps {
			e := []emv.TLV{tlv(tagAID, a.spec.AID), tlv(tagLabel, []byte(a.spec.Label))}
			if a.spec.Priority != 0 {
				e = append(e, tlv(tagPriority, []byte{a.spec.Priority}))
			}
			entries = append(entries, emv.TLV{Tag: tagDirEntry, Children: e})
		}
		return resp(emv.TLV{Tag: tagRecord, Children: entries}.Encode(), emv.SWNoError)
	}
	if c.selected == nil {
		return resp(nil, emv.SWConditionsNotSatisfied)
	}
	r, ok := c.selected.records[[2]byte{sfi, rec}]
	if !ok {
		return resp(nil, emv.SWRecordNotFound)
	}
	return resp(r, emv.SWNoError)
}

func (c *fakeCard) gpo(cmd emv.Command) []byte {
	a := c.selected
	if a == nil {
		return resp(nil, emv.SWConditionsNotSatisfied)
	}
	if a.spec.GPOSW != 0 {
		return resp(nil, a.spec.GPOSW)
	}
	if len(cmd.Data) < 2 || cmd.Data[0] != 0x83 {
		return resp(nil, emv.SWWrongData)
	}
	c.pdolData = append([]byte(nil), cmd.Data[2:]...)
	c.atc++ // the ATC counts every transaction started (Book 3, Annex A: 9F36)
	c.genACs = 0
	out := emv.TLV{Tag: tagRMT2, Children: []emv.TLV{tlv(emv.TagAIP, a.spec.AIP[:]), tlv(emv.TagAFL, a.afl)}}
	return resp(out.Encode(), emv.SWNoError)
}

func (c *fakeCard) getData(cmd emv.Command) []byte {
	tag := emv.Tag(uint32(cmd.P1)<<8 | uint32(cmd.P2))
	var v []byte
	switch tag {
	case tagPINTryCounter:
		v = []byte{c.tries}
	case emv.TagATC:
		v = c.atcBytes()
	case tagLastOnlineATC:
		v = []byte{byte(c.online >> 8), byte(c.online)}
	}
	if v == nil || (c.noVel && tag != tagPINTryCounter) {
		return resp(nil, emv.SWReferencedDataNotFound)
	}
	return resp(tlv(tag, v).Encode(), emv.SWNoError)
}

func (c *fakeCard) internalAuth(cmd emv.Command) []byte {
	dn := unhex("0102030405060708")
	sig, err := c.selected.pki.SignDDA(dn, cmd.Data)
	if err != nil {
		c.t.Errorf("card: sign DDA: %v", err)
		return resp(nil, emv.SWNoPreciseDiagnosis)
	}
	return resp(tlv(tagRMT1, sig).Encode(), emv.SWNoError)
}

func (c *fakeCard) verify(cmd emv.Command) []byte {
	if c.tries == 0 {
		return resp(nil, emv.SWAuthMethodBlocked)
	}
	block := cmd.Data
	if cmd.P2 == emv.VerifyEncipheredPIN {
		priv := c.selected.pki.PINPrivate
		if priv == nil {
			priv = c.selected.pki.ICCPrivate
		}
		b, err := oda.DecipherPIN(priv, cmd.Data, c.chal)
		c.chal = nil
		if err != nil {
			return resp(nil, emv.SWWrongData)
		}
		block = b
	}
	pin, err := oda.ParsePINBlock(block)
	if err != nil {
		return resp(nil, emv.SWWrongData)
	}
	if pin != c.pin {
		c.tries--
		return resp(nil, 0x63C0|uint16(c.tries))
	}
	c.tries = 3
	return resp(nil, emv.SWNoError)
}

func (c *fakeCard) generateAC(cmd emv.Command) []byte {
	a := c.selected
	second := c.genACs > 0
	c.genACs++
	dol := a.cdol1
	if second {
		dol = a.cdol2
	}
	vals, err := emv.ParseDOLData(dol, cmd.Data)
	if err != nil {
		return resp(nil, emv.SWWrongLength)
	}
	if !second {
		c.cdol1Data = append([]byte(nil), cmd.Data...)
	} else if iad, ok := vals[tagIssuerAuthData]; ok {
		// Issuer authentication inside the second GENERATE AC.
		arpc, err := c.v.ARPC(c.keys.AC, cryptogram.ARPCInput{ARQC: c.arqc, ARC: iad[8:10]})
		c.issuerAuthOK = err == nil && bytes.Equal(arpc, iad[:8])
		delete(vals, tagIssuerAuthData)
	}
	want := emv.CryptogramType(cmd.P1 >> 6)
	got := want
	if c.decide != nil {
		got = c.decide(second, want)
	}
	iad := unhex("06010A03A00000")
	tx := map[emv.Tag][]byte{emv.TagAIP: a.spec.AIP[:], emv.TagATC: c.atcBytes(), emv.TagIAD: iad}
	for k, v := range vals {
		tx[k] = v
	}
	ac, err := c.v.Generate(c.keys.AC, tx)
	if err != nil {
		c.t.Errorf("card: generate AC: %v", err)
		return resp(nil, emv.SWNoPreciseDiagnosis)
	}
	cid := byte(got) << 6
	if got == emv.CryptogramARQC {
		c.arqc = ac
	}
	if second && got == emv.CryptogramTC && !bytes.Equal(vals[tagARC], []byte("Y3")) {
		c.online = c.atc
	}
	objs := []emv.TLV{tlv(emv.TagCID, []byte{cid}), tlv(emv.TagATC, c.atcBytes())}
	cda := cmd.P1&emv.RefControlCDA != 0 && got != emv.CryptogramAAC
	if !cda {
		objs = append(objs, tlv(emv.TagCryptogram, ac))
	}
	objs = append(objs, tlv(emv.TagIAD, iad))
	if cda {
		var cdol2Data []byte
		if second {
			cdol2Data = cmd.Data
		}
		h := oda.TransactionDataHash(c.pdolData, c.cdol1Data, cdol2Data, emv.Encode(objs...))
		if c.badCDA {
			h[0] ^= 1
		}
		var ac8 [8]byte
		copy(ac8[:], ac)
		sig, err := a.pki.SignCDA(unhex("A1A2A3A4A5A6A7A8"), cid, ac8, h, vals[emv.TagUN])
		if err != nil {
			c.t.Errorf("card: sign CDA: %v", err)
			return resp(nil, emv.SWNoPreciseDiagnosis)
		}
		objs = append(objs, tlv(tagSDAD, sig))
	}
	return resp(emv.TLV{Tag: tagRMT2, Children: objs}.Encode(), emv.SWNoError)
}

// testIssuer is the in-process issuer: it checks the ARQC and answers with
// an ARPC (CVN 10, method 1) and optional scripts.
type testIssuer struct {
	t        testing.TB
	decision AuthDecision
	fail     error // Authorize returns it (network down)
	badARPC  bool
	scripts  func(keys cryptogram.Keys, ctx cryptogram.ScriptContext) []byte
	requests []AuthRequest
	arqcOK   bool
}

func (i *testIssuer) Authorize(_ context.Context, req AuthRequest) (AuthResponse, error) {
	i.requests = append(i.requests, req)
	if i.fail != nil {
		return AuthResponse{}, i.fail
	}
	v, _ := cryptogram.VersionByNumber(10)
	pan, _ := oda.PANDigits(req.Data[emv.TagPAN])
	keys, err := v.DeriveKeys(testIssuerKeys, pan, testPSN)
	if err != nil {
		return AuthResponse{}, err
	}
	arqc := req.Data[emv.TagCryptogram]
	if err := v.VerifyARQC(keys.AC, req.Data, arqc); err != nil {
		i.t.Errorf("issuer: ARQC does not verify: %v", err)
		return AuthResponse{Decision: AuthDeclined, ARC: [2]byte{'0', '5'}}, nil
	}
	i.arqcOK = true
	d := i.decision
	if d == 0 {
		d = AuthApproved
	}
	out := AuthResponse{Decision: d, ARC: [2]byte{'0', '0'}}
	if d == AuthDeclined {
		out.ARC = [2]byte{'0', '5'}
	}
	arpc, err := v.ARPC(keys.AC, cryptogram.ARPCInput{ARQC: arqc, ARC: out.ARC[:]})
	if err != nil {
		return AuthResponse{}, err
	}
	if i.badARPC {
		arpc[0] ^= 0xFF
	}
	out.IssuerAuthData = append(arpc, out.ARC[:]...)
	if i.scripts != nil {
		out.Scripts = i.scripts(keys, cryptogram.ScriptContext{ATC: req.Data[emv.TagATC], AC: arqc})
	}
	return out, nil
}

var errNetwork = errors.New("network down")

// scriptedPad answers PIN prompts from a list.
type scriptedPad struct {
	entries []PINEntry
	errs    []error
	prompts []PINPrompt
}

func (p *scriptedPad) EnterPIN(_ context.Context, pr PINPrompt) (PINEntry, error) {
	p.prompts = append(p.prompts, pr)
	n := len(p.prompts) - 1
	if n < len(p.errs) && p.errs[n] != nil {
		return PINEntry{}, p.errs[n]
	}
	if n < len(p.entries) {
		return p.entries[n], nil
	}
	return PINEntry{}, ErrPINPadNotWorking
}

// scriptedHolder answers application selection.
type scriptedHolder struct {
	confirm bool
	choose  int
	offered [][]Candidate
}

func (h *scriptedHolder) Confirm(context.Context, Candidate) (bool, error) { return h.confirm, nil }
func (h *scriptedHolder) Choose(_ context.Context, cs []Candidate) (int, error) {
	h.offered = append(h.offered, cs)
	return h.choose, nil
}
