package labels_test

import (
	"strings"
	"testing"

	"github.com/paylab/paylab/scenarios/labels"
)

// The shipped plan's enciphered-PIN case applies to the default terminal
// (9F33 E0F8C8) and not to a profile without offline enciphered PIN.
func TestApplicabilityFromTerminalProfile(t *testing.T) {
	t.Cleanup(func() { labels.UseTerminal("") })

	labels.UseTerminal("")
	for _, id := range []string{"EMV.CT.CVM.001", "EMV.CT.CVM.002", "EMV.CT.ODA.003", "EMV.CRY.TLV.001"} {
		ok, why, err := labels.Applicable(id)
		if err != nil || !ok {
			t.Errorf("default terminal: %s applicable = %v (%s), %v", id, ok, why, err)
		}
	}

	labels.UseTerminal("testdata/terminals/no-offline-enciphered-pin.yaml")
	term, err := labels.Terminal()
	if err != nil || term.Name != "no-offline-enciphered-pin" {
		t.Fatalf("Terminal = %+v, %v", term, err)
	}
	ok, why, err := labels.Applicable("EMV.CT.CVM.001")
	if err != nil || ok {
		t.Fatalf("EMV.CT.CVM.001 applicable = %v, %v", ok, err)
	}
	for _, want := range []string{`"no-offline-enciphered-pin"`, "Enciphered PIN for offline verification", "Book 4"} {
		if !strings.Contains(why, want) {
			t.Errorf("reason %q lacks %q", why, want)
		}
	}
	if ok, why, _ := labels.Applicable("EMV.CT.CVM.002"); !ok {
		t.Errorf("plaintext PIN case ruled out: %s", why)
	}

	labels.UseTerminal("testdata/terminals/missing.yaml")
	if _, _, err := labels.Applicable("EMV.CT.CVM.001"); err == nil {
		t.Error("a missing terminal profile decided applicability")
	}
}
