package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// A READ RECORD response with the public Visa test PAN 4761739001010010,
// track 2 and a cardholder name.
const tlvRecordHex = "70 2F" +
	" 5A 08 4761739001010010" +
	" 57 13 4761739001010010D22122011143804400000F" +
	" 5F20 08 444F452F4A4F484E" +
	" 9F07 02 FF00"

// runCLI runs the CLI through run, with stdin fed from a pipe when given.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if stdin != "" {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _ = io.WriteString(w, stdin)
			_ = w.Close()
		}()
		saved := os.Stdin
		os.Stdin = r
		defer func() { os.Stdin = saved; _ = r.Close() }()
	}
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEmvTLVMasked(t *testing.T) {
	code, out, errOut := runCLI(t, "", "emv", "tlv", tlvRecordHex)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"70 [",
		"5A [8] Application Primary Account Number (PAN): 476173******0010",
		"57 [19] Track 2 Equivalent Data: 476173******0010D",
		"5F20 [8] Cardholder Name: ****",
		"- Valid at ATMs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"739001", "DOE", "444F45", "2212201"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked output contains %q:\n%s", secret, out)
		}
	}
}

func TestEmvTLVUnmask(t *testing.T) {
	code, out, _ := runCLI(t, "", "emv", "tlv", "--unmask", tlvRecordHex)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"4761739001010010", `"DOE/JOHN"`} {
		if !strings.Contains(out, want) {
			t.Errorf("unmasked output lacks %q:\n%s", want, out)
		}
	}
}

// Hex split over arguments, with spaces, tabs and lower case, or on stdin.
func TestEmvTLVInputForms(t *testing.T) {
	want := "9F27 [1] Cryptogram Information Data (CID): 80 (ARQC)\n9F36 [2] Application Transaction Counter (ATC): 001C\n"
	for name, tc := range map[string]struct {
		stdin string
		args  []string
	}{
		"one argument":  {"", []string{"9f2701809f3602001c"}},
		"spaces":        {"", []string{"9F27 01 80\t9F36 02 00 1C"}},
		"several args":  {"", []string{"9F27", "01", "80", "9F36", "02", "001C"}},
		"stdin":         {"9F27 01 80\n9F36 02 00 1C\n", []string{"-"}},
		"padding bytes": {"", []string{"00 9F27 01 80 FF 9F36 02 001C 00"}},
	} {
		code, out, errOut := runCLI(t, tc.stdin, append([]string{"emv", "tlv"}, tc.args...)...)
		if code != 0 || out != want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
	}
}

// A bad input is one line on stderr and exit status 2; the line never
// repeats the input.
func TestEmvTLVErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not hex", []string{"5A08476173900101001G"}, "bad hex: character 20 is not a hex digit"},
		{"odd digits", []string{"5A0847617390010100100"}, "bad hex: odd number of digits"},
		{"empty", []string{"  "}, "bad hex: no data"},
		{"truncated value", []string{"5A0847617390010100"}, "decode tlv at offset 0 (tag 5A)"},
		{"truncated tag", []string{"9F"}, "decode tlv at offset 0"},
		{"padding only", []string{"0000"}, "no data objects"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, "", append([]string{"emv", "tlv"}, tt.args...)...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", tt.name, code)
		}
		if out != "" {
			t.Errorf("%s: stdout %q, want nothing", tt.name, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "paylab: emv tlv: ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: stderr %q, want one line with %q", tt.name, errOut, tt.want)
		}
		if strings.Contains(errOut, "47617390") {
			t.Errorf("%s: stderr repeats the PAN: %q", tt.name, errOut)
		}
	}
	if code, _, _ := runCLI(t, "", "emv", "tlv"); code != 2 {
		t.Errorf("no argument: exit %d, want 2", code)
	}
}
