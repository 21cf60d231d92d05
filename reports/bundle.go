package reports

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Evidence bundle. A run folder becomes a bundle when it holds
// MANIFEST.sha256: one line per file, "<sha256 hex>  <path>", sorted by
// path, in the format of GNU sha256sum, so a client without paylab can
// check it with `sha256sum -c MANIFEST.sha256` run inside the folder.
// Every regular file below the folder is listed, except the manifest and
// its signature. Empty directories are not covered.
//
// A lab that signs its bundles adds MANIFEST.sha256.sig: the raw 64-byte
// Ed25519 signature (RFC 8032) of the manifest's bytes. Key files are PEM:
// the private key as PKCS #8 ("PRIVATE KEY"), the public key as PKIX
// ("PUBLIC KEY") — what `openssl genpkey -algorithm ed25519` and
// `openssl pkey -pubout` write, so a client can also check the signature
// with `openssl pkeyutl -verify -pubin -inkey lab.pub -rawin
// -in MANIFEST.sha256 -sigfile MANIFEST.sha256.sig`.
const (
	ManifestFile  = "MANIFEST.sha256"
	SignatureFile = "MANIFEST.sha256.sig"
)

// Problem says what is wrong with one file of a bundle.
type Problem string

const (
	FileAltered       Problem = "altered"       // content differs from its manifest hash
	FileMissing       Problem = "missing"       // listed in the manifest, not in the folder
	FileAdded         Problem = "added"         // in the folder, not listed in the manifest
	ManifestMalformed Problem = "malformed"     // the manifest itself cannot be read as a manifest
	SignatureInvalid  Problem = "bad signature" // the signature does not verify with the given key
	SignatureMissing  Problem = "unsigned"      // a public key was given but the bundle has no signature
)

// IntegrityError names the first file of a bundle that is not as its
// manifest (or signature) says. Verify returns it for a bundle that was
// altered; any other error from Verify is a bad input (no such folder,
// unreadable file).
type IntegrityError struct {
	File    string // slash-separated path relative to the bundle folder
	Problem Problem
	Detail  string // optional: which line, which hash
}

func (e *IntegrityError) Error() string {
	s := fmt.Sprintf("verify bundle: %s: %s", e.File, e.Problem)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// PublicKey, when set, makes the signature mandatory: a bundle with no
	// signature, or one that does not verify with this key, is rejected.
	// Without it a signature present in the folder is not checked.
	PublicKey ed25519.PublicKey
}

// WriteManifest hashes every file below dir and writes dir/MANIFEST.sha256.
// It removes a signature left by an earlier manifest, since that one no
// longer matches; sign the new manifest with SignManifest. Call it last:
// a file written into the folder afterwards makes the bundle fail Verify.
func WriteManifest(dir string) (string, error) {
	files, err := bundleFiles(dir)
	if err != nil {
		return "", fmt.Errorf("write manifest: %w", err)
	}
	var buf bytes.Buffer
	for _, f := range files {
		sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return "", fmt.Errorf("write manifest: %w", err)
		}
		fmt.Fprintf(&buf, "%s  %s\n", sum, f)
	}
	if err := os.Remove(filepath.Join(dir, SignatureFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("write manifest: remove stale signature: %w", err)
	}
	p := filepath.Join(dir, ManifestFile)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write manifest: %w", err)
	}
	return p, nil
}

// SignManifest signs dir/MANIFEST.sha256 with a lab key and writes the
// detached signature to dir/MANIFEST.sha256.sig.
func SignManifest(dir string, key ed25519.PrivateKey) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", errors.New("sign manifest: not an Ed25519 private key")
	}
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return "", fmt.Errorf("sign manifest: %w", err)
	}
	p := filepath.Join(dir, SignatureFile)
	if err := os.WriteFile(p, ed25519.Sign(key, m), 0o644); err != nil {
		return "", fmt.Errorf("sign manifest: %w", err)
	}
	return p, nil
}

// Verify checks a bundle: the signature first (when opts.PublicKey is
// set), then every file against the manifest. It returns nil for an
// intact bundle, an *IntegrityError naming the first problem in path
// order for an altered one, and another error for a bad input.
func Verify(dir string, opts VerifyOptions) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("verify bundle: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("verify bundle: %s is not a folder", dir)
	}
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &IntegrityError{File: ManifestFile, Problem: FileMissing}
	}
	if err != nil {
		return fmt.Errorf("verify bundle: %w", err)
	}
	if opts.PublicKey != nil {
		if len(opts.PublicKey) != ed25519.PublicKeySize {
			return errors.New("verify bundle: not an Ed25519 public key")
		}
		sig, err := os.ReadFile(filepath.Join(dir, SignatureFile))
		if errors.Is(err, fs.ErrNotExist) {
			return &IntegrityError{File: SignatureFile, Problem: SignatureMissing, Detail: "a public key was given"}
		}
		if err != nil {
			return fmt.Errorf("verify bundle: %w", err)
		}
		if !ed25519.Verify(opts.PublicKey, m, sig) {
			return &IntegrityError{File: ManifestFile, Problem: SignatureInvalid,
				Detail: "the manifest or " + SignatureFile + " was altered, or it was signed with another key"}
		}
	}
	want, err := ParseManifest(m)
	if err != nil {
		return err
	}
	files, err := bundleFiles(dir)
	if err != nil {
		return fmt.Errorf("verify bundle: %w", err)
	}
	// Walk the union of listed and present paths in order, so the error
	// names the first problem whatever its kind.
	present := make(map[string]bool, len(files))
	all := make([]string, 0, len(files)+len(want))
	for _, f := range files {
		present[f] = true
		all = append(all, f)
	}
	for f := range want {
		if !present[f] {
			all = append(all, f)
		}
	}
	sort.Strings(all)
	for _, f := range all {
		sum, listed := want[f]
		switch {
		case !listed:
			return &IntegrityError{File: f, Problem: FileAdded}
		case !present[f]:
			return &IntegrityError{File: f, Problem: FileMissing}
		}
		got, err := hashFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("verify bundle: %w", err)
		}
		if got != sum {
			return &IntegrityError{File: f, Problem: FileAltered, Detail: "sha256 " + got + ", manifest says " + sum}
		}
	}
	return nil
}

// ParseManifest reads a manifest as WriteManifest writes it: path →
// lowercase hex SHA-256. Only that one canonical form is accepted (two
// spaces, paths clean, relative and strictly sorted, a final newline), so
// each set of hashes has exactly one manifest and a one-byte change to an
// unsigned manifest either breaks the form or changes a listed hash or
// path, which the file check then reports. A malformed manifest is an
// *IntegrityError on the manifest.
func ParseManifest(b []byte) (map[string]string, error) {
	bad := func(line int, why string) error {
		return &IntegrityError{File: ManifestFile, Problem: ManifestMalformed, Detail: fmt.Sprintf("line %d: %s", line, why)}
	}
	out := map[string]string{}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return nil, bad(bytes.Count(b, []byte{'\n'})+1, "no final newline")
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n, prev := 0, ""
	for sc.Scan() {
		n++
		line := sc.Text()
		if len(line) < 64+2+1 || line[64:66] != "  " {
			return nil, bad(n, `want "<sha256 hex>  <path>"`)
		}
		sum, p := line[:64], line[66:]
		if _, err := hex.DecodeString(sum); err != nil || strings.ToLower(sum) != sum {
			return nil, bad(n, "hash is not 64 lowercase hex digits")
		}
		if err := checkBundlePath(p); err != nil {
			return nil, bad(n, err.Error())
		}
		if p == ManifestFile || p == SignatureFile {
			return nil, bad(n, "lists "+p)
		}
		if p <= prev {
			return nil, bad(n, "paths not in strictly increasing order")
		}
		prev = p
		out[p] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, bad(n+1, err.Error())
	}
	return out, nil
}

// checkBundlePath refuses a path that is not a clean, relative,
// slash-separated path inside the folder, or that sha256sum would escape.
func checkBundlePath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case strings.ContainsAny(p, "\\\r\n\x00"):
		return errors.New("path contains a backslash or a control character")
	case path.IsAbs(p) || !fs.ValidPath(p):
		return fmt.Errorf("path %q is not clean and relative", p)
	}
	return nil
}

// bundleFiles lists the regular files below dir as sorted slash paths,
// without the manifest and signature at its top. Anything but a regular
// file or a folder (a symbolic link, a device) is an error: a link could
// point outside the bundle.
func bundleFiles(dir string) ([]string, error) {
	// The folder itself may be reached through a link (reports/out/latest).
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile || rel == SignatureFile {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		if err := checkBundlePath(rel); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// MarshalPrivateKey encodes a lab key as a PKCS #8 PEM block.
func MarshalPrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey encodes a lab public key as a PKIX PEM block.
func MarshalPublicKey(key ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey decodes a PKCS #8 PEM Ed25519 private key.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New(`parse private key: want a PEM "PRIVATE KEY" block (PKCS #8)`)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("parse private key: %T is not Ed25519", k)
	}
	return ek, nil
}

// ParsePublicKey decodes a PKIX PEM Ed25519 public key.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New(`parse public key: want a PEM "PUBLIC KEY" block (PKIX)`)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("parse public key: %T is not Ed25519", k)
	}
	return ek, nil
}
