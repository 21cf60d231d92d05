package terminal

import (
	"strings"
	"testing"
	"testing/fstest"
)

const goodYAML = `name: t
terminal_type: "22"
capabilities: "E0F8C8"
additional_capabilities: "6000F0A001"
country: "0056"
currency: "0978"
currency_exponent: 2
merchant: {category: "5999", id: "M", terminal_id: "T", name_location: "N", acquirer_id: "000000123456"}
ifd_serial: "S"
ca_keys: none
revocations: ["F054455354 F8 7E57F8"]
exception_file: ["4761739001010010"]
applications:
  - aid: "F0544553541010"
    label: "X"
    partial_selection: true
    version: "0096"
    floor_limit: 100
    random_selection: {threshold: 10, target_percent: 5, max_target_percent: 10}
    tac: {denial: "0000000000", online: "0000000000", default: "0000000000"}
    default_ddol: "9F3704"
    default_tdol: ""
`

func TestLoadConfig(t *testing.T) {
	load := func(s string) (*Config, error) {
		return LoadConfig(fstest.MapFS{"t.yaml": {Data: []byte(s)}}, "t.yaml")
	}
	c, err := load(goodYAML)
	if err != nil {
		t.Fatal(err)
	}
	if c.Revocations.Len() != 1 || c.CAKeys.Len() != 0 || c.Applications[0].FloorLimit != 100 || len(c.Applications[0].DefaultDDOL) != 1 {
		t.Errorf("config %+v", c)
	}
	bad := map[string][2]string{
		"unknown key":        {"name: t\n", "name: t\nbogus: 1\n"},
		"short capabilities": {`capabilities: "E0F8C8"`, `capabilities: "E0F8"`},
		"terminal type":      {`terminal_type: "22"`, `terminal_type: "77"`},
		"random selection":   {"target_percent: 5, max_target_percent: 10", "target_percent: 50, max_target_percent: 10"},
		"threshold":          {"threshold: 10,", "threshold: 1000,"},
		"aid":                {`aid: "F0544553541010"`, `aid: "F054"`},
		"ca source":          {"ca_keys: none", "ca_keys: somewhere"},
		"revocation":         {`"F054455354 F8 7E57F8"`, `"F0544553"`},
		"exception PAN":      {`"4761739001010010"`, `"47617X"`},
		"ddol":               {`default_ddol: "9F3704"`, `default_ddol: "9F"`},
	}
	for name, r := range bad {
		s := strings.Replace(goodYAML, r[0], r[1], 1)
		if s == goodYAML {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, err := load(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
