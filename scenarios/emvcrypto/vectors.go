package emvcrypto

import (
	"encoding/hex"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/scenarios/labels"
)

// published is one published vector set of ../shared/reference/test-vectors.md.
type published struct {
	cvn    int
	issuer cryptogram.Keys // test keys published with the vector
	pan    string
	tx     map[emv.Tag][]byte
	arqc   string
	arpcIn cryptogram.ARPCInput
	arpc   string
	mac    string // command MAC of 8418000008
	pin    string // PIN CHANGE/UNBLOCK to 9999, no current PIN
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func txOf(kv ...string) map[emv.Tag][]byte {
	tx := map[emv.Tag][]byte{}
	for i := 0; i < len(kv); i += 2 {
		t, err := emv.ParseTag(kv[i])
		if err != nil {
			panic(err)
		}
		tx[t] = unhex(kv[i+1])
	}
	return tx
}

// Visa CVN 10, published in pyemv's tests (tests/test_cvn_hsm.py).
var cvn10 = published{
	cvn: 10,
	issuer: cryptogram.Keys{
		AC:  unhex("0123456789ABCDEFFEDCBA9876543210"),
		SMI: unhex("FEDCBA98765432100123456789ABCDEF"),
		SMC: unhex("89ABCDEF0123456776543210FEDCBA98"),
	},
	pan: "1234567890123456",
	tx: txOf("9F02", "000000004000", "9F03", "000000000000", "9F1A", "0124", "95", "8000048000",
		"5F2A", "0124", "9A", "191105", "9C", "01", "9F37", "52BF4585", "82", "1800", "9F36", "001C",
		"9F10", "06010A03A06010"),
	arqc:   "29CCA15AE665FA2E",
	arpcIn: cryptogram.ARPCInput{ARC: unhex("3030")},
	arpc:   "28993816AFAE4AEB",
	mac:    "DB56BA60087CEFD3",
	pin:    "8424000218BB221AF527377A2811D2B6EBC396A9391A965A5CB2CE62DA",
}

// Visa CVN 18, published in pyemv's module documentation (pyemv/cvn.py).
var cvn18 = published{
	cvn: 18,
	issuer: cryptogram.Keys{
		AC:  unhex(strings.Repeat("AA", 16)),
		SMI: unhex(strings.Repeat("BB", 16)),
		SMC: unhex(strings.Repeat("CC", 16)),
	},
	pan: "1234567890123456",
	tx: txOf("9F02", "000000009999", "9F03", "000000000000", "9F1A", "0840", "95", "8000048000",
		"5F2A", "0840", "9A", "991231", "9C", "01", "9F37", "52BF4585", "82", "1800", "9F36", "0FFF",
		"9F10", "06011203A0B800"),
	arqc:   "769577B5ABE9FE62",
	arpcIn: cryptogram.ARPCInput{ATC: unhex("0FFF"), CSU: unhex("00000000")},
	arpc:   "76503F48",
	mac:    "B5CB29759F9C3919",
	pin:    "84240002182DC7A061323BA62472BC5308BD291B5F665B3A927E60661E",
}

// cardFor derives the card's keys and its first cryptogram for a vector.
func cardFor(p published) (*cryptogram.Version, cryptogram.Keys, []byte) {
	v, err := cryptogram.VersionByNumber(p.cvn)
	Expect(err).NotTo(HaveOccurred())
	keys, err := v.DeriveKeys(p.issuer, p.pan, "00")
	Expect(err).NotTo(HaveOccurred())
	ac, err := v.Generate(keys.AC, p.tx)
	Expect(err).NotTo(HaveOccurred())
	return v, keys, ac
}

// expectHex asserts a computed value against the published one and records
// both as the case's evidence.
func expectHex(what string, got []byte, want string) {
	AddReportEntry("expected "+what, strings.ToUpper(want))
	AddReportEntry("actual "+what, strings.ToUpper(hex.EncodeToString(got)))
	Expect(strings.ToUpper(hex.EncodeToString(got))).To(Equal(strings.ToUpper(want)), what)
}

var _ = Describe("EMV cryptography against published vectors", func() {
	It(labels.Title("EMV.CRY.ARQC.001"), labels.Case("EMV.CRY.ARQC.001"), func() {
		_, _, ac := cardFor(cvn10)
		expectHex("ARQC", ac, cvn10.arqc)
	})
	It(labels.Title("EMV.CRY.ARQC.002"), labels.Case("EMV.CRY.ARQC.002"), func() {
		_, _, ac := cardFor(cvn18)
		expectHex("ARQC", ac, cvn18.arqc)
	})

	DescribeTable("ARPC",
		func(p published) {
			v, keys, ac := cardFor(p)
			in := p.arpcIn
			in.ARQC = ac
			arpc, err := v.ARPC(keys.AC, in)
			Expect(err).NotTo(HaveOccurred())
			expectHex("ARPC", arpc, p.arpc)
			Expect(v.VerifyARPC(keys.AC, in, arpc)).To(Succeed(), "the card accepts the issuer's ARPC")
		},
		Entry(labels.Title("EMV.CRY.ARPC.001"), labels.Case("EMV.CRY.ARPC.001"), cvn10),
		Entry(labels.Title("EMV.CRY.ARPC.002"), labels.Case("EMV.CRY.ARPC.002"), cvn18),
	)

	DescribeTable("issuer script command MAC",
		func(p published) {
			v, keys, ac := cardFor(p)
			ctx := cryptogram.ScriptContext{ATC: p.tx[emv.TagATC], AC: ac}
			mac, err := v.CommandMAC(keys.SMI, ctx, unhex("8418000008"), nil)
			Expect(err).NotTo(HaveOccurred())
			expectHex("command MAC", mac, p.mac)
		},
		Entry(labels.Title("EMV.CRY.SM.001"), labels.Case("EMV.CRY.SM.001"), cvn10),
		Entry(labels.Title("EMV.CRY.SM.002"), labels.Case("EMV.CRY.SM.002"), cvn18),
	)

	DescribeTable("PIN CHANGE/UNBLOCK with an enciphered PIN",
		func(p published) {
			v, keys, ac := cardFor(p)
			ctx := cryptogram.ScriptContext{ATC: p.tx[emv.TagATC], AC: ac}
			cmd, err := v.PINChangeCommand(keys, ctx, "9999", "")
			Expect(err).NotTo(HaveOccurred())
			expectHex("command", cmd, p.pin)
			// The card side opens what the issuer built: the MAC checks and
			// the PIN data deciphers.
			hdr, data, err := v.OpenScriptCommand(keys, ctx, cmd, true)
			Expect(err).NotTo(HaveOccurred())
			Expect(hdr[:]).To(Equal(cmd[:4]))
			Expect(data).NotTo(BeEmpty())
		},
		Entry(labels.Title("EMV.CRY.SM.003"), labels.Case("EMV.CRY.SM.003"), cvn10),
		Entry(labels.Title("EMV.CRY.SM.004"), labels.Case("EMV.CRY.SM.004"), cvn18),
	)
})
