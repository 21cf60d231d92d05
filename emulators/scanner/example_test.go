//go:build linux

package scanner_test

import (
	"context"
	"fmt"
	"time"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/harness/device/serial"
)

// An emulated scanner on a pseudo-terminal, read by the real serial driver.
func Example() {
	emu, err := scanner.New(scanner.Config{Baud: 115200, AIM: "]Q1", Suffix: "\r\n"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Close()

	drv, err := serial.Open(emu.Path(), serial.WithBaud(115200), serial.WithAIM(), serial.WithSuffix(serial.SuffixCRLF))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go emu.SendTwice(ctx, "281234567890123456") // a double read

	for range 2 {
		c, err := drv.ScanCode(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Symbology, serial.Mask(c.Text))
	}
	// Output:
	// QR Code 281234********3456
	// QR Code 281234********3456
}
