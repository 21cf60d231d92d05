package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// isoRequest packs an authorisation request with the public Visa test PAN
// 4761739001010119, its track 2 and a DE 55 holding the PAN again.
func isoRequest(t *testing.T) []byte {
	t.Helper()
	m := iso8583.NewMessage(iso8583.ISO1987, iso8583.MustMTI("0100"))
	for n, v := range map[int]string{
		2: "4761739001010119", 3: "000000", 4: "1000", 11: "000001",
		35: "4761739001010119=25122011143804400000", 41: "TERM0001", 49: "840", 52: "0123456789ABCDEF",
	} {
		if err := m.SetString(n, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.SetTLV(55, []emv.TLV{
		{Tag: emv.TagAmount, Value: []byte{0, 0, 0, 0, 0x10, 0}},
		{Tag: emv.TagPAN, Value: []byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19}},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// isoCLI runs `iso8583 ARGS...` through the command's constructor.
func isoCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	c := newISO8583Cmd()
	var out, errb bytes.Buffer
	c.SetArgs(args)
	c.SetOut(&out)
	c.SetErr(&errb)
	c.SetIn(strings.NewReader(stdin))
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.Execute()
	return out.String(), err
}

var isoSecrets = []string{"4761739001010119", "739001", "2011143804400000", "0123456789ABCDEF"}

func TestISO8583DecodeMasked(t *testing.T) {
	msg := hex.EncodeToString(isoRequest(t))
	out, err := isoCLI(t, "", "decode", msg[:40], msg[40:])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"0100 ISO 8583:1987 authorization request from acquirer (iso8583-1987-ascii)",
		"DE   2 n..19     Primary account number (PAN): 476173******0119",
		"DE   4 n 12      Amount, transaction: 000000001000",
		"DE  35 z..37     Track 2 data: ****",
		"DE  52 b 8       Personal identification number data: ****",
		"5A [8] Application Primary Account Number (PAN): 476173******0119",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, s := range isoSecrets {
		if strings.Contains(out, s) {
			t.Errorf("masked output shows %q:\n%s", s, out)
		}
	}
	out, err = isoCLI(t, "", "decode", "--unmask", msg)
	if err != nil || !strings.Contains(out, "4761739001010119") || !strings.Contains(out, "0123456789ABCDEF") {
		t.Errorf("--unmask: %v\n%s", err, out)
	}
}

func TestISO8583DecodeFramedJSON(t *testing.T) {
	msg := isoRequest(t)
	f := iso8583.Framing{Header: iso8583.Binary2, TPDU: true}
	var stream []byte
	for i := 0; i < 2; i++ {
		var err error
		if stream, err = f.Append(stream, iso8583.NewTPDU(0x60, 3, uint16(i)), msg); err != nil {
			t.Fatal(err)
		}
	}
	stream = append(stream, 0, 0) // keep-alive
	file := filepath.Join(t.TempDir(), "capture.bin")
	if err := os.WriteFile(file, stream, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := isoCLI(t, "", "decode", "--framing", "binary2+tpdu", "--file", file, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var frames []struct {
		Frame   int                  `json:"frame"`
		TPDU    string               `json:"tpdu"`
		Message *iso8583.Description `json:"message"`
	}
	if err := json.Unmarshal([]byte(out), &frames); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(frames) != 3 || frames[1].TPDU != "6000030001" || frames[0].Message.MTI != "0100" || frames[2].Message != nil {
		t.Fatalf("frames: %s", out)
	}
	for _, s := range isoSecrets {
		if strings.Contains(out, s) {
			t.Errorf("masked JSON shows %q", s)
		}
	}
	text, err := isoCLI(t, "", "decode", "--framing", "binary2+tpdu", "--file", file)
	if err != nil || !strings.Contains(text, "frame 2: TPDU 6000030001") || !strings.Contains(text, "frame 3: empty (keep-alive)") {
		t.Errorf("framed text: %v\n%s", err, text)
	}
}

func TestISO8583DecodeSpecFileAndStdin(t *testing.T) {
	spec := `name: lab
version: 1993
fields:
  3:  {name: "Processing code", type: n, length: 6}
  39: {name: "Action code", type: n, length: 3}
`
	file := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(file, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := iso8583.LoadDialect(file, []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	m := iso8583.NewMessage(d, iso8583.MustMTI("1110"))
	_ = m.SetString(3, "000000")
	_ = m.SetString(39, "000")
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	out, err := isoCLI(t, hex.EncodeToString(b)+"\n", "decode", "--spec", file, "-")
	if err != nil || !strings.Contains(out, "DE  39 n 3       Action code: 000") || !strings.Contains(out, "(lab)") {
		t.Errorf("spec file: %v\n%s", err, out)
	}
	// The default dialect is of 1987: a 1993 MTI does not decode.
	if _, err = isoCLI(t, "", "decode", hex.EncodeToString(b)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("1110 in the 1987 dialect: %v", err)
	}
}

func TestISO8583DecodeErrors(t *testing.T) {
	msg := isoRequest(t)
	good := hex.EncodeToString(msg)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"decode"}, "no message"},
		{"bad hex", []string{"decode", "01zz"}, "not a hex digit"},
		{"truncated", []string{"decode", good[:140]}, "field 35"},
		{"unknown spec", []string{"decode", "--spec", "nope", good}, "neither a built-in dialect"},
		{"bad framing", []string{"decode", "--framing", "binary3", good}, "framing"},
		{"short frame", []string{"decode", "--framing", "binary2", "0010" + good[:8]}, "frame 1"},
		{"file and hex", []string{"decode", "--file", "x.bin", good}, "not both"},
		{"missing file", []string{"decode", "--file", filepath.Join(t.TempDir(), "none.bin")}, "read input"},
	}
	for _, tt := range tests {
		out, err := isoCLI(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "iso8583 decode: ") {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
			continue
		}
		for _, s := range isoSecrets {
			if strings.Contains(err.Error(), s) || strings.Contains(out, s) {
				t.Errorf("%s: error or output shows %q", tt.name, s)
			}
		}
	}
	// A message cut inside DE 35 shows what decoded before the error.
	out, _ := isoCLI(t, "", "decode", good[:140])
	if !strings.Contains(out, "decoded before the error") || !strings.Contains(out, "476173******0119") {
		t.Errorf("partial output:\n%s", out)
	}
}
