package issuer

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
)

// Every cryptogram version of the fixture cards: the card computes the
// ARQC, the issuer host verifies it over TCP with the profile's keys and
// answers an ARPC that the card accepts (EXTERNAL AUTHENTICATE 9000).
func TestARQCVerifiedForEveryCardProfile(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	for _, tc := range []struct {
		profile string
		cvn     int
	}{{"visa-cda-online", 18}, {"visa-sda-offline", 10}, {"no-pse", 22}, {"multi-app", 18}, {"mc-dda", 16}, {"mc-cda", 17}} {
		t.Run(tc.profile, func(t *testing.T) {
			ct := newCardTxn(t, tc.profile, 1000)
			before := is.Ledger()[ct.app.PAN]
			m := msg(t, "0200", "000000", ct.app.PAN, 1000, newRRN())
			if ct.app.PSN != "" {
				m.SetString(23, "0"+ct.app.PSN)
			}
			m.SetTLV(55, ct.de55())
			r := cl.do(m)
			if rcOf(r) != Approved {
				t.Fatalf("DE 39 = %s, want 00", rcOf(r))
			}
			rrn, _ := r.GetString(37)
			tx, ok := is.Transaction(rrn)
			if !ok || tx.ARQC.Result != ARQCVerified || tx.ARQC.CVN != tc.cvn || tx.ARQC.Profile == "" {
				t.Fatalf("ARQC check = %+v", tx.ARQC)
			}
			if is.Ledger()[ct.app.PAN] != before-1000 {
				t.Errorf("ledger %d, want %d", is.Ledger()[ct.app.PAN], before-1000)
			}
			if code, _ := r.GetString(38); len(code) != 6 {
				t.Errorf("auth code %q", code)
			}
			resp, err := r.GetTLV(55)
			if err != nil {
				t.Fatal(err)
			}
			iad := emv.Flatten(resp)[0x91]
			v, _ := cryptogram.VersionByNumber(tc.cvn)
			if v.ARPCMethod == 1 && (len(iad) != 10 || string(iad[8:]) != "00") || v.ARPCMethod == 2 && (len(iad) != 8 || !bytes.Equal(iad[4:], csuApproved)) {
				t.Errorf("tag 91 = %X for ARPC method %d", iad, v.ARPCMethod)
			}
			ext, _ := ct.complete(resp, "00")
			if ext != emv.SWNoError || ct.c.Snapshot().IssuerAuthFailed {
				t.Errorf("EXTERNAL AUTHENTICATE %04X: the card refused the ARPC", ext)
			}
			if s := ct.c.Snapshot(); s.SecondCID&0xC0 != 0x40 {
				t.Errorf("second GENERATE AC gave CID %02X, want a TC", s.SecondCID)
			}
		})
	}
}

// A cryptogram that does not verify is declined 05 (EMV Book 2, 8.1), with
// an ARPC over ARC 05 that the card still authenticates (Book 2, 8.2).
func TestARQCFailureDeclines05(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	for _, profile := range []string{"mc-dda", "visa-cda-online"} {
		ct := newCardTxn(t, profile, 2000)
		before := is.Ledger()[ct.app.PAN]
		objs := ct.de55()
		for i := range objs {
			if objs[i].Tag == emv.TagAmount {
				objs[i].Value = bcdAmount(1) // the data no longer match the ARQC
			}
		}
		m := msg(t, "0200", "000000", ct.app.PAN, 2000, newRRN())
		m.SetTLV(55, objs)
		r := cl.do(m)
		if rcOf(r) != DoNotHonour {
			t.Fatalf("%s: DE 39 = %s, want 05", profile, rcOf(r))
		}
		rrn, _ := r.GetString(37)
		tx, _ := is.Transaction(rrn)
		if tx.ARQC.Result != ARQCFailed || !strings.Contains(tx.ARQC.Reason, "ARQC") {
			t.Errorf("%s: ARQC check = %+v", profile, tx.ARQC)
		}
		if r.Has(38) || is.Ledger()[ct.app.PAN] != before {
			t.Errorf("%s: a declined transaction moved money or got an auth code", profile)
		}
		resp, _ := r.GetTLV(55)
		iad := emv.Flatten(resp)[0x91]
		if profile == "mc-dda" && string(iad[8:]) != "05" {
			t.Errorf("ARC in tag 91 = %q, want 05", iad[8:])
		}
		if profile == "visa-cda-online" && !bytes.Equal(iad[4:], csuDeclined) {
			t.Errorf("CSU = %X, want a decline", iad[4:])
		}
		if ext, _ := ct.complete(resp, "05"); ext != emv.SWNoError {
			t.Errorf("%s: EXTERNAL AUTHENTICATE %04X on the decline's ARPC", profile, ext)
		}
	}
	// A PAN whose keys the issuer lacks: under no BIN with keys.
	is2 := New(WithAccounts(Account{PAN: "6011000000000004", Balance: 100, Status: Active}))
	m := msg(t, "0100", "000000", "6011000000000004", 10, newRRN())
	m.SetTLV(55, newCardTxn(t, "visa-cda-online", 10).de55())
	b, _ := m.Pack()
	out, err := is2.Handle(b)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := iso8583.Unpack(iso8583.ISO1987, out)
	if rcOf(r) != DoNotHonour || is2.ARQCChecks()[0].Reason != errNoKeys.Error() {
		t.Errorf("no keys: DE 39 %s, check %+v", rcOf(r), is2.ARQCChecks())
	}
}

func TestWrongARPCOneShot(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	ct := newCardTxn(t, "visa-cda-online", 500)
	is.FaultFor(ct.app.PAN, Fault{WrongARPC: true, Count: 1})
	m := msg(t, "0200", "000000", ct.app.PAN, 500, newRRN())
	m.SetTLV(55, ct.de55())
	r := cl.do(m)
	if rcOf(r) != Approved {
		t.Fatalf("DE 39 = %s", rcOf(r))
	}
	resp, _ := r.GetTLV(55)
	if ext, _ := ct.complete(resp, "00"); ext != emv.SWAuthenticationFailed || !ct.c.Snapshot().IssuerAuthFailed {
		t.Errorf("EXTERNAL AUTHENTICATE %04X with a wrong ARPC, want 6300", ext)
	}
	// The fault was one-shot: the next transaction's ARPC is right.
	ct = newCardTxn(t, "visa-cda-online", 500)
	m = msg(t, "0200", "000000", ct.app.PAN, 500, newRRN())
	m.SetTLV(55, ct.de55())
	resp, _ = cl.do(m).GetTLV(55)
	if ext, _ := ct.complete(resp, "00"); ext != emv.SWNoError {
		t.Errorf("after the one-shot fault: EXTERNAL AUTHENTICATE %04X", ext)
	}
}

func TestScriptsByRule(t *testing.T) {
	_, addr := startIssuer(t)
	cl := newClient(t, addr)
	run := func(profile string, amount int64) (*cardTxn, []emv.TLV, []uint16) {
		ct := newCardTxn(t, profile, amount)
		m := msg(t, "0200", "000000", ct.app.PAN, amount, newRRN())
		m.SetTLV(55, ct.de55())
		r := cl.do(m)
		if rcOf(r) != Approved {
			t.Fatalf("%s %d: DE 39 %s", profile, amount, rcOf(r))
		}
		resp, _ := r.GetTLV(55)
		ext, sws := ct.complete(resp, "00")
		if ext != emv.SWNoError {
			t.Fatalf("%s %d: EXTERNAL AUTHENTICATE %04X", profile, amount, ext)
		}
		return ct, resp, sws
	}
	tmpl := func(resp []emv.TLV) (tags []emv.Tag) {
		for _, o := range resp {
			if o.Tag == 0x71 || o.Tag == 0x72 {
				tags = append(tags, o.Tag)
			}
		}
		return tags
	}
	ok := func(sws []uint16, n int) bool {
		if len(sws) != n {
			return false
		}
		for _, s := range sws {
			if s != emv.SWNoError {
				return false
			}
		}
		return true
	}

	ct, resp, sws := run("visa-cda-online", 7201)
	if got := tmpl(resp); len(got) != 1 || got[0] != 0x72 || !ok(sws, 1) || !ct.c.Snapshot().Apps[0].Blocked {
		t.Errorf("application block: templates %v, SW %04X, blocked %t", got, sws, ct.c.Snapshot().Apps[0].Blocked)
	}
	for _, profile := range []string{"visa-cda-online", "visa-sda-offline", "mc-dda", "no-pse"} {
		ct, _, sws = run(profile, 7202)
		if !ok(sws, 1) || ct.c.Snapshot().Apps[0].PIN != "9876" {
			t.Errorf("%s PIN change: SW %04X", profile, sws)
		}
		_, _, sws = run(profile, 7206) // two commands: M/Chip diversifies the second
		if !ok(sws, 2) {
			t.Errorf("%s two commands: SW %04X", profile, sws)
		}
	}
	_, resp, sws = run("mc-cda", 7101)
	if got := tmpl(resp); len(got) != 1 || got[0] != 0x71 || !ok(sws, 1) {
		t.Errorf("template 71: %v, SW %04X", got, sws)
	}
	_, _, sws = run("visa-cda-online", 7204)
	if len(sws) != 1 || sws[0] != emv.SWSecureMessagingIncorrect {
		t.Errorf("bad MAC: SW %04X, want 6988", sws)
	}
	_, resp, _ = run("visa-cda-online", 1234)
	if got := tmpl(resp); got != nil {
		t.Errorf("no rule matches 12.34, got templates %v", got)
	}
}

// PAN-bound rules, with BIN keys for a made-up account: the issuer
// derives the card's keys from the BIN's profile (the test plays the card
// with cryptogram directly).
func TestScriptRuleByPANWithBINKeys(t *testing.T) {
	_, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739009020094"
	v, _ := cryptogram.VersionByNumber(18)
	imk := cryptogram.Keys{AC: mustHex(t, "0123456789ABCDEFFEDCBA9876543210"), SMI: mustHex(t, "FEDCBA98765432100123456789ABCDEF"), SMC: mustHex(t, "89ABCDEF0123456776543210FEDCBA98")}
	keys, err := v.DeriveKeys(imk, pan, "00")
	if err != nil {
		t.Fatal(err)
	}
	tx := map[emv.Tag][]byte{emv.TagAmount: bcdAmount(7299), emv.TagAmountOther: bcdAmount(0), emv.TagCountryCode: {0, 0x56},
		emv.TagTVR: make([]byte, 5), emv.TagCurrencyCode: {9, 0x78}, emv.TagTxnDate: {0x26, 0x11, 0x28}, emv.TagTxnType: {0},
		emv.TagUN: {1, 2, 3, 4}, emv.TagAIP: {0x3D, 0}, emv.TagATC: {0, 0x21}, emv.TagIAD: mustHex(t, "06011203A00000"), emv.TagCID: {0x80}}
	ac, err := v.Generate(keys.AC, tx)
	if err != nil {
		t.Fatal(err)
	}
	tx[emv.TagCryptogram] = ac
	var objs []emv.TLV
	for tag, val := range tx {
		objs = append(objs, emv.TLV{Tag: tag, Value: val})
	}
	m := msg(t, "0200", "000000", pan, 7299, newRRN())
	m.SetTLV(55, objs)
	r := cl.do(m)
	if rcOf(r) != Approved {
		t.Fatalf("DE 39 %s", rcOf(r))
	}
	resp, _ := r.GetTLV(55)
	var got []emv.Tag
	ctx := cryptogram.ScriptContext{ATC: tx[emv.TagATC], AC: ac}
	for _, o := range resp {
		if o.Tag != 0x71 && o.Tag != 0x72 {
			continue
		}
		got = append(got, o.Tag)
		for _, k := range o.Children {
			if k.Tag == 0x86 {
				if _, _, err := v.OpenScriptCommand(keys, ctx, k.Value, false); err != nil {
					t.Errorf("script command %X: %v", k.Value[:4], err)
				}
			}
		}
	}
	if len(got) != 2 || got[0] != 0x71 || got[1] != 0x72 {
		t.Errorf("templates %v, want 71 (every amount) then 72 (card block at 72.99)", got)
	}
	iad := emv.Flatten(resp)[0x91]
	if err := v.VerifyARPC(keys.AC, cryptogram.ARPCInput{ARQC: ac, ATC: tx[emv.TagATC], CSU: iad[4:8]}, iad[:4]); err != nil {
		t.Errorf("ARPC: %v", err)
	}
}

func TestResponseCodes(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	cfg, _ := LoadConfig("test-issuer")
	pinBlock := func(pan, pin string) []byte {
		b, err := cryptogram.EncipherISOFormat0PINBlock(cfg.PINKey, pin, pan)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name, mti, pan string
		amount         int64
		pin            []byte
		want           string
	}{
		{"approve", "0200", "4761739001010119", 1000, nil, Approved},
		{"approve with PIN", "0200", "4761739009020086", 1000, pinBlock("4761739009020086", "2468"), Approved},
		{"unknown card", "0200", "4761739009029999", 1000, nil, InvalidCard},
		{"insufficient funds", "0200", "4761739009020011", 501, nil, InsufficientFunds},
		{"funds exactly", "0100", "4761739009020011", 500, nil, Approved},
		{"funds held", "0100", "4761739009020011", 1, nil, InsufficientFunds},
		{"expired", "0100", "4761739009020029", 100, nil, ExpiredCard},
		{"wrong PIN", "0200", "4761739009020086", 100, pinBlock("4761739009020086", "1111"), IncorrectPIN},
		{"PIN block for another PAN", "0200", "4761739009020086", 100, pinBlock("4761739001010119", "2468"), IncorrectPIN},
		{"garbage PIN block", "0200", "4761739009020086", 100, []byte("12345678"), IncorrectPIN},
		{"blocked", "0200", "4761739009020037", 100, nil, NotPermitted},
		{"lost", "0200", "4761739009020045", 100, nil, NotPermitted},
		{"stolen", "0100", "4761739009020052", 100, nil, NotPermitted},
		{"over txn limit", "0200", "4761739009020060", 1001, nil, ExceedsLimit},
		{"txn limit exactly", "0200", "4761739009020060", 1000, nil, Approved},
		{"daily 1", "0200", "4761739009020078", 3000, nil, Approved},
		{"daily 2", "0100", "4761739009020078", 2000, nil, Approved},
		{"daily over", "0200", "4761739009020078", 1, nil, ExceedsLimit},
		{"blocked mastercard", "0200", "5413330089020029", 100, nil, NotPermitted},
		{"unknown processing code", "0200", "4761739001010119", 100, nil, InvalidTxn},
	}
	for _, tt := range tests {
		proc := "000000"
		if tt.name == "unknown processing code" {
			proc = "500000"
		}
		m := msg(t, tt.mti, proc, tt.pan, tt.amount, newRRN())
		if tt.pin != nil {
			m.SetBytes(52, tt.pin)
		}
		r := cl.do(m)
		if got := rcOf(r); got != tt.want {
			t.Errorf("%s: DE 39 = %s, want %s", tt.name, got, tt.want)
			continue
		}
		wantMTI := iso8583.MustMTI(tt.mti) + 10
		if r.MTI != wantMTI {
			t.Errorf("%s: MTI %s", tt.name, r.MTI)
		}
		for _, n := range []int{2, 3, 4, 7, 11, 37, 41, 42, 49} {
			if !r.Has(n) {
				t.Errorf("%s: DE %d not echoed", tt.name, n)
			}
		}
		if r.Has(38) != (tt.want == Approved) {
			t.Errorf("%s: DE 38 present %t", tt.name, r.Has(38))
		}
		if r.Has(52) {
			t.Errorf("%s: the PIN block came back", tt.name)
		}
	}
	// 91 as a chosen fault: nothing moves.
	before := is.Ledger()["4761739001010119"]
	is.AddFault(Fault{RC: IssuerUnavailable, PAN: "4761739001010119", Count: 1})
	if r := cl.do(msg(t, "0200", "000000", "4761739001010119", 100, newRRN())); rcOf(r) != IssuerUnavailable {
		t.Errorf("RC fault: %s", rcOf(r))
	}
	if is.Ledger()["4761739001010119"] != before {
		t.Error("a 91 fault moved money")
	}
	// Format errors: missing DE 3, bad amount.
	m := msg(t, "0200", "000000", "4761739001010119", 100, newRRN())
	m.Unset(3)
	if r := cl.do(m); rcOf(r) != FormatError {
		t.Errorf("missing DE 3: %s", rcOf(r))
	}
	if r := cl.do(msg(t, "0200", "000000", "", 100, newRRN())); rcOf(r) != FormatError {
		t.Errorf("missing DE 2: %s", rcOf(r))
	}
}

func TestExpiryDate(t *testing.T) {
	now := time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC)
	is := New(WithClock(func() time.Time { return now }), WithAccounts(
		Account{PAN: "4761739009020102", Balance: 1000, Status: Active, Expiry: "2912"},
		Account{PAN: "4761739009020011", Balance: 1000, Status: Active, Expiry: "3001"}))
	for pan, want := range map[string]string{"4761739009020102": ExpiredCard, "4761739009020011": Approved} {
		b, _ := msg(t, "0100", "000000", pan, 10, newRRN()).Pack()
		out, err := is.Handle(b)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := iso8583.Unpack(iso8583.ISO1987, out)
		if rcOf(r) != want {
			t.Errorf("%s: %s, want %s", emv.MaskPAN(pan), rcOf(r), want)
		}
	}
}

func TestHoldsCompletionBalance(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "5413330089020037"
	hold := newRRN()
	if r := cl.do(msg(t, "0100", "000000", pan, 4000, hold)); rcOf(r) != Approved {
		t.Fatalf("hold: %s", rcOf(r))
	}
	if is.Ledger()[pan] != 1000000 || is.Holds()[pan] != 4000 {
		t.Fatalf("after hold: ledger %d holds %d", is.Ledger()[pan], is.Holds()[pan])
	}
	if av, _ := is.Available(pan); av != 996000 {
		t.Errorf("available %d", av)
	}
	bal := cl.do(msg(t, "0100", "310000", pan, -1, newRRN()))
	if de54, _ := bal.GetString(54); rcOf(bal) != Approved || de54 != "0002978C000000996000" {
		t.Errorf("balance inquiry: %s DE 54 %q", rcOf(bal), de54)
	}
	// Completion: 0200 linked to the hold by DE 62 releases it and debits.
	comp := msg(t, "0200", "000000", pan, 3500, newRRN())
	comp.SetString(62, "orig="+hold)
	if r := cl.do(comp); rcOf(r) != Approved {
		t.Fatalf("completion: %s", rcOf(r))
	}
	if is.Ledger()[pan] != 996500 || is.Holds()[pan] != 0 {
		t.Errorf("after completion: ledger %d holds %d", is.Ledger()[pan], is.Holds()[pan])
	}
	again := msg(t, "0200", "000000", pan, 100, newRRN())
	again.SetString(62, "orig="+hold)
	if r := cl.do(again); rcOf(r) != NoRecord {
		t.Errorf("second completion of one hold: %s", rcOf(r))
	}
	// A hold reversed is released.
	h2 := newRRN()
	cl.do(msg(t, "0100", "000000", pan, 700, h2))
	rev := msg(t, "0400", "000000", pan, 700, h2)
	if r := cl.do(rev); rcOf(r) != Approved || r.MTI != iso8583.MustMTI("0410") {
		t.Fatalf("reversal of a hold: %v", rcOf(r))
	}
	if is.Holds()[pan] != 0 || is.Ledger()[pan] != 996500 {
		t.Errorf("after reversing the hold: holds %d ledger %d", is.Holds()[pan], is.Ledger()[pan])
	}
	tot := is.Totals()["mastercard"]
	if tot.Debits != (Count{1, 3500}) || tot.Holds != (Count{}) {
		t.Errorf("totals %+v", tot)
	}
}

func TestRefunds(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739001010150"
	start := is.Ledger()[pan]
	orig := newRRN()
	if r := cl.do(msg(t, "0200", "000000", pan, 3000, orig)); rcOf(r) != Approved {
		t.Fatal(rcOf(r))
	}
	refund := func(amount int64, to string) (*iso8583.Message, string) {
		rrn := newRRN()
		m := msg(t, "0200", "200000", pan, amount, rrn)
		if to != "" {
			m.SetString(62, "orig="+to)
		}
		return cl.do(m), rrn
	}
	if r, _ := refund(1000, orig); rcOf(r) != Approved {
		t.Fatalf("refund: %s", rcOf(r))
	}
	r2, rrn2 := refund(2000, orig)
	if rcOf(r2) != Approved {
		t.Fatalf("second refund: %s", rcOf(r2))
	}
	if r, _ := refund(1, orig); rcOf(r) != InvalidAmount {
		t.Errorf("refund beyond the original: %s, want 13", rcOf(r))
	}
	if r, _ := refund(10, "T99999999999"); rcOf(r) != NoRecord {
		t.Errorf("refund of an unknown RRN: %s, want 25", rcOf(r))
	}
	if r, _ := refund(10, ""); rcOf(r) != NoRecord {
		t.Errorf("unlinked refund: %s, want 25", rcOf(r))
	}
	if is.Ledger()[pan] != start {
		t.Errorf("after full refund: %d, want %d", is.Ledger()[pan], start)
	}
	tx, _ := is.Transaction(orig)
	if tx.Refunded != 3000 {
		t.Errorf("refunded %d", tx.Refunded)
	}
	// Reversing a refund takes the credit back, once.
	for i := 0; i < 2; i++ {
		cl.do(msg(t, "0400", "200000", pan, 2000, rrn2))
	}
	if is.Ledger()[pan] != start-2000 {
		t.Errorf("after reversing a refund: %d", is.Ledger()[pan])
	}
	if r, _ := refund(2000, orig); rcOf(r) != Approved {
		t.Errorf("refund again after its reversal: %s", rcOf(r))
	}
	tot := is.Totals()["visa"]
	if tot.Credits != (Count{2, 3000}) || tot.Debits != (Count{1, 3000}) {
		t.Errorf("totals %+v", tot)
	}
}

func TestReversalExactlyOnce(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739001010135"
	start := is.Ledger()[pan]
	orig := newRRN()
	m := msg(t, "0200", "000000", pan, 2500, orig)
	m.SetString(11, "000777")
	if r := cl.do(m); rcOf(r) != Approved {
		t.Fatal(rcOf(r))
	}
	for _, mti := range []string{"0400", "0401", "0420", "0421"} {
		rev := msg(t, mti, "000000", pan, 2500, orig)
		rev.SetString(39, "68")
		r := cl.do(rev)
		want, _ := iso8583.MustMTI(mti).Response()
		if rcOf(r) != Approved || r.MTI != want {
			t.Errorf("%s: %s %s", mti, rcOf(r), r.MTI)
		}
	}
	if is.Ledger()[pan] != start {
		t.Errorf("after 4 reversals: %d, want %d (one credit)", is.Ledger()[pan], start)
	}
	// Unknown original: 00, nothing changes.
	if r := cl.do(msg(t, "0400", "000000", pan, 2500, "T00000000000")); rcOf(r) != Approved || is.Ledger()[pan] != start {
		t.Errorf("unknown reversal: %s", rcOf(r))
	}
	// By DE 90 (no DE 37): original MTI, STAN, DE 7.
	orig2 := newRRN()
	m = msg(t, "0200", "000000", pan, 900, orig2)
	m.SetString(11, "000778")
	cl.do(m)
	rev := msg(t, "0400", "000000", pan, 900, "")
	rev.SetString(90, "0200"+"000778"+"1128120000"+strings.Repeat("0", 22))
	if r := cl.do(rev); rcOf(r) != Approved || is.Ledger()[pan] != start {
		t.Errorf("reversal by DE 90: %s, ledger %d", rcOf(r), is.Ledger()[pan])
	}
	if tx, _ := is.Transaction(orig2); !tx.Reversed {
		t.Error("not marked reversed")
	}
	// Void (0200 proc 02) of the original amount reverses; another amount is 13.
	orig3 := newRRN()
	cl.do(msg(t, "0200", "000000", pan, 1200, orig3))
	v := msg(t, "0200", "020000", pan, 1000, newRRN())
	v.SetString(62, "orig="+orig3)
	if r := cl.do(v); rcOf(r) != InvalidAmount {
		t.Errorf("void of another amount: %s", rcOf(r))
	}
	v = msg(t, "0200", "020000", pan, 1200, newRRN())
	v.SetString(62, "orig="+orig3)
	if r := cl.do(v); rcOf(r) != Approved || is.Ledger()[pan] != start {
		t.Errorf("void: %s ledger %d", rcOf(r), is.Ledger()[pan])
	}
	if tot := is.Totals()["visa"]; tot.Debits != (Count{}) {
		t.Errorf("totals after reversals %+v", tot)
	}
}

func TestAdviceDebitsWithoutChecks(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739009020037" // blocked: an advice is already approved offline
	start := is.Ledger()[pan]
	rrn := newRRN()
	adv := msg(t, "0220", "000000", pan, 4200, rrn)
	adv.SetTLV(55, []emv.TLV{{Tag: emv.TagCryptogram, Value: make([]byte, 8)}, {Tag: emv.TagCID, Value: []byte{0x40}}})
	r := cl.do(adv)
	if rcOf(r) != Approved || r.MTI != iso8583.MustMTI("0230") {
		t.Fatalf("advice: %s %v", rcOf(r), r.MTI)
	}
	rep := msg(t, "0221", "000000", pan, 4200, rrn) // repeat: same answer, no second debit
	if r := cl.do(rep); rcOf(r) != Approved {
		t.Errorf("repeat: %s", rcOf(r))
	}
	if is.Ledger()[pan] != start-4200 {
		t.Errorf("ledger %d, want %d", is.Ledger()[pan], start-4200)
	}
	if tx, _ := is.Transaction(rrn); tx.Kind != KindAdvice || tx.ARQC.Result != ARQCNotChecked {
		t.Errorf("advice record %+v", tx)
	}
	if r := cl.do(msg(t, "0220", "000000", "4761739009029999", 100, newRRN())); rcOf(r) != InvalidCard {
		t.Errorf("advice for no account: %s", rcOf(r))
	}
}

func TestDuplicateRRNGetsFirstAnswer(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739001010143"
	start := is.Ledger()[pan]
	rrn := newRRN()
	first := cl.do(msg(t, "0200", "000000", pan, 100, rrn))
	second := cl.do(msg(t, "0200", "000000", pan, 100, rrn))
	a1, _ := first.GetString(38)
	a2, _ := second.GetString(38)
	s1, _ := first.GetString(11)
	s2, _ := second.GetString(11)
	if rcOf(second) != Approved || a1 != a2 || s1 == s2 {
		t.Errorf("duplicate: rc %s, auth %q/%q, STAN %s/%s (want the first answer with the new STAN)", rcOf(second), a1, a2, s1, s2)
	}
	if is.Ledger()[pan] != start-100 || len(is.Transactions()) != 1 {
		t.Errorf("ledger %d, %d transactions", is.Ledger()[pan], len(is.Transactions()))
	}
}

func TestEchoAndGarbage(t *testing.T) {
	_, addr := startIssuer(t)
	cl := newClient(t, addr)
	echo := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0800"))
	echo.SetString(7, "1128120000")
	echo.SetString(70, "301")
	r := cl.do(echo)
	if rcOf(r) != Approved || r.MTI != iso8583.MustMTI("0810") {
		t.Fatalf("echo: %s", rcOf(r))
	}
	if v, _ := r.GetString(70); v != "301" {
		t.Errorf("DE 70 %q", v)
	}
	iso8583.DefaultFraming.Write(cl.c, iso8583.TPDU{}, []byte("garbage!"))
	iso8583.DefaultFraming.Write(cl.c, iso8583.TPDU{}, nil) // keep-alive
	if r := cl.do(msg(t, "0200", "000000", "4761739001010119", 100, newRRN())); rcOf(r) != Approved {
		t.Errorf("after garbage and a keep-alive: %s", rcOf(r))
	}
}

func TestStartAddrAndContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	is, err := Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if is.Addr() == nil {
		t.Fatal("no address")
	}
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", is.Addr().String(), 100*time.Millisecond); err != nil {
			return
		} else {
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("still listening after the context ended")
}

func TestMaxTransactionsForgetsTheOldest(t *testing.T) {
	is := New(WithMaxTransactions(2), WithAccounts(Account{PAN: panOK, Balance: 1000, Status: Active}))
	var rrns []string
	for i := 0; i < 3; i++ {
		rrns = append(rrns, newRRN())
		m := msg(t, "0200", "000000", panOK, 10, rrns[i])
		m.SetString(11, "00000"+string(rune('1'+i)))
		b, _ := m.Pack()
		if _, err := is.Handle(b); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := is.Transaction(rrns[0]); ok || len(is.Transactions()) != 2 || len(is.byOrig) != 2 {
		t.Errorf("kept %d transactions, %d DE 90 keys", len(is.Transactions()), len(is.byOrig))
	}
	if tot := is.Totals()[""]; tot.Debits != (Count{3, 30}) || is.Ledger()[panOK] != 970 {
		t.Errorf("totals %+v ledger %d", tot, is.Ledger()[panOK])
	}
}

func TestPANFromICCWhenNoDE2(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	ct := newCardTxn(t, "mc-cda", 800)
	m := msg(t, "0200", "000000", "", 800, newRRN())
	pan := emv.PackCN(ct.app.PAN, 10)
	m.SetTLV(55, append(ct.de55(), emv.TLV{Tag: emv.TagPAN, Value: pan}))
	r := cl.do(m)
	if rcOf(r) != Approved {
		t.Fatalf("DE 39 %s", rcOf(r))
	}
	rrn, _ := r.GetString(37)
	if tx, _ := is.Transaction(rrn); tx.PAN != ct.app.PAN || tx.ARQC.Result != ARQCVerified {
		t.Errorf("transaction %v", tx)
	}
}

func TestTransactionsSnapshotMasksPAN(t *testing.T) {
	is, addr := startIssuer(t)
	cl := newClient(t, addr)
	const pan = "4761739001010119"
	rrns := []string{newRRN(), newRRN(), newRRN()}
	cl.do(msg(t, "0100", "000000", pan, 100, rrns[0]))
	cl.do(msg(t, "0200", "000000", "4761739009029999", 100, rrns[1]))
	ref := msg(t, "0200", "200000", pan, 100, rrns[2])
	ref.SetString(62, "orig="+rrns[0])
	cl.do(ref)
	txs := is.Transactions()
	if len(txs) != 3 {
		t.Fatalf("%d transactions", len(txs))
	}
	want := []struct {
		kind Kind
		rc   string
	}{{KindHold, Approved}, {KindPurchase, InvalidCard}, {KindRefund, NoRecord}} // a hold is not refundable
	for i, w := range want {
		tx := txs[i]
		if tx.RRN != rrns[i] || tx.Kind != w.kind || tx.RC != w.rc || tx.Seq <= 0 || tx.At.IsZero() || tx.ARQC.Result != ARQCNotChecked {
			t.Errorf("transaction %d: %+v", i, tx)
		}
		if s := tx.String(); strings.Contains(s, tx.PAN) || !strings.Contains(s, emv.MaskPAN(tx.PAN)) {
			t.Errorf("String() does not mask the PAN: %s", s)
		}
	}
	if txs[0].AuthCode == "" || txs[1].AuthCode != "" || txs[2].Orig != "" && txs[2].Orig != rrns[0] {
		t.Errorf("auth codes %q %q, orig %q", txs[0].AuthCode, txs[1].AuthCode, txs[2].Orig)
	}
	if tot := is.Totals(); tot["visa"].Holds != (Count{1, 100}) {
		t.Errorf("totals %+v", tot)
	}
}

// TestKeysUnknown: a lab's real test card, of a range whose keys the issuer
// does not hold, is decided on its account and its ARQC recorded as not
// checked — never as verified, nor failed — with no ARPC in the answer.
func TestKeysUnknown(t *testing.T) {
	bin, err := ParseBIN("6011")
	if err != nil {
		t.Fatal(err)
	}
	bin.Scheme, bin.KeysUnknown = "discover", true
	is := New(WithBINs(bin), WithAccounts(Account{PAN: "6011000000000004", Balance: 100, Status: Active}))
	rrn := newRRN()
	m := msg(t, "0100", "000000", "6011000000000004", 10, rrn)
	m.SetTLV(55, newCardTxn(t, "visa-cda-online", 10).de55())
	b, _ := m.Pack()
	out, err := is.Handle(b)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := iso8583.Unpack(iso8583.ISO1987, out)
	if rcOf(r) != Approved {
		t.Errorf("DE 39 %s, want 00 on the account alone", rcOf(r))
	}
	tx, ok := is.Transaction(rrn)
	if !ok || tx.ARQC.Result != ARQCNotChecked || tx.ARQC.Reason != errKeysUnknown.Error() || tx.ARQC.Result.String() != "not checked" {
		t.Errorf("ARQC check %+v, want not checked (keys unknown)", tx.ARQC)
	}
	if resp, err := r.GetTLV(55); err == nil {
		if _, arpc := emv.Flatten(resp)[0x91]; arpc {
			t.Error("an ARPC without the card's keys")
		}
	}
	// Declared unknown and given a key profile at once is refused.
	_, err = ParseConfig("x", []byte("name: x\nbins:\n  - {range: \"6011\", scheme: discover, keys: unknown, profile: mc-dda}\n"))
	if err == nil || !strings.Contains(err.Error(), "bins[0].keys") {
		t.Errorf("keys: unknown with a profile: %v, want a refusal naming bins[0].keys", err)
	}
}
