package trace

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

var longDigits = regexp.MustCompile(`[0-9]{16,}`)

// FuzzRecord: recording any pair of APDUs never panics, and no run of 16 or
// more digits of a '5A' value found in the response data, or in the command
// data of anything but SELECT (whose DF name is public), reaches Render or
// the JSON of the entries.
func FuzzRecord(f *testing.F) {
	f.Add(unhex("00B2010C00"), ok(tlv(0x70, nil, tlv(0x5A, unhex(testPAN)), tlv(0x57, unhex(testTrack2)))))
	f.Add(unhex("80AE8000085A08"+testPAN), unhex("80085A08"+testPAN+"9000"))
	f.Add(unhex("84DC010C0E5A08"+testPAN+"0102030405"), unhex("6985"))
	f.Add(unhex("00200080082412FFFFFFFFFFFF"), unhex("63C2"))
	f.Add(unhex("00A4040007A0000000031010"), unhex("6F0E5A08"+testPAN+"FFFF9000"))
	f.Add(unhex("80A80000028300"), unhex("7081FF5A08"+testPAN))
	f.Fuzz(func(t *testing.T, capdu, rapdu []byte) {
		r := New()
		// A record first, so that the session may hold DOLs.
		r.APDU("", unhex("00B2010C00"), ok(tlv(0x70, nil, tlv(0x8C, unhex("5A089F3704")), tlv(0x9F38, unhex("9F0206")))), t0)
		r.APDU("", capdu, rapdu, t0)
		r.APDUError("", capdu, nil, t0)
		js, err := json.Marshal(r.Entries())
		if err != nil {
			t.Fatal(err)
		}
		out := r.String() + string(js)
		var pans []string
		collect := func(b []byte) {
			_ = emv.Walk(b, func(tag emv.Tag, v []byte, _ bool) error {
				if tag == emv.TagPAN {
					pans = append(pans, longDigits.FindAllString(strings.ToUpper(hexDump(v, nil)), -1)...)
				}
				return nil
			})
		}
		if len(rapdu) >= 2 {
			collect(rapdu[:len(rapdu)-2])
		}
		if c, err := emv.ParseCommand(capdu); err == nil && c.INS != emv.InsSelect {
			collect(c.Data)
		}
		for _, p := range pans {
			if strings.Contains(out, p) {
				t.Fatalf("PAN digits %s leaked:\n%s", emv.MaskPAN(p), out)
			}
		}
	})
}
