package emv_test

import (
	"encoding/hex"
	"fmt"

	"github.com/paylab/paylab/harness/emv"
)

// A GET PROCESSING OPTIONS response in format 2: template 77 holding the
// Application Interchange Profile (82) and the Application File Locator (94),
// then the status word.
func ExampleDecode() {
	rapdu, _ := hex.DecodeString("770E8202198094080801010010010301" + "9000")
	resp, err := emv.ParseResponse(rapdu)
	if err != nil {
		fmt.Println(err)
		return
	}
	objs, err := emv.Decode(resp.Data)
	if err != nil {
		fmt.Println(err)
		return
	}
	var show func(objs []emv.TLV, indent string)
	show = func(objs []emv.TLV, indent string) {
		for _, o := range objs {
			if o.Tag.Constructed() {
				fmt.Printf("%s%s\n", indent, o.Tag)
				show(o.Children, indent+"  ")
				continue
			}
			fmt.Printf("%s%s %X\n", indent, o.Tag, o.Value)
		}
	}
	show(objs, "")
	afl, _ := emv.Find(objs, emv.TagAFL)
	fmt.Printf("AFL entries: %d, status %v\n", len(afl.Value)/4, resp.Status())
	// Output:
	// 77
	//   82 1980
	//   94 0801010010010301
	// AFL entries: 2, status 9000 normal processing
}

// Building the CDOL1-related data of a GENERATE AC from the terminal's
// data: the 6-byte amount the card asks for only 4 bytes of is cut on the
// left (format n), the unpredictable number nobody supplied is zeroes.
func ExampleBuildDOL() {
	cdol1, _ := hex.DecodeString("9F0204" + "5F2A02" + "9F3704")
	dol, err := emv.ParseDOL(cdol1)
	if err != nil {
		fmt.Println(err)
		return
	}
	terminal := emv.TagValues{
		emv.TagAmount:       {0x00, 0x00, 0x00, 0x01, 0x23, 0x45},
		emv.TagCurrencyCode: {0x08, 0x40},
	}
	data := emv.BuildDOL(dol, terminal.Get)
	cmd, _ := emv.GenerateAC(emv.RefControlARQC, data).Encode()
	fmt.Printf("%X\n%X\n", data, cmd)
	// Output:
	// 00012345084000000000
	// 80AE80000A0001234508400000000000
}

// Walk visits every data object without allocating.
func ExampleWalk() {
	fci, _ := hex.DecodeString("6F1A840E315041592E5359532E4444463031A5088801015F2D02656E")
	_ = emv.Walk(fci, func(tag emv.Tag, value []byte, constructed bool) error {
		if tag == 0x88 {
			fmt.Printf("directory SFI %d\n", value[0])
		}
		return nil
	})
	// Output: directory SFI 1
}
