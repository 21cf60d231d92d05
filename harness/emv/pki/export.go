package pki

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv/oda"
)

// CAKeyExport is one CA public key as ExportJSON writes it: the data a
// terminal stores per key (EMV Book 2, 11.2.2: RID, index, hash and public
// key algorithm indicators, modulus, exponent, check sum, expiry).
type CAKeyExport struct {
	RID           string `json:"rid"`            // 10 hex digits
	Index         string `json:"index"`          // 2 hex digits, tag 9F22 / 8F
	Modulus       string `json:"modulus"`        // hex, big-endian
	Exponent      string `json:"exponent"`       // hex, 03 or 010001
	Checksum      string `json:"checksum"`       // SHA-1 over RID || index || modulus || exponent (Book 2, 11.2.2)
	Size          int    `json:"size"`           // modulus size in bits
	Expiry        string `json:"expiry"`         // YYMMDD
	HashAlgorithm string `json:"hash_algorithm"` // 01: SHA-1 (Book 2, Annex B2.1)
	KeyAlgorithm  string `json:"key_algorithm"`  // 01: RSA (Book 2, Annex B3.1)
	Test          bool   `json:"test"`           // always true for this package's keys
	Marker        string `json:"marker,omitempty"`
}

// RevocationExport is one revocation list entry as ExportRevocationsJSON
// writes it (EMV Book 2, 5.3 step 10).
type RevocationExport struct {
	RID    string `json:"rid"`
	Index  string `json:"index"`
	Serial string `json:"serial"`
	Test   bool   `json:"test"`
	Marker string `json:"marker,omitempty"`
}

// ExportJSON writes CA public keys as a JSON array of CAKeyExport, every
// entry marked "test": true with TestMarker.
func ExportJSON(keys []oda.CAKey) ([]byte, error) {
	out := make([]CAKeyExport, 0, len(keys))
	for _, k := range keys {
		sum := k.Checksum()
		out = append(out, CAKeyExport{
			RID:           hexOf(k.RID[:]),
			Index:         hexOf([]byte{k.Index}),
			Modulus:       hexOf(k.Key.Modulus),
			Exponent:      hexOf(k.Key.Exponent),
			Checksum:      hexOf(sum[:]),
			Size:          8 * k.Key.Len(),
			Expiry:        k.Expiry,
			HashAlgorithm: hexOf([]byte{oda.HashSHA1}),
			KeyAlgorithm:  hexOf([]byte{oda.KeyRSA}),
			Test:          true,
			Marker:        TestMarker,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export CA keys: %w", err)
	}
	return append(b, '\n'), nil
}

// textHeader opens every text export; loaders skip lines starting with #.
const textHeader = "# " + TestMarker + "\n"

// ExportText writes CA public keys one per line, fields separated by one
// space, in upper-case hex: "RID INDEX MODULUS EXPONENT HASH", where HASH is
// the SHA-1 check sum of Book 2, 11.2.2. The first line is a comment
// ("# " + TestMarker).
func ExportText(keys []oda.CAKey) []byte {
	var b bytes.Buffer
	b.WriteString(textHeader)
	b.WriteString("# RID INDEX MODULUS EXPONENT HASH\n")
	for _, k := range keys {
		sum := k.Checksum()
		fmt.Fprintf(&b, "%s %s %s %s %s\n", hexOf(k.RID[:]), hexOf([]byte{k.Index}), hexOf(k.Key.Modulus), hexOf(k.Key.Exponent), hexOf(sum[:]))
	}
	return b.Bytes()
}

// ExportRevocationsJSON writes the revocation list as a JSON array of
// RevocationExport.
func ExportRevocationsJSON(rs []Revocation) ([]byte, error) {
	out := make([]RevocationExport, 0, len(rs))
	for _, r := range rs {
		out = append(out, RevocationExport{RID: hexOf(r.RID[:]), Index: hexOf([]byte{r.Index}), Serial: hexOf(r.Serial[:]), Test: true, Marker: TestMarker})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export revocations: %w", err)
	}
	return append(b, '\n'), nil
}

// ExportRevocationsText writes the revocation list one entry per line:
// "RID INDEX SERIAL" in hex, the form oda.ParseRevocationEntry reads, after
// a comment line with TestMarker.
func ExportRevocationsText(rs []Revocation) []byte {
	var b bytes.Buffer
	b.WriteString(textHeader)
	b.WriteString("# RID INDEX SERIAL\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s %s\n", hexOf(r.RID[:]), hexOf([]byte{r.Index}), hexOf(r.Serial[:]))
	}
	return b.Bytes()
}

// ParseCAKeysJSON reads what ExportJSON writes and checks every entry's
// check sum and size, as a terminal does when it loads a key (EMV Book 2,
// 11.2.2).
func ParseCAKeysJSON(data []byte) ([]oda.CAKey, error) {
	var in []CAKeyExport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("parse CA keys: %w", err)
	}
	out := make([]oda.CAKey, 0, len(in))
	for n, e := range in {
		k, err := parseCAKey(e.RID, e.Index, e.Modulus, e.Exponent, e.Checksum)
		if err != nil {
			return nil, fmt.Errorf("parse CA keys: entry %d: %w", n+1, err)
		}
		if e.Size != 8*k.Key.Len() {
			return nil, fmt.Errorf("parse CA keys: entry %d: size %d, modulus has %d bits", n+1, e.Size, 8*k.Key.Len())
		}
		k.Expiry = e.Expiry
		out = append(out, k)
	}
	return out, nil
}

// ParseCAKeysText reads what ExportText writes: blank lines and lines
// starting with # are skipped, every other line is "RID INDEX MODULUS
// EXPONENT HASH" with its check sum verified.
func ParseCAKeysText(data []byte) ([]oda.CAKey, error) {
	var out []oda.CAKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 5 {
			return nil, fmt.Errorf("parse CA keys: line %d: %d fields, want RID INDEX MODULUS EXPONENT HASH", line, len(f))
		}
		k, err := parseCAKey(f[0], f[1], f[2], f[3], f[4])
		if err != nil {
			return nil, fmt.Errorf("parse CA keys: line %d: %w", line, err)
		}
		out = append(out, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse CA keys: %w", err)
	}
	return out, nil
}

func parseCAKey(rid, index, modulus, exponent, checksum string) (oda.CAKey, error) {
	var k oda.CAKey
	var idx [1]byte
	if err := decodeHex(rid, k.RID[:], "RID"); err != nil {
		return k, err
	}
	if err := decodeHex(index, idx[:], "index"); err != nil {
		return k, err
	}
	k.Index = idx[0]
	var err error
	if k.Key.Modulus, err = hex.DecodeString(modulus); err != nil {
		return k, fmt.Errorf("decode modulus: not hex")
	}
	if k.Key.Exponent, err = hex.DecodeString(exponent); err != nil {
		return k, fmt.Errorf("decode exponent: not hex")
	}
	if err := k.Key.Validate(); err != nil {
		return k, err
	}
	sum, err := hex.DecodeString(checksum)
	if err != nil {
		return k, fmt.Errorf("decode check sum: not hex")
	}
	if err := k.VerifyChecksum(sum); err != nil {
		return k, err
	}
	return k, nil
}
