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

// bitMatcher checks the named bits of one bitfield of the outcome (TVR,
// TSI): with exact set, the field must hold those bits and nothing else.
type bitMatcher[B interface {
	comparable
	fmt.Stringer
}] struct {
	field string
	bits  []B
	exact bool
	// of reads the field's raw bytes and set bits from the actual value;
	// build returns the raw bytes of a field with just bits set.
	of    func(actual any) (raw []byte, set []B, err error)
	build func(bits []B) []byte
}

// HaveTVRBit succeeds when the outcome's TVR has bit set.
func HaveTVRBit(bit emv.TVRBit) types.GomegaMatcher { return tvrMatcher([]emv.TVRBit{bit}, false) }

// HaveExactTVR succeeds when the outcome's TVR has exactly bits set (none:
// an all-zero TVR).
func HaveExactTVR(bits ...emv.TVRBit) types.GomegaMatcher { return tvrMatcher(bits, true) }

// HaveTSIBit succeeds when the outcome's TSI has bit set.
func HaveTSIBit(bit emv.TSIBit) types.GomegaMatcher { return tsiMatcher([]emv.TSIBit{bit}, false) }

// HaveExactTSI succeeds when the outcome's TSI has exactly bits set.
func HaveExactTSI(bits ...emv.TSIBit) types.GomegaMatcher { return tsiMatcher(bits, true) }

func tvrMatcher(bits []emv.TVRBit, exact bool) bitMatcher[emv.TVRBit] {
	return bitMatcher[emv.TVRBit]{
		field: "TVR", bits: bits, exact: exact,
		of: func(actual any) ([]byte, []emv.TVRBit, error) {
			t, ok := actual.(emv.TVR)
			if !ok {
				o, err := outcomeOf(actual)
				if err != nil {
					return nil, nil, err
				}
				t = o.TVR
			}
			return t[:], t.Bits(), nil
		},
		build: func(bits []emv.TVRBit) []byte {
			var t emv.TVR
			t.Set(bits...)
			return t[:]
		},
	}
}

func tsiMatcher(bits []emv.TSIBit, exact bool) bitMatcher[emv.TSIBit] {
	return bitMatcher[emv.TSIBit]{
		field: "TSI", bits: bits, exact: exact,
		of: func(actual any) ([]byte, []emv.TSIBit, error) {
			t, ok := actual.(emv.TSI)
			if !ok {
				o, err := outcomeOf(actual)
				if err != nil {
					return nil, nil, err
				}
				t = o.TSI
			}
			return t[:], t.Bits(), nil
		},
		build: func(bits []emv.TSIBit) []byte {
			var t emv.TSI
			t.Set(bits...)
			return t[:]
		},
	}
}

func (m bitMatcher[B]) Match(actual any) (bool, error) {
	raw, set, err := m.of(actual)
	if err != nil {
		return false, err
	}
	if m.exact {
		return string(raw) == string(m.build(m.bits)), nil
	}
	missing, _ := diffBits(m.bits, set)
	return len(missing) == 0, nil
}

func (m bitMatcher[B]) FailureMessage(actual any) string {
	raw, set, _ := m.of(actual)
	var b strings.Builder
	if m.exact {
		missing, extra := diffBits(m.bits, set)
		fmt.Fprintf(&b, "Expected %s %X [%s]\n\tgot %s %X [%s]", m.field, m.build(m.bits), names(m.bits), m.field, raw, names(set))
		writeDiff(&b, missing, extra)
	} else {
		fmt.Fprintf(&b, "Expected %s bit %q to be set\n\tgot %s %X [%s]", m.field, names(m.bits), m.field, raw, names(set))
	}
	return b.String()
}

func (m bitMatcher[B]) NegatedFailureMessage(actual any) string {
	raw, set, _ := m.of(actual)
	return fmt.Sprintf("Expected %s not to have [%s]\n\tgot %s %X [%s]", m.field, names(m.bits), m.field, raw, names(set))
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
