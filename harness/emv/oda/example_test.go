package oda_test

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/paylab/paylab/harness/emv/oda"
)

// A test CA certifies an issuer key; the terminal recovers it from the
// certificate, its remainder and exponent (EMV Book 2, 5.3).
func ExampleSignIssuerCert() {
	ca, err := oda.GenerateKey(rand.Reader, 1408, 3) // TEST KEY — NOT FOR PRODUCTION
	if err != nil {
		panic(err)
	}
	issuer, err := oda.GenerateKey(rand.Reader, 1152, 3)
	if err != nil {
		panic(err)
	}
	pan := "4761739001010119"
	id, _ := oda.IssuerIDFromPAN(pan, 6)
	cert, remainder, err := oda.SignIssuerCert(ca, oda.IssuerCert{
		IssuerID: id,
		Expiry:   [2]byte{0x12, 0x30}, // December 2030
		Serial:   [3]byte{0x00, 0x12, 0xAB},
		Key:      issuer.PublicKey,
	})
	if err != nil {
		panic(err)
	}

	store := oda.NewCAKeys(oda.CAKey{RID: [5]byte{0xA0, 0, 0, 0, 0x03}, Index: 0x92, Key: ca.PublicKey})
	caKey, err := store.Lookup([5]byte{0xA0, 0, 0, 0, 0x03}, 0x92)
	if err != nil {
		panic(err)
	}
	today := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	key, err := oda.RecoverIssuerKey(caKey, cert, remainder, issuer.Exponent, pan, today)
	if err != nil {
		panic(err)
	}
	fmt.Printf("certificate %d bytes, remainder %d bytes\n", len(cert), len(remainder))
	fmt.Printf("serial %X, issuer key %d bits\n", key.Serial, key.Key.Len()*8)

	// The same certificate a month after its expiry month fails one check.
	_, err = oda.RecoverIssuerKey(caKey, cert, remainder, issuer.Exponent, pan, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(oda.CheckOf(err) == oda.CheckExpired)
	// Output:
	// certificate 176 bytes, remainder 4 bytes
	// serial 0012AB, issuer key 1152 bits
	// true
}

// A terminal without the card's CA key fails offline data authentication
// (EMV Book 3, 10.3).
func ExampleCAKeys_Lookup() {
	var store oda.CAKeys
	_, err := store.Lookup([5]byte{0xA0, 0, 0, 0, 0x04}, 0xF1)
	fmt.Println(err)
	// Output:
	// oda: issuer public key certificate: unknown CA public key: CA public key index F1 not present for RID A000000004
}

// The plaintext PIN block VERIFY carries (EMV Book 3, 6.5.12).
func ExamplePINBlock() {
	b, _ := oda.PINBlock("1234")
	fmt.Printf("%X\n", b)
	// Output:
	// 241234FFFFFFFFFF
}
