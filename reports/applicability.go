package reports

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// Applicability says which terminals a plan case applies to: the terminal
// capabilities it needs. In a plan file:
//
//	applies: {terminal: [offline_enciphered_pin, online_capable]}
//
// Every name listed must hold; a name written "!name" must not hold (a
// case about a terminal that cannot do something). The names are the bits
// of Terminal Capabilities 9F33 and Additional Terminal Capabilities 9F40
// (EMV Book 4, Annex A2 and A3) and the properties of the Terminal Type
// 9F35 (Book 4, Annex A1); see CapabilityNames.
type Applicability struct {
	Terminal []string `yaml:"terminal"`
}

// TerminalProfile is what applicability is decided from: a terminal
// profile's name and its 9F35, 9F33 and 9F40.
type TerminalProfile struct {
	Name    string
	Type    emv.TerminalType
	Caps    emv.TermCaps
	AddCaps emv.AddTermCaps
}

// Identity is the profile as a report's bench states it.
func (t TerminalProfile) Identity() *TerminalIdentity {
	return &TerminalIdentity{Profile: t.Name, Type: fmt.Sprintf("%02X", byte(t.Type)),
		Capabilities: strings.ToUpper(hex.EncodeToString(t.Caps[:])), AdditionalCapabilities: strings.ToUpper(hex.EncodeToString(t.AddCaps[:]))}
}

// capability is one name an applicability can use.
type capability struct {
	what string // "9F33 Enciphered PIN for offline verification (RSA ODE)"
	cite string // where EMV defines it
	has  func(TerminalProfile) bool
}

func termCap(b emv.TermCapBit) capability {
	return capability{what: "9F33 " + b.String(), cite: "EMV Book 4, Annex A2",
		has: func(t TerminalProfile) bool { return t.Caps.Has(b) }}
}

func addCap(b emv.AddTermCapBit) capability {
	return capability{what: "9F40 " + b.String(), cite: "EMV Book 4, Annex A3",
		has: func(t TerminalProfile) bool { return t.AddCaps.Has(b) }}
}

func termType(what string, env ...byte) capability {
	return capability{what: "9F35 " + what, cite: "EMV Book 4, Annex A1, Table 24", has: func(t TerminalProfile) bool {
		e := byte(t.Type) & 0x0F
		if e > 3 {
			e -= 3 // unattended 4-6 are the attended 1-3 environments
		}
		for _, x := range env {
			if e == x {
				return true
			}
		}
		return false
	}}
}

// terminalCapabilities are the names an applicability may use.
var terminalCapabilities = map[string]capability{
	// 9F33 byte 1: card data input (Book 4, Annex A2, Table 25).
	"manual_key_entry": termCap(emv.TermCapManualKeyEntry),
	"magnetic_stripe":  termCap(emv.TermCapMagneticStripe),
	"ic_with_contacts": termCap(emv.TermCapICWithContacts),
	// 9F33 byte 2: CVM capability (Table 26).
	"offline_plaintext_pin":      termCap(emv.TermCapPlaintextPINForICC),
	"online_enciphered_pin":      termCap(emv.TermCapEncipheredPINOnline),
	"signature":                  termCap(emv.TermCapSignature),
	"offline_enciphered_pin":     termCap(emv.TermCapEncipheredPINOffline),
	"no_cvm":                     termCap(emv.TermCapNoCVMRequired),
	"online_biometric":           termCap(emv.TermCapOnlineBiometric),
	"offline_biometric":          termCap(emv.TermCapOfflineBiometric),
	"offline_enciphered_pin_ecc": termCap(emv.TermCapEncipheredPINOfflineECC),
	// 9F33 byte 3: security capability (Table 27).
	"sda":          termCap(emv.TermCapSDA),
	"dda":          termCap(emv.TermCapDDA),
	"card_capture": termCap(emv.TermCapCardCapture),
	"cda":          termCap(emv.TermCapCDA),
	"xda":          termCap(emv.TermCapXDA),
	// 9F35: attendance and online capability (Table 24).
	"attended": {what: "9F35 attended", cite: "EMV Book 4, Annex A1, Table 24",
		has: func(t TerminalProfile) bool { return t.Type.Attended() }},
	"unattended": {what: "9F35 unattended", cite: "EMV Book 4, Annex A1, Table 24",
		has: func(t TerminalProfile) bool { return !t.Type.Attended() }},
	"online_capable":  termType("online capable (online only, or offline with online capability)", 1, 2),
	"offline_capable": termType("offline capable (offline only, or offline with online capability)", 2, 3),
	"online_only":     termType("online only", 1),
	"offline_only":    termType("offline only", 3),
	// 9F40: transaction types and data input/output (Tables 28-32).
	"cash":               addCap(emv.AddTermCapCash),
	"goods":              addCap(emv.AddTermCapGoods),
	"services":           addCap(emv.AddTermCapServices),
	"cashback":           addCap(emv.AddTermCapCashback),
	"inquiry":            addCap(emv.AddTermCapInquiry),
	"transfer":           addCap(emv.AddTermCapTransfer),
	"payment":            addCap(emv.AddTermCapPayment),
	"administrative":     addCap(emv.AddTermCapAdministrative),
	"cash_deposit":       addCap(emv.AddTermCapCashDeposit),
	"numeric_keys":       addCap(emv.AddTermCapNumericKeys),
	"print_attendant":    addCap(emv.AddTermCapPrintAttendant),
	"print_cardholder":   addCap(emv.AddTermCapPrintCardholder),
	"display_attendant":  addCap(emv.AddTermCapDisplayAttendant),
	"display_cardholder": addCap(emv.AddTermCapDisplayCardholder),
}

// check refuses a name CapabilityNames does not list.
func (a *Applicability) check() error {
	if a == nil {
		return nil
	}
	if len(a.Terminal) == 0 {
		return fmt.Errorf("applies: terminal: empty list (leave applies out for a case that always applies)")
	}
	for _, n := range a.Terminal {
		if _, ok := terminalCapabilities[strings.TrimPrefix(n, "!")]; !ok {
			return fmt.Errorf("applies: unknown terminal capability %q (known: %s)", n, strings.Join(CapabilityNames(), ", "))
		}
	}
	return nil
}

// Decide tells whether a case with this applicability applies to terminal
// t, and when it does not, why: every requirement the profile fails, e.g.
// `terminal profile "basic" lacks 9F33 Enciphered PIN for offline
// verification (RSA ODE) (EMV Book 4, Annex A2)`. A nil applicability
// always applies.
func (a *Applicability) Decide(t TerminalProfile) (bool, string) {
	if a == nil {
		return true, ""
	}
	var why []string
	for _, n := range a.Terminal {
		name, negated := strings.CutPrefix(n, "!")
		c, ok := terminalCapabilities[name]
		if !ok {
			why = append(why, fmt.Sprintf("unknown terminal capability %q", n))
			continue
		}
		switch has := c.has(t); {
		case !negated && !has:
			why = append(why, fmt.Sprintf("lacks %s (%s)", c.what, c.cite))
		case negated && has:
			why = append(why, fmt.Sprintf("has %s (%s), the case is for a terminal without it", c.what, c.cite))
		}
	}
	if len(why) == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("terminal profile %q %s", t.Name, strings.Join(why, "; "))
}

// Applicable decides plan case id for terminal t (see Decide). A case the
// plan does not hold applies.
func (p Plan) Applicable(id string, t TerminalProfile) (bool, string) {
	return p.Cases[id].Applies.Decide(t)
}

// CapabilityNames lists the names an applicability may use, sorted.
func CapabilityNames() []string {
	out := make([]string, 0, len(terminalCapabilities))
	for k := range terminalCapabilities {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
