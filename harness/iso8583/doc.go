// Package iso8583 encodes and decodes ISO 8583 financial messages — the
// 1987 version and, through a spec variant, the 1993 one — frames them on a
// stream, and prints them with card data masked.
//
// # Dialects
//
// Every network speaks its own dialect of ISO 8583: which data elements it
// uses, their types (n, a, s, an, as, ns, ans, b, z, x+n; ISO 8583:1987,
// 4.3), lengths (fixed, or LL, LLL, LLLL variable) and encodings (ASCII,
// BCD, binary), the form of the MTI and bitmap, and which fields each
// message type must carry. A Spec describes a dialect as plain data, in Go
// or in YAML or JSON (ParseSpec, LoadDialect), so a lab describes its
// network without code:
//
//	name: my-network
//	version: 1987
//	mti: bcd
//	defaults: {numeric: bcd, prefix: bcd}
//	fields:
//	  2:  {name: "Primary account number (PAN)", type: n, length: 19, prefix: LL, mask: pan}
//	  35: {name: "Track 2 data", type: z, length: 37, prefix: LL, mask: all}
//	  55: {name: "ICC data", type: b, length: 255, prefix: LLL, tlv: true}
//	mandatory:
//	  "0200": [3, 4, 11, 22, 41]
//
// Compile turns a Spec into a Dialect: immutable precomputed tables, safe
// for concurrent use. ISO1987, the acquirer's default, has ASCII numeric and
// text fields and length prefixes, an 8-byte binary bitmap and DE 55 as
// binary BER-TLV; ISO1993 is its 1993 counterpart (MTIs 1xxx).
//
// # Messages
//
// A Message holds an MTI and fields 2..128 in canonical form (characters,
// or the raw bytes of b fields), set and read by field number with
// SetString, SetBytes, GetString and GetBytes; a value is checked against
// its field's spec when it is set. Pack and AppendPack encode it (the
// secondary bitmap, field 1, follows from the fields present) without
// checking values again; Unpack decodes, checking every field against its
// spec and aliasing the input where the wire form is the canonical form.
// Validate checks the dialect's mandatory fields, which Pack leaves alone
// so that a test can send a deliberately incomplete message, and every
// value again (GetBytes's slice is the message's own: writing into it
// breaks the message). The MTI type names its version,
// class, function and origin digits and gives the response MTI.
//
// DE 55 (and any field marked tlv) is BER-TLV (EMV Book 3, Annex B): SetTLV
// and GetTLV exchange it as []emv.TLV; unpacked, it stays opaque bytes until
// GetTLV decodes it.
//
// Pack returns a new slice; AppendPack into a reused buffer, and Unpack
// into a reused Message (m.Unpack), allocate nothing, which suits a
// connection loop. BenchmarkTypical0100 measures both forms.
//
// # Framing
//
// Framing delimits messages on a stream: a 2-byte binary or a 4-digit ASCII
// length, optionally followed by a 5-byte TPDU. Append and Split work on
// buffers; Read and Write on an io.Reader or io.Writer, one frame at a
// time, without goroutines.
//
// # Masking
//
// Message.String and Describe never show a PAN beyond its first six and
// last four digits, nor track data, PIN blocks or security information
// (the field spec's Mask), nor DE 55 data objects the EMV dictionary marks
// sensitive; DescribeOptions.Unmask is for the bench only. No error of
// this package carries field content.
//
// # Errors
//
// Errors name what failed: *FieldError (with the field number), *MTIError,
// *BitmapError and *FrameError, each wrapping a sentinel cause — ErrShort,
// ErrLength (via *LengthError), ErrCharset, ErrPrefix, ErrUndefined,
// ErrMandatory, ErrTrailing, ErrVersion and others — for errors.Is.
package iso8583
