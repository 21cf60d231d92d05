package terminal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

var txDate = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

// testConfig is the default profile with random selection off, so that
// only the tests about it see it.
func testConfig(t testing.TB) *Config {
	t.Helper()
	cfg, err := DefaultConfig()
	if err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	for i := range cfg.Applications {
		cfg.Applications[i].TargetPercent, cfg.Applications[i].MaxTargetPercent = 0, 0
		cfg.Applications[i].FloorLimit = 10000
	}
	return cfg
}

func purchase(amount uint64) Transaction {
	return Transaction{Amount: amount, Type: TypePurchase, Date: txDate, Sequence: 1}
}

func runTx(t testing.TB, cfg *Config, card *fakeCard, tx Transaction, opts ...Option) Outcome {
	t.Helper()
	opts = append([]Option{WithRand(rand.New(rand.NewPCG(1, 2)))}, opts...)
	k, err := NewKernel(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	o, err := k.Purchase(context.Background(), card, tx)
	if err != nil {
		t.Fatalf("Purchase: %v", err)
	}
	return o
}

// check asserts the result and the exact TVR and TSI.
func check(t testing.TB, o Outcome, result Result, tvr, tsi string) {
	t.Helper()
	if o.Result != result {
		t.Errorf("result %v, want %v (%s)", o.Result, result, o)
	}
	if got := fmt.Sprintf("%X", o.TVR[:]); got != tvr {
		t.Errorf("TVR %s [%s], want %s", got, o.TVR, tvr)
	}
	if got := fmt.Sprintf("%X", o.TSI[:]); got != tsi {
		t.Errorf("TSI %s [%s], want %s", got, o.TSI, tsi)
	}
}

func checkCVM(t testing.TB, o Outcome, want string) {
	t.Helper()
	if got := fmt.Sprintf("%X", cvmBytes(o.CVMResults)); got != want {
		t.Errorf("CVM Results %s (%s), want %s", got, o.CVMResults, want)
	}
}

func aip(bits ...emv.AIPBit) emv.AIP {
	var a emv.AIP
	a.Set(append([]emv.AIPBit{emv.AIPCardholderVerification, emv.AIPTerminalRiskManagement, emv.AIPIssuerAuthentication}, bits...)...)
	return a
}

// TSI values used throughout: E8 = ODA, CVM, card risk management and
// terminal risk management performed; F8 adds issuer authentication.
const (
	tsiOffline = "E800"
	tsiOnline  = "F800"
)

func TestODASuccess(t *testing.T) {
	cases := []struct {
		name string
		aip  emv.AIP
		oda  ODAMethod
		tvr  string
	}{
		// Book 3, 10.3: CDA when both support it; its signature is checked
		// at GENERATE AC (Book 2, 6.6.2).
		{"CDA", aip(emv.AIPSDASupported, emv.AIPDDASupported, emv.AIPCDASupported), ODACDA, "0000000000"},
		{"DDA", aip(emv.AIPSDASupported, emv.AIPDDASupported), ODADDA, "0000000000"},
		// Book 3, 10.3: SDA sets "SDA selected" (TVR byte 1 b2).
		{"SDA", aip(emv.AIPSDASupported), ODASDA, "0200000000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			s.AIP = c.aip
			o := runTx(t, testConfig(t), newCard(t, s), purchase(1000))
			check(t, o, ApprovedOffline, c.tvr, tsiOffline)
			if o.ODA != c.oda || o.ODAErr != nil {
				t.Errorf("ODA %v err %v, want %v", o.ODA, o.ODAErr, c.oda)
			}
			checkCVM(t, o, "1E0300") // Book 3, 10.5.4: signature, result unknown
			if !o.SignatureRequired || len(o.Cryptogram) != 8 || o.CID.Type() != emv.CryptogramTC {
				t.Errorf("outcome %s", o)
			}
		})
	}
}

func TestODAFailure(t *testing.T) {
	cases := []struct {
		name    string
		aip     emv.AIP
		variant string
		result  Result
		tvr     string
		tsi     string
	}{
		// Book 3, 10.3: a failed method sets its bit; the default TAC-Online
		// (DC...) sends the transaction online, where the issuer approves.
		{"SDA ssad-wrong-hash", aip(emv.AIPSDASupported), "ssad-wrong-hash", ApprovedOnline, "4200000000", tsiOnline},
		{"SDA issuer-revoked", aip(emv.AIPSDASupported), "issuer-revoked", ApprovedOnline, "4200000000", tsiOnline},
		{"SDA wrong-ca-index", aip(emv.AIPSDASupported), "wrong-ca-index", ApprovedOnline, "4200000000", tsiOnline},
		{"DDA sdad-wrong-hash", aip(emv.AIPDDASupported), "sdad-wrong-hash", ApprovedOnline, "0800000000", tsiOnline},
		{"DDA icc-pan-mismatch", aip(emv.AIPDDASupported), "icc-pan-mismatch", ApprovedOnline, "0800000000", tsiOnline},
		// CDA whose ICC key cannot be recovered: CDA failed before GENERATE
		// AC, no CDA requested (Book 2, 6.6.1).
		{"CDA icc-expired", aip(emv.AIPCDASupported), "icc-expired", ApprovedOnline, "0400000000", tsiOnline},
		{"CDA issuer-expired", aip(emv.AIPCDASupported), "issuer-expired", ApprovedOnline, "0400000000", tsiOnline},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			s.AIP, s.Variant = c.aip, c.variant
			iss := &testIssuer{t: t}
			o := runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithAuthorizer(iss))
			check(t, o, c.result, c.tvr, c.tsi)
			v, err := pki.LookupVariant(c.variant)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(o.ODAErr, v.Want()) {
				t.Errorf("ODA error %v, want %v", o.ODAErr, v.Want())
			}
		})
	}
}

func TestODANotPerformedAndDataMissing(t *testing.T) {
	// Book 3, 10.3: no method in common: TVR byte 1 b8, TSI b8 clear.
	cfg := testConfig(t)
	cfg.Capabilities.Clear(emv.TermCapSDA, emv.TermCapDDA, emv.TermCapCDA)
	o := runTx(t, cfg, newCard(t), purchase(1000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "8000000000", "7800")

	// Book 3, 10.3: DDA data missing: "ICC data missing" and "DDA failed".
	s := defaultSpec()
	s.AIP = aip(emv.AIPDDASupported)
	s.Omit = []emv.Tag{tagICCCert}
	o = runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "2800000000", tsiOnline)
}

func TestCDAFailsAtGenerateAC(t *testing.T) {
	// Book 2, 6.6.2: a TC whose CDA signature does not verify: CDA failed,
	// declined offline.
	c := newCard(t)
	c.badCDA = true
	o := runTx(t, testConfig(t), c, purchase(1000))
	check(t, o, DeclinedOffline, "0400000000", tsiOffline)
	if !errors.Is(o.ODAErr, &oda.Error{Check: oda.CheckTransactionHash}) {
		t.Errorf("ODA error %v, want the transaction hash check", o.ODAErr)
	}

	// An ARQC with a bad signature: no online, second GENERATE AC for an AAC.
	c = newCard(t)
	c.badCDA = true
	iss := &testIssuer{t: t}
	o = runTx(t, testConfig(t), c, purchase(20000), WithAuthorizer(iss))
	check(t, o, DeclinedOffline, "0400008000", tsiOffline)
	if len(iss.requests) != 0 || o.CID.Type() != emv.CryptogramAAC {
		t.Errorf("went online %d times; final %v", len(iss.requests), o.CID)
	}
}

func pinSpec(list string) cardSpec {
	s := defaultSpec()
	s.CVMList = unhex(list)
	return s
}

func TestOfflinePIN(t *testing.T) {
	ok := PINEntry{PIN: "1234"}
	bad := PINEntry{PIN: "9999"}
	cases := []struct {
		name    string
		list    string
		pinCert bool
		tries   byte
		pad     *scriptedPad
		result  Result
		tvr     string
		cvm     string
		prompts int
	}{
		// Book 3, 10.5.1: plaintext PIN verified by the card: 010002.
		{"plaintext correct", "000000000000000001000000", false, 3, &scriptedPad{entries: []PINEntry{ok}}, ApprovedOffline, "0000000000", "010002", 1},
		// A wrong PIN with tries left prompts again (63C2).
		{"plaintext wrong then correct", "00000000000000000100", false, 3, &scriptedPad{entries: []PINEntry{bad, ok}}, ApprovedOffline, "0000000000", "010002", 2},
		// The last try fails (63C0): "PIN Try Limit exceeded", CVM failed,
		// "Cardholder verification was not successful".
		{"try limit exceeded", "00000000000000000100", false, 1, &scriptedPad{entries: []PINEntry{bad}}, DeclinedOffline, "0000A00000", "010001", 1},
		// PIN Try Counter already 0 (GET DATA 9F17): no prompt.
		{"PIN blocked", "00000000000000000100", false, 0, &scriptedPad{}, DeclinedOffline, "0000A00000", "010001", 0},
		// Book 3, 10.5.1: the PIN pad does not work.
		{"PIN pad not working", "00000000000000000100", false, 3, &scriptedPad{errs: []error{ErrPINPadNotWorking}}, DeclinedOffline, "0000900000", "010001", 1},
		// Book 4, 6.3.4.1: PIN bypassed: "PIN entry required, PIN not entered".
		{"bypass", "00000000000000000100", false, 3, &scriptedPad{entries: []PINEntry{{Bypass: true}}}, DeclinedOffline, "0000880000", "010001", 1},
		// Bypass, then fall back (b7 set) to signature.
		{"bypass then signature", "000000000000000041001E00", false, 3, &scriptedPad{entries: []PINEntry{{Bypass: true}}}, ApprovedOffline, "0000080000", "1E0000", 1},
		// Book 2, 7.2: enciphered PIN with the ICC PIN encipherment key.
		{"enciphered correct", "00000000000000000400", true, 3, &scriptedPad{entries: []PINEntry{ok}}, ApprovedOffline, "0000000000", "040002", 1},
		// Enciphered with the ICC key when there is no PIN key.
		{"enciphered with ICC key", "00000000000000000400", false, 3, &scriptedPad{entries: []PINEntry{bad, ok}}, ApprovedOffline, "0000000000", "040002", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := pinSpec(c.list)
			s.PINCert = c.pinCert
			card := newCard(t, s)
			card.tries = c.tries
			// The profile's TAC-Denial does not cover CVM failure; the IAC
			// does, as issuers commonly set it.
			card.apps[0].spec.IACDen = nil
			cfg := testConfig(t)
			cfg.Applications[0].TACDenial[2] |= 0x80 // cardholder verification not successful
			o := runTx(t, cfg, card, purchase(1000), WithPINPad(c.pad))
			check(t, o, c.result, c.tvr, tsiOffline)
			checkCVM(t, o, c.cvm)
			if len(c.pad.prompts) != c.prompts {
				t.Errorf("%d PIN prompts, want %d", len(c.pad.prompts), c.prompts)
			}
		})
	}
}

func TestOnlinePIN(t *testing.T) {
	// Book 3, 10.5.2: online PIN entered (TVR byte 3 b3), result unknown;
	// the default TAC-Online sends it online.
	iss := &testIssuer{t: t}
	pad := &scriptedPad{entries: []PINEntry{{PIN: "4321"}}}
	o := runTx(t, testConfig(t), newCard(t, pinSpec("00000000000000000200")), purchase(1000), WithPINPad(pad), WithAuthorizer(iss))
	check(t, o, ApprovedOnline, "0000040000", tsiOnline)
	checkCVM(t, o, "020000")
	if len(iss.requests) != 1 || iss.requests[0].PINBlock == nil || !pad.prompts[0].Online {
		t.Fatalf("online PIN not sent: %+v", iss.requests)
	}
	if !o.WentOnline || !iss.arqcOK || !bytes.Equal(o.ARC, []byte("00")) {
		t.Errorf("outcome %s", o)
	}
}

func TestCVMConditions(t *testing.T) {
	// X = 5000 (50.00): PIN under X (06), else signature (1E, always).
	list := "00001388000000000106" + "1E00"
	pad := func() *scriptedPad { return &scriptedPad{entries: []PINEntry{{PIN: "1234"}}} }
	o := runTx(t, testConfig(t), newCard(t, pinSpec(list)), purchase(1000), WithPINPad(pad()))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	checkCVM(t, o, "010602")
	o = runTx(t, testConfig(t), newCard(t, pinSpec(list)), purchase(6000), WithPINPad(pad()))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	checkCVM(t, o, "1E0000")

	// Book 3, 10.5: no condition satisfied: '3F0001' and "Cardholder
	// verification was not successful".
	o = runTx(t, testConfig(t), newCard(t, pinSpec("000013880000000001060107")), purchase(5000))
	check(t, o, ApprovedOffline, "0000800000", tsiOffline)
	checkCVM(t, o, "3F0001")

	// Table 43 '1F': No CVM required, successful.
	o = runTx(t, testConfig(t), newCard(t, pinSpec("00000000000000001F00")), purchase(1000))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	checkCVM(t, o, "1F0002")

	// An unrecognised CVM code: "Unrecognised CVM", then the next rule.
	o = runTx(t, testConfig(t), newCard(t, pinSpec("000000000000000070001F00")), purchase(1000))
	check(t, o, ApprovedOffline, "0000400000", tsiOffline)
	checkCVM(t, o, "1F0002")
}

func TestFloorLimit(t *testing.T) {
	// Book 3, 10.6.1: amount >= floor limit (100.00): TVR byte 4 b8; the
	// TAC-Online sends it online.
	o := runTx(t, testConfig(t), newCard(t), purchase(10000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0000008000", tsiOnline)
	// Just below: offline.
	o = runTx(t, testConfig(t), newCard(t), purchase(9999))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
}

func TestRandomSelection(t *testing.T) {
	// Book 3, 10.6.2 with a fixed seed: the kernel draws the UN (Uint32)
	// then one number 1-99; predict it from the same seed.
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		r.Uint32()
		n := 1 + r.IntN(99)
		cfg := testConfig(t)
		cfg.Applications[0].Threshold = 2000
		cfg.Applications[0].TargetPercent, cfg.Applications[0].MaxTargetPercent = 20, 60
		// Amount 6000: between threshold 2000 and floor 10000, target
		// = (60-20) * 4000/8000 + 20 = 40 percent.
		k, err := NewKernel(cfg, WithRand(rand.New(rand.NewPCG(seed, 7))), WithAuthorizer(&testIssuer{t: t}))
		if err != nil {
			t.Fatal(err)
		}
		o, err := k.Purchase(context.Background(), newCard(t), purchase(6000))
		if err != nil {
			t.Fatal(err)
		}
		if n <= 40 {
			check(t, o, ApprovedOnline, "0000001000", tsiOnline)
		} else {
			check(t, o, ApprovedOffline, "0000000000", tsiOffline)
		}
	}
}

func TestVelocity(t *testing.T) {
	cases := []struct {
		name         string
		lower, upper byte
		online       uint16
		noVel        bool
		tvr          string
	}{
		// ATC after GPO 0x11, last online 0x0E: 3 offline transactions.
		{"within limits", 3, 5, 0x0E, false, "0000000000"},
		{"lower exceeded", 2, 5, 0x0E, false, "0000004000"},
		{"upper exceeded", 1, 2, 0x0E, false, "0000006000"},
		// Book 3, 10.6.3: last online ATC 0: "New card" (and the
		// difference exceeds both limits).
		{"new card", 2, 5, 0, false, "0008006000"},
		// Book 3, 10.6.3: ATC not returned: both bits, no "New card".
		{"GET DATA refused", 2, 5, 0x0E, true, "0000006000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			s.Lower, s.Upper = c.lower, c.upper
			card := newCard(t, s)
			card.online, card.noVel = c.online, c.noVel
			o := runTx(t, testConfig(t), card, purchase(1000), WithAuthorizer(&testIssuer{t: t}))
			want, tsi := ApprovedOffline, tsiOffline
			if c.tvr != "0000000000" {
				want, tsi = ApprovedOnline, tsiOnline // TAC-Online covers them
			}
			check(t, o, want, c.tvr, tsi)
		})
	}
}

func TestActionCodes(t *testing.T) {
	// Book 3, 10.7: exception file hits TAC-Denial: AAC at the first
	// GENERATE AC, declined offline.
	cfg := testConfig(t)
	cfg.ExceptionFile = []string{testPAN}
	o := runTx(t, cfg, newCard(t), purchase(1000))
	check(t, o, DeclinedOffline, "1000000000", tsiOffline)
	if o.FirstCID.Type() != emv.CryptogramAAC {
		t.Errorf("first CID %v", o.FirstCID)
	}

	// IAC-Denial covering "floor limit exceeded".
	s := defaultSpec()
	s.IACDen = unhex("0000008000")
	o = runTx(t, testConfig(t), newCard(t, s), purchase(20000))
	check(t, o, DeclinedOffline, "0000008000", tsiOffline)

	// IAC-Online covering "SDA selected": online although the TAC does not.
	s = defaultSpec()
	s.AIP = aip(emv.AIPSDASupported)
	s.IACOnl = unhex("0200000000")
	o = runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0200000000", tsiOnline)

	// Book 3, 10.7: an absent IAC-Online counts as all ones: any TVR bit
	// sends the transaction online.
	s = defaultSpec()
	s.AIP = aip(emv.AIPSDASupported)
	s.Omit = []emv.Tag{tagIACOnline}
	o = runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0200000000", tsiOnline)

	// Card action analysis (Book 3, 10.8): the card declines a TC request.
	card := newCard(t)
	card.decide = func(bool, emv.CryptogramType) emv.CryptogramType { return emv.CryptogramAAC }
	o = runTx(t, testConfig(t), card, purchase(1000))
	check(t, o, DeclinedOffline, "0000000000", tsiOffline)
}

func TestOnline(t *testing.T) {
	// Issuer declines: second GENERATE AC asks for an AAC (Book 3, 10.11).
	iss := &testIssuer{t: t, decision: AuthDeclined}
	o := runTx(t, testConfig(t), newCard(t), purchase(20000), WithAuthorizer(iss))
	check(t, o, DeclinedOnline, "0000008000", tsiOnline)
	if !bytes.Equal(o.ARC, []byte("05")) || o.CID.Type() != emv.CryptogramAAC {
		t.Errorf("outcome %s ARC %q", o, o.ARC)
	}

	// Issuer authentication fails (Book 3, 10.9): TVR byte 5 b7.
	card := newCard(t)
	o = runTx(t, testConfig(t), card, purchase(20000), WithAuthorizer(&testIssuer{t: t, badARPC: true}))
	check(t, o, ApprovedOnline, "0000008040", tsiOnline)
	if card.extAuth != 1 {
		t.Errorf("%d EXTERNAL AUTHENTICATE, want 1", card.extAuth)
	}

	// Approved online with CDA on both GENERATE ACs.
	o = runTx(t, testConfig(t), newCard(t), purchase(20000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0000008000", tsiOnline)
	if o.ODA != ODACDA || o.ODAErr != nil || o.CID.Type() != emv.CryptogramTC {
		t.Errorf("outcome %s", o)
	}
}

func TestUnableToGoOnline(t *testing.T) {
	// Book 3, 10.7: unable to go online: the default codes decide. Floor
	// limit exceeded is in TAC-Default (A8 in byte 4): AAC, ARC Z3.
	o := runTx(t, testConfig(t), newCard(t), purchase(20000), WithAuthorizer(&testIssuer{t: t, fail: errNetwork}))
	check(t, o, DeclinedOffline, "0000008000", tsiOffline)
	if !o.UnableToGoOnline || !bytes.Equal(o.ARC, []byte("Z3")) {
		t.Errorf("outcome %s ARC %q", o, o.ARC)
	}
	// Randomly selected is not in TAC-Default: TC, ARC Y3.
	cfg := testConfig(t)
	cfg.Applications[0].TargetPercent, cfg.Applications[0].MaxTargetPercent = 99, 99
	o = runTx(t, cfg, newCard(t), purchase(1000), WithAuthorizer(&testIssuer{t: t, decision: AuthUnableToGoOnline}))
	check(t, o, ApprovedOffline, "0000001000", tsiOffline)
	if !bytes.Equal(o.ARC, []byte("Y3")) {
		t.Errorf("ARC %q", o.ARC)
	}
}

func TestIssuerScripts(t *testing.T) {
	// Book 3, 10.10: a 71 script before and a 72 script after the final
	// GENERATE AC; the 72 one carries a bad MAC, the card answers 6988.
	iss := &testIssuer{t: t, scripts: func(keys cryptogram.Keys, sc cryptogram.ScriptContext) []byte {
		v, _ := cryptogram.VersionByNumber(10)
		good, err := v.ScriptCommand(keys, sc, [4]byte{0x84, emv.InsPutData, 0x9F, 0x14}, []byte{0x05}, false)
		if err != nil {
			t.Fatal(err)
		}
		bad := append([]byte(nil), good...)
		bad[len(bad)-1] ^= 0xFF
		s1 := emv.TLV{Tag: tagScript1, Children: []emv.TLV{tlv(tagScriptID, unhex("11223344")), tlv(tagScriptCommand, good)}}
		s2 := emv.TLV{Tag: tagScript2, Children: []emv.TLV{tlv(tagScriptID, unhex("55667788")), tlv(tagScriptCommand, good), tlv(tagScriptCommand, bad)}}
		return emv.Encode(s1, s2)
	}}
	card := newCard(t)
	o := runTx(t, testConfig(t), card, purchase(20000), WithAuthorizer(iss))
	// TSI b3 "Script processing was performed"; TVR byte 5 b5 "Script
	// processing failed after final GENERATE AC".
	check(t, o, ApprovedOnline, "0000008010", "FC00")
	// Book 4, A5: 20 = success; 12 = failed at the second command.
	if got := fmt.Sprintf("%X", o.ScriptResults); got != "20112233441255667788" {
		t.Errorf("script results %s", got)
	}
	if len(card.scripts) != 3 {
		t.Errorf("card saw %d script commands, want 3", len(card.scripts))
	}

	// A failing 71 script: "Script processing failed before final GENERATE AC".
	iss.scripts = func(keys cryptogram.Keys, sc cryptogram.ScriptContext) []byte {
		return emv.TLV{Tag: tagScript1, Children: []emv.TLV{tlv(tagScriptCommand, unhex("841E000008AABBCCDDEEFF0011"))}}.Encode()
	}
	o = runTx(t, testConfig(t), newCard(t), purchase(20000), WithAuthorizer(iss))
	check(t, o, ApprovedOnline, "0000008020", "FC00")
	if got := fmt.Sprintf("%X", o.ScriptResults); got != "1100000000" {
		t.Errorf("script results %s", got)
	}
}

func TestSelection(t *testing.T) {
	credit := defaultSpec()
	credit.Priority = 2
	debit := defaultSpec()
	debit.AID, debit.Label, debit.Priority = unhex("F0544553542010"), "PAYLAB DEBIT", 1

	// PSE absent (6A82): list of AIDs; the highest priority wins (Book 1,
	// 12.3.3 and 12.4).
	o := runTx(t, testConfig(t), newCard(t, credit, debit), purchase(1000))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	if !bytes.Equal(o.AID, debit.AID) {
		t.Errorf("selected %X, want the debit AID", o.AID)
	}

	// PSE present: same choice from the directory, and the PSE was read.
	card := newCard(t, credit, debit)
	card.pse = true
	o = runTx(t, testConfig(t), card, purchase(1000))
	if !bytes.Equal(o.AID, debit.AID) || o.Result != ApprovedOffline {
		t.Errorf("PSE: %s", o)
	}
	if !bytes.Equal(o.Transcript[0].Command[5:19], []byte(pseName)) {
		t.Errorf("first command %X is not SELECT PSE", o.Transcript[0].Command)
	}

	// Book 1, 12.3.2 step 3: the PSE names a DDF whose directory lists the
	// applications.
	card = newCard(t, credit, debit)
	card.pse, card.ddf = true, []byte("PAYLAB.DDF")
	o = runTx(t, testConfig(t), card, purchase(1000))
	if !bytes.Equal(o.AID, debit.AID) || o.Result != ApprovedOffline {
		t.Errorf("nested DDF: %s", o)
	}
	selectedDDF := false
	for _, ex := range o.Transcript {
		if ex.Command[1] != emv.InsSelect {
			continue
		}
		name := ex.Command[5 : len(ex.Command)-1]
		selectedDDF = selectedDDF || bytes.Equal(name, card.ddf)
		if bytes.Equal(name, credit.AID) {
			t.Errorf("nested DDF: the list of AIDs was used (SELECT %X)", ex.Command)
		}
	}
	if !selectedDDF {
		t.Error("nested DDF: the DDF was never selected")
	}

	// Cardholder selection: the list in priority order, she picks the second.
	h := &scriptedHolder{choose: 1}
	o = runTx(t, testConfig(t), newCard(t, credit, debit), purchase(1000), WithCardholder(h))
	if !bytes.Equal(o.AID, credit.AID) || len(h.offered) != 1 || !bytes.Equal(h.offered[0][0].DFName, debit.AID) {
		t.Errorf("cardholder selection: %s", o)
	}

	// Book 1, 12.4: confirmation required and no way to ask: terminated.
	conf := defaultSpec()
	conf.Priority = 0x81
	o = runTx(t, testConfig(t), newCard(t, conf), purchase(1000))
	if o.Result != Terminated {
		t.Errorf("confirmation without cardholder: %s", o)
	}
	o = runTx(t, testConfig(t), newCard(t, conf), purchase(1000), WithCardholder(&scriptedHolder{confirm: true}))
	if o.Result != ApprovedOffline {
		t.Errorf("confirmed: %s", o)
	}

	// 6283: blocked application skipped (Book 1, 12.3.3).
	blocked := credit
	blocked.Blocked = true
	o = runTx(t, testConfig(t), newCard(t, blocked, debit), purchase(1000))
	if !bytes.Equal(o.AID, debit.AID) || o.Result != ApprovedOffline {
		t.Errorf("blocked app: %s", o)
	}

	// 6A81: card blocked, terminated (Book 1, 12.3.2 step 1).
	card = newCard(t)
	card.blocked = true
	o = runTx(t, testConfig(t), card, purchase(1000))
	if o.Result != Terminated || !errors.Is(o.Err, emv.ErrStatus{SW: emv.SWFunctionNotSupported}) {
		t.Errorf("card blocked: %s", o)
	}

	// GPO 6985: the application is removed and the next one used (Book 3,
	// 10.1).
	refuse := debit
	refuse.GPOSW = emv.SWConditionsNotSatisfied
	o = runTx(t, testConfig(t), newCard(t, credit, refuse), purchase(1000))
	if !bytes.Equal(o.AID, credit.AID) || o.Result != ApprovedOffline {
		t.Errorf("GPO 6985: %s", o)
	}

	// Partial selection: the card's AID is longer than the terminal's.
	long := defaultSpec()
	long.AID = unhex(testAIDHex + "01")
	o = runTx(t, testConfig(t), newCard(t, long), purchase(1000))
	if !bytes.Equal(o.AID, long.AID) || o.Result != ApprovedOffline {
		t.Errorf("partial selection: %s", o)
	}
}

func TestProcessingRestrictions(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*cardSpec)
		tvr  string
	}{
		// Book 3, 10.4.1: 9F08 differs from 9F09.
		{"version", func(s *cardSpec) { s.Version = unhex("0002") }, "0080000000"},
		// Book 3, 10.4.3: expired and not yet effective.
		{"expired", func(s *cardSpec) { s.Expiry = unhex("251231") }, "0040000000"},
		{"not yet effective", func(s *cardSpec) { s.Eff = unhex("271231") }, "0020000000"},
		// Book 3, 10.4.2: an international purchase with a domestic-only AUC.
		{"AUC international", func(s *cardSpec) { s.Country, s.AUC = unhex("0826"), unhex("A900") }, "0010000000"},
		{"AUC domestic ok", func(s *cardSpec) { s.AUC = unhex("A900") }, "0000000000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := defaultSpec()
			c.mod(&s)
			iss := &testIssuer{t: t}
			o := runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithAuthorizer(iss))
			want, tsi := ApprovedOnline, tsiOnline
			switch c.tvr {
			case "0000000000", "0080000000", "0020000000":
				want, tsi = ApprovedOffline, tsiOffline // not in the TAC-Online
			case "0010000000":
				want, tsi = DeclinedOffline, tsiOffline // TAC-Denial: service not allowed
			}
			check(t, o, want, c.tvr, tsi)
		})
	}
}

func TestMalformedCardTerminates(t *testing.T) {
	// Book 3, 10.2: mandatory data missing.
	s := defaultSpec()
	s.Omit = []emv.Tag{tagExpiry}
	o := runTx(t, testConfig(t), newCard(t, s), purchase(1000))
	if o.Result != Terminated || !strings.Contains(o.Reason, "5F24") {
		t.Errorf("missing 5F24: %s", o)
	}
	// GENERATE AC refused.
	card := newCard(t)
	card.sw[emv.InsGenerateAC] = emv.SWConditionsNotSatisfied
	o = runTx(t, testConfig(t), card, purchase(1000))
	if o.Result != Terminated {
		t.Errorf("GENERATE AC 6985: %s", o)
	}
	// A record read error.
	card = newCard(t)
	card.sw[emv.InsReadRecord] = emv.SWNoPreciseDiagnosis
	o = runTx(t, testConfig(t), card, purchase(1000))
	if o.Result != Terminated {
		t.Errorf("READ RECORD 6F00: %s", o)
	}
}

func TestOutcomeMasksPAN(t *testing.T) {
	o := runTx(t, testConfig(t), newCard(t), purchase(1000))
	s := o.String()
	if strings.Contains(s, testPAN) || !strings.Contains(s, "476173") {
		t.Errorf("String() = %q", s)
	}
}

func TestTranscriptHook(t *testing.T) {
	var n int
	o := runTx(t, testConfig(t), newCard(t), purchase(1000), WithTranscript(func(Exchange) { n++ }))
	if n == 0 || n != len(o.Transcript) {
		t.Errorf("hook saw %d exchanges, transcript has %d", n, len(o.Transcript))
	}
}

func TestConfigStrict(t *testing.T) {
	cfg, err := DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CAKeys.Len() == 0 || cfg.Revocations.Len() == 0 || len(cfg.Applications) != 3 {
		t.Errorf("default config: %d CA keys, %d revocations, %d applications", cfg.CAKeys.Len(), cfg.Revocations.Len(), len(cfg.Applications))
	}
	var f configFile
	bad := []byte("name: x\nbogus: 1\n")
	if err := fixtures.Unmarshal("x.yaml", bad, &f); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestMultipleOccurrences(t *testing.T) {
	// Book 1, 12.3.3: the terminal AID is a prefix of two ADF names; SELECT
	// next occurrence (P2 '02') finds both, the higher priority wins.
	a := defaultSpec()
	a.AID, a.Priority = unhex(testAIDHex+"01"), 2
	b := defaultSpec()
	b.AID, b.Label, b.Priority = unhex(testAIDHex+"02"), "SECOND", 1
	o := runTx(t, testConfig(t), newCard(t, a, b), purchase(1000))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	if !bytes.Equal(o.AID, b.AID) {
		t.Errorf("selected %X, want %X", o.AID, b.AID)
	}
	next := 0
	for _, ex := range o.Transcript {
		if ex.Command[1] == emv.InsSelect && ex.Command[3] == 0x02 {
			next++
		}
	}
	if next < 2 {
		t.Errorf("%d SELECT next occurrence, want at least 2", next)
	}
	// Without partial selection in the terminal's ASI, neither matches.
	cfg := testConfig(t)
	cfg.Applications[0].PartialSelection = false
	o = runTx(t, cfg, newCard(t, a, b), purchase(1000))
	if o.Result != Terminated || o.Reason != "no mutually supported application" {
		t.Errorf("no partial selection: %s", o)
	}
}

func TestDDOLAndTDOL(t *testing.T) {
	// Book 2, 6.5.1: no DDOL on the card: the default DDOL is used.
	s := defaultSpec()
	s.AIP, s.NoDDOL = aip(emv.AIPDDASupported), true
	o := runTx(t, testConfig(t), newCard(t, s), purchase(1000))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	// ... and without a default DDOL either, DDA fails.
	cfg := testConfig(t)
	cfg.Applications[0].DefaultDDOL = nil
	o = runTx(t, cfg, newCard(t, s), purchase(1000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0800000000", tsiOnline)

	// Book 3, 5.4 and Annex A (98): CDOL1 asks for the TC Hash Value and
	// the card has no TDOL: the default TDOL is used and the TVR says so.
	s = defaultSpec()
	s.CDOL1Add = emv.DOL{{Tag: tagTCHash, Len: 20}}
	o = runTx(t, testConfig(t), newCard(t, s), purchase(1000))
	check(t, o, ApprovedOffline, "0000000080", tsiOffline)
	if len(o.Data[tagTCHash]) != 20 {
		t.Errorf("TC hash %X", o.Data[tagTCHash])
	}
}

func TestOfflineOnlyTerminal(t *testing.T) {
	// Book 3, 10.7: an offline-only terminal (type 23) applies the default
	// codes at once: floor limit exceeded is in TAC-Default: AAC.
	cfg := testConfig(t)
	cfg.TerminalType = 0x23
	o := runTx(t, cfg, newCard(t), purchase(20000))
	check(t, o, DeclinedOffline, "0000008000", tsiOffline)
	if o.FirstCID.Type() != emv.CryptogramAAC {
		t.Errorf("first CID %v", o.FirstCID)
	}
	// Randomly selected is not in TAC-Default: TC.
	cfg.Applications[0].TargetPercent, cfg.Applications[0].MaxTargetPercent = 99, 99
	o = runTx(t, cfg, newCard(t), purchase(1000))
	check(t, o, ApprovedOffline, "0000001000", tsiOffline)
}

func TestEncipheredPINKeyFailure(t *testing.T) {
	// Book 2, 7.1: the PIN encipherment certificate does not verify: the
	// CVM fails without a prompt and the next rule (signature) applies.
	s := pinSpec("000000000000000044001E00")
	s.PINCert, s.Variant = true, "pin-cert-wrong-hash"
	pad := &scriptedPad{entries: []PINEntry{{PIN: "1234"}}}
	o := runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithPINPad(pad))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	checkCVM(t, o, "1E0000")
	if len(pad.prompts) != 0 {
		t.Errorf("%d prompts, want none", len(pad.prompts))
	}
}

func TestOfflineOnlyTerminalCardAsksOnline(t *testing.T) {
	// The card answers a TC request with an ARQC at an offline-only
	// terminal: completed with the default codes, ARC Y3, never online.
	cfg := testConfig(t)
	cfg.TerminalType = 0x23
	card := newCard(t)
	card.decide = func(second bool, want emv.CryptogramType) emv.CryptogramType {
		if !second {
			return emv.CryptogramARQC
		}
		return want
	}
	iss := &testIssuer{t: t}
	o := runTx(t, cfg, card, purchase(1000), WithAuthorizer(iss))
	check(t, o, ApprovedOffline, "0000000000", tsiOffline)
	if len(iss.requests) != 0 || !o.UnableToGoOnline || !bytes.Equal(o.ARC, []byte("Y3")) {
		t.Errorf("outcome %s, %d requests", o, len(iss.requests))
	}
}

func TestBookOrder(t *testing.T) {
	// The commands of an online transaction with velocity checking and
	// offline PIN, in Book 3 order: selection (Book 1, 12), GPO (10.1),
	// records (10.2), CVM with GET DATA 9F17 and VERIFY (10.5), velocity GET
	// DATA 9F36/9F13 (10.6.3), GENERATE AC (10.8), EXTERNAL AUTHENTICATE
	// (10.9), second GENERATE AC (10.11). CDA needs no command of its own.
	s := pinSpec("00000000000000000100")
	s.Lower, s.Upper = 1, 2
	pad := &scriptedPad{entries: []PINEntry{{PIN: "1234"}}}
	o := runTx(t, testConfig(t), newCard(t, s), purchase(1000), WithPINPad(pad), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0000006000", tsiOnline)
	var got []string
	for _, ex := range o.Transcript {
		name := map[byte]string{emv.InsSelect: "SELECT", emv.InsGetProcessingOptions: "GPO", emv.InsReadRecord: "READ RECORD",
			emv.InsGetData: "GET DATA", emv.InsVerify: "VERIFY", emv.InsGenerateAC: "GENERATE AC",
			emv.InsExternalAuthenticate: "EXTERNAL AUTHENTICATE"}[ex.Command[1]]
		if ex.Command[1] == emv.InsGetData {
			name += fmt.Sprintf(" %02X%02X", ex.Command[2], ex.Command[3])
		}
		got = append(got, name)
	}
	// SELECT: the PSE (6A82), the credit AID, its next occurrence (partial
	// selection allowed), the debit and MC AIDs (6A82), the final SELECT.
	want := []string{"SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "GPO", "READ RECORD", "READ RECORD", "GET DATA 9F17", "VERIFY",
		"GET DATA 9F36", "GET DATA 9F13", "GENERATE AC", "EXTERNAL AUTHENTICATE", "GENERATE AC"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("commands:\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(want, ", "))
	}
}

func TestIssuerAuthenticationInSecondGenerateAC(t *testing.T) {
	// Book 3, 10.9: the AIP does not ask for EXTERNAL AUTHENTICATE; the
	// Issuer Authentication Data go to the card in the CDOL2 data (91).
	s := defaultSpec()
	s.AIP.Clear(emv.AIPIssuerAuthentication)
	s.CDOL2Add = emv.DOL{{Tag: tagIssuerAuthData, Len: 10}}
	card := newCard(t, s)
	o := runTx(t, testConfig(t), card, purchase(20000), WithAuthorizer(&testIssuer{t: t}))
	check(t, o, ApprovedOnline, "0000008000", "E800")
	if card.extAuth != 0 || !card.issuerAuthOK {
		t.Errorf("EXTERNAL AUTHENTICATE sent %d times; ARPC in CDOL2 verified: %v", card.extAuth, card.issuerAuthOK)
	}
}
