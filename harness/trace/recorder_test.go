package trace

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv"
)

// Test card data: the PAN is one of fixtures/cards, the name and track 2
// are made up for this test.
const (
	testPAN    = "4761739001010119"
	testName   = "PAYLAB/TEST CARDHOLDER"
	testTrack2 = "4761739001010119D29122010000012300000F"
	testPIN    = "1234"
)

var t0 = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

func tlv(tag emv.Tag, v []byte, children ...emv.TLV) emv.TLV {
	return emv.TLV{Tag: tag, Value: v, Children: children}
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func ok(data ...emv.TLV) []byte { return append(emv.Encode(data...), 0x90, 0x00) }

func enc(t *testing.T, c emv.Command) []byte {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// purchase records a realistic contact purchase: PSE, final SELECT with a
// PDOL, GPO, two records with track 2, name and PAN, a plaintext PIN VERIFY,
// GENERATE AC ARQC with CDA, a transport failure that quotes the PAN.
func purchase(t *testing.T, r *Recorder) {
	t.Helper()
	aid := unhex("A0000000031010")
	at := t0
	step := func() time.Time { at = at.Add(3 * time.Millisecond); return at }

	r.APDU("select PSE", enc(t, emv.SelectByName([]byte("1PAY.SYS.DDF01"), false)),
		ok(tlv(0x6F, nil, tlv(0x84, []byte("1PAY.SYS.DDF01")), tlv(0xA5, nil, tlv(0x88, []byte{1})))), step())
	rr, _ := emv.ReadRecord(1, 1)
	r.APDU("", enc(t, rr), ok(tlv(0x70, nil, tlv(0x61, nil, tlv(0x4F, aid), tlv(0x50, []byte("VISA CREDIT")), tlv(0x87, []byte{1})))), step())
	r.APDU("", enc(t, emv.SelectByName(aid, false)), ok(tlv(0x6F, nil, tlv(0x84, aid),
		tlv(0xA5, nil, tlv(0x50, []byte("VISA CREDIT")), tlv(0x9F38, unhex("9F0206 9F1A02 9F3704"))))), step())
	r.APDU("", enc(t, emv.GetProcessingOptions(unhex("000000001000 0840 ABCDEF01"))),
		ok(tlv(0x77, nil, tlv(0x82, unhex("3C00")), tlv(0x94, unhex("08010200")))), step())
	rr, _ = emv.ReadRecord(1, 1)
	r.APDU("", enc(t, rr), ok(tlv(0x70, nil, tlv(0x57, unhex(testTrack2)), tlv(0x5F20, []byte(testName)),
		tlv(0x9F1F, []byte("778899000111")))), step())
	rr, _ = emv.ReadRecord(1, 2)
	r.APDU("", enc(t, rr), ok(tlv(0x70, nil, tlv(0x5A, unhex(testPAN)), tlv(0x5F24, unhex("291231")),
		tlv(0x8C, unhex("9F0206 9F1A02 9505 5F2A02 9A03 9C01 9F3704")), tlv(0x8D, unhex("8A02 9F3704")),
		tlv(0x8E, unhex("00000000 00000000 4103 1E03 1F00")))), step())
	r.APDU("pin", enc(t, emv.Verify(emv.VerifyPlaintextPIN, unhex("24"+testPIN+"FFFFFFFFFF"))), []byte{0x90, 0x00}, step())
	r.APDU("", enc(t, emv.GenerateAC(emv.RefControlARQC|emv.RefControlCDA, unhex("000000001000 0840 0000008000 0840 261128 00 ABCDEF01"))),
		ok(tlv(0x77, nil, tlv(0x9F27, []byte{0x80}), tlv(0x9F36, unhex("0007")), tlv(0x9F4B, unhex("9A9B9C9D9E9F")),
			tlv(0x9F10, unhex("06010A03A00000")))), step())
	r.APDUError("", enc(t, emv.GetChallenge()), errors.New("reader lost card "+testPAN+" mid-command"), step())
}

func TestNoSensitiveDataInAnyOutput(t *testing.T) {
	r := New()
	purchase(t, r)
	entries := r.Entries()
	if len(entries) != 9 {
		t.Fatalf("%d entries, want 9", len(entries))
	}
	js, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"Render": r.String(), "JSON": string(js), "Entries": fmt.Sprintf("%+v %#v", entries, entries)}
	var failing errWriter
	if err := r.Render(failing); err != nil {
		outputs["error"] = err.Error()
	} else {
		t.Error("Render to a failing writer succeeded")
	}
	forbidden := []string{testPAN, testPAN[:13], testPAN[3:], testName, "TEST CARDHOLDER",
		strings.ToUpper(hex.EncodeToString([]byte(testName))), testTrack2[:20], "29122010000012300000",
		"778899000111", testPIN, "24" + testPIN + "FFFF"}
	for name, out := range outputs {
		flat := strings.NewReplacer(" ", "", "\n", "", "\\n", "").Replace(out)
		for _, f := range forbidden {
			if strings.Contains(out, f) || strings.Contains(flat, f) {
				t.Errorf("%s output contains %q:\n%s", name, f, out)
			}
		}
	}
	render := outputs["Render"]
	for _, want := range []string{
		"476173******0119", // first six and last four, PCI DSS 3.4.1
		`SELECT "1PAY.SYS.DDF01"`, "SELECT A0000000031010", "GET PROCESSING OPTIONS", "READ RECORD SFI 1 record 2",
		"VERIFY plaintext PIN", "GENERATE AC ARQC+CDA", "GET CHALLENGE", "9000 normal processing",
		"PDOL data:", "CDOL1 data:", "9F02 [6] Amount, Authorised", "Cryptogram Information Data",
		"0020008008****************", "5A08****************", "error  reader lost card 476173******0119",
		"[pin] VERIFY", "+0.021s",
	} {
		if !strings.Contains(render, want) {
			t.Errorf("Render lacks %q:\n%s", want, render)
		}
	}
	if t.Failed() {
		return
	}
	t.Log("\n" + render)
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A DOL that asks for sensitive data (a CDOL naming the PAN) gets those
// bytes masked in the command too.
func TestSensitiveDOLData(t *testing.T) {
	r := New()
	rr, _ := emv.ReadRecord(2, 1)
	r.APDU("", enc(t, rr), ok(tlv(0x70, nil, tlv(0x8C, unhex("5A08 9F3704")))), t0)
	r.APDU("", enc(t, emv.GenerateAC(emv.RefControlTC, unhex(testPAN+"11223344"))), []byte{0x69, 0x85}, t0)
	out := r.String()
	if strings.Contains(out, testPAN) || !strings.Contains(out, "476173******0119") || !strings.Contains(out, "11223344") {
		t.Errorf("CDOL data with a PAN:\n%s", out)
	}
	if e := r.Entries()[1]; e.SW != 0x6985 || !strings.HasPrefix(e.Status, "6985 ") {
		t.Errorf("status %04X %q", e.SW, e.Status)
	}
}

// Data of unknown structure: a GPO without a known PDOL, an issuer script
// command, an unparsable command, a short response.
func TestOpaqueData(t *testing.T) {
	r := New()
	r.APDU("", enc(t, emv.GetProcessingOptions(unhex(testPAN+"0840"))), []byte{0x69, 0x85}, t0)
	r.APDU("", unhex("84DC010C0E"+"5A08"+testPAN+"0102030405"), []byte{0x90, 0x00}, t0)
	r.APDU("", unhex("00"+testPAN), unhex("5A08"+testPAN), t0)
	r.APDU("", unhex("80CA9F1700"), []byte{0x63}, t0)
	// A record whose template length is one short: not BER-TLV, yet the
	// name and PAN inside are found and masked.
	r.APDU("", unhex("00B2010C00"), unhex("70195A08"+testPAN+"5F200D"+hex.EncodeToString([]byte("PAYLAB/CARDHO"))+"9000"), t0)
	r.APDU("", enc(t, emv.Command{CLA: 0x84, INS: emv.InsPINChangeUnblock, P2: 0x02, Data: unhex("1122334455667788AABBCCDD")}), []byte{0x90, 0x00}, t0)
	out := r.String()
	if strings.Contains(out, testPAN) || strings.Contains(out, "1122334455667788") ||
		strings.Contains(out, strings.ToUpper(hex.EncodeToString([]byte("CARDHO")))) {
		t.Errorf("opaque data leaks:\n%s", out)
	}
	for _, want := range []string{"PDOL unknown", "UPDATE RECORD SFI 1 record 1 (secure messaging)", "unparsable command",
		"GET DATA 9F17 Personal Identification Number (PIN) Try Counter", "PIN CHANGE/UNBLOCK (secure messaging)", "(28 bytes, not BER-TLV)"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

func TestConcurrentRecording(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				r.APDU(fmt.Sprint(i), unhex("00B2010C00"), ok(tlv(0x5A, unhex(testPAN))), t0.Add(time.Duration(j)))
				_ = r.Len()
			}
		})
	}
	wg.Wait()
	es := r.Entries()
	if len(es) != 400 {
		t.Fatalf("%d entries", len(es))
	}
	for i, e := range es {
		if e.Seq != i+1 {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
	}
}

func BenchmarkRecordReadRecord(b *testing.B) {
	capdu := unhex("00B2010C00")
	rapdu := ok(tlv(0x70, nil, tlv(0x57, unhex(testTrack2)), tlv(0x5F20, []byte(testName)), tlv(0x5A, unhex(testPAN)),
		tlv(0x8C, unhex("9F0206 9F1A02 9505 5F2A02 9A03 9C01 9F3704"))))
	r := New()
	b.ReportAllocs()
	for b.Loop() {
		r.APDU("", capdu, rapdu, t0)
		if r.Len() > 1000 {
			r = New()
		}
	}
}

// The first GENERATE AC after a SELECT carries CDOL1 data, the next CDOL2
// data (EMV Book 3, 9.2); a new SELECT forgets the DOLs of the last card
// application.
func TestSessionDOLs(t *testing.T) {
	r := New()
	aid := unhex("A0000000041010")
	r.APDU("", enc(t, emv.SelectByName(aid, false)), ok(tlv(0x6F, nil, tlv(0x84, aid))), t0)
	rr, _ := emv.ReadRecord(1, 1)
	r.APDU("", enc(t, rr), ok(tlv(0x70, nil, tlv(0x8C, unhex("9F3704")), tlv(0x8D, unhex("8A02 9F3704")))), t0)
	r.APDU("", enc(t, emv.GenerateAC(emv.RefControlARQC, unhex("AABBCCDD"))), []byte{0x90, 0x00}, t0)
	r.APDU("", enc(t, emv.GenerateAC(emv.RefControlTC, unhex("3030 AABBCCDD"))), []byte{0x90, 0x00}, t0)
	r.APDU("step 4455667788990011", enc(t, emv.SelectByName(aid, false)), ok(tlv(0x6F, nil, tlv(0x84, aid))), t0)
	r.APDU("", enc(t, emv.GenerateAC(emv.RefControlAAC, unhex("AABBCCDD"))), []byte{0x90, 0x00}, t0)
	es := r.Entries()
	for i, want := range map[int]string{2: "CDOL1 data:\n  9F37 [4]", 3: "CDOL2 data:\n  8A [2] Authorisation Response Code: 3030", 5: "CDOL1 unknown"} {
		if !strings.HasPrefix(es[i].CommandData, want) {
			t.Errorf("entry %d: command data %q, want prefix %q", i+1, es[i].CommandData, want)
		}
	}
	if es[4].Step != "step 445566******0011" {
		t.Errorf("step label %q: digit runs are masked", es[4].Step)
	}
	if es[2].Command != "GENERATE AC ARQC" || es[5].Command != "GENERATE AC AAC" {
		t.Errorf("commands %q, %q", es[2].Command, es[5].Command)
	}
}
