package reports_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paylab/paylab/reports"
)

func htmlRun() reports.Run {
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return reports.Run{ID: "r-html", Harness: "paylab test", Suite: "paylab scenarios", StartTime: start, EndTime: start.Add(2 * time.Second),
		Bench: reports.Bench{Name: "lab-1", Hosts: "container",
			Reader:   &reports.ReaderIdentity{Driver: "pcsc", Name: "ACS ACR39U 00 00", ATR: "3B6800000073C84013009000"},
			Scanner:  &reports.ScannerIdentity{Driver: "serial", Port: "/dev/ttyACM0", Baud: 115200, VID: "05f9", PID: "4204"},
			Terminal: &reports.TerminalIdentity{Profile: "default", Type: "22", Capabilities: "E0F8C8", AdditionalCapabilities: "6000F0A001"}},
		Mapping: &reports.MappingInfo{File: "scheme.csv", Scheme: "Scheme X ADVT", Rows: 2},
		Cases: []reports.Case{
			{PlanID: "EMV.CT.ODA.001", SchemeIDs: []string{"ADVT-07"}, Flow: "EMV.CT", Title: "SDA <ok>", Verdict: reports.Passed, Duration: 3 * time.Millisecond,
				Requirement: "EMV Book 3, 10.3", PassCriteria: "approved offline", TVR: "8000000000: SDA selected", TSI: "E800: ODA performed",
				Evidence: []reports.Evidence{{Name: "APDU transcript (masked)", Value: "C-APDU 00B2010C00\nR-APDU 70 5A 476173******0010 9000"}}},
			{PlanID: "EMV.CT.ODA.002", Flow: "EMV.CT", Title: "DDA", Verdict: reports.Failed, Failure: "TVR <differs> & more", Duration: 30 * time.Millisecond},
			{PlanID: "EMV.CT.CVM.001", Flow: "EMV.CT", Title: "enciphered PIN", Verdict: reports.NotApplicable, Reason: "terminal lacks 9F33 offline enciphered PIN"},
			{PlanID: "EMV.CRY.TLV.001", Flow: "EMV.CRY", Title: "TLV", Verdict: reports.Passed,
				Evidence: []reports.Evidence{{Name: "expected ARQC", Value: "AB"}, {Name: "actual ARQC", Value: "AB"}}},
		},
	}
}

func TestHTMLSelfContained(t *testing.T) {
	b, err := reports.HTML(htmlRun())
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	// Nothing fetched: no external script, style sheet, image or font.
	for _, re := range []string{`<script[^>]+src=`, `<link[^>]+stylesheet`, `<img`, `url\(`, `@import`, `(src|href)="(https?:)?//`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("page matches %s: not self-contained", re)
		}
	}
	for _, want := range []string{
		"EMV.CT.ODA.001", "ADVT-07", "Scheme X ADVT", // IDs beside the scheme's
		"SDA &lt;ok&gt;", "TVR &lt;differs&gt; &amp; more", // escaped
		"ACS ACR39U 00 00", "3B6800000073C84013009000", "/dev/ttyACM0 @ 115200 baud", "05f9:4204", // device identities
		"Enciphered PIN for offline verification (RSA ODE)", // 9F33 decoded
		"terminal lacks 9F33 offline enciphered PIN",        // reason of a not-applicable case
		"8000000000: SDA selected", "E800: ODA performed",   // TVR, TSI
		`data-verdict="not-applicable"`, `data-labels="flow:EMV.CT area:EMV.CT.ODA"`,
		"476173******0010", // trace, masked
		"66.7%",            // pass rate: 2 of the 3 that ran
		`<option value="flow:EMV.CRY">`, `<option value="area:EMV.CT.CVM">`,
		"<svg class=\"donut\"", "<svg class=\"bar\"",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(page, "<summary>expected ARQC</summary>") {
		t.Error("page lacks the evidence entries")
	}
}

func TestHTMLEmptyRun(t *testing.T) {
	b, err := reports.HTML(reports.Run{ID: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "0 of 0 cases") {
		t.Error("empty run renders no case count")
	}
}

func TestJUnitFromModel(t *testing.T) {
	dir := t.TempDir()
	p, err := reports.WriteJUnit(dir, htmlRun())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 || doc.Suites[0].Name != "EMV.CRY" {
		t.Fatalf("junit = %+v", doc)
	}
	ct := doc.Suites[1].Cases
	if ct[2].Skipped == nil || ct[2].Skipped.Message != "not applicable: terminal lacks 9F33 offline enciphered PIN" {
		t.Errorf("not-applicable case = %+v", ct[2])
	}
	var scheme bool
	for _, p := range ct[0].Props {
		scheme = scheme || (p.Name == "scheme_id" && p.Value == "ADVT-07")
	}
	if !scheme || ct[0].Name != "[EMV.CT.ODA.001] SDA <ok>" {
		t.Errorf("case 0 = %+v", ct[0])
	}
	if _, err := os.Stat(filepath.Join(dir, reports.JUnitFile)); err != nil {
		t.Fatal(err)
	}
}
