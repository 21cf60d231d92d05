package cryptogram

import (
	"crypto/cipher"
	"crypto/des"
	"math/bits"
	"sync"
)

// blockSize is the DES block size n of EMV Book 2, Annex A1 (8 bytes).
const blockSize = des.BlockSize

// newCipher returns single DES for an 8-byte key, two-key triple DES
// (EDE with K1 K2 K1, EMV Book 2 Annex B1.1) for a 16-byte key and three-key
// triple DES for a 24-byte key.
//
// Key schedules cost more than the few blocks EMV enciphers under a key (an
// issuer host spent a tenth of its time in them), so ciphers are kept in a
// small cache: an ICC master key serves every transaction of its card, a
// session key both the ARQC check and the ARPC.
func newCipher(name string, key []byte) (cipher.Block, error) {
	if len(key) == 8 || len(key) == 16 || len(key) == 24 {
		var ck cacheKey
		ck.n = uint8(copy(ck.k[:], key))
		ciphers.mu.Lock()
		b, ok := ciphers.m[ck]
		ciphers.mu.Unlock()
		if ok {
			return b, nil
		}
		b, err := makeCipher(name, key)
		if err != nil {
			return nil, err
		}
		ciphers.mu.Lock()
		if len(ciphers.m) >= maxCachedCiphers {
			clear(ciphers.m) // cheaper than LRU bookkeeping; refills in a few transactions
		}
		ciphers.m[ck] = b
		ciphers.mu.Unlock()
		return b, nil
	}
	return makeCipher(name, key)
}

// maxCachedCiphers bounds the cache (about 1 KiB of schedules each).
const maxCachedCiphers = 4096

type cacheKey struct {
	k [24]byte
	n uint8
}

// ciphers caches DES and triple-DES ciphers by key; crypto/des ciphers are
// stateless once made, so one serves concurrent callers.
var ciphers = struct {
	mu sync.Mutex
	m  map[cacheKey]cipher.Block
}{m: map[cacheKey]cipher.Block{}}

func makeCipher(name string, key []byte) (cipher.Block, error) {
	switch len(key) {
	case 8:
		return des.NewCipher(key)
	case 16:
		k := make([]byte, 24)
		copy(k, key)
		copy(k[16:], key[:8])
		return des.NewTripleDESCipher(k)
	case 24:
		return des.NewTripleDESCipher(key)
	}
	return nil, &LengthError{Name: name, Len: len(key), Want: "8, 16 or 24 bytes"}
}

// checkDoubleKey enforces the double-length (16-byte) triple-DES keys that
// every EMV symmetric mechanism here uses (EMV Book 2, Annex A1).
func checkDoubleKey(name string, key []byte) error {
	if len(key) != 16 {
		return &LengthError{Name: name, Len: len(key), Want: "16 bytes"}
	}
	return nil
}

// encryptECB enciphers whole blocks independently. len(src) must be a
// multiple of the block size.
func encryptECB(b cipher.Block, src []byte) []byte {
	dst := make([]byte, len(src))
	for i := 0; i < len(src); i += blockSize {
		b.Encrypt(dst[i:i+blockSize], src[i:i+blockSize])
	}
	return dst
}

func decryptECB(b cipher.Block, src []byte) []byte {
	dst := make([]byte, len(src))
	for i := 0; i < len(src); i += blockSize {
		b.Decrypt(dst[i:i+blockSize], src[i:i+blockSize])
	}
	return dst
}

// encryptCBC enciphers in CBC mode with a zero initial vector, the EMV
// default (EMV Book 2, Annex A1.1).
func encryptCBC(b cipher.Block, src []byte) []byte {
	dst := make([]byte, len(src))
	var chain [blockSize]byte
	for i := 0; i < len(src); i += blockSize {
		var in [blockSize]byte
		for j := range in {
			in[j] = src[i+j] ^ chain[j]
		}
		b.Encrypt(dst[i:i+blockSize], in[:])
		copy(chain[:], dst[i:i+blockSize])
	}
	return dst
}

func decryptCBC(b cipher.Block, src []byte) []byte {
	dst := make([]byte, len(src))
	var chain [blockSize]byte
	for i := 0; i < len(src); i += blockSize {
		b.Decrypt(dst[i:i+blockSize], src[i:i+blockSize])
		for j := 0; j < blockSize; j++ {
			dst[i+j] ^= chain[j]
		}
		copy(chain[:], src[i:i+blockSize])
	}
	return dst
}

// encryptBlock enciphers one 8-byte block under a key.
func encryptBlock(name string, key, block []byte) ([]byte, error) {
	b, err := newCipher(name, key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, blockSize)
	b.Encrypt(out, block)
	return out, nil
}

func xorBytes(a, b []byte) []byte {
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// OddParity returns a copy of a DES key with each byte's low bit set so the
// byte has an odd number of one bits. DES ignores these bits, so a key and
// its parity-adjusted form encipher alike; derived keys are returned with
// odd parity, the form HSMs and personalisation files hold them in.
func OddParity(key []byte) []byte {
	out := make([]byte, len(key))
	for i, c := range key {
		if bits.OnesCount8(c&0xFE)%2 == 0 {
			out[i] = c | 0x01
		} else {
			out[i] = c &^ 0x01
		}
	}
	return out
}

// KCV returns the key check value of a DES or triple-DES key: the leftmost
// three bytes of a zero block enciphered under the key (ANSI X9.24-1). Some
// tools print only the first two bytes.
func KCV(key []byte) ([]byte, error) {
	out, err := encryptBlock("key", key, make([]byte, blockSize))
	if err != nil {
		return nil, err
	}
	return out[:3], nil
}
