package emvcrypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
	"github.com/paylab/paylab/scenarios/labels"
)

// The card the catalogue specs personalise: issuer-a's BIN, certified by the
// default 1984-bit CA key with remainders, so every variant can be built.
const catalogueIssuer, cataloguePAN = "issuer-a", "4761739001010010"

func authority() *pki.Authority {
	sub, err := fs.Sub(fixtures.FS, "pki")
	Expect(err).NotTo(HaveOccurred())
	a, err := pki.LoadFS(sub)
	Expect(err).NotTo(HaveOccurred(), "the committed test authority loads")
	return a
}

// chainCheck verifies one ODA method the way a terminal does (EMV Book 3,
// 10.3; Book 2, 5 and 6), with only what the terminal holds: the exported CA
// keys, the revocation list and the card's data objects. The card signs
// the dynamic data (INTERNAL AUTHENTICATE, GENERATE AC with CDA).
func chainCheck(a *pki.Authority, c *pki.Card, m pki.Method, staticData []byte) error {
	today := time.Now()
	ca, err := a.TerminalKeys().Lookup(a.RID, c.CAIndex)
	if err != nil {
		return err
	}
	ik, err := oda.RecoverIssuerKey(ca, c.IssuerCert, c.IssuerRemainder, c.IssuerExponent, cataloguePAN, today, oda.WithRevocations(a.RevocationList()))
	if err != nil {
		return err
	}
	switch m {
	case pki.MethodSDA:
		dac, err := oda.VerifySSAD(ik.Key, c.SSAD, staticData)
		if err == nil && dac != c.DAC {
			return fmt.Errorf("DAC %X, personalised %X", dac, c.DAC)
		}
		return err
	case pki.MethodPIN:
		pk, err := oda.RecoverICCPINKey(ik.Key, c.PINCert, c.PINRemainder, c.PINExponent, cataloguePAN, today)
		if err != nil {
			return err
		}
		return pinRoundTrip(pk.Key, c.PINPrivate)
	}
	icc, err := oda.RecoverICCKey(ik.Key, c.ICCCert, c.ICCRemainder, c.ICCExponent, staticData, cataloguePAN, today)
	if err != nil {
		return err
	}
	number := make([]byte, 8)
	_, _ = rand.Read(number)
	if m == pki.MethodDDA {
		ddol := make([]byte, 4) // 9F37, the default DDOL (Book 3, 10.3)
		_, _ = rand.Read(ddol)
		sdad, err := c.SignDDA(number, ddol)
		if err != nil {
			return fmt.Errorf("card: %w", err)
		}
		dd, err := oda.VerifySDAD(icc.Key, sdad, ddol)
		if err == nil && !bytes.Equal(dd.DynamicNumber, number) {
			return fmt.Errorf("ICC dynamic number %X, card made %X", dd.DynamicNumber, number)
		}
		return err
	}
	// CDA on a first GENERATE AC answering ARQC (Book 2, 6.6).
	un := make([]byte, 4)
	_, _ = rand.Read(un)
	var ac [8]byte
	_, _ = rand.Read(ac[:])
	pdol := unhex("000000001000")
	cdol1 := append(unhex("0000000010000840"), un...)
	resp := append(unhex("9F2701809F3602001C9F2608"), ac[:]...)
	sdad, err := c.SignCDA(number, 0x80, ac, oda.TransactionDataHash(pdol, cdol1, nil, resp), un)
	if err != nil {
		return fmt.Errorf("card: %w", err)
	}
	out, err := oda.VerifyCDA(icc.Key, sdad, oda.CDAInput{UnpredictableNumber: un, CID: 0x80, PDOLData: pdol, CDOL1Data: cdol1, ResponseData: resp})
	if err == nil && out.AC != ac {
		return fmt.Errorf("recovered AC %X, card made %X", out.AC, ac)
	}
	return err
}

// pinRoundTrip enciphers a PIN block for the card's recovered PIN key and
// has the card decipher it (Book 2, 7.2).
func pinRoundTrip(pub oda.PublicKey, priv *oda.PrivateKey) error {
	block, err := oda.PINBlock("4315")
	if err != nil {
		return err
	}
	challenge := make([]byte, 8)
	_, _ = rand.Read(challenge)
	enc, err := oda.EncipherPIN(pub, block, challenge, rand.Reader)
	if err != nil {
		return err
	}
	got, err := oda.DecipherPIN(priv, enc, challenge)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, block) {
		return errors.New("the card deciphered another PIN block")
	}
	return nil
}

// variantCases maps each catalogue case of the plan (EMV.CRY.PKI.010 on,
// titled "certificate variant NAME: ...") to its variant name.
func variantCases() []TableEntry {
	p, err := labels.Plan()
	if err != nil {
		panic(err)
	}
	re := regexp.MustCompile(`^certificate variant ([a-z0-9-]+):`)
	var ids []string
	for id := range p.Cases {
		if strings.HasPrefix(id, "EMV.CRY.PKI.") && re.MatchString(p.Cases[id].Title) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var out []TableEntry
	for _, id := range ids {
		name := re.FindStringSubmatch(p.Cases[id].Title)[1]
		out = append(out, Entry(labels.Title(id), labels.Case(id), name))
	}
	return out
}

var _ = Describe("the test PKI", func() {
	It(labels.Title("EMV.CRY.PKI.001"), labels.Case("EMV.CRY.PKI.001"), func() {
		a := authority()
		keys := a.CAPublicKeys()
		Expect(keys).NotTo(BeEmpty())
		js, err := pki.ExportJSON(keys)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(js)).To(ContainSubstring(pki.TestMarker))
		fromJSON, err := pki.ParseCAKeysJSON(js)
		Expect(err).NotTo(HaveOccurred())
		txt := pki.ExportText(keys)
		AddReportEntry("CA keys (text export)", string(txt))
		fromText, err := pki.ParseCAKeysText(txt)
		Expect(err).NotTo(HaveOccurred())
		Expect(fromJSON).To(HaveLen(len(keys)))
		Expect(fromText).To(HaveLen(len(keys)))
		for i, k := range keys {
			Expect(fromJSON[i].Checksum()).To(Equal(k.Checksum()))
			Expect(fromText[i].Checksum()).To(Equal(k.Checksum()))
			Expect(fromText[i].RID).To(Equal(a.RID), "every key under the test RID")
		}
		// One changed modulus byte must fail the checksum (Book 2, 11.2.2).
		broken := bytes.Replace(txt, []byte(fmt.Sprintf("%X", keys[0].Key.Modulus[:4])), []byte(fmt.Sprintf("%X", append([]byte{keys[0].Key.Modulus[0] ^ 1}, keys[0].Key.Modulus[1:4]...))), 1)
		_, err = pki.ParseCAKeysText(broken)
		Expect(err).To(HaveOccurred(), "a key whose checksum does not match is refused")
	})

	It(labels.Title("EMV.CRY.PKI.002"), labels.Case("EMV.CRY.PKI.002"), func() {
		a := authority()
		c, err := a.Card(pki.CardSpec{PAN: cataloguePAN, Issuer: catalogueIssuer, StaticData: recordBody, PINEncipherment: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(chainCheck(a, c, pki.MethodPIN, recordBody)).To(Succeed())

		block, _ := oda.PINBlock("4315")
		challenge := unhex("0102030405060708")
		ca, _ := a.TerminalKeys().Lookup(a.RID, c.CAIndex)
		ik, err := oda.RecoverIssuerKey(ca, c.IssuerCert, c.IssuerRemainder, c.IssuerExponent, cataloguePAN, time.Now())
		Expect(err).NotTo(HaveOccurred())
		pk, err := oda.RecoverICCPINKey(ik.Key, c.PINCert, c.PINRemainder, c.PINExponent, cataloguePAN, time.Now())
		Expect(err).NotTo(HaveOccurred())
		enc, err := oda.EncipherPIN(pk.Key, block, challenge, rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		_, err = oda.DecipherPIN(c.PINPrivate, enc, unhex("0807060504030201"))
		Expect(errors.Is(err, &oda.Error{Check: oda.CheckChallenge})).To(BeTrue(), "another challenge is refused, got %v", err)
	})

	DescribeTable("the catalogue of broken certificates",
		func(name string) {
			a := authority()
			v, err := pki.LookupVariant(name)
			Expect(err).NotTo(HaveOccurred())
			c, err := a.Card(pki.CardSpec{PAN: cataloguePAN, Issuer: catalogueIssuer, StaticData: recordBody, Variant: name, PINEncipherment: true})
			Expect(err).NotTo(HaveOccurred())
			AddReportEntry("variant", v.Name+": "+v.Description)
			for _, m := range []pki.Method{pki.MethodSDA, pki.MethodDDA, pki.MethodCDA, pki.MethodPIN} {
				err := chainCheck(a, c, m, recordBody)
				if v.Breaks&m == 0 {
					Expect(err).NotTo(HaveOccurred(), "%s is not broken by %s", m, name)
					continue
				}
				AddReportEntry(fmt.Sprintf("%s result", m), fmt.Sprint(err))
				var oe *oda.Error
				Expect(errors.As(err, &oe)).To(BeTrue(), "%s fails with a typed *oda.Error, got %v", m, err)
				Expect([2]string{oe.Step.String(), oe.Check.String()}).To(Equal([2]string{v.Step.String(), v.Check.String()}), "%s fails at the variant's check", m)
				Expect(err.Error()).NotTo(ContainSubstring(cataloguePAN), "no full PAN in the error")
			}
		},
		variantCases(),
	)
})
