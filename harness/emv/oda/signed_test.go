package oda

import (
	"bytes"
	"errors"
	"testing"
)

func TestSSAD(t *testing.T) {
	iss := testKey(t, 1024, 3)
	static := []byte{0x5F, 0x24, 0x03, 0x30, 0x12, 0x31, 0x39, 0x00}
	dac := [2]byte{0xDA, 0xC1}
	ssad, err := SignStaticData(iss, dac, static)
	if err != nil {
		t.Fatal(err)
	}
	if len(ssad) != iss.Len() {
		t.Fatalf("SSAD %d bytes", len(ssad))
	}
	got, err := VerifySSAD(iss.PublicKey, ssad, static)
	if err != nil || got != dac {
		t.Fatalf("VerifySSAD = %X, %v", got, err)
	}
	for _, tc := range []struct {
		name   string
		opts   []SignOption
		ssad   func([]byte) []byte
		static []byte
		check  Check
	}{
		{name: "header", opts: []SignOption{WithHeader(0x6B)}, check: CheckHeader},
		{name: "trailer", opts: []SignOption{WithTrailer(0xBB)}, check: CheckTrailer},
		{name: "format", opts: []SignOption{WithFormat(FormatSDAD)}, check: CheckFormat},
		{name: "hash algorithm", opts: []SignOption{WithHashAlgorithm(0x00)}, check: CheckHashAlgorithm},
		{name: "hash", opts: []SignOption{WithCorruptHash()}, check: CheckHash},
		{name: "static data", static: []byte{0x5F, 0x24, 0x03, 0x30, 0x12, 0x31, 0x38, 0x00}, check: CheckHash},
		{name: "missing", ssad: func([]byte) []byte { return nil }, check: CheckMissing},
		{name: "length", ssad: func(s []byte) []byte { return s[:len(s)-1] }, check: CheckLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := SignStaticData(iss, dac, static, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ssad != nil {
				s = tc.ssad(s)
			}
			sd := static
			if tc.static != nil {
				sd = tc.static
			}
			_, err = VerifySSAD(iss.PublicKey, s, sd)
			if !errors.Is(err, &Error{Step: StepSSAD, Check: tc.check}) {
				t.Errorf("got %v, want %v", err, tc.check)
			}
		})
	}
}

func TestDDA(t *testing.T) {
	icc := testKey(t, 768, 3)
	num := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	dd, err := DDADynamicData(num)
	if err != nil {
		t.Fatal(err)
	}
	ddol := []byte{0xDE, 0xAD, 0xBE, 0xEF} // 9F37 per the default DDOL
	sdad, err := SignDynamicData(icc, dd, ddol)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifySDAD(icc.PublicKey, sdad, ddol)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.DynamicNumber, num) || !bytes.Equal(got.ICCDynamicData, dd) {
		t.Errorf("got %X / %X", got.DynamicNumber, got.ICCDynamicData)
	}
	nIC := icc.Len()
	badNum := append([]byte{9}, bytes.Repeat([]byte{1}, 9)...)
	for _, tc := range []struct {
		name  string
		dd    []byte
		opts  []SignOption
		ddol  []byte
		sdad  func([]byte) []byte
		check Check
	}{
		{name: "header", opts: []SignOption{WithHeader(0x00)}, check: CheckHeader},
		{name: "trailer", opts: []SignOption{WithTrailer(0x00)}, check: CheckTrailer},
		{name: "format", opts: []SignOption{WithFormat(FormatSSAD)}, check: CheckFormat},
		{name: "hash algorithm", opts: []SignOption{WithHashAlgorithm(0x02)}, check: CheckHashAlgorithm},
		{name: "hash", opts: []SignOption{WithCorruptHash()}, check: CheckHash},
		{name: "DDOL data", ddol: []byte{0xDE, 0xAD, 0xBE, 0xEE}, check: CheckHash},
		{name: "L_DD beyond N_IC−25", opts: []SignOption{WithDynamicDataLength(byte(nIC - 24))}, check: CheckDynamicData},
		{name: "dynamic number length 9", dd: badNum, check: CheckDynamicData},
		{name: "dynamic number overruns", opts: []SignOption{WithDynamicDataLength(4)}, check: CheckDynamicData},
		{name: "missing", sdad: func([]byte) []byte { return nil }, check: CheckMissing},
		{name: "length", sdad: func(s []byte) []byte { return append(s, 0) }, check: CheckLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dd
			if tc.dd != nil {
				d = tc.dd
			}
			s, err := SignDynamicData(icc, d, ddol, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sdad != nil {
				s = tc.sdad(s)
			}
			dl := ddol
			if tc.ddol != nil {
				dl = tc.ddol
			}
			_, err = VerifySDAD(icc.PublicKey, s, dl)
			if !errors.Is(err, &Error{Step: StepSDAD, Check: tc.check}) {
				t.Errorf("got %v, want %v", err, tc.check)
			}
		})
	}
	if _, err := DDADynamicData([]byte{1}); err == nil {
		t.Error("1-byte dynamic number accepted")
	}
	if _, err := SignDynamicData(icc, make([]byte, MaxICCDynamicDataLen(nIC)+1), nil); err == nil {
		t.Error("oversize dynamic data signed")
	}
	if _, err := SignDynamicData(icc, make([]byte, MaxICCDynamicDataLen(nIC)), nil); err != nil {
		t.Errorf("largest dynamic data: %v", err)
	}
}

// cdaCard plays the card side of CDA (EMV Book 2, 6.6.1): it builds the
// response objects, hashes them with the terminal's DOL data and signs.
func cdaCard(t *testing.T, icc *PrivateKey, in CDAInput, ac [8]byte, opts ...SignOption) (sdad, template77 []byte) {
	t.Helper()
	resp := []byte{0x9F, 0x27, 0x01, in.CID, 0x9F, 0x36, 0x02, 0x00, 0x2A}
	iad := []byte{0x9F, 0x10, 0x07, 0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00}
	th := TransactionDataHash(in.PDOLData, in.CDOL1Data, in.CDOL2Data, append(append([]byte{}, resp...), iad...))
	dd, err := CDADynamicData([]byte{0xCA, 0xFE, 0xBA, 0xBE}, in.CID, ac, th)
	if err != nil {
		t.Fatal(err)
	}
	sdad, err = SignDynamicData(icc, dd, in.UnpredictableNumber, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Response order: 9F27, 9F36, 9F4B, 9F10 (long-form length for 9F4B).
	template77 = append(template77, resp...)
	template77 = append(template77, 0x9F, 0x4B, 0x81, byte(len(sdad)))
	template77 = append(template77, sdad...)
	template77 = append(template77, iad...)
	return sdad, template77
}

func TestCDA(t *testing.T) {
	icc := testKey(t, 1024, 65537)
	ac := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, second := range []bool{false, true} {
		in := CDAInput{
			UnpredictableNumber: []byte{0x01, 0x23, 0x45, 0x67},
			CID:                 0x40,
			PDOLData:            []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00},
			CDOL1Data:           []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x08, 0x26},
		}
		if second {
			in.CDOL2Data = []byte{0x30, 0x30, 0x00, 0x00}
		}
		sdad, tmpl := cdaCard(t, icc, in, ac)
		var err error
		in.ResponseData, err = ResponseDataForHash(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyCDA(icc.PublicKey, sdad, in)
		if err != nil {
			t.Fatalf("second=%v: %v", second, err)
		}
		if got.AC != ac || got.CID != 0x40 || !bytes.Equal(got.DynamicNumber, []byte{0xCA, 0xFE, 0xBA, 0xBE}) {
			t.Errorf("got %+v", got)
		}
		// A first-AC signature does not verify as a second-AC one.
		if !second {
			in2 := in
			in2.CDOL2Data = []byte{0x30, 0x30, 0x00, 0x00}
			if _, err := VerifyCDA(icc.PublicKey, sdad, in2); CheckOf(err) != CheckTransactionHash {
				t.Errorf("CDOL2 data added: %v", err)
			}
		}
	}

	in := CDAInput{UnpredictableNumber: []byte{9, 9, 9, 9}, CID: 0x80, CDOL1Data: []byte{1, 2, 3}}
	for _, tc := range []struct {
		name  string
		opts  []SignOption
		mut   func(*CDAInput)
		check Check
	}{
		{name: "header", opts: []SignOption{WithHeader(0x6B)}, check: CheckHeader},
		{name: "format", opts: []SignOption{WithFormat(0x95)}, check: CheckFormat},
		{name: "hash", opts: []SignOption{WithCorruptHash()}, check: CheckHash},
		{name: "CID", mut: func(c *CDAInput) { c.CID = 0x00 }, check: CheckCID},
		{name: "UN", mut: func(c *CDAInput) { c.UnpredictableNumber = []byte{9, 9, 9, 8} }, check: CheckHash},
		{name: "response", mut: func(c *CDAInput) { c.ResponseData = c.ResponseData[:len(c.ResponseData)-1] }, check: CheckTransactionHash},
		{name: "short dynamic data", opts: []SignOption{WithDynamicDataLength(20)}, check: CheckDynamicData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := in
			sdad, tmpl := cdaCard(t, icc, c, ac, tc.opts...)
			c.ResponseData, _ = ResponseDataForHash(tmpl)
			if tc.mut != nil {
				tc.mut(&c)
			}
			_, err := VerifyCDA(icc.PublicKey, sdad, c)
			if !errors.Is(err, &Error{Step: StepSDAD, Check: tc.check}) {
				t.Errorf("got %v, want %v", err, tc.check)
			}
		})
	}
	// A DDA signature is not a CDA one: its dynamic data is too short.
	dd, _ := DDADynamicData([]byte{1, 2, 3, 4})
	sdad, _ := SignDynamicData(icc, dd, in.UnpredictableNumber)
	if _, err := VerifyCDA(icc.PublicKey, sdad, in); CheckOf(err) != CheckDynamicData {
		t.Errorf("DDA signature as CDA: %v", err)
	}
}

func TestResponseDataForHash(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"strip", "9F270180" + "9F4B03AABBCC" + "9F360200FF", "9F2701809F360200FF", true},
		{"padding", "00" + "9F270180" + "0000", "9F270180", true},
		{"long length", "9F4B8103010203" + "9F10820002ABCD", "9F10820002ABCD", true},
		{"empty", "", "", true},
		{"truncated value", "9F270280", "", false},
		{"truncated tag", "9F", "", false},
		{"no length", "9F27", "", false},
		{"bad length form", "9F2780", "", false},
		{"length overflow", "9F2784FFFFFFFF", "", false},
	} {
		got, err := ResponseDataForHash(unhex(t, tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if tc.ok && !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("%s: got %X want %s", tc.name, got, tc.want)
		}
		if !tc.ok && !errors.Is(err, ErrMalformedTLV) {
			t.Errorf("%s: %v is not ErrMalformedTLV", tc.name, err)
		}
	}
}
