package iso8583

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

// Golden files, crypto/tls style: testdata/golden/NAME.hex holds the framed
// message in hexadecimal, NAME.txt and NAME.json its masked description.
// Regenerate them with
//
//	go test ./harness/iso8583 -run TestGolden -update
//
// and review the diff.

type goldenCase struct {
	name    string
	d       *Dialect
	framing Framing
	tpdu    TPDU
	build   func(t *testing.T, d *Dialect) *Message
}

func setAll(t *testing.T, m *Message, fields map[int]string) {
	t.Helper()
	for n, v := range fields {
		if err := m.SetString(n, v); err != nil {
			t.Fatal(err)
		}
	}
}

// iccData is a DE 55 of an online request: amounts, TVR, cryptogram and
// the PAN and track 2 equivalent, which the description must mask.
func iccData(t *testing.T) []emv.TLV {
	t.Helper()
	var objs []emv.TLV
	for _, kv := range [][2]string{
		{"9F02", "000000002500"}, {"9F03", "000000000000"}, {"9F1A", "0978"}, {"95", "0000008000"},
		{"5F2A", "0978"}, {"9A", "250701"}, {"9C", "00"}, {"9F37", "1A2B3C4D"}, {"82", "3900"},
		{"9F36", "0042"}, {"9F26", "8E19ED4BCA5C670A"}, {"9F27", "80"}, {"9F10", "06011203A0B800"},
		{"5A", "4761739001010119"}, {"57", "4761739001010119D25122011143804400000F"},
	} {
		tag, err := emv.ParseTag(kv[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := hex.DecodeString(kv[1])
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, emv.TLV{Tag: tag, Value: v})
	}
	return objs
}

func goldenCases(t *testing.T) []goldenCase {
	return []goldenCase{
		{
			name: "typical-0100", d: ISO1987, framing: DefaultFraming,
			build: func(t *testing.T, d *Dialect) *Message {
				m, objs := loadTypical(t)
				if err := m.SetTLV(55, objs); err != nil {
					t.Fatal(err)
				}
				return m
			},
		},
		{
			name: "iso1993-1100", d: ISO1993, framing: Framing{Header: ASCII4},
			build: func(t *testing.T, d *Dialect) *Message {
				m := NewMessage(d, MustMTI("1100"))
				setAll(t, m, map[int]string{
					2: typicalPAN, 3: "000000", 4: "000000002500", 11: "000042", 12: "250701123045",
					14: "2512", 22: "51010151134C", 23: "001", 24: "100", 26: "5411", 35: typicalTrack2,
					41: "TERM0002", 42: "MERCHANT0000012", 43: "Test Store\\123 Main St\\City\\12345  FRA",
					49: "978", 52: "3B1F05A2D4E6C789", 100: "476173", 102: "0012345678", 128: "0011223344556677",
				})
				if err := m.SetTLV(55, iccData(t)); err != nil {
					t.Fatal(err)
				}
				return m
			},
		},
		{
			name: "pos-bcd-0200", d: loadDialectFile(t, "pos-bcd.yaml"),
			framing: Framing{Header: Binary2, TPDU: true}, tpdu: NewTPDU(0x60, 0x0003, 0x0000),
			build: func(t *testing.T, d *Dialect) *Message {
				m := NewMessage(d, MustMTI("0200"))
				setAll(t, m, map[int]string{
					2: "476173900101011", 3: "000000", 4: "2500", 11: "000042", 12: "123045", 13: "0701",
					14: "2512", 22: "051", 23: "001", 24: "003", 25: "00", 28: "C00000050",
					32: "12345678901", 35: typicalTrack2, 41: "TERM0003", 42: "MERCHANT0000012",
					49: "978", 52: "3B1F05A2D4E6C789", 53: "2600000000000000", 60: "22000001000600",
					64: "8899AABBCCDDEEFF",
				})
				if err := m.SetTLV(55, iccData(t)); err != nil {
					t.Fatal(err)
				}
				return m
			},
		},
		{
			name: "ascii-hex-0800", d: loadDialectFile(t, "ascii-hex.json"), framing: DefaultFraming,
			build: func(t *testing.T, d *Dialect) *Message {
				m := NewMessage(d, MustMTI("0800"))
				setAll(t, m, map[int]string{
					7: "0701123045", 11: "000043", 48: "LOGON KEY=ZPK", 53: "0102030405060708",
					70: "101", 96: "0123456789ABCDEF", 97: "D0000000000001234", 120: "PRIVATE DATA",
					128: "FEDCBA9876543210",
				})
				return m
			},
		},
	}
}

// hexLines writes b in upper-case hexadecimal, 32 bytes a line.
func hexLines(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		n := min(32, len(b))
		s.WriteString(strings.ToUpper(hex.EncodeToString(b[:n])))
		s.WriteByte('\n')
		b = b[n:]
	}
	return s.String()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func describeJSON(t *testing.T, d Description) []byte {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			m := gc.build(t, gc.d)
			if err := m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			packed, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			framed, err := gc.framing.Append(nil, gc.tpdu, packed)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, gc.name+".hex", []byte(hexLines(framed)))
			golden(t, gc.name+".txt", []byte(m.String()))
			golden(t, gc.name+".json", describeJSON(t, m.Describe(DescribeOptions{})))

			// From the wire: the golden bytes unpack to the same description.
			raw, err := os.ReadFile(filepath.Join("testdata", "golden", gc.name+".hex"))
			if err != nil {
				t.Fatal(err)
			}
			wire, err := hex.DecodeString(strings.ReplaceAll(string(raw), "\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			fr, rest, err := gc.framing.Split(wire)
			if err != nil || len(rest) != 0 || fr.TPDU != gc.tpdu {
				t.Fatalf("Split: %v, %d bytes left, TPDU %s", err, len(rest), fr.TPDU)
			}
			back, err := Unpack(gc.d, fr.Message)
			if err != nil {
				t.Fatal(err)
			}
			if got := back.String(); got != m.String() {
				t.Errorf("unpacked description differs:\n%s", got)
			}
			for _, s := range []string{typicalPAN, typicalPAN[6:12], "2011143804400000", "3B1F05A2D4E6C789"} {
				if strings.Contains(m.String(), s) || strings.Contains(string(describeJSON(t, back.Describe(DescribeOptions{}))), s) {
					t.Errorf("masked description shows %q", s)
				}
			}
			if m.Has(2) && !strings.Contains(back.Describe(DescribeOptions{Unmask: true}).String(), "4761739001010") {
				t.Error("unmasked description hides the PAN")
			}
		})
	}
}
