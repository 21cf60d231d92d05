package terminal_test

import (
	"fmt"

	"github.com/paylab/paylab/harness/terminal"
)

// The default terminal profile: an attended terminal that can go online,
// with the harness test authority's CA keys.
func ExampleDefaultConfig() {
	cfg, err := terminal.DefaultConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: type %02X, capabilities %X, %d CA keys\n", cfg.Name, byte(cfg.TerminalType), cfg.Capabilities[:], cfg.CAKeys.Len())
	for _, a := range cfg.Applications {
		fmt.Printf("%X %s partial=%v floor=%d TAC-Online=%X\n", a.AID, a.Label, a.PartialSelection, a.FloorLimit, a.TACOnline[:])
	}
	// Output:
	// default: type 22, capabilities E0F8C8, 4 CA keys
	// F0544553541010 PAYLAB CREDIT partial=true floor=10000 TAC-Online=DC4004F800
	// F0544553542010 PAYLAB DEBIT partial=false floor=0 TAC-Online=DC4004F800
	// F0544553544010 PAYLAB MC partial=true floor=10000 TAC-Online=DC4004F800
}
