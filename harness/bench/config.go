package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paylab/paylab/fixtures"
)

// Config is a bench file. The zero values of its parts mean "emulated".
type Config struct {
	Name    string        `yaml:"name"`
	Reader  ReaderConfig  `yaml:"reader"`
	Scanner ScannerConfig `yaml:"scanner"`
	Hosts   HostsConfig   `yaml:"hosts"`
}

// ReaderConfig names the card reader: driver virtual (an emulated card in
// process) or pcsc (a PC/SC reader by name).
type ReaderConfig struct {
	Driver  string `yaml:"driver"`
	Name    string `yaml:"name"`
	Profile string `yaml:"profile"`
	// Cards are the physical test cards the lab's operator inserts when a
	// scenario asks for one (HOST.LAB); none: the flow's default card.
	Cards []LabCard `yaml:"cards"`
}

// LabCard is a physical test card of the bench.
type LabCard struct {
	// Label is how the operator is told which card to insert ("Visa test
	// card 03, blue"); never the PAN.
	Label string `yaml:"label"`
	// Issuer is the fixtures/issuers configuration that holds its account
	// (and declares its keys unknown when the lab does not hold them).
	Issuer string `yaml:"issuer"`
	// PIN is the card's test PIN, entered at the PIN pad prompt.
	PIN string `yaml:"pin"`
	// Wait is how long a scenario waits for the card (default 2m).
	Wait time.Duration `yaml:"wait"`
	// Reader is the PC/SC reader the card goes into (default: the bench's).
	Reader string `yaml:"reader"`
	// Emulate names a fixtures/cards profile that paylab itself serves in
	// the operator's stead (the emulated and pcsc benches; CI): on the
	// bench's card path, or, with VPCD, inserted into that vsmartcard vpcd
	// slot (host:port) after the prompt, so that the run waits for a card
	// in Reader as it would for a person.
	Emulate string `yaml:"emulate"`
	VPCD    string `yaml:"vpcd"`
}

// ScannerConfig names the QR/barcode scanner: driver virtual or serial.
type ScannerConfig struct {
	Driver string `yaml:"driver"`
	Port   string `yaml:"port"`
	Baud   int    `yaml:"baud"`
	Suffix string `yaml:"suffix"`
}

// HostsConfig says where the acquirer, issuer and wallet hosts run.
type HostsConfig struct {
	Mode string `yaml:"mode"` // in-process (default) | process | container | external
}

// LoadConfig reads and checks a bench file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load bench: %w", err)
	}
	return ParseConfig(path, b)
}

// ParseConfig reads and checks a bench file's bytes; path names it in
// errors and, without a name: field, names the bench.
func ParseConfig(path string, b []byte) (Config, error) {
	var c Config
	if err := fixtures.Unmarshal(path, b, &c); err != nil {
		return c, fmt.Errorf("load bench: %w", err)
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if c.Reader.Driver == "" {
		c.Reader.Driver = "virtual"
	}
	if c.Scanner.Driver == "" {
		c.Scanner.Driver = "virtual"
	}
	if c.Hosts.Mode == "" {
		c.Hosts.Mode = "in-process"
	}
	if err := oneOf("reader driver", c.Reader.Driver, "virtual", "pcsc"); err != nil {
		return err
	}
	for i := range c.Reader.Cards {
		lc := &c.Reader.Cards[i]
		if lc.Label == "" || lc.Issuer == "" {
			return fmt.Errorf("load bench: reader.cards[%d]: label and issuer are required", i)
		}
		if lc.Emulate == "" && c.Reader.Driver != "pcsc" {
			return fmt.Errorf("load bench: reader.cards[%d]: a physical card needs a pcsc reader (or emulate: PROFILE)", i)
		}
		if lc.VPCD != "" && (lc.Emulate == "" || c.Reader.Driver != "pcsc") {
			return fmt.Errorf("load bench: reader.cards[%d]: vpcd needs emulate: PROFILE and a pcsc reader", i)
		}
		if lc.Reader == "" {
			lc.Reader = c.Reader.Name
		}
		if lc.Wait == 0 {
			lc.Wait = 2 * time.Minute
		}
	}
	if err := oneOf("scanner driver", c.Scanner.Driver, "virtual", "serial"); err != nil {
		return err
	}
	return oneOf("hosts mode", c.Hosts.Mode, "in-process", "process", "container", "external")
}

func oneOf(what, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("load bench: %s %q: want one of %s", what, v, strings.Join(allowed, ", "))
}
