package pki

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paylab/paylab/harness/emv/oda"
)

// File layout of an authority directory (documented for people in
// fixtures/pki/README.md):
//
//	authority.json        RID, default CA, revocation list
//	ca/<INDEX>.json       one CA key pair, e.g. ca/F8.json
//	issuers/<name>.json   one issuer key pair and its certificate fields
//	icc/<name>.json       one ICC key pair of the pool
//	export/ca-keys.json   the CA public keys for a terminal (ExportJSON)
//	export/ca-keys.txt    the same, one line per key (ExportText)
//	export/revoked.json   the revocation list (ExportRevocationsJSON)
//	export/revoked.txt    the same, one line per entry (ExportRevocationsText)
//
// Every JSON file carries "marker": TestMarker and every text file a first
// comment line with it; Load refuses a key file without the marker.
const (
	authorityFile = "authority.json"
	caDir         = "ca"
	issuerDir     = "issuers"
	iccDir        = "icc"
	exportDir     = "export"
)

type keyJSON struct {
	Modulus  string `json:"modulus"`
	Exponent string `json:"exponent"`
	D        string `json:"d"`
	P        string `json:"p"`
	Q        string `json:"q"`
	Dp       string `json:"dp"`
	Dq       string `json:"dq"`
	Qinv     string `json:"qinv"`
}

type authorityJSON struct {
	Marker    string           `json:"marker"`
	RID       string           `json:"rid"`
	RIDNote   string           `json:"rid_note"`
	DefaultCA string           `json:"default_ca"`
	Revoked   []revocationJSON `json:"revoked"`
}

type revocationJSON struct {
	RID    string `json:"rid"`
	Index  string `json:"index"`
	Serial string `json:"serial"`
	Test   bool   `json:"test"`
}

type caJSON struct {
	Marker string  `json:"marker"`
	Kind   string  `json:"kind"`
	RID    string  `json:"rid"`
	Index  string  `json:"index"`
	Bits   int     `json:"bits"`
	Expiry string  `json:"expiry"`
	Key    keyJSON `json:"key"`
}

type issuerJSON struct {
	Marker   string  `json:"marker"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
	IssuerID string  `json:"issuer_id"`
	CAIndex  string  `json:"ca_index"`
	Serial   string  `json:"serial"`
	Expiry   string  `json:"expiry"`
	Bits     int     `json:"bits"`
	Key      keyJSON `json:"key"`
}

type cardKeyJSON struct {
	Marker string  `json:"marker"`
	Kind   string  `json:"kind"`
	Name   string  `json:"name"`
	Bits   int     `json:"bits"`
	Key    keyJSON `json:"key"`
}

const ridNote = "F0 || ASCII \"TEST\": a proprietary, unregistered RID (ISO/IEC 7816-4 category F); registered RIDs start A or D, so it cannot collide with a payment scheme's RID"

// Files returns every file of the authority directory, path → content,
// exports included. The caller writes them (see WriteDir).
func (a *Authority) Files() (map[string][]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("encode authority: %w", err)
	}
	files := map[string][]byte{}
	put := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		files[name] = append(b, '\n')
		return nil
	}
	aj := authorityJSON{Marker: TestMarker, RID: hexOf(a.RID[:]), RIDNote: ridNote, DefaultCA: hexOf([]byte{a.DefaultCA}), Revoked: revocationsJSON(a.Revoked)}
	if err := put(authorityFile, aj); err != nil {
		return nil, err
	}
	for _, c := range a.CAs {
		idx := hexOf([]byte{c.Index})
		if err := put(path.Join(caDir, idx+".json"), caJSON{Marker: TestMarker, Kind: "ca", RID: hexOf(a.RID[:]), Index: idx, Bits: c.Bits(), Expiry: c.Expiry, Key: encodeKey(c.Key)}); err != nil {
			return nil, err
		}
	}
	for _, i := range a.Issuers {
		if err := put(path.Join(issuerDir, i.Name+".json"), issuerJSON{Marker: TestMarker, Kind: "issuer", Name: i.Name, IssuerID: i.ID, CAIndex: hexOf([]byte{i.CAIndex}), Serial: hexOf(i.Serial[:]), Expiry: i.Expiry, Bits: i.Bits(), Key: encodeKey(i.Key)}); err != nil {
			return nil, err
		}
	}
	for _, k := range a.CardKeys {
		if err := put(path.Join(iccDir, k.Name+".json"), cardKeyJSON{Marker: TestMarker, Kind: "icc", Name: k.Name, Bits: k.Bits(), Key: encodeKey(k.Key)}); err != nil {
			return nil, err
		}
	}
	keys := a.CAPublicKeys()
	var err error
	if files[path.Join(exportDir, "ca-keys.json")], err = ExportJSON(keys); err != nil {
		return nil, err
	}
	files[path.Join(exportDir, "ca-keys.txt")] = ExportText(keys)
	if files[path.Join(exportDir, "revoked.json")], err = ExportRevocationsJSON(a.Revoked); err != nil {
		return nil, err
	}
	files[path.Join(exportDir, "revoked.txt")] = ExportRevocationsText(a.Revoked)
	return files, nil
}

// WriteDir writes Files below dir. It refuses to overwrite an existing
// authority (authority.json present) unless force is set; with force it
// first removes the *.json key files of ca/, issuers/ and icc/ so that no
// stale key outlives a smaller layout.
func (a *Authority) WriteDir(dir string, force bool) error {
	files, err := a.Files()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, authorityFile)); err == nil && !force {
		return fmt.Errorf("write authority: %s already holds an authority (use force to replace it)", dir)
	}
	if force {
		// A smaller layout must not leave stale keys for Load to pick up.
		for _, d := range []string{caDir, issuerDir, iccDir} {
			old, _ := filepath.Glob(filepath.Join(dir, d, "*.json"))
			for _, f := range old {
				if err := os.Remove(f); err != nil {
					return fmt.Errorf("write authority: %w", err)
				}
			}
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write authority: %w", err)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return fmt.Errorf("write authority: %w", err)
		}
	}
	return nil
}

// Load reads the authority committed in dir (fixtures/pki) and validates it.
func Load(dir string) (*Authority, error) {
	a, err := LoadFS(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return a, nil
}

// LoadFS reads an authority directory from fsys (its root) and validates it:
// every key file must carry TestMarker, name what it holds and hold a key
// whose private half matches the public half.
func LoadFS(fsys fs.FS) (*Authority, error) {
	var aj authorityJSON
	if err := readJSON(fsys, authorityFile, &aj); err != nil {
		return nil, err
	}
	if aj.Marker != TestMarker {
		return nil, fmt.Errorf("load authority: %s lacks the test marker", authorityFile)
	}
	a := &Authority{}
	if err := decodeHex(aj.RID, a.RID[:], "RID"); err != nil {
		return nil, fmt.Errorf("load authority: %w", err)
	}
	var idx [1]byte
	if err := decodeHex(aj.DefaultCA, idx[:], "default CA index"); err != nil {
		return nil, fmt.Errorf("load authority: %w", err)
	}
	a.DefaultCA = idx[0]
	for _, r := range aj.Revoked {
		rv, err := decodeRevocation(r)
		if err != nil {
			return nil, fmt.Errorf("load authority: %w", err)
		}
		a.Revoked = append(a.Revoked, rv)
	}

	caFiles, err := jsonFiles(fsys, caDir)
	if err != nil {
		return nil, err
	}
	for _, name := range caFiles {
		var cj caJSON
		if err := readKeyFile(fsys, name, "ca", &cj, &cj.Marker, &cj.Kind); err != nil {
			return nil, err
		}
		var rid [5]byte
		if err := decodeHex(cj.RID, rid[:], "RID"); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		if rid != a.RID {
			return nil, fmt.Errorf("load %s: RID %X differs from the authority's %X", name, rid, a.RID)
		}
		if err := decodeHex(cj.Index, idx[:], "index"); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		if path.Base(name) != hexOf(idx[:])+".json" {
			return nil, fmt.Errorf("load %s: file name differs from index %02X", name, idx[0])
		}
		k, err := decodeKey(cj.Key, cj.Bits)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		a.CAs = append(a.CAs, &CA{Index: idx[0], Expiry: cj.Expiry, Key: k})
	}
	sort.Slice(a.CAs, func(i, j int) bool { return a.CAs[i].Index < a.CAs[j].Index })

	issuerFiles, err := jsonFiles(fsys, issuerDir)
	if err != nil {
		return nil, err
	}
	for _, name := range issuerFiles {
		var ij issuerJSON
		if err := readKeyFile(fsys, name, "issuer", &ij, &ij.Marker, &ij.Kind); err != nil {
			return nil, err
		}
		if path.Base(name) != ij.Name+".json" {
			return nil, fmt.Errorf("load %s: file name differs from name %q", name, ij.Name)
		}
		i := &Issuer{Name: ij.Name, ID: ij.IssuerID, Expiry: ij.Expiry}
		if err := decodeHex(ij.CAIndex, idx[:], "CA index"); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		i.CAIndex = idx[0]
		if err := decodeHex(ij.Serial, i.Serial[:], "serial"); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		if i.Key, err = decodeKey(ij.Key, ij.Bits); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		a.Issuers = append(a.Issuers, i)
	}

	iccFiles, err := jsonFiles(fsys, iccDir)
	if err != nil {
		return nil, err
	}
	for _, name := range iccFiles {
		var kj cardKeyJSON
		if err := readKeyFile(fsys, name, "icc", &kj, &kj.Marker, &kj.Kind); err != nil {
			return nil, err
		}
		if path.Base(name) != kj.Name+".json" {
			return nil, fmt.Errorf("load %s: file name differs from name %q", name, kj.Name)
		}
		k, err := decodeKey(kj.Key, kj.Bits)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		a.CardKeys = append(a.CardKeys, &CardKey{Name: kj.Name, Key: k})
	}
	sortCardKeys(a.CardKeys)

	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("load authority: %w", err)
	}
	return a, nil
}

// sortCardKeys orders the pool by size, then name, so that the default
// choice of Authority.Card is stable whatever order the files come in.
func sortCardKeys(keys []*CardKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Key.Len() != keys[j].Key.Len() {
			return keys[i].Key.Len() < keys[j].Key.Len()
		}
		return keys[i].Name < keys[j].Name
	})
}

func jsonFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("load authority: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	return out, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("load authority: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("load %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("load %s: trailing data after the JSON object", name)
	}
	return nil
}

func readKeyFile(fsys fs.FS, name, kind string, v any, marker, gotKind *string) error {
	if err := readJSON(fsys, name, v); err != nil {
		return err
	}
	if *marker != TestMarker {
		return fmt.Errorf("load %s: not marked as a test key (want marker %q)", name, TestMarker)
	}
	if *gotKind != kind {
		return fmt.Errorf("load %s: kind %q, want %q", name, *gotKind, kind)
	}
	return nil
}

func encodeKey(k *oda.PrivateKey) keyJSON {
	return keyJSON{
		Modulus: hexOf(k.Modulus), Exponent: hexOf(k.Exponent),
		D: hexOf(k.D), P: hexOf(k.P), Q: hexOf(k.Q), Dp: hexOf(k.Dp), Dq: hexOf(k.Dq), Qinv: hexOf(k.Qinv),
	}
}

func decodeKey(j keyJSON, bits int) (*oda.PrivateKey, error) {
	var k oda.PrivateKey
	fields := []struct {
		dst  *[]byte
		src  string
		name string
	}{
		{&k.Modulus, j.Modulus, "modulus"}, {&k.Exponent, j.Exponent, "exponent"},
		{&k.D, j.D, "d"}, {&k.P, j.P, "p"}, {&k.Q, j.Q, "q"},
		{&k.Dp, j.Dp, "dp"}, {&k.Dq, j.Dq, "dq"}, {&k.Qinv, j.Qinv, "qinv"},
	}
	for _, f := range fields {
		b, err := hex.DecodeString(f.src)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("decode key: %s is not non-empty hex", f.name)
		}
		*f.dst = b
	}
	if 8*k.Len() != bits || len(k.Modulus) != k.Len() {
		return nil, fmt.Errorf("decode key: modulus of %d bits, file says %d", 8*k.Len(), bits)
	}
	if err := checkKey(&k); err != nil {
		return nil, fmt.Errorf("decode key: %w", err)
	}
	return &k, nil
}

func revocationsJSON(rs []Revocation) []revocationJSON {
	out := make([]revocationJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, revocationJSON{RID: hexOf(r.RID[:]), Index: hexOf([]byte{r.Index}), Serial: hexOf(r.Serial[:]), Test: true})
	}
	return out
}

func decodeRevocation(r revocationJSON) (Revocation, error) {
	var rv Revocation
	var idx [1]byte
	if err := decodeHex(r.RID, rv.RID[:], "revocation RID"); err != nil {
		return rv, err
	}
	if err := decodeHex(r.Index, idx[:], "revocation index"); err != nil {
		return rv, err
	}
	rv.Index = idx[0]
	if err := decodeHex(r.Serial, rv.Serial[:], "revocation serial"); err != nil {
		return rv, err
	}
	return rv, nil
}

func decodeHex(s string, dst []byte, what string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		return fmt.Errorf("decode %s %q: want %d hex bytes", what, s, len(dst))
	}
	copy(dst, b)
	return nil
}

func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
