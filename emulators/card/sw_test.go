package card

import (
	"bytes"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

// TestStatusWords drives each command into each of its status words.
func TestStatusWords(t *testing.T) {
	const aid = "F0544553541010"
	type step struct {
		apdu string
		sw   uint16
	}
	sel := "00A404000" + "7" + aid + "00"
	gpo := "80A8000006830400560978" + "00" // PDOL 9F1A02 5F2A02
	tests := []struct {
		name    string
		profile string
		steps   []step
	}{
		{"SELECT full name", "visa-cda-online", []step{{sel, 0x9000}}},
		{"SELECT partial name", "visa-cda-online", []step{{"00A4040005F05445535400", 0x9000}}},
		{"SELECT unknown", "visa-cda-online", []step{{"00A4040005A00000000300", 0x6A82}}},
		{"SELECT bad P1P2", "visa-cda-online", []step{{"00A4000007" + aid + "00", 0x6A86}}},
		{"SELECT next with no other occurrence", "visa-cda-online", []step{{sel, 0x9000}, {"00A4040207" + aid + "00", 0x6A82}}},
		{"SELECT PSE absent", "no-pse", []step{{"00A404000E315041592E5359532E444446303100", 0x6A82}}},
		{"SELECT blocked application", "blocked-app", []step{{sel, 0x6283}, {gpo, 0x6985}}},
		{"SELECT on blocked card", "blocked-card", []step{{sel, 0x6A81}, {"00B2010C00", 0x6A81}}},
		{"GPO without SELECT", "visa-cda-online", []step{{gpo, 0x6985}}},
		{"GPO wrong PDOL length", "visa-cda-online", []step{{sel, 0x9000}, {"80A80000028300" + "00", 0x6700}}},
		{"GPO not tag 83", "visa-cda-online", []step{{sel, 0x9000}, {"80A8000006840400560978" + "00", 0x6A80}}},
		{"GPO twice", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {gpo, 0x6985}}},
		{"READ RECORD", "visa-cda-online", []step{{sel, 0x9000}, {"00B2010C00", 0x9000}}},
		{"READ RECORD past the last", "visa-cda-online", []step{{sel, 0x9000}, {"00B2200C00", 0x6A83}}},
		{"READ RECORD unknown SFI", "visa-cda-online", []step{{sel, 0x9000}, {"00B2014C00", 0x6A82}}},
		{"READ RECORD bad P2", "visa-cda-online", []step{{sel, 0x9000}, {"00B2010800", 0x6A86}}},
		{"GET DATA ATC", "visa-cda-online", []step{{sel, 0x9000}, {"80CA9F3600", 0x9000}}},
		{"GET DATA PIN try counter", "visa-cda-online", []step{{sel, 0x9000}, {"80CA9F1700", 0x9000}}},
		{"GET DATA log format absent", "visa-cda-online", []step{{sel, 0x9000}, {"80CA9F4F00", 0x6A88}}},
		{"GET DATA PAN refused", "visa-cda-online", []step{{sel, 0x9000}, {"80CA005A00", 0x6A88}}},
		{"GET CHALLENGE", "visa-cda-online", []step{{"0084000000", 0x9000}}},
		{"VERIFY before GPO", "visa-cda-online", []step{{sel, 0x9000}, {"0020008008241234FFFFFFFFFF", 0x6985}}},
		{"VERIFY tries left", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"0020008000", 0x63C3}}},
		{"VERIFY wrong PIN", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"0020008008241111FFFFFFFFFF", 0x63C2}}},
		{"VERIFY bad block", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"0020008008FF1111FFFFFFFFFF", 0x6A80}}},
		{"VERIFY enciphered without challenge", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"0020008808" + "0102030405060708", 0x6985}}},
		{"VERIFY no PIN on card", "multi-app", []step{{sel, 0x9000}, {gpo[:8] + "0283" + "00" + "00", 0x9000}, {"0020008008241234FFFFFFFFFF", 0x6A88}}},
		{"INTERNAL AUTHENTICATE before GPO", "visa-cda-online", []step{{sel, 0x9000}, {"008800000401020304" + "00", 0x6985}}},
		{"INTERNAL AUTHENTICATE", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"008800000401020304" + "00", 0x9000}}},
		{"GENERATE AC before GPO", "visa-cda-online", []step{{sel, 0x9000}, {"80AE800000", 0x6985}}},
		{"GENERATE AC wrong CDOL length", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"80AE80000100" + "00", 0x6700}}},
		{"GENERATE AC RFU type", "visa-cda-online", []step{{sel, 0x9000}, {gpo, 0x9000}, {"80AEC00000", 0x6A86}}},
		{"EXTERNAL AUTHENTICATE out of sequence", "visa-cda-online", []step{{sel, 0x9000}, {"008200000A00000000000000000000", 0x6985}}},
		{"unknown INS", "visa-cda-online", []step{{"00FE000000", 0x6D00}}},
		{"unknown CLA", "visa-cda-online", []step{{"A0A4040000", 0x6E00}}},
		{"truncated APDU", "visa-cda-online", []step{{"00A4", 0x6700}}},
		{"GET RESPONSE with nothing held", "visa-cda-online", []step{{"00C0000000", 0x6985}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := openCard(t, tc.profile)
			tt := newTerm(t, c, p.Apps[0])
			for i, s := range tc.steps {
				if _, sw := tt.tx(mustHex(s.apdu)); sw != s.sw {
					t.Fatalf("step %d %s: SW %04X, want %04X", i, s.apdu, sw, s.sw)
				}
			}
		})
	}
}

func TestPINTryLimit(t *testing.T) {
	c, p := openCard(t, "visa-sda-offline")
	tt := newTerm(t, c, p.Apps[0])
	tt.start()
	wrong, _ := oda.PINBlock("0000")
	right, _ := oda.PINBlock("1234")
	for i, want := range []uint16{0x63C2, 0x63C1, 0x63C0, 0x6983} {
		if _, sw := tt.cmd(emv.Verify(emv.VerifyPlaintextPIN, wrong)); sw != want {
			t.Fatalf("wrong PIN %d: SW %04X, want %04X", i+1, sw, want)
		}
	}
	if _, sw := tt.cmd(emv.Verify(emv.VerifyPlaintextPIN, right)); sw != emv.SWAuthMethodBlocked {
		t.Fatalf("right PIN after the limit: SW %04X, want 6983", sw)
	}
	gd, _ := emv.GetData(0x9F17)
	if d := tt.must(gd, "GET DATA 9F17"); !bytes.Equal(d, mustHex("9F170100")) {
		t.Errorf("PIN try counter % X", d)
	}
	res, _, _ := tt.genAC(emv.RefControlTC, 0x8C)
	cvr, _ := emv.ParseVisaCVR(res.iad[3:7])
	if !cvr.Has(emv.VisaCVRPINTryLimitExceeded) || !cvr.Has(emv.VisaCVROfflinePINFailed) {
		t.Errorf("CVR %s", cvr)
	}

	// A right PIN resets the counter.
	p2, _ := LoadProfile("visa-sda-offline")
	c2, _ := New(p2, WithSeed(4))
	tt = newTerm(t, c2, p2.Apps[0])
	tt.start()
	tt.cmd(emv.Verify(emv.VerifyPlaintextPIN, wrong))
	tt.must(emv.Verify(emv.VerifyPlaintextPIN, right), "right PIN")
	if st := c2.Snapshot().Apps[0]; st.PINTryCounter != 3 {
		t.Errorf("counter %d after a right PIN", st.PINTryCounter)
	}
}

func TestEncipheredPINChallenge(t *testing.T) {
	c, p := openCard(t, "visa-cda-online")
	tt := newTerm(t, c, p.Apps[0])
	tt.start()
	tt.recoverKeys()
	blk, _ := oda.PINBlock("1234")
	ch := tt.must(emv.GetChallenge(), "GET CHALLENGE")
	stale := append([]byte(nil), ch...)
	stale[0] ^= 1
	enc, _ := oda.EncipherPIN(*tt.pinKey, blk, stale, bytes.NewReader(make([]byte, 512)))
	if _, sw := tt.cmd(emv.Verify(emv.VerifyEncipheredPIN, enc)); sw != emv.SWWrongData {
		t.Errorf("wrong challenge: SW %04X, want 6A80", sw)
	}
	// The challenge is spent: the right one now fails too.
	enc, _ = oda.EncipherPIN(*tt.pinKey, blk, ch, bytes.NewReader(make([]byte, 512)))
	if _, sw := tt.cmd(emv.Verify(emv.VerifyEncipheredPIN, enc)); sw != emv.SWConditionsNotSatisfied {
		t.Errorf("reused challenge: SW %04X, want 6985", sw)
	}
	wrong, _ := oda.PINBlock("9999")
	ch = tt.must(emv.GetChallenge(), "GET CHALLENGE")
	enc, _ = oda.EncipherPIN(*tt.pinKey, wrong, ch, bytes.NewReader(make([]byte, 512)))
	if _, sw := tt.cmd(emv.Verify(emv.VerifyEncipheredPIN, enc)); sw != 0x63C2 {
		t.Errorf("wrong enciphered PIN: SW %04X, want 63C2", sw)
	}
}

func TestSelection(t *testing.T) {
	c, p := openCard(t, "multi-app")
	tt := newTerm(t, c, p.Apps[0])
	tt.must(emv.SelectByName([]byte("1PAY.SYS.DDF01"), false), "SELECT PSE")
	for rec, want := range []string{p.Apps[0].AID, p.Apps[1].AID} {
		rc, _ := emv.ReadRecord(1, byte(rec+1))
		objs, _ := emv.Decode(tt.must(rc, "READ directory"))
		aid, _ := emv.Find(objs, 0x4F)
		prio, _ := emv.Find(objs, 0x87)
		if hexs(aid.Value) != want || int(prio.Value[0]) != p.Apps[rec].Priority {
			t.Errorf("directory record %d: AID %X priority % X", rec+1, aid.Value, prio.Value)
		}
	}
	// Partial selection with next occurrence walks both applications (Book 1, 12.3.3).
	partial := mustHex("F054455354")
	fci := tt.must(emv.SelectByName(partial, false), "SELECT first")
	objs, _ := emv.Decode(fci)
	if df, _ := emv.Find(objs, 0x84); hexs(df.Value) != p.Apps[0].AID {
		t.Errorf("first occurrence %X", df.Value)
	}
	fci = tt.must(emv.SelectByName(partial, true), "SELECT next")
	objs, _ = emv.Decode(fci)
	if df, _ := emv.Find(objs, 0x84); hexs(df.Value) != p.Apps[1].AID {
		t.Errorf("next occurrence %X", df.Value)
	}
	if _, sw := tt.cmd(emv.SelectByName(partial, true)); sw != emv.SWFileNotFound {
		t.Errorf("past the last occurrence: SW %04X", sw)
	}
	if s := c.Snapshot(); s.Selected != nil {
		t.Errorf("selection after a failed SELECT: %X", s.Selected)
	}
}
