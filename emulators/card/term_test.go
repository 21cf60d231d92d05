package card

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
)

// testTerm is the small terminal side the tests drive the card with. It is
// deliberately naive: the real kernel lives in harness/terminal.
type testTerm struct {
	t        testing.TB
	card     *Card
	prof     AppProfile
	values   map[emv.Tag][]byte // terminal data
	fci      []emv.TLV
	pdolData []byte
	aip      []byte
	afl      []byte
	records  [][]byte // raw 70 templates, in AFL order
	static   []byte
	tags     emv.TagValues
	iccKey   *oda.PublicKey
	pinKey   *oda.PublicKey
}

func newTerm(t testing.TB, c *Card, prof AppProfile) *testTerm {
	return &testTerm{t: t, card: c, prof: prof, tags: emv.TagValues{}, values: map[emv.Tag][]byte{
		emv.TagAmount: mustHex("000000001000"), emv.TagAmountOther: mustHex("000000000000"),
		emv.TagCountryCode: mustHex("0056"), emv.TagCurrencyCode: mustHex("0978"),
		emv.TagTVR: mustHex("0000000000"), emv.TagTxnDate: mustHex("261128"), emv.TagTxnType: {0x00},
		emv.TagUN: mustHex("1A2B3C4D"), 0x9F35: {0x22}, 0x9F34: mustHex("1F0302"),
		0x9F45: mustHex("0000"), 0x9F4C: make([]byte, 8), 0x8A: []byte("00"),
		0x91: make([]byte, 10),
	}}
}

func (tt *testTerm) lookup(t emv.Tag) ([]byte, bool) { v, ok := tt.values[t]; return v, ok }

// tx sends an APDU and returns data and SW.
func (tt *testTerm) tx(capdu []byte) ([]byte, uint16) {
	tt.t.Helper()
	r, err := tt.card.Transmit(context.Background(), capdu)
	if err != nil {
		tt.t.Fatalf("transmit: %v", err)
	}
	if len(r) < 2 {
		tt.t.Fatalf("response shorter than SW: % X", r)
	}
	return r[:len(r)-2], uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

func (tt *testTerm) cmd(c emv.Command) ([]byte, uint16) {
	tt.t.Helper()
	b, err := c.Encode()
	if err != nil {
		tt.t.Fatal(err)
	}
	return tt.tx(b)
}

func (tt *testTerm) must(c emv.Command, what string) []byte {
	tt.t.Helper()
	d, sw := tt.cmd(c)
	if sw != emv.SWNoError {
		tt.t.Fatalf("%s: SW %04X", what, sw)
	}
	return d
}

// start selects the application, runs GPO and reads every AFL record.
func (tt *testTerm) start() {
	tt.t.Helper()
	fci := tt.must(emv.SelectByName(mustHex(tt.prof.AID), false), "SELECT")
	var err error
	if tt.fci, err = emv.Decode(fci); err != nil {
		tt.t.Fatalf("FCI: %v", err)
	}
	var pdol emv.DOL
	if o, ok := emv.Find(tt.fci, 0x9F38); ok {
		pdol, _ = emv.ParseDOL(o.Value)
	}
	tt.pdolData = emv.BuildDOL(pdol, tt.lookup)
	r := tt.must(emv.GetProcessingOptions(tt.pdolData), "GPO")
	objs, err := emv.Decode(r)
	if err != nil {
		tt.t.Fatalf("GPO response: %v", err)
	}
	if objs[0].Tag == 0x80 {
		tt.aip, tt.afl = objs[0].Value[:2], objs[0].Value[2:]
	} else {
		f := emv.Flatten(objs)
		tt.aip, tt.afl = f[emv.TagAIP], f[emv.TagAFL]
	}
	for i := 0; i+4 <= len(tt.afl); i += 4 {
		sfi, first, last, nODA := tt.afl[i]>>3, tt.afl[i+1], tt.afl[i+2], tt.afl[i+3]
		for rec := first; rec <= last; rec++ {
			c, _ := emv.ReadRecord(sfi, rec)
			d := tt.must(c, "READ RECORD")
			objs, err := emv.Decode(d)
			if err != nil || len(objs) != 1 || objs[0].Tag != 0x70 {
				tt.t.Fatalf("record %d/%d: %v", sfi, rec, err)
			}
			if rec < first+nODA {
				tt.static = append(tt.static, objs[0].Value...)
			}
			for k, v := range emv.Flatten(objs[0].Children) {
				tt.tags[k] = v
			}
			tt.records = append(tt.records, d)
		}
	}
	if l, ok := tt.tags[0x9F4A]; ok && bytes.Equal(l, []byte{0x82}) {
		tt.static = append(tt.static, tt.aip...)
	}
}

// recoverKeys checks the issuer and ICC certificates as a terminal does.
func (tt *testTerm) recoverKeys() *oda.IssuerKey {
	tt.t.Helper()
	auth, err := DefaultAuthority()
	if err != nil {
		tt.t.Fatal(err)
	}
	ca, err := auth.CAKey(tt.tags[0x8F][0])
	if err != nil {
		tt.t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	iss, err := oda.RecoverIssuerKey(ca, tt.tags[0x90], tt.tags[0x92], tt.tags[0x9F32], tt.prof.PAN, now)
	if err != nil {
		tt.t.Fatalf("issuer key: %v", err)
	}
	if c, ok := tt.tags[0x9F46]; ok {
		icc, err := oda.RecoverICCKey(iss.Key, c, tt.tags[0x9F48], tt.tags[0x9F47], tt.static, tt.prof.PAN, now)
		if err != nil {
			tt.t.Fatalf("ICC key: %v", err)
		}
		tt.iccKey = &icc.Key
	}
	if c, ok := tt.tags[0x9F2D]; ok {
		pk, err := oda.RecoverICCPINKey(iss.Key, c, tt.tags[0x9F2F], tt.tags[0x9F2E], tt.prof.PAN, now)
		if err != nil {
			tt.t.Fatalf("PIN key: %v", err)
		}
		tt.pinKey = &pk.Key
	}
	return iss
}

// genAC sends GENERATE AC with the CDOL data and returns the parsed response.
type acResult struct {
	cid  byte
	atc  []byte
	ac   []byte
	iad  []byte
	sdad []byte
	raw  []byte
}

func (tt *testTerm) genAC(p1 byte, dolTag emv.Tag) (acResult, []byte, uint16) {
	tt.t.Helper()
	dol, _ := emv.ParseDOL(tt.tags[dolTag])
	data := emv.BuildDOL(dol, tt.lookup)
	r, sw := tt.cmd(emv.GenerateAC(p1, data))
	if sw != emv.SWNoError {
		return acResult{}, data, sw
	}
	objs, err := emv.Decode(r)
	if err != nil {
		tt.t.Fatalf("GENERATE AC response: %v", err)
	}
	res := acResult{raw: r}
	if objs[0].Tag == 0x80 {
		v := objs[0].Value
		res.cid, res.atc, res.ac, res.iad = v[0], v[1:3], v[3:11], v[11:]
	} else {
		f := emv.Flatten(objs)
		res.cid, res.atc, res.ac, res.iad, res.sdad = f[emv.TagCID][0], f[emv.TagATC], f[emv.TagCryptogram], f[emv.TagIAD], f[0x9F4B]
	}
	return res, data, sw
}

// issuerKeys derives the card's keys independently, as the issuer does.
func issuerKeys(t testing.TB, p AppProfile) (*cryptogram.Version, cryptogram.Keys) {
	t.Helper()
	v, err := cryptogram.VersionByNumber(p.Cryptogram.CVN)
	if err != nil {
		t.Fatal(err)
	}
	psn := p.PSN
	if psn == "" {
		psn = "00"
	}
	k, err := v.DeriveKeys(cryptogram.Keys{AC: mustHex(p.Cryptogram.IMKAC), SMI: mustHex(p.Cryptogram.IMKSMI), SMC: mustHex(p.Cryptogram.IMKSMC)}, p.PAN, psn)
	if err != nil {
		t.Fatal(err)
	}
	return v, k
}

// txData is the cryptogram input as the issuer sees it.
func (tt *testTerm) txData(res acResult) map[emv.Tag][]byte {
	m := map[emv.Tag][]byte{}
	for k, v := range tt.values {
		m[k] = v
	}
	m[emv.TagAIP], m[emv.TagATC], m[emv.TagIAD] = tt.aip, res.atc, res.iad
	return m
}

func openCard(t testing.TB, name string, opts ...Option) (*Card, *Profile) {
	t.Helper()
	p, err := LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(p, append([]Option{WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

func hexs(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
