package oda

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// CAKey is a certification authority public key as a terminal stores it
// (EMV Book 2, 5.1 and 11.2.2): registered application provider identifier,
// CA public key index (tag 8F on the card), the key and its expiry.
type CAKey struct {
	RID    [5]byte
	Index  byte
	Key    PublicKey
	Expiry string // MMYY or YYMMDD; the terminal withdraws expired keys (Book 2, 11.2.2), see Expired
}

// Expired reports whether the key's expiry date (MMYY: valid through the
// month's last day; YYMMDD: through that day) is earlier than today's date.
// An empty Expiry never expires. Recovery does not consult it: Book 2
// leaves the withdrawal of expired CA keys to terminal key management.
func (k CAKey) Expired(today time.Time) (bool, error) {
	var last time.Time
	switch {
	case k.Expiry == "":
		return false, nil
	case len(k.Expiry) == 4 && isDigits(k.Expiry):
		b, _ := hex.DecodeString(k.Expiry)
		t, err := ExpiryTime([2]byte(b))
		if err != nil {
			return false, fmt.Errorf("check CA key expiry: %w", err)
		}
		last = t
	case len(k.Expiry) == 6 && isDigits(k.Expiry):
		t, err := time.Parse("060102", k.Expiry)
		if err != nil {
			return false, fmt.Errorf("check CA key expiry %q: %w", k.Expiry, err)
		}
		last = t
	default:
		return false, fmt.Errorf("check CA key expiry %q: want MMYY or YYMMDD", k.Expiry)
	}
	y, m, d := today.Date()
	ly, lm, ld := last.Date()
	return y*10000+int(m)*100+d > ly*10000+int(lm)*100+ld, nil
}

// Checksum returns the CA public key check sum: SHA-1 over RID || CA public
// key index || modulus || exponent (EMV Book 2, 11.2.2, Table 31).
func (k CAKey) Checksum() [20]byte {
	h := sha1.New()
	h.Write(k.RID[:])
	h.Write([]byte{k.Index})
	h.Write(k.Key.Modulus)
	h.Write(k.Key.Exponent)
	var sum [20]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// VerifyChecksum compares sum with Checksum, as a terminal does when a key is
// loaded (EMV Book 2, 11.2.2).
func (k CAKey) VerifyChecksum(sum []byte) error {
	want := k.Checksum()
	if !bytes.Equal(sum, want[:]) {
		return fail(StepCAKey, CheckHash, "check sum differs for RID %X index %02X", k.RID, k.Index)
	}
	return nil
}

type caKeyID struct {
	rid   [5]byte
	index byte
}

// CAKeys is the terminal's set of CA public keys, looked up by RID and CA
// public key index (EMV Book 3, 10.3; Book 2, 11.2). The zero value is an
// empty store ready to use. It is not safe for concurrent mutation.
type CAKeys struct {
	keys map[caKeyID]CAKey
}

// NewCAKeys returns a store holding keys; a later duplicate RID+index replaces
// an earlier one.
func NewCAKeys(keys ...CAKey) *CAKeys {
	s := &CAKeys{}
	for _, k := range keys {
		s.Add(k)
	}
	return s
}

// Add stores k, replacing any key with the same RID and index.
func (s *CAKeys) Add(k CAKey) {
	if s.keys == nil {
		s.keys = make(map[caKeyID]CAKey)
	}
	s.keys[caKeyID{k.RID, k.Index}] = k
}

// Remove withdraws the key with that RID and index, if present.
func (s *CAKeys) Remove(rid [5]byte, index byte) {
	delete(s.keys, caKeyID{rid, index})
}

// Lookup returns the key for RID and index. When absent it returns an *Error
// with Step StepIssuerCert and Check CheckCAIndex: EMV Book 3, 10.3 says
// offline data authentication then fails.
func (s *CAKeys) Lookup(rid [5]byte, index byte) (CAKey, error) {
	if s != nil {
		if k, ok := s.keys[caKeyID{rid, index}]; ok {
			return k, nil
		}
	}
	return CAKey{}, &Error{
		Step:   StepIssuerCert,
		Check:  CheckCAIndex,
		Detail: fmt.Sprintf("CA public key index %02X not present for RID %X", index, rid),
	}
}

// Keys returns the stored keys ordered by RID then index.
func (s *CAKeys) Keys() []CAKey {
	if s == nil {
		return nil
	}
	out := make([]CAKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := bytes.Compare(out[i].RID[:], out[j].RID[:]); c != 0 {
			return c < 0
		}
		return out[i].Index < out[j].Index
	})
	return out
}

// Len returns the number of stored keys.
func (s *CAKeys) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

type revocationID struct {
	rid    [5]byte
	index  byte
	serial [3]byte
}

// RevocationList is the terminal's certification revocation list: issuer
// public key certificates named by RID, CA public key index and certificate
// serial number (EMV Book 2, 5.3 step 10; Book 2 11.2.3). The zero value is
// an empty list; a nil *RevocationList revokes nothing.
type RevocationList struct {
	entries map[revocationID]struct{}
}

// Add revokes the issuer certificate with that RID, CA index and serial.
func (l *RevocationList) Add(rid [5]byte, index byte, serial [3]byte) {
	if l.entries == nil {
		l.entries = make(map[revocationID]struct{})
	}
	l.entries[revocationID{rid, index, serial}] = struct{}{}
}

// Revoked reports whether the certificate is on the list.
func (l *RevocationList) Revoked(rid [5]byte, index byte, serial [3]byte) bool {
	if l == nil {
		return false
	}
	_, ok := l.entries[revocationID{rid, index, serial}]
	return ok
}

// Len returns the number of entries.
func (l *RevocationList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

// ParseRevocationEntry parses one list entry written as 18 hex digits,
// RID (10) || CA index (2) || serial (6), spaces ignored, as terminal
// management systems commonly ship them: "A000000003 92 0012AB".
func ParseRevocationEntry(s string) (rid [5]byte, index byte, serial [3]byte, err error) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil || len(b) != 9 {
		return rid, 0, serial, fmt.Errorf("parse revocation entry %q: want RID, index and serial as 18 hex digits", s)
	}
	copy(rid[:], b[:5])
	index = b[5]
	copy(serial[:], b[6:])
	return rid, index, serial, nil
}
