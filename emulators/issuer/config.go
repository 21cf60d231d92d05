package issuer

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// Config is one issuer host: what fixtures/issuers/<name>.yaml describes,
// decoded and checked. Build one in Go or with LoadConfig / ParseConfig,
// then pass it to New with WithConfig.
type Config struct {
	Name string
	// Currency is the accounts' currency, ISO 4217 numeric (n3); default 978.
	Currency string
	// PINKey is the TEST KEY (triple DES, 16 bytes) that enciphers the
	// ISO 9564-1 format 0 PIN blocks of DE 52; nil: a DE 52 cannot verify.
	PINKey   []byte
	BINs     []BIN
	Accounts []Account
	Cards    []CardKeys
	Scripts  []ScriptRule
}

// BIN is a range of PANs of this issuer: its scheme (for totals) and the
// keys that check the ARQC of a PAN no card profile personalises.
type BIN struct {
	// Low and High bound the PAN prefix of len(Low) digits, inclusive; a
	// single prefix has High == Low.
	Low, High string
	Scheme    string
	// Keys (PAN and PSN empty) verify ARQCs of PANs of the range that have
	// no CardKeys of their own; nil: those ARQCs fail, unless KeysUnknown.
	Keys *CardKeys
	// KeysUnknown says the issuer does not hold the range's keys — a lab's
	// real test cards, personalised by someone else. The ARQC of a PAN of
	// the range without CardKeys is then recorded as not checked (never as
	// verified) and the request decided on the account alone; the answer
	// carries no ARPC, so the card sees no issuer authentication.
	KeysUnknown bool
}

// Contains reports whether pan falls in the range.
func (b BIN) Contains(pan string) bool {
	if len(pan) < len(b.Low) {
		return false
	}
	p := pan[:len(b.Low)]
	return p >= b.Low && p <= b.High
}

// ParseBIN reads "476173" (a prefix) or "400000-499999" (a range of
// equal-length prefixes).
func ParseBIN(s string) (BIN, error) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	if !isDigits(lo) || !isDigits(hi) || len(lo) != len(hi) || len(lo) > 19 || lo > hi {
		return BIN{}, fmt.Errorf("parse BIN range %q: want digits or two equal-length digit prefixes low-high", s)
	}
	return BIN{Low: lo, High: hi}, nil
}

// configFile is the YAML form (fixtures/issuers/README.md).
type configFile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Currency    string `yaml:"currency"`
	PINKey      struct {
		Note string `yaml:"note"`
		Key  string `yaml:"key"`
	} `yaml:"pin_key"`
	Profiles []string `yaml:"profiles"`
	BINs     []struct {
		Range   string `yaml:"range"`
		Scheme  string `yaml:"scheme"`
		Profile string `yaml:"profile"`
		Keys    string `yaml:"keys"` // "unknown": see BIN.KeysUnknown
	} `yaml:"bins"`
	Accounts []struct {
		PAN        string `yaml:"pan"`
		Balance    int64  `yaml:"balance"`
		Status     string `yaml:"status"`
		TxnLimit   int64  `yaml:"txn_limit"`
		DailyLimit int64  `yaml:"daily_limit"`
		Expiry     string `yaml:"expiry"`
		PIN        string `yaml:"pin"`
		Note       string `yaml:"note"`
	} `yaml:"accounts"`
	Scripts []struct {
		Name     string `yaml:"name"`
		PAN      string `yaml:"pan"`
		Amount   int64  `yaml:"amount"`
		Template int    `yaml:"template"`
		Commands []struct {
			Command  string `yaml:"command"`
			PIN      string `yaml:"pin"`
			Tag      string `yaml:"tag"`
			Value    string `yaml:"value"`
			Header   string `yaml:"header"`
			Data     string `yaml:"data"`
			Encipher bool   `yaml:"encipher"`
			BadMAC   bool   `yaml:"bad_mac"`
		} `yaml:"commands"`
	} `yaml:"scripts"`
}

// ConfigError reports an invalid field of an issuer configuration.
type ConfigError struct {
	Config, Field, Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("issuer config %s: %s: %s", e.Config, e.Field, e.Reason)
}

// LoadConfig reads fixtures/issuers/<name>.yaml from the embedded fixtures,
// with the card profiles it names from fixtures/cards.
func LoadConfig(name string) (*Config, error) {
	return LoadConfigFS(fixtures.FS, name)
}

// LoadConfigFS is LoadConfig on another fixtures tree (a lab's folder,
// os.DirFS): issuers/<name>.yaml and cards/<profile>.yaml.
func LoadConfigFS(fsys fs.FS, name string) (*Config, error) {
	b, err := fs.ReadFile(fsys, "issuers/"+name+".yaml")
	if err != nil {
		return nil, fmt.Errorf("load issuer config: %w", err)
	}
	return parseConfig(fsys, name, b)
}

// ParseConfig decodes an issuer configuration (strictly: an unknown key is
// an error); its profiles come from the embedded fixtures/cards.
func ParseConfig(name string, data []byte) (*Config, error) {
	return parseConfig(fixtures.FS, name, data)
}

func parseConfig(fsys fs.FS, name string, data []byte) (*Config, error) {
	var f configFile
	if err := fixtures.Unmarshal(name, data, &f); err != nil {
		return nil, fmt.Errorf("parse issuer config: %w", err)
	}
	if f.Name == "" {
		f.Name = name
	}
	bad := func(field, reason string) error { return &ConfigError{f.Name, field, reason} }
	cfg := &Config{Name: f.Name, Currency: f.Currency}
	if cfg.Currency == "" {
		cfg.Currency = "978"
	}
	if len(cfg.Currency) != 3 || !isDigits(cfg.Currency) {
		return nil, bad("currency", "want ISO 4217 numeric, 3 digits")
	}
	if f.PINKey.Key != "" {
		if !strings.Contains(f.PINKey.Note, "TEST KEY") {
			return nil, bad("pin_key.note", `the PIN key must be marked "TEST KEY"`)
		}
		k, err := hexField(f.PINKey.Key)
		if err != nil || len(k) != 16 {
			return nil, bad("pin_key.key", "want a 16-byte TEST KEY in hex")
		}
		cfg.PINKey = k
	}
	profiles := map[string][]CardKeys{}
	for i, p := range f.Profiles {
		keys, err := profileKeysFS(fsys, p)
		if err != nil {
			return nil, bad(fmt.Sprintf("profiles[%d]", i), err.Error())
		}
		profiles[p] = keys
		cfg.Cards = append(cfg.Cards, keys...)
	}
	for i, b := range f.BINs {
		field := func(s string) string { return fmt.Sprintf("bins[%d].%s", i, s) }
		r, err := ParseBIN(b.Range)
		if err != nil {
			return nil, bad(field("range"), err.Error())
		}
		r.Scheme = b.Scheme
		switch b.Keys {
		case "":
		case "unknown":
			if b.Profile != "" {
				return nil, bad(field("keys"), "unknown keys and a key profile contradict each other")
			}
			r.KeysUnknown = true
		default:
			return nil, bad(field("keys"), `want "unknown" or nothing`)
		}
		if b.Profile != "" {
			keys, ok := profiles[b.Profile]
			if !ok {
				if keys, err = profileKeysFS(fsys, b.Profile); err != nil {
					return nil, bad(field("profile"), err.Error())
				}
			}
			k := keys[0]
			k.PAN, k.PSN = "", ""
			r.Keys = &k
		}
		cfg.BINs = append(cfg.BINs, r)
	}
	seen := map[string]bool{}
	for i, a := range f.Accounts {
		field := func(s string) string { return fmt.Sprintf("accounts[%d].%s", i, s) }
		if !isDigits(a.PAN) || len(a.PAN) < 12 || len(a.PAN) > 19 {
			return nil, bad(field("pan"), "want 12 to 19 digits")
		}
		if seen[a.PAN] {
			return nil, bad(field("pan"), "duplicate account "+emv.MaskPAN(a.PAN))
		}
		seen[a.PAN] = true
		st := Status(a.Status)
		switch st {
		case "":
			st = Active
		case Active, Blocked, Lost, Stolen, Expired:
		default:
			return nil, bad(field("status"), "want active, blocked, lost, stolen or expired")
		}
		if a.Balance < 0 || a.TxnLimit < 0 || a.DailyLimit < 0 {
			return nil, bad(field("balance"), "amounts are not negative")
		}
		if a.Expiry != "" && (len(a.Expiry) != 4 || !isDigits(a.Expiry) || a.Expiry[2:] < "01" || a.Expiry[2:] > "12") {
			return nil, bad(field("expiry"), "want YYMM")
		}
		if a.PIN != "" && (len(a.PIN) < 4 || len(a.PIN) > 12 || !isDigits(a.PIN)) {
			return nil, bad(field("pin"), "want 4 to 12 digits")
		}
		cfg.Accounts = append(cfg.Accounts, Account{PAN: a.PAN, Balance: a.Balance, Status: st,
			TxnLimit: a.TxnLimit, DailyLimit: a.DailyLimit, Expiry: a.Expiry, PIN: a.PIN})
	}
	for i, s := range f.Scripts {
		field := func(x string) string { return fmt.Sprintf("scripts[%d].%s", i, x) }
		r := ScriptRule{Name: s.Name, PAN: s.PAN, Amount: s.Amount}
		switch s.Template {
		case 71:
			r.Template = 0x71
		case 72:
			r.Template = 0x72
		default:
			return nil, bad(field("template"), "71 or 72")
		}
		if s.PAN != "" && !isDigits(s.PAN) {
			return nil, bad(field("pan"), "want digits")
		}
		if len(s.Commands) == 0 {
			return nil, bad(field("commands"), "at least one command")
		}
		for j, c := range s.Commands {
			cmd, err := parseScriptCommand(c.Command, c.PIN, c.Tag, c.Value, c.Header, c.Data, c.Encipher)
			if err != nil {
				return nil, bad(field(fmt.Sprintf("commands[%d]", j)), err.Error())
			}
			cmd.BadMAC = c.BadMAC
			r.Commands = append(r.Commands, cmd)
		}
		cfg.Scripts = append(cfg.Scripts, r)
	}
	return cfg, nil
}

// parseScriptCommand builds one script command from its YAML form.
func parseScriptCommand(kind, pin, tag, value, header, data string, encipher bool) (ScriptCommand, error) {
	sm := byte(emv.ClaSecureMessaging)
	switch kind {
	case "application-block": // EMV Book 3, 6.5.1
		return ScriptCommand{Header: [4]byte{sm, emv.InsApplicationBlock, 0, 0}}, nil
	case "application-unblock": // Book 3, 6.5.2
		return ScriptCommand{Header: [4]byte{sm, emv.InsApplicationUnblock, 0, 0}}, nil
	case "card-block": // Book 3, 6.5.3
		return ScriptCommand{Header: [4]byte{sm, emv.InsCardBlock, 0, 0}}, nil
	case "pin-unblock": // Book 3, 6.5.10, P2 00: reset the PIN try counter
		return ScriptCommand{Header: [4]byte{sm, emv.InsPINChangeUnblock, 0, 0}}, nil
	case "pin-change": // Book 3, 6.5.10, P2 02: new PIN without the current one
		if len(pin) < 4 || len(pin) > 12 || !isDigits(pin) {
			return ScriptCommand{}, errors.New("pin-change: pin: want 4 to 12 digits")
		}
		return ScriptCommand{Header: [4]byte{sm, emv.InsPINChangeUnblock, 0, 2}, NewPIN: pin}, nil
	case "put-data": // scheme PUT DATA, P1 P2 = the tag
		t, err := emv.ParseTag(tag)
		if err != nil || t > 0xFFFF {
			return ScriptCommand{}, errors.New("put-data: tag: want a one- or two-byte tag in hex")
		}
		v, err := hexField(value)
		if err != nil || len(v) == 0 {
			return ScriptCommand{}, errors.New("put-data: value: want hex")
		}
		return ScriptCommand{Header: [4]byte{sm, emv.InsPutData, byte(t >> 8), byte(t)}, Data: v, Encipher: encipher}, nil
	case "raw":
		h, err := hexField(header)
		if err != nil || len(h) != 4 {
			return ScriptCommand{}, errors.New("raw: header: want CLA INS P1 P2, 4 bytes of hex")
		}
		d, err := hexField(data)
		if err != nil {
			return ScriptCommand{}, errors.New("raw: data: want hex")
		}
		return ScriptCommand{Header: [4]byte(h), Data: d, Encipher: encipher}, nil
	}
	return ScriptCommand{}, fmt.Errorf("command %q: want application-block, application-unblock, card-block, pin-unblock, pin-change, put-data or raw", kind)
}

// CardKeys are the issuer master keys (TEST KEYS) and cryptogram version
// that verify the ARQCs of one card application.
type CardKeys struct {
	Profile string // the card profile they come from, for evidence
	PAN     string // "" in a BIN's default keys
	PSN     string // two digits; "" = any PAN sequence number
	CVN     int
	IMK     cryptogram.Keys
}

// ProfileKeys reads the issuer side of fixtures/cards/<name>.yaml: the PAN,
// PAN sequence number, cryptogram version and issuer master keys of each
// application. The card emulator (emulators/card) validates the whole
// profile; an emulator does not import another, so this reads only the
// keys it needs.
func ProfileKeys(name string) ([]CardKeys, error) { return profileKeysFS(fixtures.FS, name) }

func profileKeysFS(fsys fs.FS, name string) ([]CardKeys, error) {
	b, err := fs.ReadFile(fsys, "cards/"+name+".yaml")
	if err != nil {
		return nil, fmt.Errorf("load card profile keys: %w", err)
	}
	return ParseProfileKeys(name, b)
}

// ParseProfileKeys is ProfileKeys on a profile's YAML.
func ParseProfileKeys(name string, data []byte) ([]CardKeys, error) {
	var doc map[string]any
	if err := fixtures.Unmarshal(name, data, &doc); err != nil {
		return nil, fmt.Errorf("parse card profile keys: %w", err)
	}
	apps, _ := doc["applications"].([]any)
	if len(apps) == 0 {
		return nil, fmt.Errorf("parse card profile keys %s: no applications", name)
	}
	var out []CardKeys
	for i, x := range apps {
		a, _ := x.(map[string]any)
		bad := func(field, reason string) error {
			return fmt.Errorf("parse card profile keys %s: applications[%d].%s: %s", name, i, field, reason)
		}
		k := CardKeys{Profile: name, PAN: scalar(a["pan"]), PSN: scalar(a["psn"])}
		if !isDigits(k.PAN) || len(k.PAN) < 12 || len(k.PAN) > 19 {
			return nil, bad("pan", "want 12 to 19 digits")
		}
		if k.PSN == "" {
			k.PSN = "00" // absent 5F34: 00 for key derivation (EMV Book 2, A1.4)
		}
		if len(k.PSN) != 2 || !isDigits(k.PSN) {
			return nil, bad("psn", "want 2 digits")
		}
		c, _ := a["cryptogram"].(map[string]any)
		if !strings.Contains(scalar(c["note"]), "TEST KEY") {
			return nil, bad("cryptogram.note", `the issuer master keys must be marked "TEST KEY"`)
		}
		cvn, err := strconv.Atoi(scalar(c["cvn"]))
		if err != nil {
			return nil, bad("cryptogram.cvn", "want a number")
		}
		k.CVN = cvn
		if _, err := cryptogram.VersionByNumber(k.CVN); err != nil {
			return nil, bad("cryptogram.cvn", err.Error())
		}
		for _, f := range []struct {
			dst  *[]byte
			name string
		}{{&k.IMK.AC, "imk_ac"}, {&k.IMK.SMI, "imk_smi"}, {&k.IMK.SMC, "imk_smc"}} {
			v, err := hexField(scalar(c[f.name]))
			if err != nil || len(v) != 16 {
				return nil, bad("cryptogram."+f.name, "want a 16-byte TEST KEY in hex")
			}
			*f.dst = v
		}
		out = append(out, k)
	}
	return out, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func hexField(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return nil, errors.New("not hex")
	}
	return b, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
