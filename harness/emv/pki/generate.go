package pki

import (
	"fmt"
	"io"
	"sort"

	"github.com/paylab/paylab/harness/emv/oda"
)

// Layout says what Generate makes: which CA keys, issuers and card keys, of
// which sizes and exponents, and which certificates the CA revokes.
type Layout struct {
	RID       [5]byte
	DefaultCA byte
	CAs       []CASpec
	Issuers   []IssuerSpec
	CardKeys  []CardKeySpec
	Revoked   []Revocation
}

// CASpec describes one CA key to generate.
type CASpec struct {
	Index    byte
	Bits     int // a multiple of 8, 1152 to 1984 for a CA
	Exponent int // 3 or 65537
	Expiry   string
}

// IssuerSpec describes one issuer key to generate and certify.
type IssuerSpec struct {
	Name     string
	ID       string
	CAIndex  byte
	Bits     int
	Exponent int
	Serial   [3]byte
	Expiry   string
}

// CardKeySpec describes one ICC key of the pool.
type CardKeySpec struct {
	Name     string
	Bits     int
	Exponent int
}

// DefaultLayout is the committed test authority (fixtures/pki):
//
//   - CA keys F1 (1152 bits, e=3), F3 (1408, e=3), F5 (1984, e=65537) and
//     F8 (1984, e=3, the default), all expiring 31 Dec 2049;
//   - issuers a (476173, 1984 bits under F8: a 36-byte remainder), b (541333,
//     1408 bits e=65537 under F5: no remainder), c (67999901, an 8-digit
//     identifier, 1152 bits under F3: a 4-byte remainder) and d (999, a
//     3-digit identifier, 1024 bits under F1: a 20-byte remainder), serials
//     000001..000004, certificates expiring 12/49;
//   - ICC keys of 1024, 1152, 1408 and 1984 bits with both exponents; the
//     1984-bit key gives an ICC remainder under a 1984-bit issuer;
//   - one revoked serial per CA key, 7E57xx with xx the CA index.
func DefaultLayout() Layout {
	l := Layout{
		RID:       TestRID,
		DefaultCA: 0xF8,
		CAs: []CASpec{
			{Index: 0xF1, Bits: 1152, Exponent: 3, Expiry: "491231"},
			{Index: 0xF3, Bits: 1408, Exponent: 3, Expiry: "491231"},
			{Index: 0xF5, Bits: 1984, Exponent: 65537, Expiry: "491231"},
			{Index: 0xF8, Bits: 1984, Exponent: 3, Expiry: "491231"},
		},
		Issuers: []IssuerSpec{
			{Name: "issuer-a", ID: "476173", CAIndex: 0xF8, Bits: 1984, Exponent: 3, Serial: [3]byte{0, 0, 1}, Expiry: "1249"},
			{Name: "issuer-b", ID: "541333", CAIndex: 0xF5, Bits: 1408, Exponent: 65537, Serial: [3]byte{0, 0, 2}, Expiry: "1249"},
			{Name: "issuer-c", ID: "67999901", CAIndex: 0xF3, Bits: 1152, Exponent: 3, Serial: [3]byte{0, 0, 3}, Expiry: "1249"},
			{Name: "issuer-d", ID: "999", CAIndex: 0xF1, Bits: 1024, Exponent: 3, Serial: [3]byte{0, 0, 4}, Expiry: "1249"},
		},
		CardKeys: []CardKeySpec{
			{Name: "icc-1152-a", Bits: 1152, Exponent: 3},
			{Name: "icc-1152-b", Bits: 1152, Exponent: 65537},
			{Name: "icc-1024-a", Bits: 1024, Exponent: 3},
			{Name: "icc-1024-b", Bits: 1024, Exponent: 65537},
			{Name: "icc-1024-c", Bits: 1024, Exponent: 3},
			{Name: "icc-1408-a", Bits: 1408, Exponent: 3},
			{Name: "icc-1408-b", Bits: 1408, Exponent: 65537},
			{Name: "icc-1984-a", Bits: 1984, Exponent: 3},
		},
	}
	for _, c := range l.CAs {
		l.Revoked = append(l.Revoked, Revocation{RID: l.RID, Index: c.Index, Serial: [3]byte{0x7E, 0x57, c.Index}})
	}
	return l
}

// Validate checks the layout before any key is generated: everything
// Authority.Validate checks but the keys themselves, plus key sizes (CA keys
// 1152 to 1984 bits, every key a multiple of 8 bits) and exponents (3 or
// 65537, EMV Book 2, 11.1).
func (l Layout) Validate() error {
	s := shape{rid: l.RID, defaultCA: l.DefaultCA, revoked: l.Revoked}
	key := func(what string, bits, exp, minBits int) error {
		if bits%8 != 0 || bits < minBits || bits > oda.MaxKeyBits {
			return fmt.Errorf("validate layout: %s: %d bits, want a multiple of 8 from %d to %d", what, bits, minBits, oda.MaxKeyBits)
		}
		if exp != 3 && exp != 65537 {
			return fmt.Errorf("validate layout: %s: exponent %d, want 3 or 65537", what, exp)
		}
		return nil
	}
	for _, c := range l.CAs {
		if err := key(fmt.Sprintf("CA %02X", c.Index), c.Bits, c.Exponent, 1152); err != nil {
			return err
		}
		s.cas = append(s.cas, caShape{c.Index, c.Bits / 8, c.Expiry})
	}
	for _, i := range l.Issuers {
		if err := key("issuer "+i.Name, i.Bits, i.Exponent, oda.MinKeyBits); err != nil {
			return err
		}
		s.issuers = append(s.issuers, issuerShape{i.Name, i.ID, i.CAIndex, i.Bits / 8, i.Serial, i.Expiry})
	}
	for _, k := range l.CardKeys {
		if err := key("card key "+k.Name, k.Bits, k.Exponent, oda.MinKeyBits); err != nil {
			return err
		}
		s.cardKeys = append(s.cardKeys, k.Name)
	}
	if err := s.check(); err != nil {
		return fmt.Errorf("validate layout: %w", err)
	}
	return nil
}

// Generate makes the key pairs of layout l with randomness from rand
// (crypto/rand.Reader for fresh keys; a seeded stream reproduces a set,
// oda.GenerateKey being deterministic in its reader) and checks the result
// with Validate.
func Generate(rand io.Reader, l Layout) (*Authority, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("generate authority: %w", err)
	}
	a := &Authority{RID: l.RID, DefaultCA: l.DefaultCA, Revoked: append([]Revocation(nil), l.Revoked...)}
	for _, c := range l.CAs {
		k, err := oda.GenerateKey(rand, c.Bits, c.Exponent)
		if err != nil {
			return nil, fmt.Errorf("generate CA %02X: %w", c.Index, err)
		}
		a.CAs = append(a.CAs, &CA{Index: c.Index, Expiry: c.Expiry, Key: k})
	}
	sort.Slice(a.CAs, func(i, j int) bool { return a.CAs[i].Index < a.CAs[j].Index })
	for _, i := range l.Issuers {
		k, err := oda.GenerateKey(rand, i.Bits, i.Exponent)
		if err != nil {
			return nil, fmt.Errorf("generate issuer %s: %w", i.Name, err)
		}
		a.Issuers = append(a.Issuers, &Issuer{Name: i.Name, ID: i.ID, CAIndex: i.CAIndex, Serial: i.Serial, Expiry: i.Expiry, Key: k})
	}
	for _, c := range l.CardKeys {
		k, err := oda.GenerateKey(rand, c.Bits, c.Exponent)
		if err != nil {
			return nil, fmt.Errorf("generate card key %s: %w", c.Name, err)
		}
		a.CardKeys = append(a.CardKeys, &CardKey{Name: c.Name, Key: k})
	}
	sortCardKeys(a.CardKeys)
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("generate authority: %w", err)
	}
	return a, nil
}
