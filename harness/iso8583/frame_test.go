package iso8583

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestFramingForms(t *testing.T) {
	msg := []byte("0800-body")
	tpdu := NewTPDU(0x60, 0x0003, 0x0000)
	tests := []struct {
		f    Framing
		want string
	}{
		{DefaultFraming, "0009" + hex.EncodeToString(msg)},
		{Framing{Header: Binary2, TPDU: true}, "000E" + "6000030000" + hex.EncodeToString(msg)},
		{Framing{Header: ASCII4}, hex.EncodeToString([]byte("0009")) + hex.EncodeToString(msg)},
		{Framing{Header: ASCII4, TPDU: true}, hex.EncodeToString([]byte("0014")) + "6000030000" + hex.EncodeToString(msg)},
	}
	for _, tt := range tests {
		b, err := tt.f.Append(nil, tpdu, msg)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b); !strings.EqualFold(got, tt.want) {
			t.Errorf("%+v: %s, want %s", tt.f, got, tt.want)
		}
		fr, rest, err := tt.f.Split(append(b, 0xAA))
		if err != nil || !bytes.Equal(fr.Message, msg) || !bytes.Equal(rest, []byte{0xAA}) {
			t.Errorf("%+v: Split = %q %X %v", tt.f, fr.Message, rest, err)
		}
		if tt.f.TPDU && fr.TPDU != tpdu {
			t.Errorf("%+v: TPDU %s", tt.f, fr.TPDU)
		}
		var w bytes.Buffer
		if err := tt.f.Write(&w, tpdu, msg); err != nil || !bytes.Equal(w.Bytes(), b) {
			t.Errorf("%+v: Write %X %v", tt.f, w.Bytes(), err)
		}
		got, err := tt.f.Read(iotest.OneByteReader(bytes.NewReader(b)))
		if err != nil || !bytes.Equal(got.Message, msg) || (tt.f.TPDU && got.TPDU != tpdu) {
			t.Errorf("%+v: Read %q %v", tt.f, got.Message, err)
		}
	}
}

func TestTPDU(t *testing.T) {
	tp := NewTPDU(0x60, 0x0003, 0x0102)
	if tp.ID() != 0x60 || tp.Dest() != 3 || tp.Orig() != 0x0102 || tp.String() != "6000030102" {
		t.Errorf("TPDU %s: %X %X %X", tp, tp.ID(), tp.Dest(), tp.Orig())
	}
	r := tp.Reply()
	if r.Dest() != 0x0102 || r.Orig() != 3 || r.ID() != 0x60 {
		t.Errorf("Reply %s", r)
	}
}

func TestFramingErrors(t *testing.T) {
	tests := []struct {
		name string
		f    Framing
		data string
		want error
	}{
		{"no header", Framing{}, "0001AA", nil},
		{"short header", DefaultFraming, "00", ErrShort},
		{"short body", DefaultFraming, "0003AAAA", ErrShort},
		{"ascii header not digits", Framing{Header: ASCII4}, hex.EncodeToString([]byte("00X1")) + "AA", ErrPrefix},
		{"over MaxLen", Framing{Header: Binary2, MaxLen: 2}, "0003AAAAAA", ErrLength},
		{"shorter than TPDU", Framing{Header: Binary2, TPDU: true}, "0003AAAAAA", ErrLength},
	}
	for _, tt := range tests {
		data, _ := hex.DecodeString(tt.data)
		_, _, err := tt.f.Split(data)
		var fe *FrameError
		if !errors.As(err, &fe) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: Split err = %v, want %v", tt.name, err, tt.want)
		}
		if tt.want == ErrShort {
			continue
		}
		if _, err := tt.f.Read(bytes.NewReader(data)); !errors.As(err, &fe) {
			t.Errorf("%s: Read err = %v", tt.name, err)
		}
	}
	// Append refuses what the header cannot carry.
	if _, err := (Framing{Header: ASCII4}).Append(nil, TPDU{}, make([]byte, 10000)); !errors.Is(err, ErrLength) {
		t.Errorf("ASCII4 10000 bytes: %v", err)
	}
	if _, err := DefaultFraming.Append(nil, TPDU{}, make([]byte, 65536)); !errors.Is(err, ErrLength) {
		t.Errorf("Binary2 65536 bytes: %v", err)
	}
	if _, err := (Framing{}).Append(nil, TPDU{}, nil); err == nil {
		t.Error("Append without header")
	}
	if err := (Framing{}).Write(io.Discard, TPDU{}, nil); err == nil {
		t.Error("Write without header")
	}
	if err := DefaultFraming.Write(failWriter{}, TPDU{}, []byte("x")); !errors.Is(err, errFail) {
		t.Errorf("Write to a failing writer: %v", err)
	}
}

var errFail = errors.New("wire cut")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

// countWriter counts Write calls.
type countWriter struct {
	bytes.Buffer
	calls int
}

func (w *countWriter) Write(p []byte) (int, error) { w.calls++; return w.Buffer.Write(p) }

func TestFramingStream(t *testing.T) {
	f := Framing{Header: Binary2, TPDU: true}
	var w countWriter
	msgs := []string{"0100first", "", "0800third"}
	for i, m := range msgs {
		if err := f.Write(&w, NewTPDU(0x60, uint16(i), 0), []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if w.calls != len(msgs) {
		t.Errorf("%d writes for %d frames", w.calls, len(msgs))
	}
	// A zero-length frame is a keep-alive with nothing in it.
	keepAlive := []byte{0, 0}
	stream := append(append([]byte(nil), keepAlive...), w.Bytes()...)
	r := bytes.NewReader(stream)
	fr, err := f.Read(r)
	if err != nil || len(fr.Message) != 0 || fr.TPDU != (TPDU{}) {
		t.Fatalf("keep-alive: %+v %v", fr, err)
	}
	for i, m := range msgs {
		fr, err := f.Read(r)
		if err != nil || string(fr.Message) != m || fr.TPDU.Dest() != uint16(i) {
			t.Fatalf("frame %d: %q %s %v", i, fr.Message, fr.TPDU, err)
		}
	}
	if _, err := f.Read(r); err != io.EOF {
		t.Fatalf("end of stream: %v, want io.EOF", err)
	}
	// A stream cut inside a header or a body is an unexpected EOF.
	for _, cut := range []int{1, 3, 8} {
		_, err := f.Read(bytes.NewReader(w.Bytes()[:cut]))
		var fe *FrameError
		if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: %v", cut, err)
		}
	}
	// Split walks the same stream.
	rest := stream
	for n := 0; len(rest) > 0; n++ {
		var err error
		if _, rest, err = f.Split(rest); err != nil {
			t.Fatalf("Split %d: %v", n, err)
		}
	}
}

func TestLengthHeaderString(t *testing.T) {
	if Binary2.String() != "binary2" || ASCII4.String() != "ascii4" || LengthHeader(9).String() != "header(9)" {
		t.Error("LengthHeader.String")
	}
}

func TestParseFraming(t *testing.T) {
	for _, s := range []string{"binary2", "binary2+tpdu", "ascii4", "ascii4+tpdu"} {
		f, err := ParseFraming(s)
		if err != nil || f.String() != s {
			t.Errorf("ParseFraming(%q) = %v, %v", s, f, err)
		}
	}
	if f, _ := ParseFraming("BINARY2+TPDU"); !f.TPDU || f.Header != Binary2 {
		t.Error("ParseFraming is case-sensitive")
	}
	if _, err := ParseFraming("binary4"); err == nil {
		t.Error("ParseFraming(binary4) accepted")
	}
}
