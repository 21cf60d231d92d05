package reports_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paylab/paylab/reports"
)

// newBundle writes a run folder the way the suite does (report.json,
// junit.xml, manifest) plus a trace in a subfolder, and signs it when a
// key is given.
func newBundle(t *testing.T, key ed25519.PrivateKey) string {
	t.Helper()
	r := types.Report{
		SuiteDescription: "paylab scenarios",
		SpecReports: types.SpecReports{
			spec("a", "EMV.CRY.ARQC.001", types.SpecStatePassed),
			spec("b", "EMV.CRY.ARQC.002", types.SpecStateFailed),
		},
	}
	run := reports.FromGinkgo("r1", reports.Bench{Name: "emulated"}, r)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evidence", "EMV.CRY.ARQC.001.apdu"), []byte("00A4040007A0000000031010\n6F1A840E315041592E5359532E4444463031A5088801025F2D02656E9000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := reports.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	if key != nil {
		if _, err := reports.SignManifest(dir, key); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader) // TEST KEY, never stored
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// bundleFiles lists every file of a bundle, manifest and signature included.
func bundleFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func integrity(t *testing.T, err error) *reports.IntegrityError {
	t.Helper()
	var ie *reports.IntegrityError
	if !errors.As(err, &ie) {
		t.Fatalf("Verify = %v, want an *IntegrityError", err)
	}
	return ie
}

func TestVerifyIntact(t *testing.T) {
	pub, priv := testKey(t)
	for name, key := range map[string]ed25519.PrivateKey{"unsigned": nil, "signed": priv} {
		dir := newBundle(t, key)
		if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
			t.Errorf("%s: Verify = %v", name, err)
		}
		if key != nil {
			if err := reports.Verify(dir, reports.VerifyOptions{PublicKey: pub}); err != nil {
				t.Errorf("%s: Verify with key = %v", name, err)
			}
		}
		want := []string{reports.JSONFile, reports.ManifestFile, "evidence/EMV.CRY.ARQC.001.apdu", reports.JUnitFile, reports.HTMLFile}
		if key != nil {
			want = append(want, reports.SignatureFile)
		}
		if got := bundleFiles(t, dir); len(got) != len(want) {
			t.Errorf("%s: bundle holds %v, want %v", name, got, want)
		}
	}
}

// TestVerifyDetectsEveryOneByteChange flips one byte at several positions
// (first, last and between) of every file of a bundle, manifest and
// signature included, and expects Verify to report it each time.
func TestVerifyDetectsEveryOneByteChange(t *testing.T) {
	pub, priv := testKey(t)
	for _, signed := range []bool{false, true} {
		var key ed25519.PrivateKey
		opts := reports.VerifyOptions{}
		if signed {
			key, opts.PublicKey = priv, pub
		}
		dir := newBundle(t, key)
		checked := 0
		for _, f := range bundleFiles(t, dir) {
			p := filepath.Join(dir, filepath.FromSlash(f))
			orig, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			n := len(orig)
			positions := []int{0, 1, n / 3, n / 2, 2 * n / 3, n - 2, n - 1}
			for _, pos := range positions {
				for _, mask := range []byte{0x01, 0x20, 0xFF} {
					b := bytes.Clone(orig)
					b[pos] ^= mask
					if err := os.WriteFile(p, b, 0o644); err != nil {
						t.Fatal(err)
					}
					err := reports.Verify(dir, opts)
					var ie *reports.IntegrityError
					if !errors.As(err, &ie) {
						t.Errorf("signed=%v: %s byte %d ^ %#x: Verify = %v, want an integrity error", signed, f, pos, mask, err)
					} else if f != reports.ManifestFile && f != reports.SignatureFile && (ie.File != f || ie.Problem != reports.FileAltered) {
						t.Errorf("signed=%v: %s byte %d ^ %#x: Verify = %v, want %s altered", signed, f, pos, mask, err, f)
					} else if signed && (f == reports.ManifestFile || f == reports.SignatureFile) && ie.Problem != reports.SignatureInvalid {
						t.Errorf("signed=%v: %s byte %d ^ %#x: Verify = %v, want a bad signature", signed, f, pos, mask, err)
					}
					checked++
				}
			}
			if err := os.WriteFile(p, orig, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := reports.Verify(dir, opts); err != nil {
				t.Fatalf("signed=%v: restored %s: Verify = %v", signed, f, err)
			}
		}
		if checked < 4*7*3 {
			t.Errorf("signed=%v: only %d changes tried", signed, checked)
		}
	}
}

// TestVerifyUnsignedManifestHashChange: in an unsigned bundle a manifest
// line changed to another well-formed hash is reported as the file's
// mismatch, naming the file.
func TestVerifyUnsignedManifestHashChange(t *testing.T) {
	dir := newBundle(t, nil)
	mp := filepath.Join(dir, reports.ManifestFile)
	m, _ := os.ReadFile(mp)
	lines := strings.SplitAfter(string(m), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "  "+reports.JUnitFile+"\n") {
			d := "0"
			if l[0] == '0' {
				d = "1"
			}
			lines[i] = d + l[1:]
		}
	}
	if err := os.WriteFile(mp, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{})); ie.File != reports.JUnitFile || ie.Problem != reports.FileAltered {
		t.Errorf("Verify = %v, want junit.xml altered", ie)
	}
}

func TestVerifyMissingAndAddedFiles(t *testing.T) {
	dir := newBundle(t, nil)
	if err := os.Remove(filepath.Join(dir, "evidence", "EMV.CRY.ARQC.001.apdu")); err != nil {
		t.Fatal(err)
	}
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{})); ie.File != "evidence/EMV.CRY.ARQC.001.apdu" || ie.Problem != reports.FileMissing {
		t.Errorf("deleted: Verify = %v", ie)
	}

	for _, added := range []string{"zz.txt", "evidence/extra.apdu", ".hidden", reports.ScreenshotFile} {
		dir := newBundle(t, nil)
		p := filepath.Join(dir, filepath.FromSlash(added))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{})); ie.File != added || ie.Problem != reports.FileAdded {
			t.Errorf("added %s: Verify = %v", added, ie)
		}
		// Even an empty file is an addition.
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{})); ie.File != added || ie.Problem != reports.FileAdded {
			t.Errorf("added empty %s: Verify = %v", added, ie)
		}
	}

	dir = newBundle(t, nil)
	os.Remove(filepath.Join(dir, reports.ManifestFile))
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{})); ie.File != reports.ManifestFile || ie.Problem != reports.FileMissing {
		t.Errorf("no manifest: Verify = %v", ie)
	}
}

func TestVerifySignature(t *testing.T) {
	pub, priv := testKey(t)
	other, _ := testKey(t)

	dir := newBundle(t, nil)
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{PublicKey: pub})); ie.File != reports.SignatureFile || ie.Problem != reports.SignatureMissing {
		t.Errorf("unsigned bundle, key given: Verify = %v", ie)
	}

	dir = newBundle(t, priv)
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{PublicKey: other})); ie.Problem != reports.SignatureInvalid {
		t.Errorf("other key: Verify = %v", ie)
	}
	// A signed bundle whose manifest was rewritten to cover an altered
	// file: the hashes agree, the signature does not.
	os.WriteFile(filepath.Join(dir, reports.JSONFile), []byte("{}\n"), 0o644)
	b, _ := os.ReadFile(filepath.Join(dir, reports.SignatureFile))
	if _, err := reports.WriteManifest(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, reports.SignatureFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteManifest kept a stale signature: %v", err)
	}
	os.WriteFile(filepath.Join(dir, reports.SignatureFile), b, 0o644)
	if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
		t.Errorf("rewritten manifest, no key: Verify = %v (hashes agree)", err)
	}
	if ie := integrity(t, reports.Verify(dir, reports.VerifyOptions{PublicKey: pub})); ie.File != reports.ManifestFile || ie.Problem != reports.SignatureInvalid {
		t.Errorf("rewritten manifest, key given: Verify = %v", ie)
	}

	if err := reports.Verify(dir, reports.VerifyOptions{PublicKey: pub[:10]}); err == nil || errors.As(err, new(*reports.IntegrityError)) {
		t.Errorf("short key: Verify = %v, want a bad-input error", err)
	}
	if _, err := reports.SignManifest(dir, priv[:10]); err == nil {
		t.Error("SignManifest accepted a short key")
	}
}

func TestVerifyBadInput(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "none"), filepath.Join(newBundle(t, nil), reports.JSONFile)} {
		err := reports.Verify(dir, reports.VerifyOptions{})
		if err == nil || errors.As(err, new(*reports.IntegrityError)) {
			t.Errorf("Verify(%s) = %v, want a bad-input error", dir, err)
		}
	}
}

func TestVerifyThroughLinkedFolder(t *testing.T) {
	dir := newBundle(t, nil)
	link := filepath.Join(t.TempDir(), "latest")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip(err)
	}
	if err := reports.Verify(link, reports.VerifyOptions{}); err != nil {
		t.Errorf("Verify(link to bundle) = %v", err)
	}
}

func TestWriteManifestRefusesLinks(t *testing.T) {
	dir := newBundle(t, nil)
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	if _, err := reports.WriteManifest(dir); err == nil || !strings.Contains(err.Error(), "link") {
		t.Errorf("WriteManifest = %v, want a refusal naming the link", err)
	}
	if err := reports.Verify(dir, reports.VerifyOptions{}); err == nil {
		t.Error("Verify accepted a bundle with a symbolic link")
	}
}

// TestManifestIsSha256sumFormat checks the manifest with GNU sha256sum
// itself, the tool a client without paylab would use.
func TestManifestIsSha256sumFormat(t *testing.T) {
	tool, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum not installed")
	}
	dir := newBundle(t, nil)
	cmd := exec.Command(tool, "--check", "--strict", reports.ManifestFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestParseManifestRejects(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for name, m := range map[string]string{
		"no newline":     h + "  a",
		"one space":      h + " a\n",
		"binary marker":  h + " *a\n",
		"upper hex":      strings.ToUpper(h) + "  a\n",
		"short hash":     h[:62] + "  a\n",
		"not hex":        "zz" + h[2:] + "  a\n",
		"no path":        h + "  \n",
		"absolute":       h + "  /etc/passwd\n",
		"escaping":       h + "  ../a\n",
		"dot segment":    h + "  ./a\n",
		"backslash":      h + "  a\\b\n",
		"unsorted":       h + "  b\n" + h + "  a\n",
		"twice":          h + "  a\n" + h + "  a\n",
		"lists manifest": h + "  " + reports.ManifestFile + "\n",
		"blank line":     h + "  a\n\n",
	} {
		_, err := reports.ParseManifest([]byte(m))
		var ie *reports.IntegrityError
		if !errors.As(err, &ie) || ie.Problem != reports.ManifestMalformed || ie.File != reports.ManifestFile {
			t.Errorf("%s: ParseManifest = %v, want malformed", name, err)
		}
	}
	got, err := reports.ParseManifest([]byte(h + "  a\n" + h + "  b/c\n"))
	if err != nil || len(got) != 2 || got["b/c"] != h {
		t.Errorf("ParseManifest(valid) = %v, %v", got, err)
	}
	if got, err := reports.ParseManifest(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseManifest(empty) = %v, %v", got, err)
	}
}

func TestKeyFiles(t *testing.T) {
	pub, priv := testKey(t)
	pp, err := reports.MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := reports.MarshalPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pp, []byte("-----BEGIN PRIVATE KEY-----")) || !bytes.HasPrefix(pk, []byte("-----BEGIN PUBLIC KEY-----")) {
		t.Fatalf("PEM blocks:\n%s%s", pp, pk)
	}
	priv2, err := reports.ParsePrivateKey(pp)
	if err != nil || !priv2.Equal(priv) {
		t.Errorf("ParsePrivateKey = %v", err)
	}
	pub2, err := reports.ParsePublicKey(pk)
	if err != nil || !pub2.Equal(pub) {
		t.Errorf("ParsePublicKey = %v", err)
	}
	if _, err := reports.ParsePrivateKey(pk); err == nil {
		t.Error("ParsePrivateKey accepted a public key")
	}
	if _, err := reports.ParsePublicKey(pp); err == nil {
		t.Error("ParsePublicKey accepted a private key")
	}
	if _, err := reports.ParsePublicKey([]byte("not pem")); err == nil {
		t.Error("ParsePublicKey accepted garbage")
	}
	if strings.Contains(string(pk), "PRIVATE") {
		t.Error("public key file mentions PRIVATE")
	}
}

func FuzzParseManifest(f *testing.F) {
	h := strings.Repeat("0f", 32)
	f.Add([]byte(h + "  report.json\n" + h + "  z/trace.apdu\n"))
	f.Add([]byte(h + " *a\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := reports.ParseManifest(b)
		if err != nil {
			return
		}
		// Canonical form: what parses is exactly what WriteManifest would
		// write for those hashes.
		var buf bytes.Buffer
		for _, k := range slices.Sorted(maps.Keys(m)) {
			buf.WriteString(m[k] + "  " + k + "\n")
		}
		if !bytes.Equal(buf.Bytes(), b) {
			t.Fatalf("ParseManifest accepted a non-canonical manifest %q", b)
		}
	})
}

// BenchmarkVerify reports the hashing throughput of Verify on a bundle of
// 64 files of 64 KiB (trace-sized evidence).
func BenchmarkVerify(b *testing.B) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("00B2010C00 70819F9000\n"), 64<<10/22)
	for i := range 64 {
		if err := os.WriteFile(filepath.Join(dir, "trace-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := reports.WriteManifest(dir); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(64 * len(data)))
	for b.Loop() {
		if err := reports.Verify(dir, reports.VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
