package iso8583

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/paylab/paylab/harness/emv"
)

// typicalFile is a copy of shared/bench/iso8583-typical-0100.json: the
// authorisation request used to compare ISO 8583 codecs side by side.
const typicalFile = "testdata/bench/iso8583-typical-0100.json"

type typicalJSON struct {
	About  string            `json:"about"`
	MTI    string            `json:"mti"`
	Fields map[string]string `json:"fields"`
	DE55   map[string]string `json:"de55"`
}

// typicalTLV returns the DE 55 data objects of the typical message, in the
// order of the file (encoding/json loses map order, so the file is read
// twice: once for values, once for key order).
func loadTypical(tb testing.TB) (*Message, []emv.TLV) {
	tb.Helper()
	raw, err := os.ReadFile(typicalFile)
	if err != nil {
		tb.Fatal(err)
	}
	var t typicalJSON
	if err := json.Unmarshal(raw, &t); err != nil {
		tb.Fatal(err)
	}
	order, err := de55Order(raw)
	if err != nil {
		tb.Fatal(err)
	}
	m := NewMessage(ISO1987, MustMTI(t.MTI))
	nums := make([]int, 0, len(t.Fields))
	for k := range t.Fields {
		n, err := strconv.Atoi(k)
		if err != nil {
			tb.Fatal(err)
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		if err := m.SetString(n, t.Fields[strconv.Itoa(n)]); err != nil {
			tb.Fatal(err)
		}
	}
	objs := make([]emv.TLV, 0, len(order))
	for _, k := range order {
		tag, err := emv.ParseTag(k)
		if err != nil {
			tb.Fatal(err)
		}
		v, err := hex.DecodeString(t.DE55[k])
		if err != nil {
			tb.Fatal(err)
		}
		objs = append(objs, emv.TLV{Tag: tag, Value: v})
	}
	return m, objs
}

// de55Order returns the keys of the "de55" object in file order.
func de55Order(raw []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytesReader(top["de55"]))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// sink keeps benchmark results on the heap, as a caller that hands a
// message on would.
var sink *Message

// BenchmarkTypical0100 packs and unpacks the typical authorisation request
// with DE 55 as opaque bytes and as parsed BER-TLV data objects. Pack
// returns a new slice each time, as a caller that hands the bytes on would
// need; unpack decodes into a new Message each time.
func BenchmarkTypical0100(b *testing.B) {
	parsed, objs := loadTypical(b)
	if err := parsed.SetTLV(55, objs); err != nil {
		b.Fatal(err)
	}
	opaque := parsed.Clone()
	packed, err := opaque.Pack()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pack-opaque", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			if _, err := opaque.Pack(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unpack-opaque", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			m, err := Unpack(ISO1987, packed)
			if err != nil {
				b.Fatal(err)
			}
			sink = m
		}
	})
	b.Run("pack-parsed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			if _, err := parsed.Pack(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same work without allocating: packing into a reused buffer and
	// unpacking into a reused Message, as a connection loop can.
	b.Run("append-opaque", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		buf := make([]byte, 0, 512)
		for b.Loop() {
			var err error
			if buf, err = opaque.AppendPack(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unpack-reuse", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		m := NewMessage(ISO1987, 0)
		for b.Loop() {
			if err := m.Unpack(packed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unpack-parsed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(packed)))
		for b.Loop() {
			m, err := Unpack(ISO1987, packed)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.GetTLV(55); err != nil {
				b.Fatal(err)
			}
			sink = m
		}
	})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
