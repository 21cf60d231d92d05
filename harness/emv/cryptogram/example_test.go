package cryptogram_test

import (
	"encoding/hex"
	"fmt"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The Visa CVN 10 vector of shared/reference/test-vectors.md (published in
// pyemv's tests): the issuer derives the card's key and recomputes the ARQC,
// then answers with an ARPC for response code "00" (ARC 3030).
func ExampleVersion_Generate() {
	v, _ := cryptogram.VersionByNumber(10)
	imk := unhex("0123456789ABCDEFFEDCBA9876543210")
	mk, _ := v.DeriveICCMasterKey(imk, "1234567890123456", "00")

	tx := map[emv.Tag][]byte{
		emv.TagAmount:       unhex("000000004000"),
		emv.TagAmountOther:  unhex("000000000000"),
		emv.TagCountryCode:  unhex("0124"),
		emv.TagTVR:          unhex("8000048000"),
		emv.TagCurrencyCode: unhex("0124"),
		emv.TagTxnDate:      unhex("191105"),
		emv.TagTxnType:      unhex("01"),
		emv.TagUN:           unhex("52BF4585"),
		emv.TagAIP:          unhex("1800"),
		emv.TagATC:          unhex("001C"),
		emv.TagIAD:          unhex("06010A03A06010"),
	}
	data, _ := v.Data(tx)
	arqc, _ := v.Generate(mk, tx)
	arpc, _ := v.ARPC(mk, cryptogram.ARPCInput{ARQC: arqc, ARC: unhex("3030")})
	fmt.Printf("data %X\n", data)
	fmt.Printf("ARQC %X\n", arqc)
	fmt.Printf("ARPC %X\n", arpc)
	// Output:
	// data 0000000040000000000000000124800004800001241911050152BF45851800001C03A06010
	// ARQC 29CCA15AE665FA2E
	// ARPC 28993816AFAE4AEB
}

// An issuer script command (APPLICATION BLOCK) with secure messaging, and
// the card opening it.
func ExampleVersion_ScriptCommand() {
	v, _ := cryptogram.VersionByNumber(18)
	issuer := cryptogram.Keys{
		AC:  unhex("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		SMI: unhex("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
		SMC: unhex("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"),
	}
	keys, _ := v.DeriveKeys(issuer, "1234567890123456", "00")
	ctx := cryptogram.ScriptContext{ATC: unhex("0FFF"), AC: unhex("769577B5ABE9FE62")}
	cmd, _ := v.ScriptCommand(keys, ctx, [4]byte{0x84, 0x18, 0x00, 0x00}, nil, false)
	fmt.Printf("%X\n", cmd)
	_, _, err := v.OpenScriptCommand(keys, ctx, cmd, false)
	fmt.Println("card accepts:", err == nil)
	// Output:
	// 8418000008B5CB29759F9C3919
	// card accepts: true
}
