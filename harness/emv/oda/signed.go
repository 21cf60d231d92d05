package oda

import (
	"bytes"
	"crypto/sha1"
	"fmt"
)

// SignStaticData produces Signed Static Application Data (tag 93) with the
// issuer private key (EMV Book 2, 5.4 Table 7): the data authentication code
// dac (tag 9F45) and a hash over the static data to be authenticated.
func SignStaticData(issuer *PrivateKey, dac [2]byte, staticData []byte, opts ...SignOption) ([]byte, error) {
	o := collect(opts)
	if issuer == nil {
		return nil, fmt.Errorf("sign static data: %w: nil issuer key", ErrBadKey)
	}
	nI := issuer.Len()
	if nI <= ssadOverhead {
		return nil, fmt.Errorf("sign static data: %w: issuer modulus %d bytes too short", ErrBadKey, nI)
	}
	x := make([]byte, nI)
	o.apply(x, FormatSSAD)
	x[2] = HashSHA1
	if o.setHashAlg {
		x[2] = o.hashAlg
	}
	copy(x[3:5], dac[:])
	for i := 5; i < nI-hashLen-1; i++ {
		x[i] = padByte
	}
	seal(x, &o, staticData)
	sig, err := issuer.Sign(x)
	if err != nil {
		return nil, fmt.Errorf("sign static data: %w", err)
	}
	return sig, nil
}

// VerifySSAD verifies Signed Static Application Data (tag 93) with the
// recovered issuer public key and returns the data authentication code (tag
// 9F45), performing every check of EMV Book 2, 5.4 (steps 1–7). staticData is
// the static data to be authenticated (Book 2, 5.4 step 5). A failed check
// returns an *Error with Step StepSSAD.
func VerifySSAD(issuer PublicKey, ssad, staticData []byte) (dac [2]byte, err error) {
	const step = StepSSAD
	if len(ssad) == 0 {
		return dac, fail(step, CheckMissing, "tag 93 absent")
	}
	nI := issuer.Len()
	if nI <= ssadOverhead || nI > MaxModulusLen {
		return dac, fail(step, CheckKey, "issuer modulus of %d bytes", nI)
	}
	x, err := recoverBlock(step, issuer, ssad, nI)
	if err != nil {
		return dac, err
	}
	if x[1] != FormatSSAD {
		return dac, fail(step, CheckFormat, "format %02X, want %02X", x[1], FormatSSAD)
	}
	if err := checkHash(step, x, x[2], staticData); err != nil {
		return dac, err
	}
	copy(dac[:], x[3:5])
	return dac, nil
}

// SignDynamicData produces Signed Dynamic Application Data (tag 9F4B) with
// the ICC private key (EMV Book 2, 6.5.1 Table 17 for DDA, 6.6.1 for CDA):
// iccDynamicData is built by DDADynamicData or CDADynamicData, and
// terminalDynamicData is the DDOL data of INTERNAL AUTHENTICATE (DDA) or the
// unpredictable number 9F37 of GENERATE AC (CDA, Book 2 6.6.1).
func SignDynamicData(icc *PrivateKey, iccDynamicData, terminalDynamicData []byte, opts ...SignOption) ([]byte, error) {
	o := collect(opts)
	if icc == nil {
		return nil, fmt.Errorf("sign dynamic data: %w: nil ICC key", ErrBadKey)
	}
	nIC := icc.Len()
	if len(iccDynamicData) > MaxICCDynamicDataLen(nIC) || len(iccDynamicData) > 255 {
		return nil, fmt.Errorf("sign dynamic data: %d bytes of ICC dynamic data, a %d-byte key signs at most %d (EMV Book 2, 6.5.1)", len(iccDynamicData), nIC, MaxICCDynamicDataLen(nIC))
	}
	x := make([]byte, nIC)
	o.apply(x, FormatSDAD)
	x[2] = HashSHA1
	if o.setHashAlg {
		x[2] = o.hashAlg
	}
	x[3] = byte(len(iccDynamicData))
	if o.setDynLen {
		x[3] = o.dynLen
	}
	copy(x[4:], iccDynamicData)
	for i := 4 + len(iccDynamicData); i < nIC-hashLen-1; i++ {
		x[i] = padByte
	}
	seal(x, &o, terminalDynamicData)
	sig, err := icc.Sign(x)
	if err != nil {
		return nil, fmt.Errorf("sign dynamic data: %w", err)
	}
	return sig, nil
}

// seal hashes x[1 : N−21] || extra into the hash field and sets the trailer.
func seal(x []byte, o *signOptions, extra []byte) {
	n := len(x)
	h := sha1.New()
	h.Write(x[1 : n-hashLen-1])
	h.Write(extra)
	sum := h.Sum(nil)
	if o.corruptHash {
		sum[0] ^= 0x01
	}
	copy(x[n-hashLen-1:], sum)
	x[n-1] = trailerByte
	if o.setTrailer {
		x[n-1] = o.trailer
	}
}

// ICC dynamic number length bounds (EMV Book 2, 6.5.1 Table 18: 2 to 8 bytes).
const (
	MinICCDynamicNumberLen = 2
	MaxICCDynamicNumberLen = 8
)

// DDADynamicData builds the ICC dynamic data for DDA: the ICC dynamic number
// length, then the ICC dynamic number (tag 9F4C) (EMV Book 2, 6.5.1 Table 18).
func DDADynamicData(number []byte) ([]byte, error) {
	if len(number) < MinICCDynamicNumberLen || len(number) > MaxICCDynamicNumberLen {
		return nil, fmt.Errorf("build ICC dynamic data: dynamic number %d bytes, want 2 to 8", len(number))
	}
	return append([]byte{byte(len(number))}, number...), nil
}

// CDADynamicData builds the ICC dynamic data for CDA (EMV Book 2, 6.6.1
// Table 19): ICC dynamic number length and number, cryptogram information
// data, application cryptogram and transaction data hash code.
func CDADynamicData(number []byte, cid byte, ac [8]byte, txnHash [20]byte) ([]byte, error) {
	d, err := DDADynamicData(number)
	if err != nil {
		return nil, err
	}
	d = append(d, cid)
	d = append(d, ac[:]...)
	return append(d, txnHash[:]...), nil
}

// DynamicData is what a verified SDAD yields.
type DynamicData struct {
	ICCDynamicData []byte // the whole ICC dynamic data (Book 2, Table 17 field 5)
	DynamicNumber  []byte // ICC dynamic number, tag 9F4C
}

// CDAData is what a verified CDA signature yields (EMV Book 2, 6.6.2).
type CDAData struct {
	DynamicData
	CID             byte     // cryptogram information data in the signature
	AC              [8]byte  // the application cryptogram (TC, ARQC or AAC)
	TransactionHash [20]byte // transaction data hash code
}

// VerifySDAD verifies DDA Signed Dynamic Application Data (tag 9F4B, from
// INTERNAL AUTHENTICATE) with the ICC public key, performing every check of
// EMV Book 2, 6.5.2 (steps 1–7); ddolData is the DDOL data the terminal sent.
// It returns the ICC dynamic data and the ICC dynamic number. A failed check
// returns an *Error with Step StepSDAD.
func VerifySDAD(icc PublicKey, sdad, ddolData []byte) (*DynamicData, error) {
	x, err := recoverSDAD(icc, sdad)
	if err != nil {
		return nil, err
	}
	// Steps 5–7: hash over the dynamic data block || DDOL data.
	if err := checkHash(StepSDAD, x, x[2], ddolData); err != nil {
		return nil, err
	}
	// Then the ICC dynamic number is retrieved (Table 18).
	dd := x[4 : 4+int(x[3])]
	num, err := dynamicNumber(dd, 0)
	if err != nil {
		return nil, err
	}
	return &DynamicData{ICCDynamicData: bytes.Clone(dd), DynamicNumber: bytes.Clone(num)}, nil
}

// CDAInput carries the transaction data a CDA check needs, as the terminal
// sent and received it (EMV Book 2, 6.6.2).
type CDAInput struct {
	// UnpredictableNumber is tag 9F37 as sent in GENERATE AC; it is the
	// terminal dynamic data of the signature (Book 2, 6.6.2 step 7).
	UnpredictableNumber []byte
	// CID is tag 9F27 from the GENERATE AC response (step 6).
	CID byte
	// PDOLData, CDOL1Data and CDOL2Data are the values sent in GET
	// PROCESSING OPTIONS and the GENERATE AC commands; CDOL2Data is nil for
	// the first GENERATE AC (step 10).
	PDOLData, CDOL1Data, CDOL2Data []byte
	// ResponseData is the TLV-coded data objects of the GENERATE AC response
	// (template 77) in the order returned, without tag 9F4B; see
	// ResponseDataForHash.
	ResponseData []byte
}

// VerifyCDA verifies a CDA Signed Dynamic Application Data (tag 9F4B, from
// GENERATE AC) with the ICC public key, performing every check of EMV Book 2,
// 6.6.2: length, header, trailer, format, CID against the response, hash
// over the dynamic data and the unpredictable number, and the transaction
// data hash code. It returns the recovered cryptogram. A failed check
// returns an *Error with Step StepSDAD.
func VerifyCDA(icc PublicKey, sdad []byte, in CDAInput) (*CDAData, error) {
	const step = StepSDAD
	x, err := recoverSDAD(icc, sdad)
	if err != nil {
		return nil, err
	}
	dd := x[4 : 4+int(x[3])]
	num, err := dynamicNumber(dd, 1+8+hashLen)
	if err != nil {
		return nil, err
	}
	rest := dd[1+len(num):]
	out := &CDAData{
		DynamicData: DynamicData{ICCDynamicData: bytes.Clone(dd), DynamicNumber: bytes.Clone(num)},
		CID:         rest[0],
	}
	copy(out.AC[:], rest[1:9])
	copy(out.TransactionHash[:], rest[9:9+hashLen])
	// Step 6: the signed CID equals the CID of the response.
	if out.CID != in.CID {
		return nil, fail(step, CheckCID, "signed %02X, response %02X", out.CID, in.CID)
	}
	// Steps 7–9: hash over the dynamic data block || unpredictable number.
	if err := checkHash(step, x, x[2], in.UnpredictableNumber); err != nil {
		return nil, err
	}
	// Steps 10–11: the transaction data hash code.
	if TransactionDataHash(in.PDOLData, in.CDOL1Data, in.CDOL2Data, in.ResponseData) != out.TransactionHash {
		return nil, fail(step, CheckTransactionHash, "")
	}
	return out, nil
}

// TransactionDataHash computes the CDA transaction data hash code: SHA-1 over
// the PDOL data, the CDOL1 data, the CDOL2 data (second GENERATE AC only,
// else nil) and the response data objects except 9F4B (EMV Book 2, 6.6.1
// and 6.6.2 step 10). The card and the terminal compute it alike.
func TransactionDataHash(pdolData, cdol1Data, cdol2Data, responseData []byte) [20]byte {
	h := sha1.New()
	h.Write(pdolData)
	h.Write(cdol1Data)
	h.Write(cdol2Data)
	h.Write(responseData)
	var sum [20]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// recoverSDAD performs steps 1–4 of EMV Book 2, 6.5.2 / 6.6.2 and checks the
// ICC dynamic data length.
func recoverSDAD(icc PublicKey, sdad []byte) ([]byte, error) {
	const step = StepSDAD
	if len(sdad) == 0 {
		return nil, fail(step, CheckMissing, "tag 9F4B absent")
	}
	nIC := icc.Len()
	if nIC <= sdadOverhead || nIC > MaxModulusLen {
		return nil, fail(step, CheckKey, "ICC modulus of %d bytes", nIC)
	}
	x, err := recoverBlock(step, icc, sdad, nIC)
	if err != nil {
		return nil, err
	}
	if x[1] != FormatSDAD {
		return nil, fail(step, CheckFormat, "format %02X, want %02X", x[1], FormatSDAD)
	}
	if int(x[3]) > MaxICCDynamicDataLen(nIC) {
		return nil, fail(step, CheckDynamicData, "length %d exceeds N_IC − 25 = %d", x[3], MaxICCDynamicDataLen(nIC))
	}
	return x, nil
}

// dynamicNumber reads the ICC dynamic number at the start of the ICC dynamic
// data, requiring at least after more bytes behind it (Book 2, Tables 18–19).
func dynamicNumber(dd []byte, after int) ([]byte, error) {
	const step = StepSDAD
	if len(dd) < 1 {
		return nil, fail(step, CheckDynamicData, "empty")
	}
	n := int(dd[0])
	if n < MinICCDynamicNumberLen || n > MaxICCDynamicNumberLen {
		return nil, fail(step, CheckDynamicData, "ICC dynamic number length %d, want 2 to 8", n)
	}
	if len(dd) < 1+n+after {
		return nil, fail(step, CheckDynamicData, "%d bytes, need %d", len(dd), 1+n+after)
	}
	return dd[1 : 1+n], nil
}
