package iso8583

import (
	"errors"
	"testing"
)

// The MTI digits as ISO 8583:1987 and 1993 (4.1) define them; the examples
// are the usual ones of acquirer-issuer traffic.
func TestMTIDigits(t *testing.T) {
	tests := []struct {
		mti      string
		v        Version
		c        Class
		f        Function
		o        Origin
		repeat   bool
		describe string
	}{
		{"0100", Version1987, ClassAuthorization, FunctionRequest, OriginAcquirer, false, "ISO 8583:1987 authorization request from acquirer"},
		{"0110", Version1987, ClassAuthorization, FunctionRequestResponse, OriginAcquirer, false, "ISO 8583:1987 authorization request response from acquirer"},
		{"0421", Version1987, ClassReversal, FunctionAdvice, OriginAcquirerRepeat, true, "ISO 8583:1987 reversal/chargeback advice from acquirer repeat"},
		{"0800", Version1987, ClassNetwork, FunctionRequest, OriginAcquirer, false, "ISO 8583:1987 network management request from acquirer"},
		{"1110", Version1993, ClassAuthorization, FunctionRequestResponse, OriginAcquirer, false, "ISO 8583:1993 authorization request response from acquirer"},
		{"1804", Version1993, ClassNetwork, FunctionRequest, OriginOther, false, "ISO 8583:1993 network management request from other"},
		{"2220", Version2003, ClassFinancial, FunctionAdvice, OriginAcquirer, false, "ISO 8583:2003 financial advice from acquirer"},
		{"9999", 9, 9, 9, 9, false, "private use reserved for ISO reserved for ISO from reserved for ISO"},
	}
	for _, tt := range tests {
		m, err := ParseMTI(tt.mti)
		if err != nil {
			t.Fatalf("ParseMTI(%s): %v", tt.mti, err)
		}
		if m.String() != tt.mti {
			t.Errorf("%s: String() = %s", tt.mti, m)
		}
		if m.Version() != tt.v || m.Class() != tt.c || m.Function() != tt.f || m.Origin() != tt.o {
			t.Errorf("%s: digits %d %d %d %d", tt.mti, m.Version(), m.Class(), m.Function(), m.Origin())
		}
		if m.IsRepeat() != tt.repeat {
			t.Errorf("%s: IsRepeat() = %v", tt.mti, m.IsRepeat())
		}
		if got := m.Describe(); got != tt.describe {
			t.Errorf("%s: Describe() = %q, want %q", tt.mti, got, tt.describe)
		}
	}
}

func TestMTIResponse(t *testing.T) {
	tests := []struct{ req, resp string }{
		{"0100", "0110"}, {"0101", "0110"}, {"0120", "0130"}, {"0200", "0210"},
		{"0400", "0410"}, {"0420", "0430"}, {"0421", "0430"}, {"0800", "0810"},
		{"1100", "1110"}, {"1200", "1210"}, {"1420", "1430"}, {"1804", "1814"},
		{"1644", "1654"}, {"2160", "2170"},
	}
	for _, tt := range tests {
		got, err := MustMTI(tt.req).Response()
		if err != nil || got.String() != tt.resp {
			t.Errorf("Response(%s) = %s, %v; want %s", tt.req, got, err, tt.resp)
		}
	}
	for _, s := range []string{"0110", "0130", "0810", "1814", "0180", "0190"} {
		if _, err := MustMTI(s).Response(); !errors.Is(err, ErrMTI) {
			t.Errorf("Response(%s): err = %v, want ErrMTI", s, err)
		}
	}
}

func TestParseMTIErrors(t *testing.T) {
	for _, s := range []string{"", "010", "01000", "01a0", " 100", "-100"} {
		_, err := ParseMTI(s)
		var me *MTIError
		if !errors.As(err, &me) || !errors.Is(err, ErrMTI) {
			t.Errorf("ParseMTI(%q): err = %v, want *MTIError wrapping ErrMTI", s, err)
		}
	}
	if MTI(100).String() != "0100" {
		t.Errorf("MTI(100) = %s", MTI(100))
	}
}
