package iso8583

import (
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
)

// LengthHeader is the form of the length that precedes each message on a
// stream connection. The length counts the bytes that follow it (TPDU
// included), not the header itself.
type LengthHeader uint8

const (
	// Binary2 is a 2-byte big-endian binary length (0..65535).
	Binary2 LengthHeader = iota + 1
	// ASCII4 is a 4-digit ASCII decimal length (0000..9999).
	ASCII4
)

func (h LengthHeader) size() int {
	if h == ASCII4 {
		return 4
	}
	return 2
}

func (h LengthHeader) max() int {
	if h == ASCII4 {
		return 9999
	}
	return 0xFFFF
}

func (h LengthHeader) String() string {
	switch h {
	case Binary2:
		return "binary2"
	case ASCII4:
		return "ascii4"
	}
	return "header(" + strconv.Itoa(int(h)) + ")"
}

// TPDU is the 5-byte transport protocol data unit some networks put between
// the length header and the message: an ID (60 for a transaction), a
// destination address and an originator address, two bytes each. A reply
// swaps the addresses.
type TPDU [5]byte

// NewTPDU builds a TPDU.
func NewTPDU(id byte, dest, orig uint16) TPDU {
	return TPDU{id, byte(dest >> 8), byte(dest), byte(orig >> 8), byte(orig)}
}

// ID returns the first byte.
func (t TPDU) ID() byte { return t[0] }

// Dest returns the destination address.
func (t TPDU) Dest() uint16 { return uint16(t[1])<<8 | uint16(t[2]) }

// Orig returns the originator address.
func (t TPDU) Orig() uint16 { return uint16(t[3])<<8 | uint16(t[4]) }

// Reply returns the TPDU of the answer: same ID, addresses swapped.
func (t TPDU) Reply() TPDU { return TPDU{t[0], t[3], t[4], t[1], t[2]} }

// String returns the TPDU in upper-case hexadecimal, "6000030000".
func (t TPDU) String() string { return strings.ToUpper(hex.EncodeToString(t[:])) }

// Framing describes how messages are delimited on a stream: a length
// header, optionally followed by a TPDU.
type Framing struct {
	Header LengthHeader
	TPDU   bool
	// MaxLen bounds the length a header may announce (TPDU included), so
	// that a hostile peer cannot make a reader allocate 64 KiB per frame;
	// zero means the header's own maximum.
	MaxLen int
}

// DefaultFraming is the acquirer's: a 2-byte binary length, no TPDU.
var DefaultFraming = Framing{Header: Binary2}

// Frame is one delimited message. A frame whose length is zero carries no
// message: many networks send it as a keep-alive.
type Frame struct {
	TPDU    TPDU
	Message []byte
}

func (f Framing) limit() int {
	max := f.Header.max()
	if f.MaxLen > 0 && f.MaxLen < max {
		max = f.MaxLen
	}
	return max
}

func (f Framing) check() error {
	if f.Header != Binary2 && f.Header != ASCII4 {
		return errors.New("framing has no length header (want Binary2 or ASCII4)")
	}
	return nil
}

// Append appends msg framed: header, TPDU when the framing has one, msg.
func (f Framing) Append(dst []byte, tpdu TPDU, msg []byte) ([]byte, error) {
	if err := f.check(); err != nil {
		return dst, &FrameError{Op: "append", Err: err}
	}
	n := len(msg)
	if f.TPDU {
		n += len(tpdu)
	}
	if max := f.limit(); n > max {
		return dst, &FrameError{Op: "append", Err: &LengthError{Got: n, Min: 0, Max: max}}
	}
	if f.Header == ASCII4 {
		dst = append(dst, '0'+byte(n/1000), '0'+byte(n/100%10), '0'+byte(n/10%10), '0'+byte(n%10))
	} else {
		dst = append(dst, byte(n>>8), byte(n))
	}
	if f.TPDU {
		dst = append(dst, tpdu[:]...)
	}
	return append(dst, msg...), nil
}

// parseHeader reads the length from a complete header.
func (f Framing) parseHeader(h []byte) (int, error) {
	var n int
	if f.Header == ASCII4 {
		for _, c := range h[:4] {
			if c < '0' || c > '9' {
				return 0, ErrPrefix
			}
			n = n*10 + int(c-'0')
		}
	} else {
		n = int(h[0])<<8 | int(h[1])
	}
	if max := f.limit(); n > max {
		return 0, &LengthError{Got: n, Min: 0, Max: max}
	}
	if f.TPDU && n > 0 && n < len(TPDU{}) {
		return 0, &LengthError{Got: n, Min: len(TPDU{}), Max: f.limit()}
	}
	return n, nil
}

func (f Framing) frameOf(body []byte) Frame {
	var fr Frame
	if f.TPDU && len(body) > 0 {
		copy(fr.TPDU[:], body)
		body = body[len(fr.TPDU):]
	}
	fr.Message = body
	return fr
}

// Split takes the first frame off b: it returns the frame (aliasing b) and
// the bytes after it. When b does not yet hold a whole frame the error
// wraps ErrShort, so a caller that buffers a stream reads more and retries.
func (f Framing) Split(b []byte) (Frame, []byte, error) {
	if err := f.check(); err != nil {
		return Frame{}, b, &FrameError{Op: "split", Err: err}
	}
	hs := f.Header.size()
	if len(b) < hs {
		return Frame{}, b, &FrameError{Op: "split", Err: ErrShort}
	}
	n, err := f.parseHeader(b)
	if err != nil {
		return Frame{}, b, &FrameError{Op: "split", Err: err}
	}
	if len(b)-hs < n {
		return Frame{}, b, &FrameError{Op: "split", Err: ErrShort}
	}
	body := b[hs : hs+n : hs+n]
	return f.frameOf(body), b[hs+n:], nil
}

// Read reads one frame from r into a new buffer. It returns io.EOF, bare,
// when r ends before the first header byte, and a *FrameError wrapping
// io.ErrUnexpectedEOF when r ends inside a frame.
func (f Framing) Read(r io.Reader) (Frame, error) {
	if err := f.check(); err != nil {
		return Frame{}, &FrameError{Op: "read", Err: err}
	}
	var h [4]byte
	hs := f.Header.size()
	if _, err := io.ReadFull(r, h[:hs]); err != nil {
		if err == io.EOF {
			return Frame{}, io.EOF
		}
		return Frame{}, &FrameError{Op: "read", Err: err}
	}
	n, err := f.parseHeader(h[:hs])
	if err != nil {
		return Frame{}, &FrameError{Op: "read", Err: err}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, &FrameError{Op: "read", Err: err}
	}
	return f.frameOf(body), nil
}

// Write writes msg framed with one Write call, so that a frame is never
// interleaved with another writer's nor split by the writer's buffering.
func (f Framing) Write(w io.Writer, tpdu TPDU, msg []byte) error {
	b, err := f.Append(make([]byte, 0, 4+len(tpdu)+len(msg)), tpdu, msg)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return &FrameError{Op: "write", Err: err}
	}
	return nil
}

// String returns the framing as ParseFraming reads it: "binary2",
// "ascii4+tpdu".
func (f Framing) String() string {
	s := f.Header.String()
	if f.TPDU {
		s += "+tpdu"
	}
	return s
}

// ParseFraming reads "binary2", "binary2+tpdu", "ascii4" or "ascii4+tpdu".
func ParseFraming(s string) (Framing, error) {
	var f Framing
	head, tpdu := strings.CutSuffix(strings.ToLower(s), "+tpdu")
	switch head {
	case "binary2":
		f.Header = Binary2
	case "ascii4":
		f.Header = ASCII4
	default:
		return Framing{}, &FrameError{Op: "parse", Err: errors.New("framing " + strconv.Quote(s) + ": want binary2, ascii4, binary2+tpdu or ascii4+tpdu")}
	}
	f.TPDU = tpdu
	return f, nil
}
