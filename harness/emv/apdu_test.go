package emv

import (
	"bytes"
	"errors"
	"testing"
)

func TestCommandEncodeParse(t *testing.T) {
	d := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	tests := []struct {
		name string
		cmd  Command
		want []byte
		cas  int
	}{
		{"case 1", Command{CLA: 0x80, INS: 0xCA, P1: 0x9F, P2: 0x17}, tlvHex(t, "80CA9F17"), 1},
		{"case 2S", Command{INS: 0x84, Le: 8, HasLe: true}, tlvHex(t, "0084000008"), 2},
		{"case 2S Le 256 as 00", Command{INS: 0x84, Le: 256, HasLe: true}, tlvHex(t, "0084000000"), 2},
		{"case 2E Le 257", Command{INS: 0xC0, Le: 257, HasLe: true}, tlvHex(t, "00C00000 000101"), 2},
		{"case 2E Le 65536 as 0000", Command{INS: 0xC0, Le: 65536, HasLe: true}, tlvHex(t, "00C00000 000000"), 2},
		{"case 2E forced", Command{INS: 0xC0, Le: 16, HasLe: true, Extended: true}, tlvHex(t, "00C00000 000010"), 2},
		{"case 3S", Command{INS: 0x20, P2: 0x80, Data: tlvHex(t, "241234FFFFFFFFFF")}, tlvHex(t, "00200080 08 241234FFFFFFFFFF"), 3},
		{"case 3S 255", Command{INS: 0xDA, Data: d(255)}, append(tlvHex(t, "00DA0000FF"), d(255)...), 3},
		{"case 3E 256", Command{INS: 0xDA, Data: d(256)}, append(tlvHex(t, "00DA0000 000100"), d(256)...), 3},
		{"case 3E forced", Command{INS: 0xDA, Data: d(2), Extended: true}, tlvHex(t, "00DA0000 000002 0001"), 3},
		{"case 4S", Command{INS: 0xA4, P1: 0x04, Data: []byte("1PAY.SYS.DDF01"), Le: 256, HasLe: true},
			tlvHex(t, "00A404000E315041592E5359532E444446303100"), 4},
		{"case 4E by data", Command{INS: 0x88, Data: d(300), Le: 256, HasLe: true},
			append(append(tlvHex(t, "00880000 00012C"), d(300)...), 0x01, 0x00), 4},
		{"case 4E by Le", Command{INS: 0x88, Data: d(4), Le: 65536, HasLe: true},
			tlvHex(t, "00880000 000004 00010203 0000"), 4},
		{"case 4E Le 300", Command{INS: 0x88, Data: d(1), Le: 300, HasLe: true},
			tlvHex(t, "00880000 000001 00 012C"), 4},
		{"case 4E max", Command{INS: 0xDA, Data: d(65535), Le: 65536, HasLe: true},
			append(append(tlvHex(t, "00DA0000 00FFFF"), d(65535)...), 0, 0), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := tt.cmd.Case(); c != tt.cas {
				t.Errorf("Case = %d, want %d", c, tt.cas)
			}
			got, err := tt.cmd.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Encode = %X, want %X", apduHead(got), apduHead(tt.want))
			}
			if cap(got) != len(got) {
				t.Errorf("Encode preallocated %d for %d bytes", cap(got), len(got))
			}
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			want := tt.cmd
			if want.HasLe && want.Le == 0 {
				want.Le = 256
			}
			want.Extended = len(got) > 4 && got[4] == 0 && len(got) > 5
			if !commandsEqual(back, want) {
				t.Errorf("ParseCommand = %+v, want %+v", back, want)
			}
			if again, _ := back.Encode(); !bytes.Equal(again, got) {
				t.Errorf("re-encode %X", apduHead(again))
			}
		})
	}
}

func apduHead(b []byte) []byte { return b[:min(len(b), 16)] }

func commandsEqual(a, b Command) bool {
	return a.CLA == b.CLA && a.INS == b.INS && a.P1 == b.P1 && a.P2 == b.P2 &&
		bytes.Equal(a.Data, b.Data) && a.HasLe == b.HasLe && (!a.HasLe || a.Le == b.Le) && a.Extended == b.Extended
}

func TestCommandEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want error
	}{
		{"data too long", Command{Data: make([]byte, 65536)}, ErrCommandDataTooLong},
		{"Le too big", Command{Le: 65537, HasLe: true}, ErrCommandLe},
		{"Le negative", Command{Le: -1, HasLe: true}, ErrCommandLe},
	}
	for _, tt := range tests {
		if b, err := tt.cmd.Encode(); !errors.Is(err, tt.want) {
			t.Errorf("%s: Encode = %X, %v; want %v", tt.name, apduHead(b), err, tt.want)
		}
	}
	// Le is ignored without HasLe.
	if b, err := (Command{INS: 0x84, Le: -5}).Encode(); err != nil || !bytes.Equal(b, tlvHex(t, "00840000")) {
		t.Errorf("Le without HasLe: %X, %v", b, err)
	}
}

func TestParseCommandCases(t *testing.T) {
	tests := []struct {
		in    string
		data  string
		le    int
		hasLe bool
		ext   bool
	}{
		{"00A40400", "", 0, false, false},
		{"00B2010C00", "", 256, true, false},
		{"00B2010C1D", "", 29, true, false},
		{"00200080 02 1234", "1234", 0, false, false},
		{"80A80000 02 8300 00", "8300", 256, true, false},
		{"80A80000 02 8300 10", "8300", 16, true, false},
		{"00C00000 000000", "", 65536, true, true},
		{"00C00000 000100", "", 256, true, true},
		{"00DA0000 000002 1234", "1234", 0, false, true},
		{"00DA0000 000002 1234 0000", "1234", 65536, true, true},
		{"00DA0000 000002 1234 0020", "1234", 32, true, true},
	}
	for _, tt := range tests {
		in := tlvHex(t, tt.in)
		c, err := ParseCommand(in)
		if err != nil {
			t.Errorf("ParseCommand(%s): %v", tt.in, err)
			continue
		}
		if !bytes.Equal(c.Data, tlvHex(t, tt.data)) || c.HasLe != tt.hasLe || (tt.hasLe && c.Le != tt.le) || c.Extended != tt.ext {
			t.Errorf("ParseCommand(%s) = %+v", tt.in, c)
		}
		if c.CLA != in[0] || c.INS != in[1] || c.P1 != in[2] || c.P2 != in[3] {
			t.Errorf("ParseCommand(%s) header %+v", tt.in, c)
		}
		if len(c.Data) > 0 && cap(c.Data) != len(c.Data) {
			t.Errorf("ParseCommand(%s) Data capacity not clipped", tt.in)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrCommandTooShort},
		{"three bytes", "00A404", ErrCommandTooShort},
		{"short Lc too big", "00A40400 05 0102", ErrCommandLength},
		{"short Lc too small", "00A40400 01 0102 03 04", ErrCommandLength},
		{"00 then one byte", "00A40400 00 01", ErrCommandLength},
		{"extended Lc 0000", "00A40400 000000 00", ErrCommandLength},
		{"extended Lc mismatch", "00A40400 000002 0102 00", ErrCommandLength},
		{"extended Lc too big", "00A40400 000010 0102", ErrCommandLength},
	}
	for _, tt := range tests {
		if c, err := ParseCommand(tlvHex(t, tt.in)); !errors.Is(err, tt.want) {
			t.Errorf("%s: ParseCommand = %+v, %v; want %v", tt.name, c, err, tt.want)
		}
	}
}

func TestEMVCommands(t *testing.T) {
	pse := []byte("1PAY.SYS.DDF01")
	rr := func(sfi, rec byte) Command {
		c, err := ReadRecord(sfi, rec)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	gd := func(tag Tag) Command {
		c, err := GetData(tag)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	pin := tlvHex(t, "241234FFFFFFFFFF") // ISO 9564 format 2 plaintext PIN block, PIN 1234
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"SELECT PSE", SelectByName(pse, false), "00A404000E315041592E5359532E444446303100"},
		{"SELECT next", SelectByName(tlvHex(t, "A000000003"), true), "00A4040205A00000000300"},
		{"SELECT AID", SelectByName(tlvHex(t, "A0000000031010"), false), "00A4040007A000000003101000"},
		{"READ RECORD SFI 1 rec 1", rr(1, 1), "00B2010C00"},
		{"READ RECORD SFI 2 rec 3", rr(2, 3), "00B2031400"},
		{"READ RECORD SFI 30 rec 255", rr(30, 255), "00B2FFF400"},
		{"GPO without PDOL", GetProcessingOptions(nil), "80A8000002830000"},
		{"GPO with PDOL data", GetProcessingOptions(tlvHex(t, "36000000 000000001000 52BF4585 0840")),
			"80A80000 12 8310 36000000 000000001000 52BF4585 0840 00"},
		{"GENERATE AC ARQC", GenerateAC(RefControlARQC, tlvHex(t, "000000001000")), "80AE800006000000001000 00"},
		{"GENERATE AC ARQC with CDA", GenerateAC(RefControlARQC|RefControlCDA, tlvHex(t, "01")), "80AE9000010100"},
		{"GENERATE AC TC", GenerateAC(RefControlTC, tlvHex(t, "01")), "80AE4000010100"},
		{"GENERATE AC AAC", GenerateAC(RefControlAAC, tlvHex(t, "01")), "80AE0000010100"},
		{"GET DATA PIN try counter", gd(0x9F17), "80CA9F1700"},
		{"GET DATA ATC", gd(TagATC), "80CA9F3600"},
		{"GET DATA one-byte tag", gd(0x5A), "80CA005A00"},
		{"GET CHALLENGE", GetChallenge(), "0084000000"},
		{"VERIFY plaintext", Verify(VerifyPlaintextPIN, pin), "0020008008241234FFFFFFFFFF"},
		{"VERIFY enciphered", Verify(VerifyEncipheredPIN, make([]byte, 128)), "0020008880" + string(bytes.Repeat([]byte("00"), 128))},
		{"INTERNAL AUTHENTICATE", InternalAuthenticate(tlvHex(t, "52BF4585")), "008800000452BF458500"},
		{"EXTERNAL AUTHENTICATE", ExternalAuthenticate(tlvHex(t, "28993816AFAE4AEB3030")), "008200000A28993816AFAE4AEB3030"},
		{"GET RESPONSE", GetResponse(0x20), "00C0000020"},
		{"GET RESPONSE 256", GetResponse(256), "00C0000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if want := tlvHex(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("got %X, want %X", got, want)
			}
		})
	}
}

func TestEMVCommandErrors(t *testing.T) {
	for _, sfi := range []byte{0, 31, 255} {
		if _, err := ReadRecord(sfi, 1); !errors.Is(err, ErrCommandParameter) {
			t.Errorf("ReadRecord(sfi %d): %v", sfi, err)
		}
	}
	if _, err := ReadRecord(1, 0); !errors.Is(err, ErrCommandParameter) {
		t.Errorf("ReadRecord(record 0): %v", err)
	}
	for _, tag := range []Tag{0, 0xDF8101} {
		if _, err := GetData(tag); !errors.Is(err, ErrCommandParameter) {
			t.Errorf("GetData(%s): %v", tag, err)
		}
	}
}

func TestResponse(t *testing.T) {
	in := tlvHex(t, hexGPOFormat2+"9000")
	r, err := ParseResponse(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.SW != 0x9000 || !r.OK() || r.Err() != nil || !bytes.Equal(r.Data, tlvHex(t, hexGPOFormat2)) {
		t.Errorf("ParseResponse = %+v", r)
	}
	if cap(r.Data) != len(r.Data) {
		t.Error("Data capacity not clipped: appending would overwrite SW")
	}
	if !bytes.Equal(r.Encode(), in) {
		t.Errorf("Encode = %X", r.Encode())
	}
	r, err = ParseResponse(tlvHex(t, "6A82"))
	if err != nil || len(r.Data) != 0 || r.SW != SWFileNotFound || r.OK() {
		t.Errorf("ParseResponse(6A82) = %+v, %v", r, err)
	}
	err = r.Err()
	if !errors.Is(err, ErrStatus{SW: SWFileNotFound}) || errors.Is(err, ErrStatus{SW: 0x6A83}) {
		t.Errorf("Err = %v", err)
	}
	var es ErrStatus
	if !errors.As(err, &es) || es.SW != 0x6A82 || es.Status() != 0x6A82 {
		t.Errorf("errors.As: %+v", es)
	}
	if got, want := err.Error(), "card returned 6A82 file or application not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if r.Status().String() != "6A82 file or application not found" {
		t.Errorf("Status = %v", r.Status())
	}
	for _, n := range []int{0, 1} {
		if _, err := ParseResponse(make([]byte, n)); !errors.Is(err, ErrResponseTooShort) {
			t.Errorf("ParseResponse(%d bytes): %v", n, err)
		}
	}
	if got := (Response{SW: SWWrongLength}).AppendTo([]byte{1}); !bytes.Equal(got, tlvHex(t, "01 6700")) {
		t.Errorf("AppendTo = %X", got)
	}
}
