package pcsc

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// t0Card is a scripted card: it answers each command from a list and
// records what it was sent.
type t0Card struct {
	answers [][]byte
	sent    [][]byte
}

func (c *t0Card) send(cmd []byte) ([]byte, error) {
	c.sent = append(c.sent, bytes.Clone(cmd))
	if len(c.answers) == 0 {
		return nil, errors.New("unexpected command")
	}
	r := c.answers[0]
	c.answers = c.answers[1:]
	return r, nil
}

func TestExchange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmd     string
		answers []string
		want    string
		sent    []string
	}{
		{"plain 9000", "00A404000E315041592E5359532E444446303100", []string{"6F009000"}, "6F009000",
			[]string{"00A404000E315041592E5359532E444446303100"}},
		{"61xx then GET RESPONSE", "00A404000E315041592E5359532E4444463031", []string{"6104", "6F0201029000"},
			"6F0201029000", []string{"00A404000E315041592E5359532E4444463031", "00C0000004"}},
		{"61xx chain concatenated", "80A8000002830000", []string{"6102", "77006103", "8201009000"},
			"77008201009000", []string{"80A8000002830000", "00C0000002", "00C0000003"}},
		{"6Cxx on case 2", "00B2010C00", []string{"6C1C", "70..9000"}, "70..9000",
			[]string{"00B2010C00", "00B2010C1C"}},
		{"6Cxx on case 1 adds Le", "80CA9F36", []string{"6C05", "9F360200109000"}, "9F360200109000",
			[]string{"80CA9F36", "80CA9F3605"}},
		{"6Cxx then 61xx", "00B2010C00", []string{"6C03", "6103", "7001009000"}, "7001009000",
			[]string{"00B2010C00", "00B2010C03", "00C0000003"}},
		{"6Cxx on GET RESPONSE", "00A4040002A00000", []string{"6100", "6C02", "6F009000"}, "6F009000",
			[]string{"00A4040002A00000", "00C0000000", "00C0000002"}},
		{"error SW passes", "00B2010C00", []string{"6A83"}, "6A83", []string{"00B2010C00"}},
		{"6Cxx on extended APDU passes", "00B2010C000000", []string{"6C10"}, "6C10", []string{"00B2010C000000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &t0Card{}
			for _, a := range tc.answers {
				c.answers = append(c.answers, unhexLoose(a))
			}
			r, err := exchange(c.send, unhexLoose(tc.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r, unhexLoose(tc.want)) {
				t.Errorf("response %X, want %s", r, tc.want)
			}
			if len(c.sent) != len(tc.sent) {
				t.Fatalf("sent %X, want %v", c.sent, tc.sent)
			}
			for i := range c.sent {
				if !bytes.Equal(c.sent[i], unhexLoose(tc.sent[i])) {
					t.Errorf("command %d: %X, want %s", i, c.sent[i], tc.sent[i])
				}
			}
		})
	}
}

// unhexLoose decodes hex, reading ".." as the byte 0xEE.
func unhexLoose(s string) []byte {
	var out []byte
	for i := 0; i+1 < len(s); i += 2 {
		if s[i:i+2] == ".." {
			out = append(out, 0xEE)
			continue
		}
		var b byte
		fmt.Sscanf(s[i:i+2], "%02X", &b)
		out = append(out, b)
	}
	return out
}

func TestExchangeBrokenCard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []string
	}{
		{"short response", []string{"90"}},
		{"6Cxx twice", []string{"6C10", "6C11"}},
		{"short after 6Cxx", []string{"6C10", ""}},
		{"short GET RESPONSE answer", []string{"6110", "61"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &t0Card{}
			for _, a := range tc.answers {
				c.answers = append(c.answers, unhexLoose(a))
			}
			if _, err := exchange(c.send, unhexLoose("00B2010C00")); !errors.Is(err, ErrTransport) {
				t.Fatalf("error %v, want ErrTransport", err)
			}
		})
	}
	// A card that answers 61xx for ever.
	endless := func([]byte) ([]byte, error) { return []byte{0x61, 0x01}, nil }
	if _, err := exchange(endless, unhexLoose("00B2010C00")); !errors.Is(err, ErrTransport) {
		t.Fatalf("endless 61xx: %v, want ErrTransport", err)
	}
	// A transport error is passed through.
	boom := errors.New("reader unplugged")
	if _, err := exchange(func([]byte) ([]byte, error) { return nil, boom }, unhexLoose("00B2010C00")); !errors.Is(err, boom) {
		t.Fatalf("transport error %v", err)
	}
}

func TestWithLe(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"00B2010C", "00B2010C1C", true},
		{"00B2010C00", "00B2010C1C", true},
		{"00A4040002A000", "00A4040002A0001C", true},
		{"00A4040002A00000", "00A4040002A0001C", true},
		{"00A40400", "00A404001C", true},
		{"00A4040003A000", "", false},   // Lc longer than the data
		{"00A4040000A00000", "", false}, // extended length
		{"00A4", "", false},
	} {
		got, ok := withLe(unhexLoose(tc.in), 0x1C)
		if ok != tc.ok || !bytes.Equal(got, unhexLoose(tc.want)) {
			t.Errorf("withLe(%s) = %X %t, want %s %t", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestResolve(t *testing.T) {
	names := []string{"ACS ACR39U ICC Reader 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"}
	for in, want := range map[string]string{
		"Virtual PCD":       "Virtual PCD 00 00",
		"Virtual PCD 00 01": "Virtual PCD 00 01",
		"ACS ACR39U":        "ACS ACR39U ICC Reader 00 00",
	} {
		if got, err := resolve(in, names); err != nil || got != want {
			t.Errorf("resolve(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := resolve("Gemalto", names); !errors.Is(err, ErrNoReader) {
		t.Errorf("resolve(Gemalto): %v, want ErrNoReader", err)
	}
}

// FuzzExchange feeds the T=0 logic arbitrary commands and card answers: it
// must end (bounded GET RESPONSE chain) and never panic, and a success
// always ends with a status word that is neither 61xx nor 6Cxx.
func FuzzExchange(f *testing.F) {
	f.Add(unhexLoose("00A404000E315041592E5359532E4444463031"), unhexLoose("6104"), unhexLoose("6F0201029000"), unhexLoose("9000"))
	f.Add(unhexLoose("00B2010C00"), unhexLoose("6C1C"), unhexLoose("6103"), unhexLoose("7001009000"))
	f.Add(unhexLoose("80CA9F36"), unhexLoose("6C05"), unhexLoose("6C05"), unhexLoose(""))
	f.Fuzz(func(t *testing.T, cmd, a1, a2, a3 []byte) {
		answers := [][]byte{a1, a2, a3}
		i := 0
		send := func([]byte) ([]byte, error) {
			r := answers[i%len(answers)]
			i++
			return r, nil
		}
		r, err := exchange(send, cmd)
		if err != nil {
			return
		}
		if len(r) < 2 {
			t.Fatalf("response %X without a status word", r)
		}
		if sw1 := r[len(r)-2]; sw1 == 0x61 {
			t.Fatalf("61xx left in %X", r)
		}
		if i > maxGetResponse+3 {
			t.Fatalf("%d commands for one APDU", i)
		}
	})
}
