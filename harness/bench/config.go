package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("load bench: %w", err)
	}
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
