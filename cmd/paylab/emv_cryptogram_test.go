package main

import (
	"bytes"
	"strings"
	"testing"
)

// arqcVisaTags is the transaction of the Visa CVN 10 vector in
// shared/reference/test-vectors.md (pyemv tests/test_cvn_hsm.py).
var arqcVisaTags = []string{
	"--tag", "9F02=000000004000", "--tag", "9F03=000000000000", "--tag", "9F1A=0124",
	"--tag", "95=8000048000", "--tag", "5F2A=0124", "--tag", "9A=191105", "--tag", "9C=01",
	"--tag", "9F37=52BF4585", "--tag", "82=1800", "--tag", "9F36=001C",
}

// arqcMCTags is the transaction of pyemv's Mastercard CVN 16/17 tests.
var arqcMCTags = []string{
	"--tag", "9F02=000000009999", "--tag", "9F03=000000000000", "--tag", "9F1A=0124",
	"--tag", "95=8000000000", "--tag", "5F2A=0124", "--tag", "9A=209906", "--tag", "9C=00",
	"--tag", "9F37=ABCDEF12", "--tag", "82=1800", "--tag", "9F36=001C",
}

const cryptogramTestIMK = "0123456789ABCDEFFEDCBA9876543210"

func runCryptogramCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEMVARQCCommand(t *testing.T) {
	base := func(cvn, imk string) []string {
		return []string{"emv", "arqc", "--cvn", cvn, "--imk", imk, "--pan", "1234567890123456", "--psn", "00"}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"Visa CVN 10", append(append(base("10", cryptogramTestIMK), arqcVisaTags...), "--tag", "9F10=06010A03A06010"), "29CCA15AE665FA2E"},
		{"Visa CVN 18", append(append(base("18", cryptogramTestIMK), arqcVisaTags...), "--tag", "9F10=06011203A0B800"), "7A788EA6B8A3E733"},
		{"Visa CVN 18 module doc", append(base("18", strings.Repeat("AA", 16)),
			"--tag", "9F02=000000009999", "--tag", "9F03=000000000000", "--tag", "9F1A=0840",
			"--tag", "95=8000048000", "--tag", "5F2A=0840", "--tag", "9A=991231", "--tag", "9C=01",
			"--tag", "9F37=52BF4585", "--tag", "82=1800", "--tag", "9F36=0FFF", "--tag", "9f10=06011203a0b800"), "769577B5ABE9FE62"},
		{"Mastercard CVN 16", append(append(base("16", cryptogramTestIMK), arqcMCTags...), "--tag", "9F10=0110A00003220000000000000000000000FF"), "24CCF3DEE3158C70"},
		{"Mastercard CVN 17", append(append(base("17", cryptogramTestIMK), arqcMCTags...), "--tag", "9F10=0111A00003220000000000000000000322FF"), "EAE8A620A75648D8"},
		// Extra tags are ignored; the PSN defaults to 00.
		{"extra tag, default PSN", append(append([]string{"emv", "arqc", "--cvn", "10", "--imk", cryptogramTestIMK, "--pan", "1234567890123456"},
			arqcVisaTags...), "--tag", "9F10=06010A03A06010", "--tag", "9F27=80"), "29CCA15AE665FA2E"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCryptogramCLI(t, tc.args...)
			if code != 0 || out != tc.want+"\n" || errOut != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, out, errOut, tc.want)
			}
		})
	}
}

func TestEMVARPCCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"method 1, CVN 10", []string{"--cvn", "10", "--imk", cryptogramTestIMK, "--arqc", "29CCA15AE665FA2E", "--atc", "001C", "--arc", "3030"}, "28993816AFAE4AEB"},
		{"method 1, CVN 16", []string{"--cvn", "16", "--imk", cryptogramTestIMK, "--arqc", "24CCF3DEE3158C70", "--arc", "0010"}, "73F6BBF389A6586C"},
		{"method 1, CVN 17", []string{"--cvn", "17", "--imk", cryptogramTestIMK, "--arqc", "EAE8A620A75648D8", "--atc", "001C", "--arc", "0010"}, "29CF11FBDB9CA650"},
		{"method 2, CVN 18", []string{"--cvn", "18", "--imk", cryptogramTestIMK, "--arqc", "7A788EA6B8A3E733", "--atc", "001C", "--csu", "00000000"}, "9AF514C1"},
		{"method 2, CVN 18 module doc", []string{"--cvn", "18", "--imk", strings.Repeat("AA", 16), "--arqc", "769577B5ABE9FE62", "--atc", "0FFF", "--csu", "00000000"}, "76503F48"},
		// An empty --pad is the same as none.
		{"method 2, empty PAD", []string{"--cvn", "18", "--imk", strings.Repeat("AA", 16), "--arqc", "769577B5ABE9FE62", "--atc", "0FFF", "--csu", "00000000", "--pad", ""}, "76503F48"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"emv", "arpc", "--pan", "1234567890123456", "--psn", "00"}, tc.args...)
			code, out, errOut := runCryptogramCLI(t, args...)
			if code != 0 || out != tc.want+"\n" || errOut != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, out, errOut, tc.want)
			}
		})
	}
}

// TestEMVCryptogramBadInput: every bad input is exit status 2 and exactly
// one line on stderr that says what is wrong, and never echoes the key.
func TestEMVCryptogramBadInput(t *testing.T) {
	arqc := func(extra ...string) []string {
		return append([]string{"emv", "arqc", "--cvn", "18", "--imk", cryptogramTestIMK, "--pan", "1234567890123456"}, extra...)
	}
	arpc := func(extra ...string) []string {
		return append([]string{"emv", "arpc", "--imk", cryptogramTestIMK, "--pan", "1234567890123456", "--arqc", "29CCA15AE665FA2E"}, extra...)
	}
	tests := []struct {
		name string
		args []string
		want string // substring of the error line
	}{
		{"missing tags named", arqc(arqcVisaTags[:18]...), "needs tag 9F36 (Application Transaction Counter), tag 9F10 (Issuer Application Data)"},
		{"unknown CVN", []string{"emv", "arqc", "--cvn", "14", "--imk", cryptogramTestIMK, "--pan", "1234567890123456"}, "unknown cryptogram version 14"},
		{"short key", []string{"emv", "arqc", "--cvn", "10", "--imk", "0123456789ABCDEF", "--pan", "1234567890123456"}, "--imk: want 16 bytes"},
		{"bad key hex", []string{"emv", "arqc", "--cvn", "10", "--imk", "XYZ", "--pan", "1234567890123456"}, "--imk: not an even number of hex digits"},
		{"bad PAN", []string{"emv", "arqc", "--cvn", "10", "--imk", cryptogramTestIMK, "--pan", "12345"}, "PAN: want 8 to 19 decimal digits"},
		{"bad PSN", append([]string{"emv", "arqc", "--cvn", "10", "--imk", cryptogramTestIMK, "--pan", "1234567890123456", "--psn", "1"}, arqcVisaTags...), "PAN sequence number"},
		{"tag without =", arqc("--tag", "9F02"), "want TAG=HEX"},
		{"tag given twice", arqc("--tag", "9F02=00", "--tag", "9f02=01"), "9F02 given twice"},
		{"wrong tag length", arqc(append(append([]string{}, arqcVisaTags...), "--tag", "9F10=06011203A0B800", "--tag", "9A=1911")...), "9A"},
		{"short IAD for CVN 17", append(append([]string{"emv", "arqc", "--cvn", "17", "--imk", cryptogramTestIMK, "--pan", "1234567890123456"}, arqcMCTags...), "--tag", "9F10=0111A000032200000000"), "18 to 32 bytes"},
		{"required flag", []string{"emv", "arqc", "--cvn", "10"}, "required flag"},
		{"method 1 given a CSU", arpc("--cvn", "10", "--csu", "00000000"), "ARPC method 1"},
		{"method 2 given an ARC", arpc("--cvn", "18", "--atc", "001C", "--arc", "3030"), "ARPC method 2"},
		{"method 2 without ATC", arpc("--cvn", "22", "--csu", "00000000"), "--atc is required"},
		{"method 1 without ARC", arpc("--cvn", "16"), "--arc is required"},
		{"long PAD", arpc("--cvn", "18", "--atc", "001C", "--csu", "00000000", "--pad", "000102030405060708"), "--pad: want 0 to 8 bytes"},
		{"short ARQC", []string{"emv", "arpc", "--cvn", "10", "--imk", cryptogramTestIMK, "--pan", "1234567890123456", "--arqc", "29CC", "--arc", "3030"}, "--arqc: want 8 bytes"},
		{"stray argument", []string{"emv", "arpc", "extra"}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCryptogramCLI(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tc.want)
			}
			if strings.Contains(errOut, cryptogramTestIMK) {
				t.Errorf("stderr leaks the key: %q", errOut)
			}
		})
	}
}

func TestEMVARQCExplain(t *testing.T) {
	args := append([]string{"emv", "arqc", "--explain", "--cvn", "10", "--imk", cryptogramTestIMK, "--pan", "1234567890123456"}, arqcVisaTags...)
	code, out, errOut := runCryptogramCLI(t, append(args, "--tag", "9F10=06010A03A06010")...)
	if code != 0 || out != "29CCA15AE665FA2E\n" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"BAB02F", "padding method 1", "0000000040000000000000000124800004800001241911050152BF45851800001C03A06010"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, errOut)
		}
	}
}
