package emvcrypto

import (
	"encoding/hex"
	"errors"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/scenarios/labels"
)

// readRecord is a READ RECORD response (template 70) of a Visa-style test
// card: PAN 4761739001010010, track 2 equivalent data, cardholder name,
// dates, CDOL1, CVM list and IACs.
var recordBody = unhex("57 13 4761739001010010 D4912201000000000000 0F" +
	"5A 08 4761739001010010" +
	"5F20 0F 54455354 2F 43415244 20 20 20 20 20 20" +
	"5F24 03 491231 5F25 03 200101 5F28 02 0840 5F34 01 01" +
	"8C 15 9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704" +
	"8E 0C 00000000 00000000 4203 1F03" +
	"9F07 02 FF00 9F0D 05 F040008800 9F0E 05 0010000000 9F0F 05 F040009800")

var readRecord = emv.TLV{Tag: 0x70, Value: recordBody}.Encode()

var _ = Describe("EMV data objects", func() {
	It(labels.Title("EMV.CRY.TLV.001"), labels.Case("EMV.CRY.TLV.001"), func() {
		objs, err := emv.Decode(readRecord) // EMV Book 3, Annex B
		Expect(err).NotTo(HaveOccurred())
		Expect(objs).To(HaveLen(1))
		Expect(objs[0].Tag).To(Equal(emv.Tag(0x70)))

		pan, ok := emv.Find(objs, emv.TagPAN)
		Expect(ok).To(BeTrue(), "5A in the record")
		Expect(pan.Value).To(Equal(unhex("4761739001010010")))
		for _, t := range []emv.Tag{0x57, 0x5F20, 0x5F24, 0x8C, 0x8E, 0x9F07, 0x9F0D, 0x9F0E, 0x9F0F} {
			_, ok := emv.Find(objs, t)
			Expect(ok).To(BeTrue(), "tag %s in the record", t)
		}

		printed := emv.Sprint(objs, emv.PrintOptions{})
		AddReportEntry("decoded record (masked)", printed)
		Expect(printed).NotTo(ContainSubstring("4761739001010010"), "no full PAN in printed output")
		Expect(printed).NotTo(ContainSubstring("TEST/CARD"), "no cardholder name in printed output")
		Expect(printed).To(ContainSubstring("476173"), "first six PAN digits kept")
		Expect(printed).To(ContainSubstring("Application Primary Account Number"))
	})

	It(labels.Title("EMV.CRY.TLV.002"), labels.Case("EMV.CRY.TLV.002"), func() {
		// The record's last object, 9F0F (8 bytes: tag, length 05, value),
		// loses two bytes of its value inside a well-formed 70 template.
		cut := emv.TLV{Tag: 0x70, Value: recordBody[:len(recordBody)-2]}.Encode()
		header := len(cut) - (len(recordBody) - 2)
		_, err := emv.Decode(cut)
		var de *emv.DecodeError
		Expect(errors.As(err, &de)).To(BeTrue(), "a *emv.DecodeError, got %v", err)
		Expect(de.Tag).To(Equal(emv.Tag(0x9F0F)))
		Expect(de.Offset).To(Equal(header+len(recordBody)-8), "offset of 9F0F in the input")
		Expect(errors.Is(err, emv.ErrTruncatedValue)).To(BeTrue())
		AddReportEntry("error", err.Error())
	})

	It(labels.Title("EMV.CRY.DOL.001"), labels.Case("EMV.CRY.DOL.001"), func() {
		// CDOL1 asks 9F02 in 4 bytes (n: keep the rightmost digits), 9F1A in
		// 3 bytes (n: pad on the left), 9F37 in 2 bytes (b: keep the
		// leftmost), 9F4C (absent: zeros) and 5A in 10 bytes (cn: pad F).
		cdol1, err := emv.ParseDOL(unhex("9F0204 9F1A03 9F3702 9F4C02 5A0A"))
		Expect(err).NotTo(HaveOccurred())
		data := map[emv.Tag][]byte{
			0x9F02: unhex("000000012345"),
			0x9F1A: unhex("0840"),
			0x9F37: unhex("A1B2C3D4"),
			0x5A:   unhex("4761739001010010"),
		}
		got := emv.BuildDOL(cdol1, func(t emv.Tag) ([]byte, bool) { v, ok := data[t]; return v, ok })
		// EMV Book 3, 5.4 (rules for using a DOL), items c, d and e.
		want := "00012345" + "000840" + "A1B2" + "0000" + "4761739001010010FFFF"
		Expect(strings.ToUpper(hex.EncodeToString(got))).To(Equal(want))
		AddReportEntry("CDOL1 data (PAN masked)", strings.Replace(want, "4761739001010010", emv.MaskPAN("4761739001010010"), 1))
	})
})
