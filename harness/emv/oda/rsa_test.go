package oda

import (
	"bytes"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

func TestGenerateKeySizes(t *testing.T) {
	sizes := []int{512, 1152, 1160, 1408, 1416, 1976, 1984}
	if testing.Short() {
		sizes = []int{512, 1160}
	}
	for _, bits := range sizes {
		for _, e := range []int{3, 65537} {
			k := testKey(t, bits, e)
			n := new(big.Int).SetBytes(k.Modulus)
			if n.BitLen() != bits || len(k.Modulus) != bits/8 || k.Len() != bits/8 {
				t.Errorf("%d/%d: modulus %d bits, %d bytes", bits, e, n.BitLen(), len(k.Modulus))
			}
			if err := k.PublicKey.Validate(); err != nil {
				t.Errorf("%d/%d: %v", bits, e, err)
			}
			p, q := new(big.Int).SetBytes(k.P), new(big.Int).SetBytes(k.Q)
			if new(big.Int).Mul(p, q).Cmp(n) != 0 || !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
				t.Errorf("%d/%d: P, Q not the prime factors", bits, e)
			}
			// e·d ≡ 1 mod (p−1) and mod (q−1).
			ed := new(big.Int).Mul(big.NewInt(int64(e)), new(big.Int).SetBytes(k.D))
			one := big.NewInt(1)
			for _, f := range []*big.Int{p, q} {
				fm1 := new(big.Int).Sub(f, one)
				if new(big.Int).Mod(ed, fm1).Cmp(one) != 0 {
					t.Errorf("%d/%d: e·d ≠ 1 mod (f−1)", bits, e)
				}
			}
			// CRT private op equals the plain one, and recovery inverts it.
			x := make([]byte, k.Len())
			mrand.NewChaCha8([32]byte{byte(bits)}).Read(x)
			x[0] = 0x6A
			sig, err := k.Sign(x)
			if err != nil {
				t.Fatal(err)
			}
			plain := new(big.Int).Exp(new(big.Int).SetBytes(x), new(big.Int).SetBytes(k.D), n)
			if plain.Cmp(new(big.Int).SetBytes(sig)) != 0 {
				t.Errorf("%d/%d: CRT result differs from x^d mod n", bits, e)
			}
			back, err := k.Recover(sig)
			if err != nil || !bytes.Equal(back, x) {
				t.Errorf("%d/%d: Recover(Sign(x)) != x: %v", bits, e, err)
			}
		}
	}
}

func TestGenerateKeyDeterministic(t *testing.T) {
	a, err := GenerateKey(mrand.NewChaCha8([32]byte{1}), 768, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey(mrand.NewChaCha8([32]byte{1}), 768, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Modulus, b.Modulus) {
		t.Error("same seed gave different keys: the reader is not honoured")
	}
}

func TestGenerateKeyRejects(t *testing.T) {
	r := mrand.NewChaCha8([32]byte{})
	for _, tc := range []struct{ bits, e int }{
		{1985, 3}, {1992, 3}, {504, 3}, {1153, 3}, {1152, 5}, {1152, 0}, {1152, 17},
	} {
		if _, err := GenerateKey(r, tc.bits, tc.e); !errors.Is(err, ErrBadKey) {
			t.Errorf("GenerateKey(%d, %d) = %v, want ErrBadKey", tc.bits, tc.e, err)
		}
	}
}

func TestRawRSAErrors(t *testing.T) {
	k := testKey(t, 1024, 3)
	n := k.Len()
	if _, err := k.Sign(make([]byte, n-1)); !errors.Is(err, ErrDataLength) {
		t.Errorf("short block: %v", err)
	}
	if _, err := k.Recover(make([]byte, n+1)); !errors.Is(err, ErrDataLength) {
		t.Errorf("long signature: %v", err)
	}
	if _, err := k.Sign(bytes.Repeat([]byte{0xFF}, n)); !errors.Is(err, ErrNotBelowModulus) {
		t.Errorf("block ≥ n: %v", err)
	}
	if _, err := k.Recover(bytes.Repeat([]byte{0xFF}, n)); !errors.Is(err, ErrNotBelowModulus) {
		t.Errorf("signature ≥ n: %v", err)
	}
	if _, err := (PublicKey{}).Recover([]byte{1}); !errors.Is(err, ErrBadKey) {
		t.Errorf("empty key: %v", err)
	}
	var nilKey *PrivateKey
	if _, err := nilKey.Sign([]byte{1}); !errors.Is(err, ErrBadKey) {
		t.Errorf("nil key: %v", err)
	}
	broken := *k
	broken.Q = broken.P
	if _, err := broken.Sign(make([]byte, n)); !errors.Is(err, ErrBadKey) {
		t.Errorf("inconsistent CRT key: %v", err)
	}
}

func TestPublicKeyValidate(t *testing.T) {
	k := testKey(t, 1024, 65537).PublicKey
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]PublicKey{
		"leading zero": {Modulus: append([]byte{0}, k.Modulus...), Exponent: k.Exponent},
		"even":         {Modulus: append(append([]byte{}, k.Modulus[:len(k.Modulus)-1]...), 2), Exponent: k.Exponent},
		"exponent 5":   {Modulus: k.Modulus, Exponent: []byte{5}},
		"too long":     {Modulus: bytes.Repeat([]byte{0xFF}, 249), Exponent: []byte{3}},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
