package terminal

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

// DefaultProfile is the terminal profile DefaultConfig loads.
const DefaultProfile = "terminals/default.yaml"

// Config is a terminal's EMV configuration: the terminal-sourced data
// elements of EMV Book 3, Annex A and Book 4, the supported applications with
// their risk management parameters and Terminal Action Codes, and the keys
// offline data authentication needs (EMV Book 2, 11.2).
type Config struct {
	Name             string
	TerminalType     emv.TerminalType // 9F35
	Capabilities     emv.TermCaps     // 9F33
	AddCapabilities  emv.AddTermCaps  // 9F40
	Country          [2]byte          // 9F1A, n3
	Currency         [2]byte          // 5F2A, n3
	CurrencyExponent byte             // 5F36
	MerchantCategory [2]byte          // 9F15
	MerchantID       string           // 9F16
	TerminalID       string           // 9F1C
	MerchantName     string           // 9F4E
	AcquirerID       []byte           // 9F01
	IFDSerial        string           // 9F1E
	Applications     []Application
	// ExceptionFile lists PANs (digits) the terminal refuses (Book 3, 10.6.1
	// note: the exception file check of terminal risk management).
	ExceptionFile []string
	CAKeys        *oda.CAKeys
	Revocations   *oda.RevocationList
}

// Application is one AID the terminal supports, with the parameters the
// acquirer sets per application (EMV Book 1, 12.3.1; Book 3, 10.6, 10.7).
type Application struct {
	AID              []byte // 9F06
	Label            string
	PartialSelection bool    // Book 1, 12.3.1: the ASI allows a longer DF name
	Version          [2]byte // 9F09
	FloorLimit       uint64  // 9F1B, minor units
	// Random transaction selection (Book 3, 10.6.2).
	Threshold        uint64
	TargetPercent    int
	MaxTargetPercent int
	TACDenial        emv.TVR
	TACOnline        emv.TVR
	TACDefault       emv.TVR
	DefaultDDOL      emv.DOL
	DefaultTDOL      emv.DOL
}

// configFile is the YAML shape of fixtures/terminals/*.yaml: every binary
// value in hex.
type configFile struct {
	Name                   string    `yaml:"name"`
	TerminalType           string    `yaml:"terminal_type"`
	Capabilities           string    `yaml:"capabilities"`
	AdditionalCapabilities string    `yaml:"additional_capabilities"`
	Country                string    `yaml:"country"`
	Currency               string    `yaml:"currency"`
	CurrencyExponent       int       `yaml:"currency_exponent"`
	Merchant               merchant  `yaml:"merchant"`
	IFDSerial              string    `yaml:"ifd_serial"`
	CAKeys                 string    `yaml:"ca_keys"`
	Revocations            []string  `yaml:"revocations"`
	ExceptionFile          []string  `yaml:"exception_file"`
	Applications           []appYAML `yaml:"applications"`
}

type merchant struct {
	Category     string `yaml:"category"`
	ID           string `yaml:"id"`
	TerminalID   string `yaml:"terminal_id"`
	NameLocation string `yaml:"name_location"`
	AcquirerID   string `yaml:"acquirer_id"`
}

type appYAML struct {
	AID              string `yaml:"aid"`
	Label            string `yaml:"label"`
	PartialSelection bool   `yaml:"partial_selection"`
	Version          string `yaml:"version"`
	FloorLimit       uint64 `yaml:"floor_limit"`
	RandomSelection  struct {
		Threshold        uint64 `yaml:"threshold"`
		TargetPercent    int    `yaml:"target_percent"`
		MaxTargetPercent int    `yaml:"max_target_percent"`
	} `yaml:"random_selection"`
	TAC struct {
		Denial  string `yaml:"denial"`
		Online  string `yaml:"online"`
		Default string `yaml:"default"`
	} `yaml:"tac"`
	DefaultDDOL string `yaml:"default_ddol"`
	DefaultTDOL string `yaml:"default_tdol"`
}

// DefaultConfig loads DefaultProfile from the embedded fixtures.
func DefaultConfig() (*Config, error) {
	return LoadConfig(fixtures.FS, DefaultProfile)
}

// LoadConfig reads a terminal profile from fsys strictly (unknown keys are
// errors) and resolves its key sources. The source "pki" names the harness
// test authority embedded in fixtures/pki.
func LoadConfig(fsys fs.FS, path string) (*Config, error) {
	var f configFile
	if err := fixtures.Load(fsys, path, &f); err != nil {
		return nil, fmt.Errorf("load terminal config: %w", err)
	}
	c, err := f.config()
	if err != nil {
		return nil, fmt.Errorf("load terminal config %s: %w", path, err)
	}
	return c, nil
}

func (f *configFile) config() (*Config, error) {
	c := &Config{Name: f.Name, MerchantID: f.Merchant.ID, TerminalID: f.Merchant.TerminalID,
		MerchantName: f.Merchant.NameLocation, IFDSerial: f.IFDSerial, ExceptionFile: f.ExceptionFile}
	var tt [1]byte
	fields := []struct {
		name string
		hex  string
		dst  []byte
	}{
		{"terminal_type", f.TerminalType, tt[:]},
		{"capabilities", f.Capabilities, c.Capabilities[:]},
		{"additional_capabilities", f.AdditionalCapabilities, c.AddCapabilities[:]},
		{"country", f.Country, c.Country[:]},
		{"currency", f.Currency, c.Currency[:]},
		{"merchant.category", f.Merchant.Category, c.MerchantCategory[:]},
	}
	for _, fl := range fields {
		if err := fixedHex(fl.name, fl.hex, fl.dst); err != nil {
			return nil, err
		}
	}
	c.TerminalType = emv.TerminalType(tt[0])
	if !c.TerminalType.Valid() {
		return nil, fmt.Errorf("terminal_type %s: not a Book 4 Table value", f.TerminalType)
	}
	if f.CurrencyExponent < 0 || f.CurrencyExponent > 9 {
		return nil, fmt.Errorf("currency_exponent %d: out of range", f.CurrencyExponent)
	}
	c.CurrencyExponent = byte(f.CurrencyExponent)
	if f.Merchant.AcquirerID != "" {
		b, err := hex.DecodeString(f.Merchant.AcquirerID)
		if err != nil || len(b) != 6 {
			return nil, fmt.Errorf("merchant.acquirer_id: want 12 hex digits (n 6-11 BCD)")
		}
		c.AcquirerID = b
	}
	for _, pan := range f.ExceptionFile {
		if _, err := oda.PANField(pan); err != nil {
			return nil, fmt.Errorf("exception_file: %w", err)
		}
	}
	if len(f.Applications) == 0 {
		return nil, fmt.Errorf("applications: none")
	}
	for i, a := range f.Applications {
		app, err := a.application()
		if err != nil {
			return nil, fmt.Errorf("applications[%d]: %w", i, err)
		}
		if _, dup := c.Application(app.AID); dup {
			return nil, fmt.Errorf("applications[%d]: AID %X listed twice", i, app.AID)
		}
		c.Applications = append(c.Applications, app)
	}
	var auth *pki.Authority
	loadAuthority := func() (*pki.Authority, error) {
		if auth != nil {
			return auth, nil
		}
		sub, err := fs.Sub(fixtures.FS, "pki")
		if err != nil {
			return nil, err
		}
		auth, err = pki.LoadFS(sub)
		return auth, err
	}
	switch f.CAKeys {
	case "pki":
		a, err := loadAuthority()
		if err != nil {
			return nil, fmt.Errorf("ca_keys: %w", err)
		}
		c.CAKeys = a.TerminalKeys()
	case "", "none":
		c.CAKeys = oda.NewCAKeys()
	default:
		return nil, fmt.Errorf("ca_keys %q: unknown source (want pki or none)", f.CAKeys)
	}
	c.Revocations = &oda.RevocationList{}
	for _, r := range f.Revocations {
		if r == "pki" {
			a, err := loadAuthority()
			if err != nil {
				return nil, fmt.Errorf("revocations: %w", err)
			}
			for _, rv := range a.Revoked {
				c.Revocations.Add(rv.RID, rv.Index, rv.Serial)
			}
			continue
		}
		rid, idx, serial, err := oda.ParseRevocationEntry(r)
		if err != nil {
			return nil, fmt.Errorf("revocations: %w", err)
		}
		c.Revocations.Add(rid, idx, serial)
	}
	return c, nil
}

func (a appYAML) application() (Application, error) {
	app := Application{Label: a.Label, PartialSelection: a.PartialSelection, FloorLimit: a.FloorLimit,
		Threshold: a.RandomSelection.Threshold, TargetPercent: a.RandomSelection.TargetPercent,
		MaxTargetPercent: a.RandomSelection.MaxTargetPercent}
	aid, err := hex.DecodeString(a.AID)
	if err != nil || len(aid) < 5 || len(aid) > 16 {
		return app, fmt.Errorf("aid %q: want 5 to 16 bytes of hex (Book 1, 12.2.1)", a.AID)
	}
	app.AID = aid
	for _, fl := range []struct {
		name, hex string
		dst       []byte
	}{
		{"version", a.Version, app.Version[:]},
		{"tac.denial", a.TAC.Denial, app.TACDenial[:]},
		{"tac.online", a.TAC.Online, app.TACOnline[:]},
		{"tac.default", a.TAC.Default, app.TACDefault[:]},
	} {
		if err := fixedHex(fl.name, fl.hex, fl.dst); err != nil {
			return app, err
		}
	}
	// Book 3, 10.6.2: 0 <= target <= maximum target <= 99.
	if a.RandomSelection.TargetPercent < 0 || a.RandomSelection.MaxTargetPercent > 99 ||
		a.RandomSelection.TargetPercent > a.RandomSelection.MaxTargetPercent {
		return app, fmt.Errorf("random_selection: want 0 <= target_percent <= max_target_percent <= 99")
	}
	if a.FloorLimit > 0 && a.RandomSelection.Threshold > a.FloorLimit {
		return app, fmt.Errorf("random_selection: threshold above the floor limit")
	}
	for _, d := range []struct {
		name, hex string
		dst       *emv.DOL
	}{{"default_ddol", a.DefaultDDOL, &app.DefaultDDOL}, {"default_tdol", a.DefaultTDOL, &app.DefaultTDOL}} {
		if d.hex == "" {
			continue
		}
		b, err := hex.DecodeString(d.hex)
		if err != nil {
			return app, fmt.Errorf("%s: %w", d.name, err)
		}
		if *d.dst, err = emv.ParseDOL(b); err != nil {
			return app, fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return app, nil
}

func fixedHex(name, s string, dst []byte) error {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil || len(b) != len(dst) {
		return fmt.Errorf("%s %q: want %d bytes of hex", name, s, len(dst))
	}
	copy(dst, b)
	return nil
}

// Application returns the configured application whose AID equals aid.
func (c *Config) Application(aid []byte) (Application, bool) {
	for _, a := range c.Applications {
		if bytes.Equal(a.AID, aid) {
			return a, true
		}
	}
	return Application{}, false
}
