package emv

import (
	"encoding/hex"
	"testing"
)

// benchRecord is the 210-byte READ RECORD template of tlv_test.go.
var benchRecord, _ = hex.DecodeString(hexReadRecord)

// BenchmarkDecodeReadRecord decodes a typical READ RECORD response (template
// 70 with 21 data elements) three ways: the tree (Decode), the allocation-free
// callback walk (Walk), and the Scanner looking up the PAN and CDOL1.
func BenchmarkDecodeReadRecord(b *testing.B) {
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchRecord)))
		for b.Loop() {
			objs, err := Decode(benchRecord)
			if err != nil || len(objs[0].Children) != 21 {
				b.Fatal(err)
			}
		}
	})
	b.Run("Walk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchRecord)))
		for b.Loop() {
			n := 0
			err := Walk(benchRecord, func(Tag, []byte, bool) error { n++; return nil })
			if err != nil || n != 22 {
				b.Fatal(err)
			}
		}
	})
	b.Run("Scanner", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchRecord)))
		for b.Loop() {
			s := NewScanner(benchRecord)
			var pan, cdol1 []byte
			for s.Next() {
				c := s.Children()
				for c.Next() {
					switch c.Tag() {
					case TagPAN:
						pan = c.Value()
					case 0x8C:
						cdol1 = c.Value()
					}
				}
				if c.Err() != nil {
					b.Fatal(c.Err())
				}
			}
			if s.Err() != nil || len(pan) != 8 || len(cdol1) != 21 {
				b.Fatal(s.Err())
			}
		}
	})
}

func BenchmarkEncodeReadRecord(b *testing.B) {
	objs, err := Decode(benchRecord)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRecord)))
	for b.Loop() {
		if out := Encode(objs...); len(out) != len(benchRecord) {
			b.Fatal(len(out))
		}
	}
}

func BenchmarkBuildCDOL1(b *testing.B) {
	objs, err := Decode(benchRecord)
	if err != nil {
		b.Fatal(err)
	}
	cdol1, _ := Find(objs, 0x8C)
	dol, err := ParseDOL(cdol1.Value)
	if err != nil || dol.Len() != 29 {
		b.Fatal(dol, err)
	}
	tv := TagValues{
		0x9F02: {0, 0, 0, 0, 0x10, 0}, 0x9F03: {0, 0, 0, 0, 0, 0}, 0x9F1A: {0x08, 0x40},
		0x95: {0, 0, 0, 0, 0}, 0x5F2A: {0x08, 0x40}, 0x9A: {0x25, 0x11, 0x28}, 0x9C: {0},
		0x9F37: {0x52, 0xBF, 0x45, 0x85},
	}
	b.ReportAllocs()
	for b.Loop() {
		if out := BuildDOL(dol, tv.Get); len(out) != 29 {
			b.Fatal(len(out))
		}
	}
}
