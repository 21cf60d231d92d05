package pki

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv/oda"
)

// independentChecksum recomputes the CA public key check sum of EMV Book 2,
// 11.2.2 from the exported hex fields alone: SHA-1 over RID || index ||
// modulus || exponent.
func independentChecksum(t *testing.T, fields ...string) string {
	t.Helper()
	h := sha1.New()
	for _, f := range fields {
		b, err := hex.DecodeString(f)
		if err != nil {
			t.Fatalf("field %q is not hex", f)
		}
		h.Write(b)
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func TestExportJSON(t *testing.T) {
	a := fixture(t)
	b, err := ExportJSON(a.CAPublicKeys())
	if err != nil {
		t.Fatal(err)
	}
	// Read it as a terminal would, without this package's types.
	var entries []map[string]any
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(a.CAs) {
		t.Fatalf("%d entries, want %d", len(entries), len(a.CAs))
	}
	for n, e := range entries {
		ca := a.CAs[n]
		str := func(k string) string { s, _ := e[k].(string); return s }
		if str("rid") != "F054455354" || str("index") != hexOf([]byte{ca.Index}) {
			t.Errorf("entry %d: rid %s index %s", n, str("rid"), str("index"))
		}
		if e["test"] != true || str("marker") != TestMarker {
			t.Errorf("entry %d not marked as test", n)
		}
		if sz, _ := e["size"].(float64); int(sz) != ca.Bits() || len(str("modulus")) != ca.Bits()/4 {
			t.Errorf("entry %d: size %v, modulus %d hex digits, want %d bits", n, e["size"], len(str("modulus")), ca.Bits())
		}
		if want := independentChecksum(t, str("rid"), str("index"), str("modulus"), str("exponent")); str("checksum") != want {
			t.Errorf("entry %d: checksum %s, recomputed %s", n, str("checksum"), want)
		}
		if str("expiry") != ca.Expiry || str("hash_algorithm") != "01" || str("key_algorithm") != "01" {
			t.Errorf("entry %d: expiry %s, algorithms %s %s", n, str("expiry"), str("hash_algorithm"), str("key_algorithm"))
		}
	}
	back, err := ParseCAKeysJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKeys(t, back, a.CAPublicKeys())
}

func TestExportText(t *testing.T) {
	a := fixture(t)
	b := ExportText(a.CAPublicKeys())
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if !strings.Contains(lines[0], TestMarker) || !strings.HasPrefix(lines[0], "#") {
		t.Errorf("first line %q lacks the test marker", lines[0])
	}
	var keyLines []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			keyLines = append(keyLines, l)
		}
	}
	if len(keyLines) != len(a.CAs) {
		t.Fatalf("%d key lines, want %d", len(keyLines), len(a.CAs))
	}
	for n, l := range keyLines {
		f := strings.Split(l, " ")
		if len(f) != 5 {
			t.Fatalf("line %q: %d fields, want RID INDEX MODULUS EXPONENT HASH", l, len(f))
		}
		if f[0] != "F054455354" || f[1] != hexOf([]byte{a.CAs[n].Index}) || f[2] != hexOf(a.CAs[n].Key.Modulus) || f[3] != hexOf(a.CAs[n].Key.Exponent) {
			t.Errorf("line %d: %s %s … %s", n, f[0], f[1], f[3])
		}
		if want := independentChecksum(t, f[0], f[1], f[2], f[3]); f[4] != want {
			t.Errorf("line %d: hash %s, recomputed %s", n, f[4], want)
		}
	}
	back, err := ParseCAKeysText(b)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKeys(t, back, a.CAPublicKeys())
}

func assertSameKeys(t *testing.T, got, want []oda.CAKey) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d keys, want %d", len(got), len(want))
	}
	for n := range got {
		if got[n].RID != want[n].RID || got[n].Index != want[n].Index ||
			!bytes.Equal(got[n].Key.Modulus, want[n].Key.Modulus) || !bytes.Equal(got[n].Key.Exponent, want[n].Key.Exponent) {
			t.Errorf("key %d differs after the round trip", n)
		}
	}
}

func TestParseCAKeysRejects(t *testing.T) {
	a := fixture(t)
	keys := a.CAPublicKeys()[:1]
	text := string(ExportText(keys))
	js, _ := ExportJSON(keys)
	sum := keys[0].Checksum()
	sumHex := hexOf(sum[:])
	badSum := "00" + sumHex[2:]
	for name, in := range map[string]string{
		"text bad checksum": strings.Replace(text, sumHex, badSum, 1),
		"text few fields":   strings.Replace(text, " "+sumHex, "", 1),
		"text bad hex":      strings.Replace(text, "F054455354", "F05445535G", 1),
		"text bad exponent": strings.Replace(text, " 03 ", " 05 ", 1),
	} {
		if _, err := ParseCAKeysText([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, in := range map[string]string{
		"json bad checksum": strings.Replace(string(js), sumHex, badSum, 1),
		"json bad size":     strings.Replace(string(js), `"size": 1152`, `"size": 1024`, 1),
		"json unknown":      strings.Replace(string(js), `"test"`, `"tset"`, 1),
		"json not array":    `{"rid": "F054455354"}`,
	} {
		if _, err := ParseCAKeysJSON([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExportRevocations(t *testing.T) {
	a := fixture(t)
	text := ExportRevocationsText(a.Revoked)
	var n int
	for _, l := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		rid, idx, serial, err := oda.ParseRevocationEntry(l)
		if err != nil {
			t.Fatal(err)
		}
		if r := a.Revoked[n]; r.RID != rid || r.Index != idx || r.Serial != serial {
			t.Errorf("line %q differs from %+v", l, r)
		}
		n++
	}
	if n != len(a.Revoked) {
		t.Errorf("%d lines, want %d", n, len(a.Revoked))
	}
	js, err := ExportRevocationsJSON(a.Revoked)
	if err != nil {
		t.Fatal(err)
	}
	var entries []RevocationExport
	if err := json.Unmarshal(js, &entries); err != nil || len(entries) != len(a.Revoked) || !entries[0].Test {
		t.Errorf("revocations JSON: %v, %+v", err, entries)
	}
}

// FuzzParseCAKeysText checks that the text loader never panics and that
// whatever it accepts survives an export round trip.
func FuzzParseCAKeysText(f *testing.F) {
	a := fixture(f)
	f.Add(ExportText(a.CAPublicKeys()))
	f.Add([]byte("# comment\n\nF054455354 F1 00 03 00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseCAKeysText(data)
		if err != nil {
			return
		}
		back, err := ParseCAKeysText(ExportText(keys))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		assertSameKeys(t, back, keys)
	})
}

// FuzzParseCAKeysJSON is the same for the JSON loader.
func FuzzParseCAKeysJSON(f *testing.F) {
	a := fixture(f)
	js, _ := ExportJSON(a.CAPublicKeys())
	f.Add(js)
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseCAKeysJSON(data)
		if err != nil {
			return
		}
		out, err := ExportJSON(keys)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCAKeysJSON(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		assertSameKeys(t, back, keys)
	})
}
