package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv/pki"
)

// pkiFixtures is the committed authority, relative to this package.
const pkiFixtures = "../../fixtures/pki"

func runPKI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"pki"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func TestPKIExportJSON(t *testing.T) {
	out, errOut, code := runPKI(t, "export", "--format", "json", "--dir", pkiFixtures)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var keys []map[string]any
	if err := json.Unmarshal([]byte(out), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 4 {
		t.Fatalf("%d keys, want 4", len(keys))
	}
	for _, k := range keys {
		if k["test"] != true || k["rid"] != "F054455354" {
			t.Errorf("key %v %v not a TEST key", k["rid"], k["index"])
		}
		// Check sum recomputed here, independently (EMV Book 2, 11.2.2).
		h := sha1.New()
		for _, f := range []string{"rid", "index", "modulus", "exponent"} {
			b, err := hex.DecodeString(k[f].(string))
			if err != nil {
				t.Fatal(err)
			}
			h.Write(b)
		}
		if got := strings.ToUpper(hex.EncodeToString(h.Sum(nil))); got != k["checksum"] {
			t.Errorf("index %v: checksum %v, recomputed %s", k["index"], k["checksum"], got)
		}
	}
	// The committed export is the same.
	committed, err := os.ReadFile(filepath.Join(pkiFixtures, "export", "ca-keys.json"))
	if err != nil || string(committed) != out {
		t.Errorf("export differs from the committed export/ca-keys.json (%v)", err)
	}
}

func TestPKIExportText(t *testing.T) {
	out, errOut, code := runPKI(t, "export", "--format", "text", "--dir", pkiFixtures)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "# "+pki.TestMarker) {
		t.Errorf("text export does not open with the marker: %.80q", out)
	}
	var n int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 5 || f[0] != "F054455354" {
			t.Errorf("line %.60q: want RID INDEX MODULUS EXPONENT HASH", l)
			continue
		}
		h := sha1.New()
		for _, x := range f[:4] {
			b, _ := hex.DecodeString(x)
			h.Write(b)
		}
		if got := strings.ToUpper(hex.EncodeToString(h.Sum(nil))); got != f[4] {
			t.Errorf("index %s: hash %s, recomputed %s", f[1], f[4], got)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d key lines, want 4", n)
	}
	rev, _, code := runPKI(t, "export", "--format", "text", "--revoked", "--dir", pkiFixtures)
	if code != 0 || !strings.Contains(rev, "F054455354 F8 7E57F8") {
		t.Errorf("revocation export (exit %d):\n%s", code, rev)
	}
	revJSON, _, code := runPKI(t, "export", "--format", "json", "--revoked", "--dir", pkiFixtures)
	if code != 0 || !strings.Contains(revJSON, `"serial": "7E57F8"`) {
		t.Errorf("revocation JSON export (exit %d):\n%s", code, revJSON)
	}
}

func TestPKIVariants(t *testing.T) {
	out, errOut, code := runPKI(t, "variants")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, v := range pki.Variants() {
		if !strings.Contains(out, v.Name+" ") || !strings.Contains(out, v.Description) {
			t.Errorf("variants output lacks %s", v.Name)
		}
	}
}

func TestPKIShowHasNoPrivateKeys(t *testing.T) {
	out, errOut, code := runPKI(t, "show", "--dir", pkiFixtures)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{pki.TestMarker, "F054455354", "issuer-a", "476173", "icc-1984-a", "7E57F8"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	a, err := pki.Load(pkiFixtures)
	if err != nil {
		t.Fatal(err)
	}
	var secrets [][]byte
	for _, c := range a.CAs {
		secrets = append(secrets, c.Key.D, c.Key.P, c.Key.Q)
	}
	for _, i := range a.Issuers {
		secrets = append(secrets, i.Key.D, i.Key.P, i.Key.Q)
	}
	for _, k := range a.CardKeys {
		secrets = append(secrets, k.Key.D, k.Key.P, k.Key.Q)
	}
	upper := strings.ToUpper(out)
	for _, s := range secrets {
		if strings.Contains(upper, strings.ToUpper(hex.EncodeToString(s[:8]))) {
			t.Fatal("show prints private key material")
		}
	}
}

func TestPKICard(t *testing.T) {
	out, errOut, code := runPKI(t, "card", "--dir", pkiFixtures, "--pan", "4761739001010010", "--static-data", "5F24034912313C00", "--pin")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"\n8F F8\n", "\n90 ", "\n92 ", "\n9F32 03\n", "\n93 ", "\n9F46 ", "\n9F47 ", "\n9F2D ", "variant good"} {
		if !strings.Contains(out, want) {
			t.Errorf("card output lacks %q", want)
		}
	}
	bad, _, code := runPKI(t, "card", "--dir", pkiFixtures, "--pan", "4761739001010010", "--variant", "wrong-ca-index")
	if code != 0 || !strings.Contains(bad, "\n8F EE\n") {
		t.Errorf("wrong-ca-index card (exit %d):\n%s", code, bad)
	}
}

func TestPKIGenerate(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runPKI(t, "generate", "--out", dir, "--seed", "cli test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, pki.TestMarker) {
		t.Errorf("generate output lacks the marker: %s", out)
	}
	a, err := pki.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.CAs) != 4 {
		t.Errorf("%d CA keys", len(a.CAs))
	}
	// No overwrite without --force; with it, fine.
	_, errOut, code = runPKI(t, "generate", "--out", dir, "--seed", "cli test")
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "force") {
		t.Errorf("second generate: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code = runPKI(t, "generate", "--out", dir, "--seed", "cli test", "--force"); code != 0 {
		t.Errorf("generate --force: exit %d: %s", code, errOut)
	}
}

func TestPKIBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	for name, args := range map[string][]string{
		"bad format":      {"export", "--format", "xml", "--dir", pkiFixtures},
		"missing dir":     {"export", "--format", "json", "--dir", missing},
		"show missing":    {"show", "--dir", missing},
		"generate no out": {"generate"},
		"unknown flag":    {"export", "--nope"},
		"extra argument":  {"variants", "extra"},
		"card no pan":     {"card", "--dir", pkiFixtures},
		"card bad hex":    {"card", "--dir", pkiFixtures, "--pan", "4761739001010010", "--static-data", "ZZ"},
		"card bad dac":    {"card", "--dir", pkiFixtures, "--pan", "4761739001010010", "--dac", "1"},
		"card variant":    {"card", "--dir", pkiFixtures, "--pan", "4761739001010010", "--variant", "no-such"},
		"card issuer":     {"card", "--dir", pkiFixtures, "--pan", "1111222233334444"},
	} {
		out, errOut, code := runPKI(t, args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "paylab: ") {
			t.Errorf("%s: stderr %q, want one line", name, errOut)
		}
		if strings.Contains(errOut, "1111222233334444") {
			t.Errorf("%s: stderr shows a full PAN", name)
		}
		_ = out
	}
}
