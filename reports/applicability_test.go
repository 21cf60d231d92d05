package reports_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/reports"
)

func profile(name string, tt byte, caps, add string) reports.TerminalProfile {
	p := reports.TerminalProfile{Name: name, Type: emv.TerminalType(tt)}
	c, _ := emv.ParseTermCaps(mustHex(caps))
	a, _ := emv.ParseAddTermCaps(mustHex(add))
	p.Caps, p.AddCaps = c, a
	return p
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestApplicabilityDecide(t *testing.T) {
	full := profile("default", 0x22, "E0F8C8", "6000F0A001")
	noEnc := profile("basic", 0x22, "E0E8C8", "6000F0A001")     // byte 2 b5 clear
	offline := profile("offline", 0x23, "E0B8C8", "6000F0A001") // offline only, no online PIN
	unatt := profile("kiosk", 0x25, "E0F8C8", "6000F0A001")     // unattended, offline with online capability
	for _, tc := range []struct {
		needs []string
		t     reports.TerminalProfile
		ok    bool
		why   string
	}{
		{[]string{"offline_enciphered_pin"}, full, true, ""},
		{[]string{"offline_enciphered_pin"}, noEnc, false, `terminal profile "basic" lacks 9F33 Enciphered PIN for offline verification (RSA ODE) (EMV Book 4, Annex A2)`},
		{[]string{"online_capable", "online_enciphered_pin"}, offline, false, "lacks 9F35 online capable"},
		{[]string{"online_capable", "online_enciphered_pin"}, offline, false, "; lacks 9F33 Enciphered PIN for online verification"},
		{[]string{"online_capable", "attended"}, unatt, false, "lacks 9F35 attended"},
		{[]string{"online_capable", "unattended"}, unatt, true, ""},
		{[]string{"!offline_enciphered_pin"}, full, false, "has 9F33 Enciphered PIN for offline verification"},
		{[]string{"!offline_enciphered_pin"}, noEnc, true, ""},
		{[]string{"cda", "goods", "cashback"}, full, false, "lacks 9F40 Cashback"},
	} {
		a := &reports.Applicability{Terminal: tc.needs}
		ok, why := a.Decide(tc.t)
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%v on %s = %v %q, want %v %q", tc.needs, tc.t.Name, ok, why, tc.ok, tc.why)
		}
	}
	var none *reports.Applicability
	if ok, _ := none.Decide(noEnc); !ok {
		t.Error("a case without applies does not apply")
	}
}

func TestLoadPlanApplies(t *testing.T) {
	ok := "flow: EMV.CT\ncases:\n  - {id: EMV.CT.CVM.001, title: t, requirement: r, pass: p, applies: {terminal: [offline_enciphered_pin, \"!unattended\"]}}\n  - {id: EMV.CT.CVM.002, title: t, requirement: r, pass: p}\n"
	p, err := reports.LoadPlan(fstest.MapFS{"plans/a.yaml": {Data: []byte(ok)}}, "plans")
	if err != nil {
		t.Fatal(err)
	}
	if a, why := p.Applicable("EMV.CT.CVM.001", profile("basic", 0x22, "E0E8C8", "6000F0A001")); a || why == "" {
		t.Errorf("applicable = %v %q", a, why)
	}
	if a, _ := p.Applicable("EMV.CT.CVM.002", profile("basic", 0x22, "E0E8C8", "6000F0A001")); !a {
		t.Error("a case without applies is ruled out")
	}
	for name, row := range map[string]string{
		"unknown capability": "applies: {terminal: [telepathy]}",
		"empty list":         "applies: {terminal: []}",
		"unknown key":        "applies: {terminal: [cda], card: [cda]}",
		"unknown field":      "applicable: yes",
	} {
		body := "flow: EMV.CT\ncases:\n  - {id: EMV.CT.CVM.001, title: t, requirement: r, pass: p, " + row + "}\n"
		if _, err := reports.LoadPlan(fstest.MapFS{"plans/a.yaml": {Data: []byte(body)}}, "plans"); err == nil {
			t.Errorf("%s: LoadPlan accepted %s", name, row)
		}
	}
}

func TestFromGinkgoNotApplicableAndExtract(t *testing.T) {
	r := types.Report{SuiteDescription: "paylab scenarios", SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "enciphered PIN", LeafNodeLabels: []string{"EMV.CT.CVM.001", "flow:EMV.CT"},
			State: types.SpecStateSkipped, Failure: types.Failure{Message: reports.NotApplicableMessage("terminal lacks it")}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "plaintext PIN", LeafNodeLabels: []string{"EMV.CT.CVM.002", "flow:EMV.CT"},
			State: types.SpecStatePassed, RunTime: time.Millisecond, ReportEntries: types.ReportEntries{
				{Name: "transaction (PAN masked)", Value: types.WrapEntryValue("outcome: approved offline (TC)\nTVR 8000000000: SDA selected\nTSI E800: ODA performed\nCVM Results 410302: plaintext PIN, successful\n")},
			}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "ARQC", LeafNodeLabels: []string{"EMV.CRY.ARQC.001", "flow:EMV.CRY"},
			State: types.SpecStatePassed, ReportEntries: types.ReportEntries{
				{Name: "expected ARQC", Value: types.WrapEntryValue("AB12")}, {Name: "actual ARQC", Value: types.WrapEntryValue("AB12")},
			}},
	}}
	run := reports.FromGinkgo("r", reports.Bench{Name: "emulated"}, r)
	byID := map[string]reports.Case{}
	for _, c := range run.Cases {
		byID[c.PlanID] = c
	}
	if c := byID["EMV.CT.CVM.001"]; c.Verdict != reports.NotApplicable || c.Reason != "terminal lacks it" || c.Failure != "" {
		t.Errorf("not applicable case = %+v", c)
	}
	if c := byID["EMV.CT.CVM.002"]; c.TVR != "8000000000: SDA selected" || c.TSI != "E800: ODA performed" || c.CVM != "410302: plaintext PIN, successful" || c.Actual != "approved offline (TC)" {
		t.Errorf("extracted = %+v", c)
	}
	if c := byID["EMV.CRY.ARQC.001"]; c.Expected != "ARQC: AB12" || c.Actual != "ARQC: AB12" {
		t.Errorf("expected/actual = %q / %q", c.Expected, c.Actual)
	}
	if run.Summary.Verdicts[reports.NotApplicable] != 1 || !run.Passed() {
		t.Errorf("summary = %+v, passed = %v", run.Summary, run.Passed())
	}
}
