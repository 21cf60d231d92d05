package emv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The golden files are rewritten with `go test ./harness/emv -run Print -update`.
// The flag is registered here unless another test file of the package has
// already done so (package-level flag variables initialise before init).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func text(tag Tag, s string) TLV { return TLV{Tag: tag, Value: []byte(s)} }

func tmpl(tag Tag, children ...TLV) TLV { return TLV{Tag: tag, Children: children} }

// goldenTranscript is the data of a Visa contact purchase with the public
// test PAN 4761739001010010, as the card and terminal exchange it, plus one
// proprietary template and one unknown primitive. It goes through Encode and
// Decode so the printer sees what the decoder makes of the wire bytes.
func goldenTranscript(tb testing.TB) []TLV {
	tb.Helper()
	prim := func(tag Tag, hexValue string) TLV { return TLV{Tag: tag, Value: mustHex(tb, hexValue)} }
	objs := []TLV{
		tmpl(0x6F,
			prim(0x84, "A0000000031010"),
			tmpl(0xA5,
				text(0x50, "VISA CREDIT"),
				prim(0x87, "01"),
				text(0x5F2D, "enfr"),
				prim(0x9F38, "9F66 04 9F02 06 9F37 04 5F2A 02"),
				tmpl(0xBF0C, prim(0x9F4D, "0B0A"), text(0x5F55, "US")),
			),
		),
		tmpl(0x77, prim(0x82, "3900"), prim(0x94, "08010100 10010301")),
		tmpl(0x70,
			prim(0x57, "4761739001010010D22122011143804400000F"),
			text(0x5F20, "VISA ACQUIRER TEST/CARD 01"),
			text(0x9F1F, "1143800440000000"),
		),
		tmpl(0x70,
			prim(0x5A, "4761739001010010"),
			prim(0x5F24, "221231"),
			prim(0x5F25, "180101"),
			prim(0x5F34, "01"),
			prim(0x5F28, "0840"),
			prim(0x9F07, "FF00"),
			prim(0x8E, "00000000 00000000 4203 1E03 1F00"),
			prim(0x8C, "9F02 06 9F03 06 9F1A 02 95 05 5F2A 02 9A 03 9C 01 9F37 04"),
			prim(0x9F0D, "F040008800"),
			prim(0x9F0E, "0010000000"),
			prim(0x9F0F, "F040009800"),
		),
		prim(0x95, "8000048000"),
		prim(0x9B, "E800"),
		prim(0x9F33, "E0F8C8"),
		prim(0x9F40, "6000F0A001"),
		prim(0x9F34, "420300"),
		prim(0x9F35, "22"),
		prim(0x9A, "191105"),
		prim(0x9F21, "143005"),
		prim(0x9F02, "000000004000"),
		prim(0x5F2A, "0124"),
		prim(0x9C, "00"),
		prim(0x9F37, "52BF4585"),
		prim(0x99, "2412345FFFFFFFFF"),
		tmpl(0x77,
			prim(0x9F27, "80"),
			prim(0x9F36, "001C"),
			prim(0x9F26, "29CCA15AE665FA2E"),
			prim(0x9F10, "06010A03A06010"),
		),
		prim(0x8A, "3030"),
		tmpl(0xE1, prim(0xDF7F, "0102")),
		prim(0x9F6C, "2000"),
	}
	decoded, err := Decode(Encode(objs...))
	if err != nil {
		tb.Fatalf("Decode: %v", err)
	}
	return decoded
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestFprintGolden(t *testing.T) {
	objs := goldenTranscript(t)
	var masked, clear bytes.Buffer
	if err := Fprint(&masked, objs, PrintOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Fprint(&clear, objs, PrintOptions{Unmask: true}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "print_masked.golden", masked.Bytes())
	checkGolden(t, "print_unmasked.golden", clear.Bytes())
}

// Masked output must not contain the hidden PAN digits, the name, the track
// discretionary data or the PIN block, in text or in hex.
func TestFprintMasksSensitiveData(t *testing.T) {
	objs := goldenTranscript(t)
	masked := Sprint(objs, PrintOptions{})
	for _, secret := range []string{
		"900101", "739001", // PAN middle digits, in any rendering
		"ACQUIRER", hexOf("ACQUIRER"), // cardholder name
		"1143800440000000", hexOf("1143800440000000"), "22122011143804400000", // discretionary data
		"2412345", // PIN block
	} {
		if strings.Contains(masked, secret) {
			t.Errorf("masked output contains %q", secret)
		}
	}
	if !strings.Contains(masked, "476173******0010") {
		t.Errorf("masked output lacks the masked PAN:\n%s", masked)
	}
	clear := Sprint(objs, PrintOptions{Unmask: true})
	for _, want := range []string{"4761739001010010", `"VISA ACQUIRER TEST/CARD 01"`, "2412345FFFFFFFFF"} {
		if !strings.Contains(clear, want) {
			t.Errorf("unmasked output lacks %q", want)
		}
	}
}

func TestFprintIndentAndEdgeCases(t *testing.T) {
	objs := []TLV{
		{Tag: 0x70},                         // empty template
		{Tag: 0x5A},                         // empty sensitive value
		{Tag: 0x95, Value: []byte{1, 2, 3}}, // wrong length: hex only
		{Tag: 0x8E, Value: []byte{1, 2, 3}}, // bad CVM list: hex only
		{Tag: 0x9F38, Value: []byte{0x9F}},  // bad DOL: hex only
		{Tag: 0x9A, Value: []byte{0x19, 0x13, 0x05}},
		{Tag: 0x70, Value: []byte{0x01}}, // constructed without decoded children
		{Tag: 0x5A, Value: []byte{0x47, 0xA1, 0x11}},
		{Tag: 0xBF4E, Value: []byte{0xDF, 0x51, 0x01, 0x01}, Children: []TLV{{Tag: 0xDF51, Value: []byte{0x01}}}},
		{Tag: 0xDF51, Value: []byte{0x01}}, // outside its template: not sensitive, unknown
	}
	got := Sprint(objs, PrintOptions{Indent: "\t"})
	want := strings.Join([]string{
		"70 [0] READ RECORD Response Message Template",
		"5A [0] Application Primary Account Number (PAN):",
		"95 [3] Terminal Verification Results (TVR): 010203 [invalid: length 3, want 5]",
		"8E [3] Cardholder Verification Method (CVM) List: 010203 [invalid: length 3, want 10 to 252]",
		"9F38 [1] Processing Options Data Object List (PDOL): 9F",
		"9A [3] Transaction Date: 191305",
		"70 [1] READ RECORD Response Message Template: 01",
		"5A [3] Application Primary Account Number (PAN): **** [invalid: nibble 3 breaks digits-then-F padding]",
		"BF4E [4] Biometric Verification Data Template",
		"\tDF51 [1] Enciphered Biometric Data: ****",
		"DF51 [1] unknown: 01",
		"",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestFprintWriteError(t *testing.T) {
	if err := Fprint(failingWriter{}, []TLV{{Tag: 0x9F02, Value: make([]byte, 6)}}, PrintOptions{}); err == nil {
		t.Fatal("want the writer's error")
	}
}

func BenchmarkFprint(b *testing.B) {
	objs := goldenTranscript(b)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Fprint(&buf, objs, PrintOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
