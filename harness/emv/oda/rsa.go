package oda

import (
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Key size limits. EMV fixes only the maximum: a CA, issuer or ICC modulus is
// at most 248 bytes (1984 bits) (EMV Book 2, 11.2.1, 11.3.1, 11.4.1). The
// minimum here is a harness choice: the smallest modulus whose ICC public key
// certificate still holds its fixed fields (Book 2, 6.3 Table 14 needs N_I ≥
// 42 + 1), rounded up to a size real cards used.
const (
	MaxModulusLen = 248 // bytes, EMV Book 2, 11.2.1
	MinKeyBits    = 512
	MaxKeyBits    = MaxModulusLen * 8
)

// PublicKey is an RSA public key as EMV carries it: the modulus big-endian with
// no leading zero byte, the exponent big-endian (tag 9F32, 9F47, 9F2E: one byte
// 03 or three bytes 01 00 01, EMV Book 2, 11.1).
//
// RSA keys are held as raw big-endian integers: EMV exponents are 3 or 65537
// and key sizes are any multiple of 8 bits up to 1984, which crypto/rsa's
// FIPS checks may refuse, so the raw operations use math/big.
type PublicKey struct {
	Modulus  []byte
	Exponent []byte
}

// PrivateKey is an RSA private key in CRT form. All fields are big-endian.
type PrivateKey struct {
	PublicKey
	D, P, Q, Dp, Dq, Qinv []byte
}

// Len returns the modulus length in bytes (N_CA, N_I, N_IC, N_PE in Book 2).
func (k PublicKey) Len() int { return len(trimLeadingZeros(k.Modulus)) }

// Recover applies the raw RSA public operation (EMV Book 2, Annex A2.1,
// recovery X = Recover(Pk)[S]). len(sig) must equal the modulus length and
// sig must be smaller than the modulus.
func (k PublicKey) Recover(sig []byte) ([]byte, error) {
	out, err := k.public(sig)
	if err != nil {
		return nil, fmt.Errorf("recover signature: %w", err)
	}
	return out, nil
}

// Encrypt is the same raw public operation as Recover, named for PIN
// encipherment (EMV Book 2, 7.2).
func (k PublicKey) Encrypt(block []byte) ([]byte, error) {
	out, err := k.public(block)
	if err != nil {
		return nil, fmt.Errorf("encrypt block: %w", err)
	}
	return out, nil
}

func (k PublicKey) public(in []byte) ([]byte, error) {
	n, e, err := k.ints()
	if err != nil {
		return nil, err
	}
	nLen := (n.BitLen() + 7) / 8
	if len(in) != nLen {
		return nil, fmt.Errorf("%w: %d bytes for a %d-byte modulus", ErrDataLength, len(in), nLen)
	}
	x := new(big.Int).SetBytes(in)
	if x.Cmp(n) >= 0 {
		return nil, ErrNotBelowModulus
	}
	return x.Exp(x, e, n).FillBytes(make([]byte, nLen)), nil
}

// Validate checks the key's shape against EMV: modulus length within
// limits, odd modulus with its top bit set, exponent 3 or 65537
// (EMV Book 2, 11.1, 11.2.1).
func (k PublicKey) Validate() error {
	if len(k.Modulus) == 0 || k.Modulus[0] == 0 {
		return fmt.Errorf("validate key: %w: modulus empty or has a leading zero byte", ErrBadKey)
	}
	if len(k.Modulus) > MaxModulusLen {
		return fmt.Errorf("validate key: %w: modulus %d bytes exceeds %d", ErrBadKey, len(k.Modulus), MaxModulusLen)
	}
	if k.Modulus[len(k.Modulus)-1]&1 == 0 {
		return fmt.Errorf("validate key: %w: even modulus", ErrBadKey)
	}
	if !validExponent(k.Exponent) {
		return fmt.Errorf("validate key: %w: exponent must be 03 or 010001", ErrBadKey)
	}
	return nil
}

// Sign applies the raw RSA private operation with the CRT (EMV Book 2,
// Annex A2.1, signing S = Sign(Sk)[X]). len(block) must equal the modulus
// length and block must be smaller than the modulus.
func (k *PrivateKey) Sign(block []byte) ([]byte, error) {
	out, err := k.private(block)
	if err != nil {
		return nil, fmt.Errorf("sign block: %w", err)
	}
	return out, nil
}

// Decrypt is the same raw private operation as Sign, named for the card side
// of PIN encipherment (EMV Book 2, 7.2).
func (k *PrivateKey) Decrypt(block []byte) ([]byte, error) {
	out, err := k.private(block)
	if err != nil {
		return nil, fmt.Errorf("decrypt block: %w", err)
	}
	return out, nil
}

func (k *PrivateKey) private(in []byte) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil private key", ErrBadKey)
	}
	c, err := k.crt()
	if err != nil {
		return nil, err
	}
	if len(in) != c.nLen {
		return nil, fmt.Errorf("%w: %d bytes for a %d-byte modulus", ErrDataLength, len(in), c.nLen)
	}
	x := new(big.Int).SetBytes(in)
	if x.Cmp(c.n) >= 0 {
		return nil, ErrNotBelowModulus
	}
	return c.exp(x).FillBytes(make([]byte, c.nLen)), nil
}

// Public returns the public half.
func (k *PrivateKey) Public() PublicKey { return k.PublicKey }

// Errors of the raw RSA layer.
var (
	ErrBadKey          = errors.New("malformed RSA key")
	ErrDataLength      = errors.New("data length differs from modulus length")
	ErrNotBelowModulus = errors.New("data not smaller than modulus")
)

// GenerateKey makes an RSA key of exactly bits bits (a multiple of 8 from
// MinKeyBits to 1984) with public exponent 3 or 65537 (EMV Book 2, 11.1).
// Primes come from rand through math/big, so a deterministic reader gives
// a deterministic key (crypto/rand.Prime ignores its reader since Go 1.26).
func GenerateKey(rand io.Reader, bits int, exponent int) (*PrivateKey, error) {
	if bits%8 != 0 || bits < MinKeyBits || bits > MaxKeyBits {
		return nil, fmt.Errorf("generate key: %w: size %d bits, want a multiple of 8 from %d to %d", ErrBadKey, bits, MinKeyBits, MaxKeyBits)
	}
	var expBytes []byte
	switch exponent {
	case 3:
		expBytes = []byte{0x03}
	case 65537:
		expBytes = []byte{0x01, 0x00, 0x01}
	default:
		return nil, fmt.Errorf("generate key: %w: exponent %d, want 3 or 65537", ErrBadKey, exponent)
	}
	e := big.NewInt(int64(exponent))
	one := big.NewInt(1)
	half := bits / 2
	for {
		p, err := prime(rand, half, e)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		q, err := prime(rand, bits-half, e)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		if p.Cmp(q) == 0 {
			continue
		}
		if p.Cmp(q) < 0 { // keep p > q, the usual CRT convention
			p, q = q, p
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue
		}
		pm1 := new(big.Int).Sub(p, one)
		qm1 := new(big.Int).Sub(q, one)
		// d = e^-1 mod lcm(p-1, q-1)
		g := new(big.Int).GCD(nil, nil, pm1, qm1)
		lcm := new(big.Int).Div(new(big.Int).Mul(pm1, qm1), g)
		d := new(big.Int).ModInverse(e, lcm)
		if d == nil {
			continue
		}
		qinv := new(big.Int).ModInverse(q, p)
		if qinv == nil {
			continue
		}
		nLen := bits / 8
		return &PrivateKey{
			PublicKey: PublicKey{Modulus: n.FillBytes(make([]byte, nLen)), Exponent: expBytes},
			D:         d.Bytes(),
			P:         p.Bytes(),
			Q:         q.Bytes(),
			Dp:        new(big.Int).Mod(d, pm1).Bytes(),
			Dq:        new(big.Int).Mod(d, qm1).Bytes(),
			Qinv:      qinv.Bytes(),
		}, nil
	}
}

// prime returns a random prime of exactly bits bits, top two bits set (so
// that the product of two such primes has exactly twice as many bits), with
// gcd(p-1, e) = 1 so that e is invertible.
func prime(rand io.Reader, bits int, e *big.Int) (*big.Int, error) {
	buf := make([]byte, (bits+7)/8)
	topBits := uint(bits - 8*(len(buf)-1)) // bits used in buf[0], 1..8
	p := new(big.Int)
	pm1 := new(big.Int)
	g := new(big.Int)
	one := big.NewInt(1)
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("read random: %w", err)
		}
		buf[0] &= byte(1<<topBits - 1)
		if topBits >= 2 {
			buf[0] |= 3 << (topBits - 2)
		} else {
			buf[0] |= 1
			buf[1] |= 0x80
		}
		buf[len(buf)-1] |= 1
		p.SetBytes(buf)
		pm1.Sub(p, one)
		if g.GCD(nil, nil, pm1, e).Cmp(one) != 0 {
			continue
		}
		if p.ProbablyPrime(32) {
			return new(big.Int).Set(p), nil
		}
	}
}

type crtKey struct {
	n, p, q, dp, dq, qinv *big.Int
	nLen                  int
}

func (k *PrivateKey) crt() (*crtKey, error) {
	n := new(big.Int).SetBytes(k.Modulus)
	if n.Sign() == 0 || len(k.P) == 0 || len(k.Q) == 0 || len(k.Dp) == 0 || len(k.Dq) == 0 || len(k.Qinv) == 0 {
		return nil, fmt.Errorf("%w: CRT components missing", ErrBadKey)
	}
	c := &crtKey{
		n:    n,
		p:    new(big.Int).SetBytes(k.P),
		q:    new(big.Int).SetBytes(k.Q),
		dp:   new(big.Int).SetBytes(k.Dp),
		dq:   new(big.Int).SetBytes(k.Dq),
		qinv: new(big.Int).SetBytes(k.Qinv),
		nLen: (n.BitLen() + 7) / 8,
	}
	if new(big.Int).Mul(c.p, c.q).Cmp(n) != 0 {
		return nil, fmt.Errorf("%w: P×Q differs from the modulus", ErrBadKey)
	}
	return c, nil
}

// exp computes x^d mod n by the CRT (Garner's recombination).
func (c *crtKey) exp(x *big.Int) *big.Int {
	m1 := new(big.Int).Exp(new(big.Int).Mod(x, c.p), c.dp, c.p)
	m2 := new(big.Int).Exp(new(big.Int).Mod(x, c.q), c.dq, c.q)
	h := m1.Sub(m1, m2)
	h.Mul(h, c.qinv)
	h.Mod(h, c.p) // Mod is Euclidean: h ends non-negative
	h.Mul(h, c.q)
	return h.Add(h, m2)
}

func (k PublicKey) ints() (n, e *big.Int, err error) {
	if len(k.Modulus) == 0 || len(k.Exponent) == 0 {
		return nil, nil, fmt.Errorf("%w: empty modulus or exponent", ErrBadKey)
	}
	n = new(big.Int).SetBytes(k.Modulus)
	e = new(big.Int).SetBytes(k.Exponent)
	if n.Sign() == 0 || e.Sign() == 0 || n.Bit(0) == 0 {
		return nil, nil, fmt.Errorf("%w: zero or even modulus, or zero exponent", ErrBadKey)
	}
	return n, e, nil
}

func validExponent(e []byte) bool {
	switch len(e) {
	case 1:
		return e[0] == 0x03
	case 3:
		return e[0] == 0x01 && e[1] == 0x00 && e[2] == 0x01
	}
	return false
}

func trimLeadingZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}
