package iso8583

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// DescribeOptions configure Describe.
type DescribeOptions struct {
	// Unmask shows PAN, track data, PIN blocks, security data and sensitive
	// DE 55 tags in clear. Never set it for output that leaves the bench.
	Unmask bool
}

// Description is a message laid out for people and reports, with sensitive
// data masked: fields whose spec says MaskPAN keep the first six and last
// four PAN digits (emv.MaskPAN, PCI DSS 3.4), fields whose spec says MaskAll
// (track data, PIN block, security information) show emv.Masked, and DE 55
// data objects that the EMV dictionary marks sensitive (5A, 56, 57, 5F20,
// 9F6B ...) are masked by emv.MaskValue. It marshals to JSON as is.
type Description struct {
	Dialect string             `json:"dialect"`
	MTI     string             `json:"mti"`
	Meaning string             `json:"meaning"`
	Bitmap  string             `json:"bitmap"`
	Fields  []FieldDescription `json:"fields"`

	unmask bool
}

// FieldDescription is one data element of a Description.
type FieldDescription struct {
	Field  int    `json:"field"`
	Name   string `json:"name"`
	Format string `json:"format"`
	// Value is the value as characters (n, z, x+n, text) or upper-case
	// hexadecimal (b), or emv.Masked. A BER-TLV field that decodes has its
	// data objects in TLV and no Value unless unmasked.
	Value  string           `json:"value,omitempty"`
	Masked bool             `json:"masked,omitempty"`
	TLV    []TLVDescription `json:"tlv,omitempty"`
	// Note says why a BER-TLV field is shown as bytes (it does not decode).
	Note string `json:"note,omitempty"`

	text bool // quote Value in text output
	objs []emv.TLV
}

// TLVDescription is one BER-TLV data object of a field.
type TLVDescription struct {
	Tag      string           `json:"tag"`
	Name     string           `json:"name,omitempty"`
	Value    string           `json:"value,omitempty"`
	Masked   bool             `json:"masked,omitempty"`
	Children []TLVDescription `json:"children,omitempty"`
}

// Describe lays m out, masked unless opts.Unmask.
func (m *Message) Describe(opts DescribeOptions) Description {
	if m.d == nil {
		return Description{MTI: m.MTI.String(), Meaning: m.MTI.Describe()}
	}
	d := Description{
		Dialect: m.d.Name(),
		MTI:     m.MTI.String(),
		Meaning: m.MTI.Describe(),
		unmask:  opts.Unmask,
	}
	b0, b1 := m.bits[0]&^secondaryBit, m.bits[1]
	if b1 != 0 {
		b0 |= secondaryBit
	}
	bm := appendBitmap(nil, b0, ASCII)
	if b1 != 0 {
		bm = appendBitmap(bm, b1, ASCII)
	}
	d.Bitmap = string(bm)
	m.each(func(n int) {
		d.Fields = append(d.Fields, m.describeField(n, opts.Unmask))
	})
	return d
}

func (m *Message) describeField(n int, unmask bool) FieldDescription {
	c := &m.d.fields[n]
	fd := FieldDescription{Field: n, Name: c.spec.Name, Format: c.spec.Format(), text: c.text}
	if c.tlv {
		objs, err := m.GetTLV(n)
		v, _ := m.GetBytes(n)
		switch {
		case err != nil:
			fd.Note = "not BER-TLV: " + tlvCause(err)
			fd.Value, fd.Masked = hexOrMasked(v, unmask)
		default:
			fd.objs = objs
			fd.TLV = describeTLV(objs, 0, unmask)
			if unmask {
				fd.Value = fmt.Sprintf("%X", v)
			}
		}
		return fd
	}
	v, _ := m.GetBytes(n)
	switch {
	case unmask || c.spec.Mask == MaskNone:
		if c.typ == TypeB {
			fd.Value = fmt.Sprintf("%X", v)
		} else {
			fd.Value = string(v)
		}
	case c.spec.Mask == MaskPAN:
		fd.Value, fd.Masked = emv.MaskPAN(string(v)), true
	default:
		fd.Value, fd.Masked = emv.Masked, true
	}
	return fd
}

// tlvCause is the message of a BER-TLV decoding error without the field
// prefix (the emv package never puts value bytes in it).
func tlvCause(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Err.Error()
	}
	return err.Error()
}

// hexOrMasked shows bytes that could not be interpreted: in clear only when
// unmasked, since undecodable ICC data may hold a PAN.
func hexOrMasked(v []byte, unmask bool) (string, bool) {
	if unmask {
		return fmt.Sprintf("%X", v), false
	}
	return emv.Masked, true
}

func describeTLV(objs []emv.TLV, parent emv.Tag, unmask bool) []TLVDescription {
	out := make([]TLVDescription, 0, len(objs))
	for _, o := range objs {
		ti, known := emv.LookupTagIn(parent, o.Tag)
		td := TLVDescription{Tag: o.Tag.String()}
		if known {
			td.Name = ti.Name
		}
		if o.Tag.Constructed() && (len(o.Children) > 0 || len(o.Value) == 0) {
			td.Children = describeTLV(o.Children, o.Tag, unmask)
		} else if ti.Sensitive && !unmask {
			td.Value, td.Masked = emv.MaskValue(o.Tag, o.Value), true
		} else {
			td.Value = fmt.Sprintf("%X", o.Value)
		}
		out = append(out, td)
	}
	return out
}

// String returns the description as text (see WriteText).
func (d Description) String() string {
	var b strings.Builder
	_ = d.WriteText(&b) // a strings.Builder never fails
	return b.String()
}

// WriteText writes the description, one data element a line:
//
//	0100 ISO 8583:1987 authorization request from acquirer (iso8583-1987-ascii)
//	bitmap 7234054128C28200
//	DE   2 n..19     Primary account number (PAN): 476173******0119
//	DE  41 ans 8     Card acceptor terminal identification: "TERM0001"
//	DE  55 b...999   ICC system related data:
//	                 9F02 [6] Amount, Authorised (Numeric): 000000001000
//
// Text values are quoted, so trailing spaces show. The data objects of a
// BER-TLV field are printed by emv.Fprint, with its masking and its notes
// on TVR bits, dates and the like.
func (d Description) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s %s (%s)\n", d.MTI, d.Meaning, d.Dialect)
	fmt.Fprintf(bw, "bitmap %s\n", d.Bitmap)
	const indent = "                 "
	for _, f := range d.Fields {
		head := fmt.Sprintf("DE %3d %-9s %s", f.Field, f.Format, f.Name)
		switch {
		case f.objs != nil || (f.TLV != nil && f.Note == ""):
			bw.WriteString(head + ":\n")
			tree := emv.Sprint(f.objs, emv.PrintOptions{Unmask: d.unmask})
			for _, line := range strings.SplitAfter(tree, "\n") {
				if line != "" {
					bw.WriteString(indent + line)
				}
			}
		case f.Note != "":
			fmt.Fprintf(bw, "%s: %s (%s)\n", head, f.Value, f.Note)
		case f.text && !f.Masked:
			fmt.Fprintf(bw, "%s: %s\n", head, strconv.Quote(f.Value))
		default:
			fmt.Fprintf(bw, "%s: %s\n", head, f.Value)
		}
	}
	return bw.Flush()
}

// String returns the masked description of m as text, so that printing a
// message with fmt never shows a PAN.
func (m *Message) String() string { return m.Describe(DescribeOptions{}).String() }
