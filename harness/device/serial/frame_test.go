package serial

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFramer(t *testing.T) {
	tests := []struct {
		name   string
		f      framer
		input  string
		want   []Code
		remain string
	}{
		{"CR", framer{suffix: []byte("\r")}, "ABC\rDEF\r", []Code{{Text: "ABC"}, {Text: "DEF"}}, ""},
		{"CRLF", framer{suffix: []byte("\r\n")}, "ABC\r\nDE", []Code{{Text: "ABC"}}, "DE"},
		{"LF after CR suffix is noise", framer{suffix: []byte("\r")}, "ABC\r\nDEF\r\n", []Code{{Text: "ABC"}, {Text: "DEF"}}, "\n"},
		{"Tab", framer{suffix: []byte("\t")}, "12 34\t", []Code{{Text: "12 34"}}, ""},
		{"empty frames skipped", framer{suffix: []byte("\r")}, "\r\r\x00\rX\r", []Code{{Text: "X"}}, ""},
		{"garbage", framer{suffix: []byte("\r")}, "\x00\xff\xfe\x18ABC\r", []Code{{Text: "ABC"}}, ""},
		{"utf-8 kept", framer{suffix: []byte("\r")}, "café\r", []Code{{Text: "café"}}, ""},
		{"prefix strips noise", framer{suffix: []byte("\r"), prefix: "P:"}, "zzP:ABC\r", []Code{{Text: "ABC"}}, ""},
		{"prefix missing drops frame", framer{suffix: []byte("\r"), prefix: "P:"}, "ABC\rP:D\r", []Code{{Text: "D"}}, ""},
		{"dropped suffix split by prefix", framer{suffix: []byte("\r"), prefix: "P:"}, "P:ONEP:TWO\r", []Code{{Text: "ONE"}, {Text: "TWO"}}, ""},
		{"AIM", framer{suffix: []byte("\r"), aim: true}, "]Q1ABC\r", []Code{{Text: "ABC", AIM: "]Q1", Symbology: "QR Code"}}, ""},
		{"AIM after prefix", framer{suffix: []byte("\r"), prefix: "#", aim: true}, "#]d2XYZ\r", []Code{{Text: "XYZ", AIM: "]d2", Symbology: "Data Matrix"}}, ""},
		{"AIM absent", framer{suffix: []byte("\r"), aim: true}, "ABC\r", []Code{{Text: "ABC"}}, ""},
		{"AIM noise before", framer{suffix: []byte("\r"), aim: true}, "\x00]]C0123\r", []Code{{Text: "123", AIM: "]C0", Symbology: "Code 128"}}, ""},
		{"AIM alone is empty", framer{suffix: []byte("\r"), aim: true}, "]Q1\r", nil, ""},
		{"no suffix yet", framer{suffix: []byte("\r")}, "ABC", nil, "ABC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.buf = []byte(tt.input)
			var got []Code
			for {
				codes, ok := f.next()
				if !ok {
					break
				}
				got = append(got, codes...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("codes = %+v, want %+v", got, tt.want)
			}
			if string(f.buf) != tt.remain {
				t.Errorf("remaining = %q, want %q", f.buf, tt.remain)
			}
		})
	}
}

func TestFramerOverrun(t *testing.T) {
	f := framer{suffix: []byte("\r")}
	f.buf = bytes.Repeat([]byte("x"), maxFrame+1)
	if _, ok := f.next(); ok || len(f.buf) != 0 {
		t.Fatalf("overrun kept %d bytes", len(f.buf))
	}
	f.buf = append(f.buf, "OK\r"...)
	if c, ok := f.next(); !ok || c[0].Text != "OK" {
		t.Fatalf("after overrun: %v %v", c, ok)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"1234567890":          "**********",
		"12345678901":         "123456*8901",
		"281234567890123456":  "281234********3456",
		"https://qr.pay/x?o1": "https:*********x?o1",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAIMSymbology(t *testing.T) {
	for id, want := range map[string]string{
		"]Q1": "QR Code", "]E0": "EAN/UPC", "]z0": "Aztec", "]X0": "Other",
		"]q1": "", "Q1": "", "]": "", "]Q": "", "]Q!": "",
	} {
		if got := AIMSymbology(id); got != want {
			t.Errorf("AIMSymbology(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestOpenOptions(t *testing.T) {
	bad := map[string]Option{
		"baud":      WithBaud(0),
		"data bits": WithDataBits(9),
		"parity":    WithParity(Parity(9)),
		"stop bits": WithStopBits(StopBits(-1)),
		"suffix":    WithSuffix(""),
		"timeout":   WithReadTimeout(-time.Second),
		"poll":      WithPollInterval(0),
		"idle end":  WithIdleEnd(-1),
		"backoff":   WithReconnectBackoff(time.Second, time.Millisecond),
	}
	for name, o := range bad {
		if _, err := Open("/dev/null-scanner", o); !errors.Is(err, ErrOption) {
			t.Errorf("%s: error = %v, want ErrOption", name, err)
		}
	}
	_, err := Open("/dev/does-not-exist-scanner")
	if err == nil || !strings.Contains(err.Error(), "open scanner /dev/does-not-exist-scanner") {
		t.Errorf("open missing port: error = %v", err)
	}
	c := defaults()
	for _, o := range []Option{WithParity(ParityEven), WithStopBits(StopBits2), WithDataBits(7), WithBaud(115200)} {
		o(&c)
	}
	m := c.mode()
	if m.BaudRate != 115200 || m.DataBits != 7 || m.Parity == 0 || m.StopBits == 0 {
		t.Errorf("mode = %+v", m)
	}
}

func TestFilterUSB(t *testing.T) {
	ports := []PortInfo{
		{Path: "/dev/ttyS0"},
		{Path: "/dev/ttyACM0", IsUSB: true, VID: "0C2E", PID: "0B61"},
		{Path: "/dev/ttyACM1", IsUSB: true, VID: "05e0", PID: "1701"},
	}
	if got := FilterUSB(ports, "0c2e", "0b61"); len(got) != 1 || got[0].Path != "/dev/ttyACM0" {
		t.Errorf("by VID/PID = %+v", got)
	}
	if got := FilterUSB(ports, "05E0", ""); len(got) != 1 || got[0].Path != "/dev/ttyACM1" {
		t.Errorf("by VID = %+v", got)
	}
	if got := FilterUSB(ports, "ffff", ""); len(got) != 0 {
		t.Errorf("unknown VID = %+v", got)
	}
}

func TestPortsDoesNotFail(t *testing.T) {
	if _, err := Ports(); err != nil {
		t.Fatal(err)
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("]Q1ABC\r"), "P:", true)
	f.Add([]byte("P:ONEP:TWO\r\n"), "P:", false)
	f.Add([]byte("\x00\xff\xfeABC\r"), "", false)
	f.Fuzz(func(t *testing.T, in []byte, prefix string, aim bool) {
		fr := framer{suffix: []byte("\r"), prefix: prefix, aim: aim, buf: in}
		for range len(in) + 1 {
			codes, ok := fr.next()
			if !ok {
				break
			}
			for _, c := range codes {
				if c.Text == "" {
					t.Fatal("empty code returned")
				}
				if strings.ContainsAny(c.Text, "\r\x00\x7f") {
					t.Fatalf("control byte in %q", c.Text)
				}
			}
		}
	})
}

func BenchmarkFramer(b *testing.B) {
	frame := []byte("PL>]Q1281234567890123456\r\n")
	f := framer{suffix: []byte("\r\n"), prefix: "PL>", aim: true}
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		f.buf = append(f.buf[:0], frame...)
		if _, ok := f.next(); !ok {
			b.Fatal("no code")
		}
	}
}
