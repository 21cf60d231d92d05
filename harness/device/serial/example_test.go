package serial_test

import (
	"fmt"

	"github.com/paylab/paylab/harness/device/serial"
)

// A payment code never reaches a log whole.
func ExampleMask() {
	fmt.Println(serial.Mask("281234567890123456"))
	// Output: 281234********3456
}

func ExampleAIMSymbology() {
	fmt.Println(serial.AIMSymbology("]Q1"))
	// Output: QR Code
}

// Opening a lab scanner; without one attached this reports the error.
func ExampleOpen() {
	s, err := serial.Open("/dev/ttyACM-none",
		serial.WithBaud(115200), serial.WithSuffix(serial.SuffixCRLF), serial.WithAIM())
	if err != nil {
		fmt.Println("no scanner")
		return
	}
	defer s.Close()
	// Output: no scanner
}
