package issuer

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/fixtures"
)

func TestLoadConfigCoversEveryCardProfile(t *testing.T) {
	cfg, err := LoadConfig("test-issuer")
	if err != nil {
		t.Fatal(err)
	}
	accts := map[string]Account{}
	for _, a := range cfg.Accounts {
		accts[a.PAN] = a
	}
	keys := map[panPSN]CardKeys{}
	for _, k := range cfg.Cards {
		keys[panPSN{k.PAN, k.PSN}] = k
	}
	names, err := card.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		p, err := card.LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, app := range p.Apps {
			if _, ok := accts[app.PAN]; !ok {
				t.Errorf("profile %s: no account for its PAN", name)
			}
			psn := app.PSN
			if psn == "" {
				psn = "00"
			}
			k, ok := keys[panPSN{app.PAN, psn}]
			if !ok {
				t.Errorf("profile %s PSN %s: no card keys (add it to profiles:)", name, psn)
				continue
			}
			if k.CVN != app.Cryptogram.CVN || !strings.EqualFold(strings.ReplaceAll(app.Cryptogram.IMKAC, " ", ""), hexUpper(k.IMK.AC)) {
				t.Errorf("profile %s: keys differ from the card's: CVN %d vs %d", name, k.CVN, app.Cryptogram.CVN)
			}
		}
	}
	// One made-up account per decline.
	want := map[Status]bool{Expired: false, Blocked: false, Lost: false, Stolen: false}
	var funds, limit, daily, pin bool
	for _, a := range cfg.Accounts {
		want[a.Status] = true
		funds = funds || a.Balance < 1000
		limit = limit || a.TxnLimit > 0 && a.TxnLimit < 5000
		daily = daily || a.DailyLimit > 0
		pin = pin || a.PIN == "2468"
	}
	for s, ok := range want {
		if !ok {
			t.Errorf("no %s account", s)
		}
	}
	if !funds || !limit || !daily || !pin {
		t.Errorf("decline accounts: funds %t limit %t daily %t pin %t", funds, limit, daily, pin)
	}
	if len(cfg.PINKey) != 16 || len(cfg.BINs) != 2 || cfg.BINs[0].Keys == nil || len(cfg.Scripts) == 0 {
		t.Errorf("config: PIN key %d bytes, %d BINs, %d script rules", len(cfg.PINKey), len(cfg.BINs), len(cfg.Scripts))
	}
}

func hexUpper(b []byte) string { return strings.ToUpper(string(fmtHex(b))) }

func fmtHex(b []byte) []byte {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, h[x>>4], h[x&15])
	}
	return out
}

func TestParseConfigErrors(t *testing.T) {
	base := "name: t\nprofiles: [visa-cda-online]\n"
	for _, tc := range []struct{ yaml, want string }{
		{base + "acounts: []\n", "acounts"},
		{"name: t\ncurrency: EUR\n", "currency"},
		{"name: t\npin_key: {note: x, key: 00112233445566778899AABBCCDDEEFF}\n", "TEST KEY"},
		{"name: t\npin_key: {note: TEST KEY, key: 0011}\n", "pin_key.key"},
		{"name: t\nprofiles: [nope]\n", "profiles[0]"},
		{"name: t\nbins: [{range: 47x}]\n", "bins[0].range"},
		{"name: t\nbins: [{range: \"500-49\"}]\n", "bins[0].range"},
		{"name: t\naccounts: [{pan: \"123\"}]\n", "accounts[0].pan"},
		{"name: t\naccounts: [{pan: \"4761739001010119\"}, {pan: \"4761739001010119\"}]\n", "duplicate"},
		{"name: t\naccounts: [{pan: \"4761739001010119\", status: closed}]\n", "status"},
		{"name: t\naccounts: [{pan: \"4761739001010119\", expiry: \"2913\"}]\n", "expiry"},
		{"name: t\naccounts: [{pan: \"4761739001010119\", pin: \"12\"}]\n", "pin"},
		{"name: t\nscripts: [{template: 73, commands: [{command: card-block}]}]\n", "template"},
		{"name: t\nscripts: [{template: 72}]\n", "commands"},
		{"name: t\nscripts: [{template: 72, commands: [{command: reboot}]}]\n", "reboot"},
		{"name: t\nscripts: [{template: 72, commands: [{command: put-data, tag: zz, value: \"01\"}]}]\n", "tag"},
		{"name: t\nscripts: [{template: 72, commands: [{command: pin-change, pin: \"1\"}]}]\n", "pin"},
		{"name: t\nscripts: [{template: 72, commands: [{command: raw, header: \"84\"}]}]\n", "header"},
	} {
		_, err := ParseConfig("t.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error about %s", tc.yaml, err, tc.want)
		}
	}
	_, err := ParseConfig("t.yaml", []byte("name: t\naccounts: [{pan: \"12\"}]\n"))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "accounts[0].pan" {
		t.Errorf("want a *ConfigError for accounts[0].pan, got %v", err)
	}
	if _, err := LoadConfig("none"); err == nil {
		t.Error("LoadConfig of a missing file succeeded")
	}
}

func TestParseProfileKeysErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"name: x\n", "no applications"},
		{"applications: [{pan: \"12\"}]\n", "pan"},
		{"applications: [{pan: \"4761739001010119\", psn: \"1\"}]\n", "psn"},
		{"applications: [{pan: \"4761739001010119\", cryptogram: {note: prod}}]\n", "TEST KEY"},
		{"applications: [{pan: \"4761739001010119\", cryptogram: {note: TEST KEY, cvn: 99}}]\n", "cvn"},
		{"applications: [{pan: \"4761739001010119\", cryptogram: {note: TEST KEY, cvn: 18, imk_ac: 00}}]\n", "imk_ac"},
	} {
		if _, err := ParseProfileKeys("x", []byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseProfileKeys(%q) = %v, want an error about %s", tc.yaml, err, tc.want)
		}
	}
}

func TestErrReportsUnusableKeys(t *testing.T) {
	if err := New(WithCardKeys(CardKeys{Profile: "x", PAN: "4761739001010119", CVN: 99})).Err(); err == nil || !strings.Contains(err.Error(), "card keys of x") {
		t.Errorf("Err() = %v", err)
	}
	cfg, _ := LoadConfig("test-issuer")
	if err := New(WithConfig(cfg)).Err(); err != nil {
		t.Errorf("fixture keys: %v", err)
	}
}

func TestWithProfiles(t *testing.T) {
	is := New(WithProfiles("mc-dda", "nope"), WithAccounts(Account{PAN: "5413330089010012", Balance: 100, Status: Active}))
	if err := is.Err(); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Err() = %v", err)
	}
	k, err := is.keys.lookup("5413330089010012", "01")
	if err != nil || k.CVN != 16 || k.Profile != "mc-dda" {
		t.Errorf("lookup: %+v %v", k, err)
	}
}

// TestPINKeyIsTheFixtureZPK: the test issuer's pin_key is the zone PIN key
// the acquirer translates DE 52 to by default (fixtures/keys/pin.yaml).
func TestPINKeyIsTheFixtureZPK(t *testing.T) {
	cfg, err := LoadConfig("test-issuer")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := fixtures.LoadPINKeys(fixtures.FS)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cfg.PINKey, keys.ZPK) {
		t.Fatal("test-issuer.yaml pin_key differs from fixtures/keys/pin.yaml zpk")
	}
}
