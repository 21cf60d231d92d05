package oda

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"
)

// testKey returns an RSA key generated from a fixed seed, cached per size and
// exponent, so that tests are deterministic and each size is made once.
// TEST KEY — NOT FOR PRODUCTION.
func testKey(tb testing.TB, bits, exponent int) *PrivateKey {
	tb.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	id := fmt.Sprintf("%d/%d", bits, exponent)
	if k, ok := keyCache[id]; ok {
		return k
	}
	var seed [32]byte
	copy(seed[:], id)
	k, err := GenerateKey(mrand.NewChaCha8(seed), bits, exponent)
	if err != nil {
		tb.Fatalf("generate %s key: %v", id, err)
	}
	keyCache[id] = k
	return k
}

var (
	keyMu    sync.Mutex
	keyCache = map[string]*PrivateKey{}
)

// vectorChain is one published chain of testdata/vectors.json.
type vectorChain struct {
	RID             string `json:"rid"`
	Index           string `json:"index"`
	CAExponent      string `json:"ca_exponent"`
	CAChecksum      string `json:"ca_checksum"`
	CAModulus       string `json:"ca_modulus"`
	IssuerCert      string `json:"issuer_cert"`
	IssuerRemainder string `json:"issuer_remainder"`
	IssuerExponent  string `json:"issuer_exponent"`
	ICCCert         string `json:"icc_cert"`
	ICCExponent     string `json:"icc_exponent"`
	StaticData      string `json:"static_data"`
	PAN             string `json:"pan"`
	SSAD            string `json:"ssad"`
	DDASDAD         string `json:"dda_sdad"`
	DDADDOLData     string `json:"dda_ddol_data"`
	CDASDAD         string `json:"cda_sdad"`
	CDAUN           string `json:"cda_un"`
	CDACID          string `json:"cda_cid"`
	CDACDOL1Data    string `json:"cda_cdol1_data"`
	CDAResponse     string `json:"cda_response_data"`
	TransactionDate string `json:"transaction_date"`
}

func loadVectors(tb testing.TB) (visa, mchip vectorChain) {
	tb.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var all struct {
		Visa  vectorChain `json:"visa"`
		MChip vectorChain `json:"mchip"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		tb.Fatal(err)
	}
	return all.Visa, all.MChip
}

func (v vectorChain) caKey(tb testing.TB) CAKey {
	var k CAKey
	copy(k.RID[:], unhex(tb, v.RID))
	k.Index = unhex(tb, v.Index)[0]
	k.Key = PublicKey{Modulus: unhex(tb, v.CAModulus), Exponent: unhex(tb, v.CAExponent)}
	return k
}

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
