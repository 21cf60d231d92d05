package oda

import (
	"bytes"
	"testing"
	"time"
)

// The published chains of testdata/vectors.json: a Visa SDA chain and an
// M/Chip DDA and CDA chain recorded from real cards.

func TestVectorCAChecksums(t *testing.T) {
	visa, mchip := loadVectors(t)
	for _, v := range []vectorChain{visa, mchip} {
		ca := v.caKey(t)
		if err := ca.VerifyChecksum(unhex(t, v.CAChecksum)); err != nil {
			t.Errorf("RID %s index %s: %v", v.RID, v.Index, err)
		}
	}
}

func TestVectorVisaSDA(t *testing.T) {
	v, _ := loadVectors(t)
	ca := v.caKey(t)
	// The PAN's leftmost digits; the vector's tag 5A is in its static data.
	pan := "4276550013234599"
	ik, err := RecoverIssuerKey(ca, unhex(t, v.IssuerCert), unhex(t, v.IssuerRemainder), unhex(t, v.IssuerExponent), pan, date(2008, 1, 1))
	if err != nil {
		t.Fatalf("RecoverIssuerKey: %v", err)
	}
	t.Logf("issuer ID %X expiry %X serial %X N_I %d", ik.IssuerID, ik.Expiry, ik.Serial, ik.Key.Len())
	if got, want := ik.Key.Len(), 128-36+len(unhex(t, v.IssuerRemainder)); got != want {
		t.Errorf("issuer modulus %d bytes, want %d", got, want)
	}
	dac, err := VerifySSAD(ik.Key, unhex(t, v.SSAD), unhex(t, v.StaticData))
	if err != nil {
		t.Fatalf("VerifySSAD: %v", err)
	}
	t.Logf("DAC %X", dac)

	// One changed byte of static data breaks the hash.
	bad := unhex(t, v.StaticData)
	bad[len(bad)-1] ^= 1
	if _, err := VerifySSAD(ik.Key, unhex(t, v.SSAD), bad); CheckOf(err) != CheckHash {
		t.Errorf("tampered static data: %v, want CheckHash", err)
	}
}

func mchipKeys(t testing.TB) (vectorChain, *IssuerKey, *ICCKey) {
	_, v := loadVectors(t)
	today, err := time.Parse(time.DateOnly, v.TransactionDate)
	if err != nil {
		t.Fatal(err)
	}
	ik, err := RecoverIssuerKey(v.caKey(t), unhex(t, v.IssuerCert), unhex(t, v.IssuerRemainder), unhex(t, v.IssuerExponent), v.PAN, today)
	if err != nil {
		t.Fatalf("RecoverIssuerKey: %v", err)
	}
	icc, err := RecoverICCKey(ik.Key, unhex(t, v.ICCCert), nil, unhex(t, v.ICCExponent), unhex(t, v.StaticData), v.PAN, today)
	if err != nil {
		t.Fatalf("RecoverICCKey: %v", err)
	}
	return v, ik, icc
}

func TestVectorMChipChain(t *testing.T) {
	v, ik, icc := mchipKeys(t)
	if ik.Key.Len() != 176 || icc.Key.Len() != 112 {
		t.Errorf("N_I %d N_IC %d, want 176 and 112", ik.Key.Len(), icc.Key.Len())
	}
	if IssuerRemainderLen(176, 176) != len(unhex(t, v.IssuerRemainder)) {
		t.Errorf("remainder length rule disagrees with the published remainder")
	}
	if ICCRemainderLen(112, 176) != 0 {
		t.Errorf("ICC remainder should be absent")
	}
	t.Logf("issuer ID %X expiry %X serial %X; ICC expiry %X serial %X", ik.IssuerID, ik.Expiry, ik.Serial, icc.Expiry, icc.Serial)
}

func TestVectorMChipDDA(t *testing.T) {
	v, _, icc := mchipKeys(t)
	dd, err := VerifySDAD(icc.Key, unhex(t, v.DDASDAD), unhex(t, v.DDADDOLData))
	if err != nil {
		t.Fatalf("VerifySDAD: %v", err)
	}
	if len(dd.DynamicNumber) < 2 {
		t.Errorf("dynamic number %X", dd.DynamicNumber)
	}
	if _, err := VerifySDAD(icc.Key, unhex(t, v.DDASDAD), []byte{0, 0, 0, 1}); CheckOf(err) != CheckHash {
		t.Errorf("other DDOL data: %v, want CheckHash", err)
	}
}

func TestVectorMChipCDA(t *testing.T) {
	v, _, icc := mchipKeys(t)
	in := CDAInput{
		UnpredictableNumber: unhex(t, v.CDAUN),
		CID:                 unhex(t, v.CDACID)[0],
		CDOL1Data:           unhex(t, v.CDACDOL1Data),
		ResponseData:        unhex(t, v.CDAResponse),
	}
	got, err := VerifyCDA(icc.Key, unhex(t, v.CDASDAD), in)
	if err != nil {
		t.Fatalf("VerifyCDA: %v", err)
	}
	if got.CID != 0x40 {
		t.Errorf("CID %02X", got.CID)
	}
	t.Logf("IDN %X AC %X", got.DynamicNumber, got.AC)

	// The response as template 77 with the SDAD in place gives the same
	// hash input once 9F4B is stripped.
	resp := unhex(t, v.CDAResponse)
	body := append([]byte{}, resp[:9]...) // 9F27, 9F36
	body = append(body, append([]byte{0x9F, 0x4B, 0x70}, unhex(t, v.CDASDAD)...)...)
	body = append(body, resp[9:]...) // 9F10
	stripped, err := ResponseDataForHash(body)
	if err != nil || !bytes.Equal(stripped, resp) {
		t.Errorf("ResponseDataForHash = %X, %v", stripped, err)
	}

	cases := []struct {
		name  string
		mut   func(*CDAInput)
		check Check
	}{
		{"CID differs", func(c *CDAInput) { c.CID = 0x80 }, CheckCID},
		{"UN differs", func(c *CDAInput) { c.UnpredictableNumber = []byte{1, 2, 3, 4} }, CheckHash},
		{"CDOL1 data differs", func(c *CDAInput) { c.CDOL1Data = append([]byte{}, c.CDOL1Data...); c.CDOL1Data[0] = 1 }, CheckTransactionHash},
		{"PDOL data added", func(c *CDAInput) { c.PDOLData = []byte{0} }, CheckTransactionHash},
		{"response differs", func(c *CDAInput) { c.ResponseData = c.ResponseData[:9] }, CheckTransactionHash},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := in
			tc.mut(&c)
			if _, err := VerifyCDA(icc.Key, unhex(t, v.CDASDAD), c); CheckOf(err) != tc.check {
				t.Errorf("got %v, want %v", err, tc.check)
			}
		})
	}
}
