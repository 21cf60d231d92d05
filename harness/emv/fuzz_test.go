package emv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// fuzzSeedHex decodes a seed written in hex with spaces.
func fuzzSeedHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// scanTree walks b with Scanner, recursively, counting objects; it must
// agree with Decode and Walk.
func scanTree(s Scanner) (int, error) {
	n := 0
	for s.Next() {
		n++
		if s.Constructed() {
			c, err := scanTree(s.Children())
			n += c
			if err != nil {
				return n, err
			}
		}
	}
	return n, s.Err()
}

func countObjects(objs []TLV) int {
	n := len(objs)
	for _, o := range objs {
		n += countObjects(o.Children)
	}
	return n
}

// FuzzDecode: Decode never panics; Walk and Scanner agree with it; a decoded
// tree re-encodes to bytes that decode to the same tree, and that encoding is
// a fixed point (padding and non-minimal lengths make the first re-encoding
// differ from the input, so trees are compared, not bytes).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		hexPSEFCI, hexADFFCI, hexGPOFormat1, hexGPOFormat2, hexGACFormat1, hexGACFormat2, hexReadRecord,
		"00 7081 0A 00 5A8101 12 FF 5F34 0101 00 FF",
		"DF81810101 12", "9F4682012C", "7080", "5A84000000", "6F08 A506 880101 5F2D03",
	} {
		f.Add(fuzzSeedHex(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		objs, err := Decode(in)
		walked := 0
		werr := Walk(in, func(Tag, []byte, bool) error { walked++; return nil })
		scanned, serr := scanTree(NewScanner(in))
		if err != nil {
			var de, wde, sde *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset >= len(in) {
				t.Fatalf("bad error %v", err)
			}
			if !errors.As(werr, &wde) || *wde != *de || !errors.As(serr, &sde) || *sde != *de {
				t.Fatalf("Decode %v, Walk %v, Scanner %v", err, werr, serr)
			}
			return
		}
		if werr != nil || serr != nil {
			t.Fatalf("Decode ok, Walk %v, Scanner %v", werr, serr)
		}
		n := countObjects(objs)
		if walked != n || scanned != n {
			t.Fatalf("Decode %d objects, Walk %d, Scanner %d", n, walked, scanned)
		}
		enc := Encode(objs...)
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(x)): %v", err)
		}
		if !tlvTreesEqual(objs, back) {
			t.Fatalf("tree changed by re-encoding")
		}
		if again := Encode(back...); !bytes.Equal(again, enc) {
			t.Fatalf("encoding not a fixed point")
		}
		if len(enc) > len(in) {
			t.Fatalf("minimal encoding %d bytes longer than input %d", len(enc), len(in))
		}
	})
}

// FuzzParseDOL: ParseDOL never panics, and a parsed DOL re-encodes to the
// input when its lengths were minimal (one byte below 128).
func FuzzParseDOL(f *testing.F) {
	for _, s := range []string{cdol1Hex, "9F6604 9F0206 9F3704 9F1A02", "DF810104 9F4B8180 9F4C00", "9F3780", "9F0206 00", ""} {
		f.Add(fuzzSeedHex(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		dol, err := ParseDOL(in)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset >= len(in) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		enc := dol.Encode()
		again, err := ParseDOL(enc)
		if err != nil || len(again) != len(dol) {
			t.Fatalf("ParseDOL(Encode) = %v, %v", again, err)
		}
		for i := range dol {
			if again[i] != dol[i] || dol[i].Len < 0 || dol[i].Len > 0xFFFF {
				t.Fatalf("entry %d: %v then %v", i, dol[i], again[i])
			}
		}
		if len(enc) > len(in) {
			t.Fatalf("encoding longer than input")
		}
		if dol.Len() < 1<<20 {
			if got := BuildDOL(dol, func(Tag) ([]byte, bool) { return []byte{1, 2, 3}, true }); len(got) != dol.Len() {
				t.Fatalf("BuildDOL gave %d bytes for a DOL of %d", len(got), dol.Len())
			}
		}
	})
}

// FuzzParseDOLData: splitting DOL-related data never panics, and when the
// DOL has neither repeated nor constructed tags, building the data back from
// the split values gives the same bytes whatever the tags' formats.
func FuzzParseDOLData(f *testing.F) {
	f.Add(fuzzSeedHex(cdol1Hex), fuzzSeedHex("000000001000 000000000000 0840 0000000000 0840 251231 00 52BF4585"))
	f.Add(fuzzSeedHex("9F6604 9F0206 9F3704 9F1A02"), fuzzSeedHex("36000000 000000001000 52BF4585 0840"))
	f.Add(fuzzSeedHex("9F3704 9F3702 7003"), fuzzSeedHex("11223344 AABB 000000"))
	f.Add(fuzzSeedHex("9F3704"), fuzzSeedHex("1122"))
	f.Fuzz(func(t *testing.T, dolBytes, data []byte) {
		dol, err := ParseDOL(dolBytes)
		if err != nil {
			return
		}
		tv, err := ParseDOLData(dol, data)
		if err != nil {
			if !errors.Is(err, ErrDOLDataLength) || len(data) == dol.Len() {
				t.Fatalf("ParseDOLData: %v", err)
			}
			return
		}
		seen := map[Tag]bool{}
		plain := true
		for _, e := range dol {
			if e.Tag.Constructed() {
				plain = false
			}
			if seen[e.Tag] {
				plain = false
				continue
			}
			seen[e.Tag] = true
			if v, ok := tv[e.Tag]; !ok || len(v) != e.Len { // first occurrence wins
				t.Fatalf("tag %s missing or of the wrong length", e.Tag)
			}
		}
		if plain {
			if got := BuildDOL(dol, tv.Get); !bytes.Equal(got, data) {
				t.Fatalf("BuildDOL(ParseDOLData(x)) = %X, want %X", got, data)
			}
		}
	})
}

// FuzzParseCommand: ParseCommand never panics, and what it accepts encodes
// back to the same bytes.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"00A404000E315041592E5359532E444446303100", "00B2010C00", "80A8000002830000", "0084000000",
		"80CA9F17", "00C00000000000", "00DA0000 000002 1234 0000", "00200080 08 241234FFFFFFFFFF",
		"00A40400 05 0102", "00A40400 000000 00", "00",
	} {
		f.Add(fuzzSeedHex(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseCommand(in)
		if err != nil {
			if !errors.Is(err, ErrCommandTooShort) && !errors.Is(err, ErrCommandLength) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if !bytes.Equal(enc, in) {
			t.Fatalf("Encode(ParseCommand(%X)) = %X", in, enc)
		}
		if r, err := ParseResponse(in); err != nil || !bytes.Equal(r.Encode(), in) {
			t.Fatalf("response round trip: %v", err)
		}
	})
}
