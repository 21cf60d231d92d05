package card

import (
	"bytes"
	"errors"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

func TestFaults(t *testing.T) {
	readRec := "00B2010C00"
	sel := "00A4040007F054455354101000"
	tests := []struct {
		name  string
		fault Fault
		apdus []string
		check func(t *testing.T, data []byte, sw uint16)
	}{
		{"chosen SW on the 2nd READ RECORD", Fault{INS: 0xB2, Occurrence: 2, SW: 0x6A83}, []string{sel, readRec, readRec},
			func(t *testing.T, _ []byte, sw uint16) {
				if sw != 0x6A83 {
					t.Errorf("SW %04X", sw)
				}
			}},
		{"malformed record", Fault{INS: 0xB2, Malformed: true}, []string{sel, readRec},
			func(t *testing.T, d []byte, sw uint16) {
				if _, err := emv.Decode(d); err == nil || sw != 0x9000 {
					t.Errorf("record still decodes (SW %04X)", sw)
				}
			}},
		{"malformed FCI", Fault{INS: 0xA4, Malformed: true}, []string{sel},
			func(t *testing.T, d []byte, _ uint16) {
				if _, err := emv.Decode(d); !errors.Is(err, emv.ErrTruncated) {
					t.Errorf("decode: %v", err)
				}
			}},
		{"T=0 61xx then GET RESPONSE", Fault{INS: 0xA4, GetResponse: true}, []string{sel},
			func(t *testing.T, d []byte, sw uint16) {
				if sw>>8 != 0x61 || len(d) != 0 {
					t.Errorf("SW %04X data % X", sw, d)
				}
			}},
		{"T=0 6Cxx on wrong Le", Fault{INS: 0xB2, WrongLe: true}, []string{sel, readRec},
			func(t *testing.T, _ []byte, sw uint16) {
				if sw>>8 != 0x6C {
					t.Errorf("SW %04X", sw)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := openCard(t, "visa-cda-online", WithFault(tc.fault))
			tt := newTerm(t, c, p.Apps[0])
			var d []byte
			var sw uint16
			for _, a := range tc.apdus {
				d, sw = tt.tx(mustHex(a))
			}
			tc.check(t, d, sw)
		})
	}
}

func TestDuplicateAndRemove(t *testing.T) {
	c, p := openCard(t, "visa-cda-online", WithFault(Fault{INS: 0xB2, Duplicate: emv.TagPAN}), WithFault(Fault{INS: 0xB2, Remove: 0x8C}))
	tt := newTerm(t, c, p.Apps[0])
	tt.start()
	pans := 0
	for _, r := range tt.records {
		objs, _ := emv.Decode(r)
		pans += len(emv.FindAll(objs, emv.TagPAN))
	}
	if pans != 2 {
		t.Errorf("%d PANs in the records, want 2", pans)
	}
	if _, ok := tt.tags[0x8C]; ok {
		t.Error("CDOL1 still in the records")
	}
	c2, _ := openCard(t, "visa-cda-online")
	tt2 := newTerm(t, c2, p.Apps[0])
	tt2.start()
	if _, ok := tt2.tags[0x8C]; !ok {
		t.Error("CDOL1 missing without the fault")
	}
}

func TestGetResponseAndWrongLe(t *testing.T) {
	c, p := openCard(t, "visa-cda-online", WithFault(Fault{INS: 0xA4, GetResponse: true}), WithFault(Fault{INS: 0xB2, WrongLe: true}))
	tt := newTerm(t, c, p.Apps[0])
	_, sw := tt.tx(mustHex("00A4040007F054455354101000"))
	n := int(sw & 0xFF)
	fci, sw := tt.cmd(emv.GetResponse(n))
	if sw != 0x9000 || len(fci) != n || fci[0] != 0x6F {
		t.Fatalf("GET RESPONSE: SW %04X, %d bytes, want %d", sw, len(fci), n)
	}
	_, sw = tt.tx(mustHex("00B2010C00"))
	rec, sw := tt.tx(append(mustHex("00B2010C"), byte(sw)))
	if sw != 0x9000 || rec[0] != 0x70 {
		t.Fatalf("READ RECORD with the exact Le: SW %04X", sw)
	}
}

func TestWrongCryptogram(t *testing.T) {
	c, p := openCard(t, "mc-dda", WithFault(Fault{INS: 0xAE, Occurrence: 1, WrongCryptogram: true}))
	prof := p.Apps[0]
	tt := newTerm(t, c, prof)
	tt.start()
	res, _, _ := tt.genAC(emv.RefControlARQC, 0x8C)
	v, keys := issuerKeys(t, prof)
	if err := v.VerifyARQC(keys.AC, tt.txData(res), res.ac); !errors.Is(err, cryptogram.ErrMismatch) {
		t.Errorf("VerifyARQC of a wrong cryptogram: %v", err)
	}
}

func TestProfileFaults(t *testing.T) {
	p, err := LoadProfile("visa-cda-online")
	if err != nil {
		t.Fatal(err)
	}
	p.Faults = []FaultConfig{{INS: "A8", SW: "6985"}}
	c, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	tt := newTerm(t, c, p.Apps[0])
	tt.tx(mustHex("00A4040007F054455354101000"))
	if _, sw := tt.tx(mustHex("80A8000006830400560978" + "00")); sw != 0x6985 {
		t.Errorf("SW %04X", sw)
	}
	p.Faults = []FaultConfig{{INS: "zz"}}
	if _, err := New(p); err == nil {
		t.Error("bad fault accepted")
	}
}

func TestParseProfileErrors(t *testing.T) {
	good, _ := LoadProfile("visa-sda-offline")
	for _, tc := range []struct {
		name string
		edit func(*Profile)
	}{
		{"no applications", func(p *Profile) { p.Apps = nil }},
		{"short AID", func(p *Profile) { p.Apps[0].AID = "F054" }},
		{"bad PAN", func(p *Profile) { p.Apps[0].PAN = "4761x" }},
		{"bad CVN", func(p *Profile) { p.Apps[0].Cryptogram.CVN = 99 }},
		{"short key", func(p *Profile) { p.Apps[0].Cryptogram.IMKAC = "0011" }},
		{"no CDOL1", func(p *Profile) { p.Apps[0].CDOL1 = "" }},
		{"bad expiry", func(p *Profile) { p.Apps[0].Expiry = "2049" }},
		{"keys not marked", func(p *Profile) { p.Apps[0].Cryptogram.Note = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := *good
			p.Apps = append([]AppProfile(nil), good.Apps...)
			tc.edit(&p)
			var pe *ProfileError
			if err := p.Validate(); !errors.As(err, &pe) {
				t.Errorf("Validate: %v", err)
			} else if bytes.Contains([]byte(err.Error()), []byte("4761739001010127")) {
				t.Errorf("error shows the PAN: %v", err)
			}
		})
	}
	if _, err := ParseProfile("x", []byte("name: x\nunknown_key: 1\n")); err == nil {
		t.Error("unknown key accepted")
	}
}
