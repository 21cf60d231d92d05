package serial

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Code is one decoded code as the scanner framed it.
type Code struct {
	// Text is the code's data, prefix, AIM identifier and suffix removed.
	Text string
	// AIM is the AIM symbology identifier ("]Q1"), empty when not
	// configured or not sent.
	AIM string
	// Symbology names the AIM identifier's symbology ("QR Code"), empty
	// when unknown.
	Symbology string
}

// maxFrame bounds the bytes buffered while waiting for a suffix. A QR code
// holds at most 7089 numeric characters (ISO/IEC 18004, version 40-L).
const maxFrame = 8192

// framer cuts the byte stream into codes. It holds no I/O so that it can be
// tested and fuzzed on its own.
type framer struct {
	suffix []byte
	prefix string
	aim    bool
	buf    []byte
}

// next returns the next complete code in the buffer, ok false when no
// complete non-empty frame is buffered yet. Frames that are empty once
// cleaned (stray line ends, pure noise) are consumed silently.
func (f *framer) next() (codes []Code, ok bool) {
	for {
		i := bytes.Index(f.buf, f.suffix)
		if i < 0 {
			if len(f.buf) > maxFrame {
				// No code is that long: this is a line at the wrong
				// baud rate or suffix, not data worth keeping.
				f.buf = f.buf[:0]
			}
			return nil, false
		}
		raw := f.buf[:i]
		f.buf = f.buf[i+len(f.suffix):]
		if codes := f.parse(raw); len(codes) > 0 {
			return codes, true
		}
	}
}

// flush takes whatever is buffered as one frame, for WithIdleEnd.
func (f *framer) flush() []Code {
	raw := f.buf
	f.buf = nil
	return f.parse(raw)
}

// reset drops a partial frame, as after a disconnect.
func (f *framer) reset() { f.buf = f.buf[:0] }

// parse cleans one frame and splits it into codes.
func (f *framer) parse(raw []byte) []Code {
	s := clean(raw)
	if f.prefix != "" {
		// Whatever precedes the first prefix is line noise; a second
		// prefix means the scanner dropped the suffix between two codes.
		parts := strings.Split(s, f.prefix)
		var codes []Code
		for _, p := range parts[1:] {
			if c, ok := f.code(p); ok {
				codes = append(codes, c)
			}
		}
		return codes
	}
	if f.aim {
		// Without a prefix, the AIM identifier marks the start of data.
		for i := 0; i < len(s); i++ {
			if isAIM(s[i:]) {
				s = s[i:]
				break
			}
		}
	}
	if c, ok := f.code(s); ok {
		return []Code{c}
	}
	return nil
}

func (f *framer) code(s string) (Code, bool) {
	var c Code
	if f.aim && isAIM(s) {
		c.AIM, s = s[:3], s[3:]
		c.Symbology = aimSymbologies[c.AIM[1]]
	}
	if s == "" {
		return Code{}, false
	}
	c.Text = s
	return c, true
}

// clean removes C0 control characters, DEL and invalid UTF-8 bytes: noise a
// scanner line picks up at plug-in or from a mismatched baud rate. No
// scanner sends them inside a code in serial mode (GS1 FNC1 is sent as
// GS 0x1D only in keyboard-wedge modes that paylab does not drive).
func clean(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
}
