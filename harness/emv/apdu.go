package emv

import (
	"errors"
	"fmt"
)

// Class bytes (EMV Book 3, 6.3.1).
const (
	ClaISO             = 0x00 // inter-industry command (ISO/IEC 7816-4)
	ClaProprietary     = 0x80 // EMV proprietary command: GPO, GENERATE AC, GET DATA
	ClaSecureMessaging = 0x84 // proprietary with secure messaging: issuer script commands
)

// Instruction bytes of the commands EMV uses (EMV Book 3, 6.3.2 and 6.5;
// EMV Book 1, 9.3.1 for GET RESPONSE).
const (
	InsApplicationBlock     = 0x1E
	InsApplicationUnblock   = 0x18
	InsCardBlock            = 0x16
	InsExternalAuthenticate = 0x82
	InsGenerateAC           = 0xAE
	InsGetChallenge         = 0x84
	InsGetData              = 0xCA
	InsGetProcessingOptions = 0xA8
	InsGetResponse          = 0xC0
	InsInternalAuthenticate = 0x88
	InsPINChangeUnblock     = 0x24
	InsPutData              = 0xDA
	InsReadRecord           = 0xB2
	InsSelect               = 0xA4
	InsUpdateRecord         = 0xDC
	InsVerify               = 0x20
)

// GENERATE AC reference control parameter, P1 (EMV Book 3, 6.5.5.2): bits
// b8-b7 the cryptogram type asked for, b5 a CDA signature requested.
const (
	RefControlAAC  = 0x00
	RefControlTC   = 0x40
	RefControlARQC = 0x80
	RefControlCDA  = 0x10
)

// VERIFY qualifier of the reference data, P2 (EMV Book 3, 6.5.13.2).
const (
	VerifyPlaintextPIN  = 0x80
	VerifyEncipheredPIN = 0x88
)

// Command and response APDU errors; errors returned wrap one of them.
var (
	ErrCommandTooShort    = errors.New("command apdu shorter than its 4-byte header")
	ErrCommandLength      = errors.New("command apdu body matches no case of ISO/IEC 7816-4")
	ErrCommandDataTooLong = errors.New("command data longer than 65535 bytes")
	ErrCommandLe          = errors.New("le outside 0..65536")
	ErrCommandParameter   = errors.New("bad command parameter")
	ErrResponseTooShort   = errors.New("response apdu shorter than its status word")
)

// Command is a command APDU (ISO/IEC 7816-4, 5.1; EMV Book 3, 6.1).
//
// Data is the command data field (Nc = len(Data)). When HasLe is set, Le is
// Ne, the maximum number of response data bytes expected, 1 to 65536; 0
// is read as 256, the "Le = '00'" of EMV's command descriptions. Encode picks
// the short form unless Nc > 255, Ne > 256 or Extended is set; ParseCommand
// sets Extended when the input used the extended form.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Le               int
	HasLe            bool
	Extended         bool
}

// Case returns the ISO/IEC 7816-4 case of c: 1 (no data, no Le), 2 (Le
// only), 3 (data only) or 4 (data and Le).
func (c Command) Case() int {
	switch {
	case len(c.Data) == 0 && !c.HasLe:
		return 1
	case len(c.Data) == 0:
		return 2
	case !c.HasLe:
		return 3
	default:
		return 4
	}
}

// ne returns the Ne that c encodes.
func (c Command) ne() int {
	if c.Le == 0 {
		return 256
	}
	return c.Le
}

func (c Command) extended() bool { return c.Extended || len(c.Data) > 255 || (c.HasLe && c.ne() > 256) }

func (c Command) encodedLen() int {
	n := 4 + len(c.Data)
	ext := c.extended()
	if len(c.Data) > 0 {
		n += 1
		if ext {
			n += 2
		}
	}
	if c.HasLe {
		switch {
		case !ext:
			n++
		case len(c.Data) > 0:
			n += 2
		default:
			n += 3
		}
	}
	return n
}

// AppendTo appends the encoding of c to dst (ISO/IEC 7816-4, 5.1, Table 1:
// short Lc and Le one byte, Le 256 as '00'; extended Lc as '00' and two
// bytes, Le as two bytes, preceded by '00' when there is no Lc, Le 65536 as
// '0000').
func (c Command) AppendTo(dst []byte) ([]byte, error) {
	nc := len(c.Data)
	if nc > 65535 {
		return dst, fmt.Errorf("encode command apdu: %d data bytes: %w", nc, ErrCommandDataTooLong)
	}
	if c.HasLe && (c.Le < 0 || c.Le > 65536) {
		return dst, fmt.Errorf("encode command apdu: le %d: %w", c.Le, ErrCommandLe)
	}
	ext := c.extended()
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	if nc > 0 {
		if ext {
			dst = append(dst, 0, byte(nc>>8), byte(nc))
		} else {
			dst = append(dst, byte(nc))
		}
		dst = append(dst, c.Data...)
	}
	if c.HasLe {
		ne := c.ne()
		switch {
		case !ext:
			dst = append(dst, byte(ne)) // 256 → '00'
		case nc > 0:
			dst = append(dst, byte(ne>>8), byte(ne)) // 65536 → '0000'
		default:
			dst = append(dst, 0, byte(ne>>8), byte(ne))
		}
	}
	return dst, nil
}

// Encode returns the encoding of c (see AppendTo).
func (c Command) Encode() ([]byte, error) { return c.AppendTo(make([]byte, 0, c.encodedLen())) }

// ParseCommand decodes a command APDU of any case, short or extended
// (ISO/IEC 7816-4, 5.1, Table 1). Data aliases b. A body that fits no case
// (Lc disagreeing with the bytes that follow, extended Lc of zero) is an
// error wrapping ErrCommandLength, which a card answers with 6700.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("parse command apdu: %d bytes: %w", len(b), ErrCommandTooShort)
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.HasLe, c.Le = true, le256(body[0])
		return c, nil
	case body[0] != 0: // case 3S or 4S
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
		case 2 + nc:
			c.HasLe, c.Le = true, le256(body[1+nc])
		default:
			return Command{}, fmt.Errorf("parse command apdu: short lc %d with %d bytes after it: %w", nc, len(body)-1, ErrCommandLength)
		}
		c.Data = body[1 : 1+nc : 1+nc]
		return c, nil
	case len(body) == 3: // case 2E
		c.HasLe, c.Le, c.Extended = true, le65536(body[1], body[2]), true
		return c, nil
	case len(body) < 3:
		return Command{}, fmt.Errorf("parse command apdu: %d-byte body starting 00: %w", len(body), ErrCommandLength)
	default: // case 3E or 4E
		nc := int(body[1])<<8 | int(body[2])
		if nc == 0 {
			return Command{}, fmt.Errorf("parse command apdu: extended lc 0000: %w", ErrCommandLength)
		}
		switch len(body) {
		case 3 + nc:
		case 5 + nc:
			c.HasLe, c.Le = true, le65536(body[3+nc], body[4+nc])
		default:
			return Command{}, fmt.Errorf("parse command apdu: extended lc %d with %d bytes after it: %w", nc, len(body)-3, ErrCommandLength)
		}
		c.Data = body[3 : 3+nc : 3+nc]
		c.Extended = true
		return c, nil
	}
}

func le65536(hi, lo byte) int {
	if n := int(hi)<<8 | int(lo); n != 0 {
		return n
	}
	return 65536
}

// Response is a response APDU: the data field and the status word (ISO/IEC
// 7816-4, 5.1; EMV Book 3, 6.2).
type Response struct {
	Data []byte
	SW   uint16
}

// ParseResponse splits a response APDU into data and status word. Data
// aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("parse response apdu: %d bytes: %w", len(b), ErrResponseTooShort)
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// AppendTo appends the encoding of r to dst.
func (r Response) AppendTo(dst []byte) []byte {
	dst = append(dst, r.Data...)
	return append(dst, byte(r.SW>>8), byte(r.SW))
}

// Encode returns the encoding of r: data then SW1 SW2.
func (r Response) Encode() []byte { return r.AppendTo(make([]byte, 0, len(r.Data)+2)) }

// Status returns the status word.
func (r Response) Status() StatusWord { return StatusWord(r.SW) }

// OK reports status 9000.
func (r Response) OK() bool { return r.SW == SWNoError }

// Err returns nil for status 9000 and ErrStatus{SW} for any other, warnings
// included: whether 6283 or 63Cx is acceptable depends on the command, so the
// caller decides.
func (r Response) Err() error {
	if r.SW == SWNoError {
		return nil
	}
	return ErrStatus{SW: r.SW}
}

// SelectByName returns SELECT by DF name (an AID or "1PAY.SYS.DDF01"): P1 04,
// P2 00 for the first or only occurrence, 02 for the next one (EMV Book 3,
// 6.5.12; EMV Book 1, 12.3.3 for partial-name selection). Le '00'.
func SelectByName(name []byte, next bool) Command {
	c := Command{CLA: ClaISO, INS: InsSelect, P1: 0x04, Data: name, HasLe: true}
	if next {
		c.P2 = 0x02
	}
	return c
}

// ReadRecord returns READ RECORD of record number record in the file with
// short file identifier sfi: P1 the record, P2 = SFI << 3 | 4 ("P1 is a
// record number") (EMV Book 3, 6.5.11.2). sfi must be 1 to 30 and record
// nonzero (EMV Book 3, 10.2: AFL entries).
func ReadRecord(sfi, record byte) (Command, error) {
	if sfi < 1 || sfi > 30 {
		return Command{}, fmt.Errorf("build read record: sfi %d outside 1..30: %w", sfi, ErrCommandParameter)
	}
	if record == 0 {
		return Command{}, fmt.Errorf("build read record: record number 0: %w", ErrCommandParameter)
	}
	return Command{CLA: ClaISO, INS: InsReadRecord, P1: record, P2: sfi<<3 | 0x04, HasLe: true}, nil
}

// GetProcessingOptions returns GET PROCESSING OPTIONS with the PDOL-related
// data wrapped in the Command Template, tag 83 (EMV Book 3, 6.5.8.3); with no
// PDOL the data field is 83 00. Le '00'.
func GetProcessingOptions(pdolData []byte) Command {
	data := TLV{Tag: 0x83, Value: pdolData}.Encode()
	return Command{CLA: ClaProprietary, INS: InsGetProcessingOptions, Data: data, HasLe: true}
}

// GenerateAC returns GENERATE AC with reference control parameter p1 (a
// RefControl type, optionally or'ed with RefControlCDA) and the CDOL1 or
// CDOL2 related data (EMV Book 3, 6.5.5). Le '00'.
func GenerateAC(p1 byte, cdolData []byte) Command {
	return Command{CLA: ClaProprietary, INS: InsGenerateAC, P1: p1, Data: cdolData, HasLe: true}
}

// GetData returns GET DATA of a one- or two-byte tag (ATC 9F36, last online
// ATC 9F13, PIN try counter 9F17, log format 9F4F) in P1 P2 (EMV Book 3,
// 6.5.7). Le '00'.
func GetData(tag Tag) (Command, error) {
	if tag == 0 || tag > 0xFFFF {
		return Command{}, fmt.Errorf("build get data: tag %s does not fit P1 P2: %w", tag, ErrCommandParameter)
	}
	return Command{CLA: ClaProprietary, INS: InsGetData, P1: byte(tag >> 8), P2: byte(tag), HasLe: true}, nil
}

// GetChallenge returns GET CHALLENGE, which asks for an 8-byte unpredictable
// number for PIN encipherment (EMV Book 3, 6.5.6). Le '00'.
func GetChallenge() Command {
	return Command{CLA: ClaISO, INS: InsGetChallenge, HasLe: true}
}

// Verify returns VERIFY with qualifier p2 (VerifyPlaintextPIN or
// VerifyEncipheredPIN) and the transaction PIN data (EMV Book 3, 6.5.13).
// Case 3: no Le.
func Verify(p2 byte, pinData []byte) Command {
	return Command{CLA: ClaISO, INS: InsVerify, P2: p2, Data: pinData}
}

// InternalAuthenticate returns INTERNAL AUTHENTICATE with the DDOL-related
// data (EMV Book 3, 6.5.9). Le '00'.
func InternalAuthenticate(ddolData []byte) Command {
	return Command{CLA: ClaISO, INS: InsInternalAuthenticate, Data: ddolData, HasLe: true}
}

// ExternalAuthenticate returns EXTERNAL AUTHENTICATE with the Issuer
// Authentication Data, tag 91 (EMV Book 3, 6.5.4). Case 3: no Le.
func ExternalAuthenticate(issuerAuthData []byte) Command {
	return Command{CLA: ClaISO, INS: InsExternalAuthenticate, Data: issuerAuthData}
}

// GetResponse returns GET RESPONSE for le bytes, as a 61xx status word asks
// under T=0 (EMV Book 1, 9.3.1; ISO/IEC 7816-4, 7.6.1).
func GetResponse(le int) Command {
	return Command{CLA: ClaISO, INS: InsGetResponse, Le: le, HasLe: true}
}
