package pki_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

// A negative scenario personalises a card with a broken variant and checks
// that the terminal's SDA fails at exactly the expected check.
func Example() {
	a, err := pki.Load("../../../fixtures/pki")
	if err != nil {
		log.Fatal(err)
	}
	pan := "4761739001010010"
	static := []byte{0x5F, 0x24, 0x03, 0x49, 0x12, 0x31, 0x3C, 0x00}

	for _, name := range []string{"good", "issuer-expired", "ssad-wrong-hash"} {
		v, _ := pki.LookupVariant(name)
		card, err := a.Card(pki.CardSpec{PAN: pan, StaticData: static, Variant: name})
		if err != nil {
			log.Fatal(err)
		}
		// The terminal side: CA key by RID and 8F, issuer key, SSAD.
		err = func() error {
			ca, err := a.TerminalKeys().Lookup(pki.TestRID, card.CAIndex)
			if err != nil {
				return err
			}
			issuer, err := oda.RecoverIssuerKey(ca, card.IssuerCert, card.IssuerRemainder, card.IssuerExponent,
				pan, time.Now(), oda.WithRevocations(a.RevocationList()))
			if err != nil {
				return err
			}
			_, err = oda.VerifySSAD(issuer.Key, card.SSAD, static)
			return err
		}()
		fmt.Printf("%-16s SDA ok: %-5t as expected: %t\n", name, err == nil, v.Good() == (err == nil) && (v.Good() || errors.Is(err, v.Want())))
	}
	// Output:
	// good             SDA ok: true  as expected: true
	// issuer-expired   SDA ok: false as expected: true
	// ssad-wrong-hash  SDA ok: false as expected: true
}

// The CA public keys export as one text line per key for a terminal.
func ExampleExportText() {
	a, err := pki.Load("../../../fixtures/pki")
	if err != nil {
		log.Fatal(err)
	}
	keys, err := pki.ParseCAKeysText(pki.ExportText(a.CAPublicKeys()))
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Printf("%X %02X %d bits, exponent %X\n", k.RID, k.Index, 8*k.Key.Len(), k.Key.Exponent)
	}
	// Output:
	// F054455354 F1 1152 bits, exponent 03
	// F054455354 F3 1408 bits, exponent 03
	// F054455354 F5 1984 bits, exponent 010001
	// F054455354 F8 1984 bits, exponent 03
}
