package emv

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PrintOptions configure Fprint.
type PrintOptions struct {
	// Unmask prints sensitive values (PAN, track data, names, PIN data) in
	// clear. Never set it for output that leaves the bench.
	Unmask bool
	// Indent is one level of indentation; two spaces when empty.
	Indent string
}

// Fprint writes objs as an indented tree, one data object per line:
//
//	6F [30] File Control Information (FCI) Template
//	  84 [7] Dedicated File (DF) Name: A0000000031010
//	  A5 [19] File Control Information (FCI) Proprietary Template
//	    50 [11] Application Label: 5649534120435245444954 "VISA CREDIT"
//
// Each line gives the tag, the value length in brackets, the dictionary
// name and, for a primitive object, the value in hex, a note when the value
// breaks its dictionary entry ("[invalid: length 3, want 5]"), and what it
// means where that helps: the text of a/an/ans values, dates and times,
// the set bits of the TVR (and of the action codes, which share its layout),
// TSI, AIP, AUC and terminal capabilities, the CID, the CVM Results, the CV
// Rules of a CVM List and the entries of a DOL. Sensitive values are masked
// (see MaskValue) unless opts.Unmask is set. A constructed object lists its
// children one level deeper, named in the context of their template.
func Fprint(w io.Writer, objs []TLV, opts PrintOptions) error {
	p := printer{w: bufio.NewWriter(w), opts: opts}
	if p.opts.Indent == "" {
		p.opts.Indent = "  "
	}
	p.objects(objs, 0, 0)
	return p.w.Flush()
}

// Sprint is Fprint to a string.
func Sprint(objs []TLV, opts PrintOptions) string {
	var b strings.Builder
	_ = Fprint(&b, objs, opts) // a strings.Builder never fails
	return b.String()
}

type printer struct {
	w    *bufio.Writer
	opts PrintOptions
}

func (p *printer) line(depth int, format string, args ...any) {
	p.w.WriteString(strings.Repeat(p.opts.Indent, depth))
	fmt.Fprintf(p.w, format, args...)
	p.w.WriteByte('\n')
}

// detail writes an explanatory line one level below the object at depth.
func (p *printer) detail(depth int, s string) { p.line(depth+1, "- %s", s) }

func (p *printer) objects(objs []TLV, parent Tag, depth int) {
	for _, o := range objs {
		p.object(o, parent, depth)
	}
}

func (p *printer) object(o TLV, parent Tag, depth int) {
	ti, known := LookupTagIn(parent, o.Tag)
	name := ti.Name
	if !known {
		name = "unknown"
	}
	head := fmt.Sprintf("%s [%d] %s", o.Tag, len(o.Value), name)
	if o.Tag.Constructed() && (len(o.Children) > 0 || len(o.Value) == 0) {
		p.line(depth, "%s", head)
		p.objects(o.Children, o.Tag, depth+1)
		return
	}
	invalid := ""
	if known {
		var tve *TagValueError
		if err := ti.Validate(o.Value); errors.As(err, &tve) {
			invalid = " [invalid: " + tve.Detail + "]" // Detail never holds the value
		}
	}
	if ti.Sensitive && !p.opts.Unmask {
		if len(o.Value) == 0 {
			p.line(depth, "%s:", head)
			return
		}
		// The context entry decides: a tag may be sensitive only inside
		// one template (Enciphered Biometric Data in 'BF4E').
		p.line(depth, "%s: %s%s", head, maskSensitive(o.Tag, o.Value), invalid)
		return
	}
	value := strings.ToUpper(hex.EncodeToString(o.Value))
	if note := inlineNote(o.Tag, ti, known, o.Value); note != "" {
		value += " " + note
	}
	value += invalid
	if value == "" {
		p.line(depth, "%s:", head)
	} else {
		p.line(depth, "%s: %s", head, value)
	}
	for _, d := range details(o.Tag, o.Value) {
		p.detail(depth, d)
	}
}

// inlineNote explains a value on its own line: text, dates, times, the CID,
// the CVM Results and the Terminal Type.
func inlineNote(t Tag, ti TagInfo, known bool, v []byte) string {
	if len(v) == 0 {
		return ""
	}
	switch t {
	case 0x9A, 0x5F24, 0x5F25: // n 6 YYMMDD
		if len(v) == 3 && ti.Validate(v) == nil && inRange(v[1], 1, 12) && inRange(v[2], 1, 31) {
			return fmt.Sprintf("(%d-%02X-%02X)", century(v[0]), v[1], v[2])
		}
		return ""
	case 0x9F21: // n 6 HHMMSS
		if len(v) == 3 && ti.Validate(v) == nil && inRange(v[0], 0, 23) && inRange(v[1], 0, 59) && inRange(v[2], 0, 59) {
			return fmt.Sprintf("(%02X:%02X:%02X)", v[0], v[1], v[2])
		}
		return ""
	case 0x9F27:
		if len(v) == 1 {
			return "(" + CID(v[0]).String() + ")"
		}
		return ""
	case 0x9F34:
		if r, err := ParseCVMResults(v); err == nil {
			return "(" + r.String() + ")"
		}
		return ""
	case 0x9F35:
		if len(v) == 1 {
			return "(" + TerminalType(v[0]).String() + ")"
		}
		return ""
	}
	if !known {
		return ""
	}
	switch ti.Format {
	case FormatA, FormatAN, FormatANS:
		if s, ok := printableText(v); ok {
			return fmt.Sprintf("%q", s)
		}
	}
	return ""
}

// inRange reports whether the BCD byte b holds a value in lo..hi.
func inRange(b byte, lo, hi int) bool {
	n := int(b>>4)*10 + int(b&0x0F)
	return n >= lo && n <= hi
}

// century reads the YY of a YYMMDD date as terminals do (EMV Book 4, date
// management): '00'-'49' is 20YY and '50'-'99' is 19YY.
func century(yy byte) int {
	y := int(yy>>4)*10 + int(yy&0x0F)
	if y < 50 {
		return 2000 + y
	}
	return 1900 + y
}

// printableText returns v without trailing '00' padding if every byte left
// is printable ASCII.
func printableText(v []byte) (string, bool) {
	v = trimZeroPadding(v)
	for _, c := range v {
		if c < 0x20 || c > 0x7E {
			return "", false
		}
	}
	return string(v), len(v) > 0
}

// details explains a value on lines of its own: set bits, CV Rules and DOL
// entries.
func details(t Tag, v []byte) []string {
	switch t {
	case 0x95, 0x9F0D, 0x9F0E, 0x9F0F, 0xDF8120, 0xDF8121, 0xDF8122:
		// TVR, and the issuer and terminal action codes, which use the TVR
		// layout (Book 3 10.7).
		if tvr, err := ParseTVR(v); err == nil {
			return setNames(tvr[:], tvrBits)
		}
	case 0x9B:
		if tsi, err := ParseTSI(v); err == nil {
			return setNames(tsi[:], tsiBits)
		}
	case 0x82:
		if aip, err := ParseAIP(v); err == nil {
			return setNames(aip[:], aipBits)
		}
	case 0x9F07:
		if auc, err := ParseAUC(v); err == nil {
			return setNames(auc[:], aucBits)
		}
	case 0x9F33:
		if c, err := ParseTermCaps(v); err == nil {
			return setNames(c[:], termCapBits)
		}
	case 0x9F40:
		if c, err := ParseAddTermCaps(v); err == nil {
			return setNames(c[:], addTermCapBits)
		}
	case 0x8E:
		l, err := ParseCVMList(v)
		if err != nil {
			return nil
		}
		out := []string{fmt.Sprintf("X=%d Y=%d", l.X, l.Y)}
		for _, r := range l.Rules {
			out = append(out, r.String())
		}
		return out
	case 0x9F38, 0x8C, 0x8D, 0x9F49, 0x97, 0x9F4F, 0xDF811A:
		// PDOL, CDOL1, CDOL2, DDOL, TDOL, Log Format and Kernel 2 Default UDOL
		// are tag-and-length lists (Book 3 5.4, Annex D).
		dol, err := ParseDOL(v)
		if err != nil {
			return nil
		}
		out := make([]string, 0, len(dol))
		for _, e := range dol {
			name := "unknown"
			if ti, ok := LookupTag(e.Tag); ok {
				name = ti.Name
			}
			out = append(out, fmt.Sprintf("%s [%d] %s", e.Tag, e.Len, name))
		}
		return out
	}
	return nil
}
