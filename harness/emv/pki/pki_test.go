package pki

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/paylab/paylab/harness/emv/oda"
)

// fixtureDir is the committed test authority, relative to this package.
const fixtureDir = "../../../fixtures/pki"

var (
	loadOnce sync.Once
	loaded   *Authority
	loadErr  error
)

func fixture(t testing.TB) *Authority {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = Load(fixtureDir) })
	if loadErr != nil {
		t.Fatalf("Load(%s): %v", fixtureDir, loadErr)
	}
	return loaded
}

func TestLoadCommitted(t *testing.T) {
	a := fixture(t)
	if a.RID != TestRID {
		t.Errorf("RID %X, want %X", a.RID, TestRID)
	}
	if a.RID[0]>>4 != 0xF {
		t.Errorf("RID %X is not a proprietary (F) RID", a.RID)
	}
	def, err := a.CA(a.DefaultCA)
	if err != nil {
		t.Fatal(err)
	}
	if def.Bits() != 1984 {
		t.Errorf("default CA %02X has %d bits, want 1984", def.Index, def.Bits())
	}
	exps := map[string]bool{}
	for _, c := range a.CAs {
		if c.Bits() < 1152 || c.Bits() > 1984 {
			t.Errorf("CA %02X: %d bits, want 1152..1984", c.Index, c.Bits())
		}
		exps[string(c.Key.Exponent)] = true
	}
	if !exps["\x03"] || !exps["\x01\x00\x01"] {
		t.Errorf("CA keys should include exponents 3 and 65537")
	}
	if len(a.Issuers) < 3 || len(a.CardKeys) < 6 || len(a.Revoked) == 0 {
		t.Errorf("authority has %d issuers, %d card keys, %d revocations", len(a.Issuers), len(a.CardKeys), len(a.Revoked))
	}
	// Every committed file carries the test marker.
	err = filepath.WalkDir(fixtureDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(TestMarker)) && !bytes.Contains(b, []byte("TEST KEY")) {
			t.Errorf("%s does not carry the test marker", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCommittedFilesInSync re-encodes the loaded authority and compares it
// with the committed files byte for byte: the exports are current and the
// format is stable.
func TestCommittedFilesInSync(t *testing.T) {
	a := fixture(t)
	files, err := a.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(fixtureDir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("committed file missing: %v", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the re-encoded authority; regenerate the exports", name)
		}
	}
}

func smallLayout() Layout {
	return Layout{
		RID:       TestRID,
		DefaultCA: 0x01,
		CAs:       []CASpec{{Index: 0x01, Bits: 1152, Exponent: 3, Expiry: "491231"}},
		Issuers:   []IssuerSpec{{Name: "iss", ID: "123456", CAIndex: 0x01, Bits: 1024, Exponent: 65537, Serial: [3]byte{0, 0, 9}, Expiry: "1249"}},
		CardKeys:  []CardKeySpec{{Name: "icc", Bits: 768, Exponent: 3}},
		Revoked:   []Revocation{{RID: TestRID, Index: 0x01, Serial: [3]byte{1, 2, 3}}},
	}
}

func memFS(files map[string][]byte) fstest.MapFS {
	m := fstest.MapFS{}
	for n, b := range files {
		m[n] = &fstest.MapFile{Data: b}
	}
	return m
}

func TestGenerateRoundTrip(t *testing.T) {
	seed := [32]byte{1}
	a, err := Generate(rand.NewChaCha8(seed), smallLayout())
	if err != nil {
		t.Fatal(err)
	}
	files, err := a.Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadFS(memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Files()
	if err != nil {
		t.Fatal(err)
	}
	for n := range files {
		if !bytes.Equal(files[n], again[n]) {
			t.Errorf("%s changed across a round trip", n)
		}
	}
	// A seeded stream reproduces the same keys.
	c, err := Generate(rand.NewChaCha8(seed), smallLayout())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.CAs[0].Key.Modulus, a.CAs[0].Key.Modulus) {
		t.Error("same seed gave a different CA key")
	}
	dir := t.TempDir()
	if err := a.WriteDir(dir, false); err != nil {
		t.Fatal(err)
	}
	if err := a.WriteDir(dir, false); err == nil {
		t.Error("WriteDir overwrote an authority without force")
	}
	if err := c.WriteDir(dir, true); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateRejectsBadLayout(t *testing.T) {
	r := rand.NewChaCha8([32]byte{2})
	for name, mod := range map[string]func(*Layout){
		"small CA":         func(l *Layout) { l.CAs[0].Bits = 1024 },
		"issuer > CA":      func(l *Layout) { l.Issuers[0].Bits = 1160 },
		"absent index":     func(l *Layout) { l.CAs[0].Index = AbsentCAIndex; l.DefaultCA = AbsentCAIndex },
		"registered RID":   func(l *Layout) { l.RID = [5]byte{0xA0, 0, 0, 0, 3} },
		"short issuer ID":  func(l *Layout) { l.Issuers[0].ID = "12" },
		"bad expiry":       func(l *Layout) { l.Issuers[0].Expiry = "1349" },
		"unknown CA":       func(l *Layout) { l.Issuers[0].CAIndex = 0x02 },
		"revoked issuer":   func(l *Layout) { l.Revoked[0].Serial = l.Issuers[0].Serial },
		"duplicate name":   func(l *Layout) { l.CardKeys[0].Name = "iss" },
		"bad exponent":     func(l *Layout) { l.CardKeys[0].Exponent = 5 },
		"bad CA expiry":    func(l *Layout) { l.CAs[0].Expiry = "4912" },
		"no default CA":    func(l *Layout) { l.DefaultCA = 0x07 },
		"path in key name": func(l *Layout) { l.CardKeys[0].Name = "../x" },
	} {
		l := smallLayout()
		mod(&l)
		if _, err := Generate(r, l); err == nil {
			t.Errorf("%s: Generate accepted the layout", name)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	a, err := Generate(rand.NewChaCha8([32]byte{3}), smallLayout())
	if err != nil {
		t.Fatal(err)
	}
	good, err := a.Files()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(name, old, new string) map[string][]byte {
		out := map[string][]byte{}
		for n, b := range good {
			out[n] = b
		}
		if !bytes.Contains(out[name], []byte(old)) {
			t.Fatalf("%s lacks %q", name, old)
		}
		out[name] = bytes.Replace(out[name], []byte(old), []byte(new), 1)
		return out
	}
	iccKey := a.CardKeys[0].Key
	cases := map[string]map[string][]byte{
		"no marker":       edit("icc/icc.json", TestMarker, "PRODUCTION"),
		"wrong kind":      edit("icc/icc.json", `"kind": "icc"`, `"kind": "ca"`),
		"unknown field":   edit("icc/icc.json", `"bits"`, `"bitz"`),
		"wrong bits":      edit("icc/icc.json", `"bits": 768`, `"bits": 776`),
		"mismatched key":  edit("icc/icc.json", hexOf(iccKey.P), hexOf(iccKey.Q)),
		"broken hex":      edit("ca/01.json", `"exponent": "03"`, `"exponent": "0G"`),
		"file name":       edit("issuers/iss.json", `"name": "iss"`, `"name": "other"`),
		"authority mark":  edit("authority.json", TestMarker, "x"),
		"wrong RID":       edit("ca/01.json", `"rid": "F054455354"`, `"rid": "F054455355"`),
		"trailing data":   edit("authority.json", "}\n", "}{}\n"),
		"issuer CA index": edit("issuers/iss.json", `"ca_index": "01"`, `"ca_index": "02"`),
	}
	missing := map[string][]byte{}
	for n, b := range good {
		if n != "authority.json" {
			missing[n] = b
		}
	}
	cases["no authority.json"] = missing
	for name, files := range cases {
		if _, err := LoadFS(memFS(files)); err == nil {
			t.Errorf("%s: LoadFS accepted it", name)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("Load of a missing directory succeeded")
	}
}

func TestLookups(t *testing.T) {
	a := fixture(t)
	if _, err := a.CA(AbsentCAIndex); err == nil {
		t.Error("CA(AbsentCAIndex) found a key")
	}
	if _, err := a.TerminalKeys().Lookup(a.RID, AbsentCAIndex); !errors.Is(err, &oda.Error{Check: oda.CheckCAIndex}) {
		t.Errorf("terminal key lookup of the absent index: %v", err)
	}
	for _, i := range a.Issuers {
		got, err := a.IssuerForPAN(i.ID + "0000000000")
		if err != nil || got != i {
			t.Errorf("IssuerForPAN(%s…) = %v, %v", i.ID, got, err)
		}
	}
	_, err := a.IssuerForPAN("1111222233334444")
	if err == nil || strings.Contains(err.Error(), "1111222233334444") {
		t.Errorf("IssuerForPAN of an unknown PAN: %v (must fail and mask the PAN)", err)
	}
	if _, err := a.Issuer("nope"); err == nil {
		t.Error("Issuer(nope) succeeded")
	}
	if _, err := a.CardKey("nope"); err == nil {
		t.Error("CardKey(nope) succeeded")
	}
	l := a.RevocationList()
	for _, r := range a.Revoked {
		if !l.Revoked(r.RID, r.Index, r.Serial) {
			t.Errorf("revocation %X %02X %X not on the list", r.RID, r.Index, r.Serial)
		}
	}
	for _, i := range a.Issuers {
		if l.Revoked(a.RID, i.CAIndex, i.Serial) {
			t.Errorf("issuer %s is revoked", i.Name)
		}
	}
}
