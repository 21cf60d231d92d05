package match_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/scenarios/match"
)

func outcome(r terminal.Result, tvr []emv.TVRBit, tsi []emv.TSIBit) terminal.Outcome {
	o := terminal.Outcome{Result: r}
	o.TVR.Set(tvr...)
	o.TSI.Set(tsi...)
	return o
}

func TestResultMatchers(t *testing.T) {
	o := outcome(terminal.DeclinedOffline, nil, nil)
	for _, c := range []struct {
		name string
		m    interface {
			Match(any) (bool, error)
		}
		want bool
	}{
		{"declined offline", match.BeDeclinedOffline(), true},
		{"approved offline", match.BeApprovedOffline(), false},
		{"approved online", match.BeApprovedOnline(), false},
		{"declined online", match.BeDeclinedOnline(), false},
		{"terminated", match.BeTerminated(), false},
	} {
		for _, actual := range []any{o, &o} {
			if ok, err := c.m.Match(actual); ok != c.want || err != nil {
				t.Errorf("%s (%T): ok %t err %v", c.name, actual, ok, err)
			}
		}
	}
	if _, err := match.BeTerminated().Match("not an outcome"); err == nil {
		t.Error("a string matched as an outcome")
	}
	msg := match.BeApprovedOnline().FailureMessage(o)
	if !strings.Contains(msg, "approved online") || !strings.Contains(msg, "declined offline") {
		t.Errorf("failure message %q", msg)
	}
}

func TestExactTVRNamesBits(t *testing.T) {
	o := outcome(terminal.ApprovedOnline, []emv.TVRBit{emv.TVRSDASelected, emv.TVRFloorLimitExceeded}, nil)
	m := match.HaveExactTVR(emv.TVRSDASelected, emv.TVRSDAFailed)
	if ok, err := m.Match(o); ok || err != nil {
		t.Fatalf("exact TVR matched: %t %v", ok, err)
	}
	msg := m.FailureMessage(o)
	for _, want := range []string{"missing: [SDA failed]", "unexpected: [Transaction exceeds floor limit]", "4200000000", "0200008000"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}
	if ok, _ := match.HaveTVRBit(emv.TVRFloorLimitExceeded).Match(o); !ok {
		t.Error("HaveTVRBit: floor limit bit not found")
	}
	if ok, _ := match.HaveExactTVR().Match(terminal.Outcome{}); !ok {
		t.Error("HaveExactTVR(): zero TVR not matched")
	}
}

func TestExactTSI(t *testing.T) {
	o := outcome(terminal.ApprovedOffline, nil, []emv.TSIBit{emv.TSIOfflineDataAuthPerformed})
	if ok, _ := match.HaveExactTSI(emv.TSIOfflineDataAuthPerformed).Match(o); !ok {
		t.Error("exact TSI not matched")
	}
	if ok, _ := match.HaveTSIBit(emv.TSIScriptProcessingPerformed).Match(o); ok {
		t.Error("absent TSI bit matched")
	}
	msg := match.HaveExactTSI().FailureMessage(o)
	if !strings.Contains(msg, "unexpected: [Offline data authentication was performed]") {
		t.Errorf("failure message %q", msg)
	}
}

func Example() {
	var o terminal.Outcome
	o.Result = terminal.ApprovedOnline
	o.TVR.Set(emv.TVRFloorLimitExceeded)
	m := match.HaveExactTVR(emv.TVRFloorLimitExceeded, emv.TVRIssuerAuthenticationFailed)
	ok, _ := m.Match(o)
	fmt.Println(ok)
	fmt.Println(m.FailureMessage(o))
	// Output:
	// false
	// Expected TVR 0000008040 [Transaction exceeds floor limit; Issuer authentication failed]
	// 	got TVR 0000008000 [Transaction exceeds floor limit]
	// 	missing: [Issuer authentication failed]
}
