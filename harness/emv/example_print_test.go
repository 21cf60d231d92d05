package emv_test

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/paylab/paylab/harness/emv"
)

// A terminal builds its TVR bit by bit; a test asserts on named bits.
func ExampleTVR() {
	var tvr emv.TVR
	tvr.Set(emv.TVROfflineDataAuthNotPerformed, emv.TVRFloorLimitExceeded)
	fmt.Printf("%X\n", tvr[:])
	fmt.Println(tvr.Has(emv.TVRFloorLimitExceeded), tvr.Has(emv.TVRSDAFailed))
	for _, bit := range tvr.Bits() {
		fmt.Println(bit)
	}
	// Output:
	// 8000008000
	// true false
	// Offline data authentication was not performed
	// Transaction exceeds floor limit
}

// A READ RECORD response and a TVR, decoded and printed with the PAN and
// track 2 masked.
func ExampleFprint() {
	raw, _ := hex.DecodeString("7029" +
		"5A084761739001010010" +
		"5F24032212315F3401015F2D02656E" +
		"8E0E000000000000000042031E031F00" +
		"95058000048000")
	objs, err := emv.Decode(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = emv.Fprint(os.Stdout, objs, emv.PrintOptions{})
	// Output:
	// 70 [41] READ RECORD Response Message Template
	//   5A [8] Application Primary Account Number (PAN): 476173******0010
	//   5F24 [3] Application Expiration Date: 221231 (2022-12-31)
	//   5F34 [1] Application PAN Sequence Number: 01
	//   5F2D [2] Language Preference: 656E "en"
	//   8E [14] Cardholder Verification Method (CVM) List: 000000000000000042031E031F00
	//     - X=0 Y=0
	//     - 42 03 Enciphered PIN verified online, If terminal supports the CVM, else next rule
	//     - 1E 03 Signature, If terminal supports the CVM, else fail
	//     - 1F 00 No CVM required, Always, else fail
	// 95 [5] Terminal Verification Results (TVR): 8000048000
	//   - Offline data authentication was not performed
	//   - Online PIN entered (Online CVM captured)
	//   - Transaction exceeds floor limit
}

func ExampleParseCVMList() {
	v, _ := hex.DecodeString("000027100000000044064107" + "1F03")
	l, err := emv.ParseCVMList(v)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l)
	// Output:
	// X=10000 Y=0
	// 44 06 Enciphered PIN verification performed by ICC, If transaction is in the application currency and is under X value, else next rule
	// 41 07 Plaintext PIN verification performed by ICC, If transaction is in the application currency and is over X value, else next rule
	// 1F 03 No CVM required, If terminal supports the CVM, else fail
}

func ExampleMaskPAN() {
	fmt.Println(emv.MaskPAN("4761739001010010"))
	fmt.Println(emv.MaskTrack2("4761739001010010=22122011143804400000"))
	fmt.Println(emv.MaskValue(0x5F20, []byte("DOE/JOHN")))
	// Output:
	// 476173******0010
	// 476173******0010=********************
	// ****
}
