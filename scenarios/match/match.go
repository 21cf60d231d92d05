package match

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/terminal"
)

// outcomeOf accepts a terminal.Outcome or a pointer to one.
func outcomeOf(actual any) (terminal.Outcome, error) {
	switch o := actual.(type) {
	case terminal.Outcome:
		return o, nil
	case *terminal.Outcome:
		if o == nil {
			return terminal.Outcome{}, fmt.Errorf("match: nil *terminal.Outcome")
		}
		return *o, nil
	}
	return terminal.Outcome{}, fmt.Errorf("match: want a terminal.Outcome, got %T", actual)
}

// resultMatcher checks Outcome.Result.
type resultMatcher struct{ want terminal.Result }

// BeApprovedOffline succeeds when the transaction was approved offline (TC
// at the first GENERATE AC; EMV Book 3, 10.8).
func BeApprovedOffline() types.GomegaMatcher { return resultMatcher{terminal.ApprovedOffline} }

// BeApprovedOnline succeeds when the issuer approved and the card accepted
// (TC at the second GENERATE AC; EMV Book 3, 10.9 and 10.11).
func BeApprovedOnline() types.GomegaMatcher { return resultMatcher{terminal.ApprovedOnline} }

// BeDeclinedOffline succeeds when the transaction was declined without an
// issuer's decision: an AAC at the first GENERATE AC, or after the terminal
// was unable to go online (EMV Book 3, 10.8 and 10.11).
func BeDeclinedOffline() types.GomegaMatcher { return resultMatcher{terminal.DeclinedOffline} }

// BeDeclinedOnline succeeds when the transaction was declined after going
// online (EMV Book 3, 10.9 and 10.11).
func BeDeclinedOnline() types.GomegaMatcher { return resultMatcher{terminal.DeclinedOnline} }

// BeTerminated succeeds when the transaction was terminated (ended without
// a cryptogram decision, EMV Book 3, 10 and Book 1, 12).
func BeTerminated() types.GomegaMatcher { return resultMatcher{terminal.Terminated} }

func (m resultMatcher) Match(actual any) (bool, error) {
	o, err := outcomeOf(actual)
	if err != nil {
		return false, err
	}
	return o.Result == m.want, nil
}

func (m resultMatcher) FailureMessage(actual any) string {
	o, _ := outcomeOf(actual)
	return fmt.Sprintf("Expected the transaction to be %s, but it was %s\n\toutcome: %s", m.want, o.Result, o)
}

func (m resultMatcher) NegatedFailureMessage(actual any) string {
	o, _ := outcomeOf(actual)
	return fmt.Sprintf("Expected the transaction not to be %s\n\toutcome: %s", m.want, o)
}

// tvrMatcher checks TVR bits: with exact set, the TVR must hold the bits
// and nothing else.
type tvrMatcher struct {
	bits  []emv.TVRBit
	exact bool
}

// HaveTVRBit succeeds when the outcome's TVR has bit set.
func HaveTVRBit(bit emv.TVRBit) types.GomegaMatcher { return tvrMatcher{bits: []emv.TVRBit{bit}} }

// HaveExactTVR succeeds when the outcome's TVR has exactly bits set (none:
// an all-zero TVR).
func HaveExactTVR(bits ...emv.TVRBit) types.GomegaMatcher {
	return tvrMatcher{bits: bits, exact: true}
}

func tvrOf(actual any) (emv.TVR, error) {
	if t, ok := actual.(emv.TVR); ok {
		return t, nil
	}
	o, err := outcomeOf(actual)
	return o.TVR, err
}

func (m tvrMatcher) want() emv.TVR {
	var t emv.TVR
	t.Set(m.bits...)
	return t
}

func (m tvrMatcher) Match(actual any) (bool, error) {
	got, err := tvrOf(actual)
	if err != nil {
		return false, err
	}
	if m.exact {
		return got == m.want(), nil
	}
	for _, b := range m.bits {
		if !got.Has(b) {
			return false, nil
		}
	}
	return true, nil
}

func (m tvrMatcher) FailureMessage(actual any) string {
	got, _ := tvrOf(actual)
	want := m.want()
	missing, extra := diffBits(want.Bits(), got.Bits())
	var b strings.Builder
	if m.exact {
		fmt.Fprintf(&b, "Expected TVR %X [%s]\n\tgot TVR %X [%s]", want[:], names(want.Bits()), got[:], names(got.Bits()))
		writeDiff(&b, missing, extra)
	} else {
		fmt.Fprintf(&b, "Expected TVR bit %q to be set\n\tgot TVR %X [%s]", names(m.bits), got[:], names(got.Bits()))
	}
	return b.String()
}

func (m tvrMatcher) NegatedFailureMessage(actual any) string {
	got, _ := tvrOf(actual)
	return fmt.Sprintf("Expected TVR not to have [%s]\n\tgot TVR %X [%s]", names(m.bits), got[:], names(got.Bits()))
}

// tsiMatcher checks TSI bits, like tvrMatcher.
type tsiMatcher struct {
	bits  []emv.TSIBit
	exact bool
}

// HaveTSIBit succeeds when the outcome's TSI has bit set.
func HaveTSIBit(bit emv.TSIBit) types.GomegaMatcher { return tsiMatcher{bits: []emv.TSIBit{bit}} }

// HaveExactTSI succeeds when the outcome's TSI has exactly bits set.
func HaveExactTSI(bits ...emv.TSIBit) types.GomegaMatcher {
	return tsiMatcher{bits: bits, exact: true}
}

func tsiOf(actual any) (emv.TSI, error) {
	if t, ok := actual.(emv.TSI); ok {
		return t, nil
	}
	o, err := outcomeOf(actual)
	return o.TSI, err
}

func (m tsiMatcher) want() emv.TSI {
	var t emv.TSI
	t.Set(m.bits...)
	return t
}

func (m tsiMatcher) Match(actual any) (bool, error) {
	got, err := tsiOf(actual)
	if err != nil {
		return false, err
	}
	if m.exact {
		return got == m.want(), nil
	}
	for _, b := range m.bits {
		if !got.Has(b) {
			return false, nil
		}
	}
	return true, nil
}

func (m tsiMatcher) FailureMessage(actual any) string {
	got, _ := tsiOf(actual)
	want := m.want()
	missing, extra := diffBits(want.Bits(), got.Bits())
	var b strings.Builder
	if m.exact {
		fmt.Fprintf(&b, "Expected TSI %X [%s]\n\tgot TSI %X [%s]", want[:], names(want.Bits()), got[:], names(got.Bits()))
		writeDiff(&b, missing, extra)
	} else {
		fmt.Fprintf(&b, "Expected TSI bit %q to be set\n\tgot TSI %X [%s]", names(m.bits), got[:], names(got.Bits()))
	}
	return b.String()
}

func (m tsiMatcher) NegatedFailureMessage(actual any) string {
	got, _ := tsiOf(actual)
	return fmt.Sprintf("Expected TSI not to have [%s]\n\tgot TSI %X [%s]", names(m.bits), got[:], names(got.Bits()))
}

// diffBits returns the bits of want missing from got and those of got not
// in want.
func diffBits[B comparable](want, got []B) (missing, extra []B) {
	in := func(b B, set []B) bool {
		for _, s := range set {
			if s == b {
				return true
			}
		}
		return false
	}
	for _, b := range want {
		if !in(b, got) {
			missing = append(missing, b)
		}
	}
	for _, b := range got {
		if !in(b, want) {
			extra = append(extra, b)
		}
	}
	return missing, extra
}

func writeDiff[B fmt.Stringer](b *strings.Builder, missing, extra []B) {
	if len(missing) > 0 {
		fmt.Fprintf(b, "\n\tmissing: [%s]", names(missing))
	}
	if len(extra) > 0 {
		fmt.Fprintf(b, "\n\tunexpected: [%s]", names(extra))
	}
}

func names[B fmt.Stringer](bits []B) string {
	if len(bits) == 0 {
		return "none"
	}
	s := make([]string, len(bits))
	for i, b := range bits {
		s[i] = b.String()
	}
	return strings.Join(s, "; ")
}
