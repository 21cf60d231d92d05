package card

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// Profile is one card as fixtures/cards/<name>.yaml describes it. Binary
// values are hex strings (spaces allowed); see fixtures/cards/README.md.
type Profile struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description"`
	ATR         string        `yaml:"atr"`
	PSE         bool          `yaml:"pse"`     // 1PAY.SYS.DDF01 present (EMV Book 1, 12.2.2)
	Blocked     bool          `yaml:"blocked"` // whole card blocked: SELECT answers 6A81
	Apps        []AppProfile  `yaml:"applications"`
	Faults      []FaultConfig `yaml:"faults"`
}

// AppProfile is one application (ADF) of a profile.
type AppProfile struct {
	AID           string `yaml:"aid"`
	Label         string `yaml:"label"`          // 50
	PreferredName string `yaml:"preferred_name"` // 9F12
	Priority      int    `yaml:"priority"`       // 87 (0 = absent); bit 8 = cardholder confirmation required
	Language      string `yaml:"language"`       // 5F2D
	Blocked       bool   `yaml:"blocked"`        // application blocked: SELECT answers 6283

	PDOL      string `yaml:"pdol"`
	GPOFormat int    `yaml:"gpo_format"` // 1 (tag 80) or 2 (tag 77); default 1
	ACFormat  int    `yaml:"ac_format"`  // GENERATE AC / INTERNAL AUTHENTICATE response format; CDA always uses 2
	AIP       string `yaml:"aip"`
	AUC       string `yaml:"auc"`
	CVMList   string `yaml:"cvm_list"`
	IAC       struct {
		Default string `yaml:"default"`
		Denial  string `yaml:"denial"`
		Online  string `yaml:"online"`
	} `yaml:"iac"`
	CDOL1 string `yaml:"cdol1"`
	CDOL2 string `yaml:"cdol2"`
	DDOL  string `yaml:"ddol"`
	TDOL  string `yaml:"tdol"`

	PAN            string `yaml:"pan"`
	PSN            string `yaml:"psn"`             // 5F34, two digits; "" = absent (00 for key derivation)
	Expiry         string `yaml:"expiry"`          // 5F24 YYMMDD
	Effective      string `yaml:"effective"`       // 5F25 YYMMDD, "" = absent
	ServiceCode    string `yaml:"service_code"`    // track 2 and 5F30
	CardholderName string `yaml:"cardholder_name"` // 5F20
	Track2         string `yaml:"track2"`          // "" = built from PAN, expiry and service code
	AppVersion     string `yaml:"app_version"`     // 9F08
	Currency       string `yaml:"currency"`        // 9F42 application currency code (n3)
	Country        string `yaml:"country"`         // 5F28 issuer country code (n3)

	LowerOfflineLimit int `yaml:"lower_offline_limit"` // 9F14; 0 = absent (no lower limit)
	UpperOfflineLimit int `yaml:"upper_offline_limit"` // 9F23; 0 = absent (no upper limit)

	// Extra data objects (tag → hex value) laid out in the signed records.
	Extra map[string]string `yaml:"extra"`
	// Omit names tags left out of the records (missing mandatory data).
	Omit []string `yaml:"omit"`
	// SDATagList adds 9F4A 82: the AIP enters the static data (EMV Book 2, 5.4).
	SDATagList bool `yaml:"sda_tag_list"`

	ODA struct {
		Variant         string `yaml:"variant"` // pki catalogue name, "" = good
		Issuer          string `yaml:"issuer"`  // pki issuer, "" = by PAN
		ICCKey          string `yaml:"icc_key"`
		PINEncipherment bool   `yaml:"pin_encipherment"`
		None            bool   `yaml:"none"` // no ODA objects at all
	} `yaml:"oda"`

	Cryptogram struct {
		CVN int    `yaml:"cvn"` // 10, 18, 22, 16, 17
		DKI string `yaml:"dki"` // derivation key index, default 01
		// Note must say "TEST KEY": a profile never holds a production key.
		Note string `yaml:"note"`
		// Issuer master keys, TEST KEYS only.
		IMKAC  string `yaml:"imk_ac"`
		IMKSMI string `yaml:"imk_smi"`
		IMKSMC string `yaml:"imk_smc"`
	} `yaml:"cryptogram"`

	PIN         string `yaml:"pin"`           // offline PIN, "" = none
	PINTryLimit int    `yaml:"pin_try_limit"` // default 3
	PINTries    *int   `yaml:"pin_tries"`     // initial counter, default the limit

	// ATC and LastOnlineATC set the initial counters; LastOnlineATC 0 is a
	// new card (Visa CVR "new card", EMV Book 3 10.6.3 for the terminal side).
	ATC                int  `yaml:"atc"`
	LastOnlineATC      int  `yaml:"last_online_atc"`
	ConsecutiveOffline int  `yaml:"consecutive_offline"`
	IssuerAuthRequired bool `yaml:"issuer_auth_required"` // 2nd GENERATE AC declines when issuer authentication failed or was not performed
	DeclineOffline     bool `yaml:"decline_offline"`      // card risk management always answers AAC to a TC request
	ForceOnline        bool `yaml:"force_online"`         // card risk management always answers ARQC to a TC request
}

// FaultConfig is a misbehaviour knob as written in a profile; see Fault.
type FaultConfig struct {
	INS             string `yaml:"ins"`        // hex INS the fault applies to
	P1              string `yaml:"p1"`         // optional hex P1 that must match too
	Occurrence      int    `yaml:"occurrence"` // 1-based; 0 = every occurrence
	SW              string `yaml:"sw"`         // answer this status word, no data
	Malformed       bool   `yaml:"malformed"`
	Duplicate       string `yaml:"duplicate"` // tag to duplicate in the response
	Remove          string `yaml:"remove"`    // tag to remove from the response
	WrongCryptogram bool   `yaml:"wrong_cryptogram"`
	GetResponse     bool   `yaml:"get_response"` // T=0: 61xx, data on GET RESPONSE
	WrongLe         bool   `yaml:"wrong_le"`     // T=0: 6Cxx unless Le is exact
}

// LoadProfile reads fixtures/cards/<name>.yaml from the embedded fixtures.
func LoadProfile(name string) (*Profile, error) {
	var p Profile
	if err := fixtures.Load(fixtures.FS, "cards/"+name+".yaml", &p); err != nil {
		return nil, fmt.Errorf("load card profile: %w", err)
	}
	if p.Name == "" {
		p.Name = name
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Profiles lists the names of the embedded profiles (fixtures/cards), sorted.
func Profiles() ([]string, error) {
	entries, err := fs.ReadDir(fixtures.FS, "cards")
	if err != nil {
		return nil, fmt.Errorf("list card profiles: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	return names, nil
}

// ParseProfile decodes a profile from YAML (strictly) and validates it.
func ParseProfile(name string, data []byte) (*Profile, error) {
	var p Profile
	if err := fixtures.Unmarshal(name, data, &p); err != nil {
		return nil, fmt.Errorf("parse card profile: %w", err)
	}
	if p.Name == "" {
		p.Name = name
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProfileError reports an invalid profile field.
type ProfileError struct {
	Profile, Field, Reason string
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("card profile %s: %s: %s", e.Profile, e.Field, e.Reason)
}

// Validate checks what can be checked without personalising the card.
func (p *Profile) Validate() error {
	bad := func(field, reason string) error { return &ProfileError{p.Name, field, reason} }
	if len(p.Apps) == 0 {
		return bad("applications", "at least one application is needed")
	}
	if _, err := hexField(p.ATR); err != nil {
		return bad("atr", err.Error())
	}
	for i, a := range p.Apps {
		f := func(s string) string { return fmt.Sprintf("applications[%d].%s", i, s) }
		aid, err := hexField(a.AID)
		if err != nil || len(aid) < 5 || len(aid) > 16 {
			return bad(f("aid"), "want 5 to 16 bytes of hex")
		}
		for name, v := range map[string]string{"pdol": a.PDOL, "cdol1": a.CDOL1, "cdol2": a.CDOL2, "ddol": a.DDOL, "tdol": a.TDOL} {
			b, err := hexField(v)
			if err != nil {
				return bad(f(name), err.Error())
			}
			if _, err := emv.ParseDOL(b); err != nil {
				return bad(f(name), err.Error())
			}
		}
		if a.CDOL1 == "" {
			return bad(f("cdol1"), "required")
		}
		for name, want := range map[string]int{"aip": 2, "auc": 2, "iac.default": 5, "iac.denial": 5, "iac.online": 5} {
			v := map[string]string{"aip": a.AIP, "auc": a.AUC, "iac.default": a.IAC.Default, "iac.denial": a.IAC.Denial, "iac.online": a.IAC.Online}[name]
			if v == "" && name != "aip" {
				continue
			}
			if b, err := hexField(v); err != nil || len(b) != want {
				return bad(f(name), fmt.Sprintf("want %d bytes of hex", want))
			}
		}
		if a.GPOFormat != 0 && a.GPOFormat != 1 && a.GPOFormat != 2 {
			return bad(f("gpo_format"), "1 or 2")
		}
		if a.ACFormat != 0 && a.ACFormat != 1 && a.ACFormat != 2 {
			return bad(f("ac_format"), "1 or 2")
		}
		if !digits(a.PAN) || len(a.PAN) < 12 || len(a.PAN) > 19 {
			return bad(f("pan"), "want 12 to 19 digits")
		}
		if a.PSN != "" && (len(a.PSN) != 2 || !digits(a.PSN)) {
			return bad(f("psn"), "want 2 digits")
		}
		if len(a.Expiry) != 6 || !digits(a.Expiry) {
			return bad(f("expiry"), "want YYMMDD")
		}
		if a.Effective != "" && (len(a.Effective) != 6 || !digits(a.Effective)) {
			return bad(f("effective"), "want YYMMDD")
		}
		if _, err := cryptogram.VersionByNumber(a.Cryptogram.CVN); err != nil {
			return bad(f("cryptogram.cvn"), err.Error())
		}
		if !strings.Contains(a.Cryptogram.Note, "TEST KEY") {
			return bad(f("cryptogram.note"), `the issuer master keys must be marked "TEST KEY"`)
		}
		for name, v := range map[string]string{"imk_ac": a.Cryptogram.IMKAC, "imk_smi": a.Cryptogram.IMKSMI, "imk_smc": a.Cryptogram.IMKSMC} {
			if b, err := hexField(v); err != nil || len(b) != 16 {
				return bad(f("cryptogram."+name), "want a 16-byte TEST KEY in hex")
			}
		}
		if a.PIN != "" && (len(a.PIN) < 4 || len(a.PIN) > 12 || !digits(a.PIN)) {
			return bad(f("pin"), "want 4 to 12 digits")
		}
		if a.PINTryLimit < 0 || a.PINTryLimit > 15 {
			return bad(f("pin_try_limit"), "0 to 15")
		}
		for tag, v := range a.Extra {
			if _, err := emv.ParseTag(tag); err != nil {
				return bad(f("extra"), err.Error())
			}
			if _, err := hexField(v); err != nil {
				return bad(f("extra."+tag), err.Error())
			}
		}
		for _, tag := range a.Omit {
			if _, err := emv.ParseTag(tag); err != nil {
				return bad(f("omit"), err.Error())
			}
		}
	}
	for i, fc := range p.Faults {
		if _, err := fc.Fault(); err != nil {
			return bad(fmt.Sprintf("faults[%d]", i), err.Error())
		}
	}
	return nil
}

// Fault converts a profile fault entry.
func (fc FaultConfig) Fault() (Fault, error) {
	var f Fault
	ins, err := hexField(fc.INS)
	if err != nil || len(ins) != 1 {
		return f, errors.New("ins: want one hex byte")
	}
	f.INS = ins[0]
	if fc.P1 != "" {
		p1, err := hexField(fc.P1)
		if err != nil || len(p1) != 1 {
			return f, errors.New("p1: want one hex byte")
		}
		f.P1, f.MatchP1 = p1[0], true
	}
	f.Occurrence = fc.Occurrence
	if fc.SW != "" {
		sw, err := hexField(fc.SW)
		if err != nil || len(sw) != 2 {
			return f, errors.New("sw: want two hex bytes")
		}
		f.SW = uint16(sw[0])<<8 | uint16(sw[1])
	}
	f.Malformed, f.WrongCryptogram, f.GetResponse, f.WrongLe = fc.Malformed, fc.WrongCryptogram, fc.GetResponse, fc.WrongLe
	if fc.Duplicate != "" {
		if f.Duplicate, err = emv.ParseTag(fc.Duplicate); err != nil {
			return f, fmt.Errorf("duplicate: %w", err)
		}
	}
	if fc.Remove != "" {
		if f.Remove, err = emv.ParseTag(fc.Remove); err != nil {
			return f, fmt.Errorf("remove: %w", err)
		}
	}
	return f, nil
}

func hexField(s string) ([]byte, error) {
	s = strings.ReplaceAll(s, " ", "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("not hex")
	}
	return b, nil
}

func mustHex(s string) []byte {
	b, _ := hexField(s)
	return b
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
