package iso8583

// MTI is a message type indicator: four decimal digits giving the version of
// ISO 8583, the message class, the message function and the message origin
// (ISO 8583:1987, 4.1; ISO 8583:1993, 4.1). The value is the four digits read
// as a decimal number — MTI 0100 is MTI(100), 1110 is MTI(1110) — so write
// ParseMTI("0100") or MustMTI("0100") where the leading zero matters to the
// reader (a Go literal 0100 is octal).
type MTI uint16

// ParseMTI parses four decimal digits.
func ParseMTI(s string) (MTI, error) {
	if len(s) != 4 {
		return 0, &MTIError{Op: "parse", Err: ErrMTI}
	}
	var v MTI
	for i := 0; i < 4; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, &MTIError{Op: "parse", Err: ErrMTI}
		}
		v = v*10 + MTI(c-'0')
	}
	return v, nil
}

// MustMTI is ParseMTI for constants; it panics on a malformed MTI.
func MustMTI(s string) MTI {
	m, err := ParseMTI(s)
	if err != nil {
		panic(err)
	}
	return m
}

// String returns the four digits, "0100".
func (m MTI) String() string {
	b := m.appendASCII(make([]byte, 0, 4))
	return string(b)
}

func (m MTI) appendASCII(dst []byte) []byte {
	return append(dst, '0'+byte(m/1000%10), '0'+byte(m/100%10), '0'+byte(m/10%10), '0'+byte(m%10))
}

func (m MTI) valid() bool { return m <= 9999 }

// Version is the first MTI digit.
type Version uint8

// Class is the second MTI digit.
type Class uint8

// Function is the third MTI digit.
type Function uint8

// Origin is the fourth MTI digit.
type Origin uint8

// Version returns the version digit.
func (m MTI) Version() Version { return Version(m / 1000 % 10) }

// Class returns the message class digit.
func (m MTI) Class() Class { return Class(m / 100 % 10) }

// Function returns the message function digit.
func (m MTI) Function() Function { return Function(m / 10 % 10) }

// Origin returns the message origin digit.
func (m MTI) Origin() Origin { return Origin(m % 10) }

// Version digits (ISO 8583:2003, 4.1.2; 1987 and 1993 use 0 and 1).
const (
	Version1987 Version = 0
	Version1993 Version = 1
	Version2003 Version = 2
)

// Message classes (second digit).
const (
	ClassAuthorization  Class = 1
	ClassFinancial      Class = 2
	ClassFileAction     Class = 3
	ClassReversal       Class = 4 // reversal (x4x0, x4x1) and, from 1993, chargeback (x4x2, x4x3)
	ClassReconcile      Class = 5
	ClassAdministrative Class = 6
	ClassFeeCollection  Class = 7
	ClassNetwork        Class = 8
)

// Message functions (third digit).
const (
	FunctionRequest         Function = 0
	FunctionRequestResponse Function = 1
	FunctionAdvice          Function = 2
	FunctionAdviceResponse  Function = 3
	FunctionNotification    Function = 4
	FunctionNotificationAck Function = 5
	FunctionInstruction     Function = 6 // ISO 8583:2003
	FunctionInstructionAck  Function = 7 // ISO 8583:2003
)

// Message origins (fourth digit).
const (
	OriginAcquirer       Origin = 0
	OriginAcquirerRepeat Origin = 1
	OriginIssuer         Origin = 2
	OriginIssuerRepeat   Origin = 3
	OriginOther          Origin = 4
	OriginOtherRepeat    Origin = 5
)

func (v Version) String() string {
	switch v {
	case 0:
		return "ISO 8583:1987"
	case 1:
		return "ISO 8583:1993"
	case 2:
		return "ISO 8583:2003"
	case 8:
		return "national use"
	case 9:
		return "private use"
	}
	return "reserved for ISO"
}

func (c Class) String() string {
	switch c {
	case 1:
		return "authorization"
	case 2:
		return "financial"
	case 3:
		return "file action"
	case 4:
		return "reversal/chargeback"
	case 5:
		return "reconciliation"
	case 6:
		return "administrative"
	case 7:
		return "fee collection"
	case 8:
		return "network management"
	}
	return "reserved for ISO"
}

func (f Function) String() string {
	switch f {
	case 0:
		return "request"
	case 1:
		return "request response"
	case 2:
		return "advice"
	case 3:
		return "advice response"
	case 4:
		return "notification"
	case 5:
		return "notification acknowledgement"
	case 6:
		return "instruction"
	case 7:
		return "instruction acknowledgement"
	}
	return "reserved for ISO"
}

func (o Origin) String() string {
	switch o {
	case 0:
		return "acquirer"
	case 1:
		return "acquirer repeat"
	case 2:
		return "issuer"
	case 3:
		return "issuer repeat"
	case 4:
		return "other"
	case 5:
		return "other repeat"
	}
	return "reserved for ISO"
}

// Describe returns the four digits spelt out: "ISO 8583:1987 authorization
// request from acquirer".
func (m MTI) Describe() string {
	return m.Version().String() + " " + m.Class().String() + " " + m.Function().String() + " from " + m.Origin().String()
}

// IsRepeat reports whether the origin digit marks a repeat (odd origins
// 1, 3, 5).
func (m MTI) IsRepeat() bool { o := m.Origin(); return o <= 5 && o%2 == 1 }

// Response returns the MTI that answers m: the function digit of a request,
// advice, notification or instruction plus one, with a repeat origin turned
// into its first-time origin (a response to 0101 is 0110). It fails for an
// MTI that is itself a response.
func (m MTI) Response() (MTI, error) {
	f := m.Function()
	if f%2 != 0 || f > FunctionInstruction {
		return 0, &MTIError{Op: "respond to", Err: ErrMTI}
	}
	o := m.Origin()
	if o <= OriginOtherRepeat && o%2 == 1 {
		o--
	}
	return m - MTI(m%100) + MTI(f+1)*10 + MTI(o), nil
}
