package cryptogram

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// txOf builds transaction data from "TAG": "HEX" pairs.
func txOf(t testing.TB, kv map[string]string) map[emv.Tag][]byte {
	t.Helper()
	tx := make(map[emv.Tag][]byte, len(kv))
	for k, v := range kv {
		tag, err := emv.ParseTag(k)
		if err != nil {
			t.Fatal(err)
		}
		tx[tag] = mustHex(t, v)
	}
	return tx
}

func kcv2(t testing.TB, key []byte) string {
	t.Helper()
	k, err := KCV(key)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(k[:2])
}

// Issuer master keys of pyemv's tests/test_cvn_hsm.py and tests/test_cvn.py
// (MIT), used for every vector there.
var pyemvIssuer = Keys{
	AC:  []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10},
	SMI: []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF},
	SMC: []byte{0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67, 0x76, 0x54, 0x32, 0x10, 0xFE, 0xDC, 0xBA, 0x98},
}

// visaTx is the transaction of pyemv's Visa CVN 10 and 18 HSM tests
// (shared/reference/test-vectors.md, "Visa CVN 10").
var visaTx = map[string]string{
	"9F02": "000000004000", "9F03": "000000000000", "9F1A": "0124", "95": "8000048000",
	"5F2A": "0124", "9A": "191105", "9C": "01", "9F37": "52BF4585", "82": "1800", "9F36": "001C",
}

// mcTx is the transaction of pyemv's Mastercard CVN 16 and 17 tests.
var mcTx = map[string]string{
	"9F02": "000000009999", "9F03": "000000000000", "9F1A": "0124", "95": "8000000000",
	"5F2A": "0124", "9A": "209906", "9C": "00", "9F37": "ABCDEF12", "82": "1800", "9F36": "001C",
}

func with(base map[string]string, extra ...string) map[string]string {
	out := make(map[string]string, len(base)+1)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = extra[i+1]
	}
	return out
}

type publishedVector struct {
	name    string
	source  string
	cvn     int
	issuer  Keys
	pan     string
	tx      map[string]string
	arqc    string
	skKCV   string // AC session key check value, 2 bytes as published
	arpcIn  ARPCInput
	arpc    string
	macHdr  string // script command header whose MAC is published
	mac     string
	smiKCV  string
	smcKCV  string
	pin     string // PIN change without current PIN
	pinCur  string // PIN change from current PIN 8888, "" when not published
	mkKCVs  [3]string
	skipSMC bool
}

func publishedVectors(t testing.TB) []publishedVector {
	aaaa := Keys{
		AC:  bytes.Repeat([]byte{0xAA}, 16),
		SMI: bytes.Repeat([]byte{0xBB}, 16),
		SMC: bytes.Repeat([]byte{0xCC}, 16),
	}
	return []publishedVector{
		{
			name: "Visa CVN 10", source: "pyemv tests/test_cvn_hsm.py test_visa_cvn10; test-vectors.md",
			cvn: 10, issuer: pyemvIssuer, pan: "1234567890123456",
			// CVR 03A06010 is IAD bytes 4-7 of a format 0/1 IAD.
			tx:     with(visaTx, "9F10", "06010A03A06010"),
			arqc:   "29CCA15AE665FA2E",
			skKCV:  "bab0",
			arpcIn: ARPCInput{ARC: []byte{0x30, 0x30}},
			arpc:   "28993816AFAE4AEB",
			macHdr: "8418000008", mac: "DB56BA60087CEFD3", smiKCV: "db10", smcKCV: "6d04",
			pin:    "8424000218BB221AF527377A2811D2B6EBC396A9391A965A5CB2CE62DA",
			pinCur: "84240001182EE025E554BCD87E11D2B6EBC396A939C4A8393B57DD2F3F",
			mkKCVs: [3]string{"bab0", "f010", "b154"},
		},
		{
			name: "Visa CVN 18 (HSM test)", source: "pyemv tests/test_cvn_hsm.py test_visa_cvn18",
			cvn: 18, issuer: pyemvIssuer, pan: "1234567890123456",
			tx:     with(visaTx, "9F10", "06011203A0B800"),
			arqc:   "7A788EA6B8A3E733",
			skKCV:  "22c8",
			arpcIn: ARPCInput{ATC: []byte{0x00, 0x1C}, CSU: make([]byte, 4)},
			arpc:   "9AF514C1",
			macHdr: "8418000008", mac: "04EDE90BC24CC35E", smiKCV: "db10", smcKCV: "6d04",
			pin:    "8424000218BB221AF527377A2811D2B6EBC396A9391A22B480EF312F40",
			pinCur: "84240001182EE025E554BCD87E11D2B6EBC396A9390FB94A4E4EC10F41",
			mkKCVs: [3]string{"bab0", "f010", "b154"},
		},
		{
			name: "Visa CVN 18 (module doc)", source: "pyemv pyemv/cvn.py module docstring; test-vectors.md",
			cvn: 18, issuer: aaaa, pan: "1234567890123456",
			tx: map[string]string{
				"9F02": "000000009999", "9F03": "000000000000", "9F1A": "0840", "95": "8000048000",
				"5F2A": "0840", "9A": "991231", "9C": "01", "9F37": "52BF4585", "82": "1800",
				"9F36": "0FFF", "9F10": "06011203A0B800",
			},
			arqc:   "769577B5ABE9FE62",
			arpcIn: ARPCInput{ATC: []byte{0x0F, 0xFF}, CSU: make([]byte, 4)},
			arpc:   "76503F48",
			macHdr: "8418000008", mac: "B5CB29759F9C3919",
			pin: "84240002182DC7A061323BA62472BC5308BD291B5F665B3A927E60661E",
		},
		{
			name: "Mastercard CVN 16", source: "pyemv tests/test_cvn.py test_mastercard_cvn16",
			cvn: 16, issuer: pyemvIssuer, pan: "1234567890123456",
			tx:     with(mcTx, "9F10", "0110A00003220000000000000000000000FF"),
			arqc:   "24CCF3DEE3158C70",
			skKCV:  "2fd5",
			arpcIn: ARPCInput{ARC: []byte{0x00, 0x10}},
			arpc:   "73F6BBF389A6586C",
			macHdr: "8424000008", mac: "ED0AB162BAB1DE61", smiKCV: "ffa0", smcKCV: "0bca",
			pin:    "842400021000859B8FE53F316DEB4B64C36BF88E39",
			mkKCVs: [3]string{"bab0", "f010", "b154"},
		},
		{
			name: "Mastercard CVN 17", source: "pyemv tests/test_cvn.py test_mastercard_cvn17",
			cvn: 17, issuer: pyemvIssuer, pan: "1234567890123456",
			tx:     with(mcTx, "9F10", "0111A00003220000000000000000000322FF"),
			arqc:   "EAE8A620A75648D8",
			skKCV:  "2fd5",
			arpcIn: ARPCInput{ARC: []byte{0x00, 0x10}},
			arpc:   "29CF11FBDB9CA650",
			macHdr: "8424000008", mac: "4D1858456CD0F22A", smiKCV: "6caf", smcKCV: "3d99",
			pin:    "84240002108661C474E4940A4378390C64CB96756E",
			mkKCVs: [3]string{"bab0", "f010", "b154"},
		},
	}
}

func TestPublishedVectors(t *testing.T) {
	for _, tc := range publishedVectors(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Logf("source: %s", tc.source)
			v, err := VersionByNumber(tc.cvn)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := v.DeriveKeys(tc.issuer, tc.pan, "00")
			if err != nil {
				t.Fatal(err)
			}
			if tc.mkKCVs[0] != "" {
				for i, k := range [][]byte{keys.AC, keys.SMI, keys.SMC} {
					if got := kcv2(t, k); got != tc.mkKCVs[i] {
						t.Errorf("ICC master key %d KCV = %s, want %s", i, got, tc.mkKCVs[i])
					}
				}
			}
			tx := txOf(t, tc.tx)
			if tc.skKCV != "" {
				sk, err := v.SessionKey(keys.AC, tx)
				if err != nil {
					t.Fatal(err)
				}
				if got := kcv2(t, sk); got != tc.skKCV {
					t.Errorf("AC session key KCV = %s, want %s", got, tc.skKCV)
				}
			}
			ac, err := v.Generate(keys.AC, tx)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(ac); !strings.EqualFold(got, tc.arqc) {
				t.Fatalf("ARQC = %s, want %s", got, tc.arqc)
			}
			if err := v.VerifyARQC(keys.AC, tx, ac); err != nil {
				t.Errorf("VerifyARQC: %v", err)
			}
			in := tc.arpcIn
			in.ARQC = ac
			arpc, err := v.ARPC(keys.AC, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(arpc); !strings.EqualFold(got, tc.arpc) {
				t.Errorf("ARPC = %s, want %s", got, tc.arpc)
			}
			if err := v.VerifyARPC(keys.AC, in, arpc); err != nil {
				t.Errorf("VerifyARPC: %v", err)
			}
			ctx := ScriptContext{ATC: tx[emv.TagATC], AC: ac}
			mac, err := v.CommandMAC(keys.SMI, ctx, mustHex(t, tc.macHdr), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(mac); !strings.EqualFold(got, tc.mac) {
				t.Errorf("command MAC = %s, want %s", got, tc.mac)
			}
			if tc.smiKCV != "" {
				smi, _ := v.ScriptSessionKey(keys.SMI, ctx)
				smc, _ := v.ScriptSessionKey(keys.SMC, ctx)
				if got := kcv2(t, smi); got != tc.smiKCV {
					t.Errorf("SMI session key KCV = %s, want %s", got, tc.smiKCV)
				}
				if got := kcv2(t, smc); got != tc.smcKCV {
					t.Errorf("SMC session key KCV = %s, want %s", got, tc.smcKCV)
				}
			}
			pin, err := v.PINChangeCommand(keys, ctx, "9999", "")
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(pin); !strings.EqualFold(got, tc.pin) {
				t.Errorf("PIN change = %s, want %s", got, tc.pin)
			}
			if tc.pinCur != "" {
				pin, err := v.PINChangeCommand(keys, ctx, "9999", "8888")
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(pin); !strings.EqualFold(got, tc.pinCur) {
					t.Errorf("PIN change with current PIN = %s, want %s", got, tc.pinCur)
				}
			}
		})
	}
}

// TestKeyDerivationVectors checks the key derivation examples published in
// pyemv's kd module docstrings and README (MIT).
func TestKeyDerivationVectors(t *testing.T) {
	imk := mustHex(t, "0123456789ABCDEFFEDCBA9876543210")
	tests := []struct {
		name string
		fn   func([]byte, string, string) ([]byte, error)
		pan  string
		psn  string
		want string
	}{
		{"A 17-digit PAN", DeriveICCMasterKeyA, "12345678901234567", "01", "73AD54688CEF2934B0979857E3C719F1"},
		{"B 17-digit PAN (SHA-1 path)", DeriveICCMasterKeyB, "12345678901234567", "01", "AD406D7F6D7570916D75E5DCAB8CF737"},
		{"A README", DeriveICCMasterKeyA, "99012345678901234", "45", "67F8292358083E5EA7AB7FDA58D53B6B"},
		{"B README", DeriveICCMasterKeyB, "99012345678901234", "45", "985EC4FD3EDF6162E31AF1C7D0543416"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(imk, tc.pan, tc.psn)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(hex.EncodeToString(got), tc.want) {
				t.Errorf("got %X, want %s", got, tc.want)
			}
		})
	}

	mkA, _ := DeriveICCMasterKeyA(imk, "99012345678901234", "45")
	sk, err := DeriveCommonSessionKey(mkA, mustHex(t, "1234567890123456"))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sk); !strings.EqualFold(got, "29B33180E567CE38EA4CBC9D753B0E61") {
		t.Errorf("common session key (README) = %s", got)
	}
	sk, _ = DeriveACSessionKey(imk, []byte{0x00, 0x1C})
	if got := hex.EncodeToString(sk); !strings.EqualFold(got, "E9FB384AF807B940FEDCEA613461B0C4") {
		t.Errorf("common session key (kd docstring) = %s", got)
	}
	sk, _ = DeriveVisaScriptSessionKey(imk, []byte{0x00, 0x1C})
	if got := hex.EncodeToString(sk); !strings.EqualFold(got, "0123456789ABCDF2FEDCBA987654CDF2") {
		t.Errorf("Visa script session key (kd docstring) = %s", got)
	}
}

// TestVisaSecureMessagingEFTlab checks the Visa secure messaging example of
// EFTlab's "Cryptographic Calculator – Secure Messaging (VISA)" tutorial
// (VIS 1.5): session key, KCVs and the enciphered PIN block for new PIN 4222.
func TestVisaSecureMessagingEFTlab(t *testing.T) {
	udkSM := mustHex(t, "94E3194C02105E3B153438D562D5A49D")
	udkAC := mustHex(t, "64C8621A76A2EA9EF23D5749FE1A64F1")
	atc := mustHex(t, "0003")
	sk, err := DeriveVisaScriptSessionKey(udkSM, atc)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sk); !strings.EqualFold(got, "94E3194C02105E38153438D562D55B61") {
		t.Errorf("session key = %s", got)
	}
	for _, kc := range []struct {
		key  []byte
		want string
	}{{udkSM, "086020"}, {sk, "2268bc"}, {udkAC, "e23347"}} {
		k, _ := KCV(kc.key)
		if got := hex.EncodeToString(k); got != kc.want {
			t.Errorf("KCV = %s, want %s", got, kc.want)
		}
	}
	v, _ := VersionByNumber(10)
	block, err := VisaPINBlock(udkAC, "4222", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ScriptContext{ATC: atc, AC: make([]byte, 8)}
	enc, err := v.EncipherCommandData(udkSM, ctx, block)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(enc); !strings.EqualFold(got, "B3511E3333BF9DC56E1EDF6458BB52B6") {
		t.Errorf("enciphered PIN block = %s", got)
	}
}

// TestPrimitiveVectors checks the examples of pyemv's ac, sm and mac module
// docstrings (MIT).
func TestPrimitiveVectors(t *testing.T) {
	sk := mustHex(t, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB")
	data := mustHex(t, "000000002000 000000000000 0124 0000008000 0124 110309 00 3804823E 5800 0001")
	ac, err := MAC(MACAlgorithm3, PaddingMethod2, sk, data)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(ac); !strings.EqualFold(got, "3B76CF10FECD8789") {
		t.Errorf("generate_ac example = %s", got)
	}
	arqc := mustHex(t, "1234567890ABCDEF")
	a1, err := ARPC1(sk, arqc, []byte{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(a1); !strings.EqualFold(got, "F5E6F44147E2F1B0") {
		t.Errorf("ARPC method 1 example = %s", got)
	}
	a2, err := ARPC2(sk, arqc, make([]byte, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(a2); !strings.EqualFold(got, "9308BEBC") {
		t.Errorf("ARPC method 2 example = %s", got)
	}
	smi := mustHex(t, "0123456789ABCDEFFEDCBA9876543210")
	mac, _ := MAC(MACAlgorithm3, PaddingMethod2, smi, mustHex(t, "8424000008 FFFF 1234567890123456"))
	if got := hex.EncodeToString(mac); !strings.EqualFold(got, "E07B8DF1B4184282") {
		t.Errorf("generate_command_mac example = %s", got)
	}
	vis, _ := VisaPINBlock(smi, "1234", "")
	if got := hex.EncodeToString(vis); !strings.EqualFold(got, "041234FF76543210") {
		t.Errorf("VIS PIN block = %s", got)
	}
	iso, _ := ISOFormat2PINBlock("123456789012")
	if got := hex.EncodeToString(iso); !strings.EqualFold(got, "2C123456789012FF") {
		t.Errorf("ISO format 2 PIN block = %s", got)
	}
	// Mastercard encipherment of an 8-byte PIN block under a session key:
	// 3DES CBC, zero IV, no padding (sm.encrypt_command_data example).
	b, _ := newCipher("k", smi)
	if got := hex.EncodeToString(encryptCBC(b, mustHex(t, "241234FFFFFFFFFF"))); !strings.EqualFold(got, "9859240AE52820C3") {
		t.Errorf("Mastercard encipherment = %s", got)
	}
}
