package trace_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/paylab/paylab/harness/trace"
)

func Example() {
	r := trace.New()
	at := time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)
	b := func(s string) []byte { x, _ := hex.DecodeString(s); return x }

	// READ RECORD SFI 1 record 1: a record with the PAN and the cardholder
	// name. Then a plaintext PIN VERIFY.
	r.APDU("read", b("00B2010C00"), b("701A5A084761739001010119"+"5F200D"+hex.EncodeToString([]byte("PAYLAB/CARDHO"))+"9000"), at)
	r.APDU("cvm", b("0020008008241234FFFFFFFFFF"), b("9000"), at.Add(12*time.Millisecond))
	if err := r.Render(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// #1 +0.000s [read] READ RECORD SFI 1 record 1
	//   C-APDU 00B2010C00
	//   R-APDU 701A5A08****************5F200D**************************9000
	//   SW     9000 normal processing
	//     70 [26] READ RECORD Response Message Template
	//       5A [8] Application Primary Account Number (PAN): 476173******0119
	//       5F20 [13] Cardholder Name: ****
	// #2 +0.012s [cvm] VERIFY plaintext PIN
	//   C-APDU 0020008008****************
	//     PIN data: ****
	//   R-APDU 9000
	//   SW     9000 normal processing
}
