package imager_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paylab/paylab/emulators/scanner/imager"
)

// The texts testdata/gen.sh encoded with libqrencode.
var want = map[string]string{
	"mpm-emvco":   "00020101021226350017com.paylab.wallet0110MRC0000042520458125303978540512.505802DE5916PAYLAB TEST CAFE6006BERLIN62120108ORD-00426304E0C0",
	"wallet-url":  "https://wallet.paylab.test/pay?o=ORD-20261128-0042&m=PAYLAB",
	"cpm-paycode": "281234567890123456",
}

func TestSamples(t *testing.T) {
	if got := imager.Samples(); !slices.Equal(got, []string{"blurred", "cpm-paycode", "mpm-emvco", "wallet-url"}) {
		t.Fatalf("Samples = %v", got)
	}
	for name, text := range want {
		b, err := imager.Sample(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := imager.Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Text != text {
			t.Errorf("%s: text = %q, want %q", name, r.Text, text)
		}
		// ISO/IEC 18004 Annex F: model 2, no ECI, no FNC1.
		if r.AIM != "]Q1" {
			t.Errorf("%s: AIM = %q, want ]Q1", name, r.AIM)
		}
	}
	if _, err := imager.Sample("nope"); err == nil || !strings.Contains(err.Error(), "mpm-emvco") {
		t.Errorf("unknown sample: %v", err)
	}
}

func TestDecodeFile(t *testing.T) {
	r, err := imager.DecodeFile(filepath.Join("testdata", "wallet-url.png"))
	if err != nil || r.Text != want["wallet-url"] {
		t.Fatalf("DecodeFile = %+v, %v", r, err)
	}
	if _, err := imager.DecodeFile(filepath.Join("testdata", "missing.png")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	_, err = imager.DecodeFile(filepath.Join("testdata", "blurred.png"))
	var ie *imager.Error
	if !errors.As(err, &ie) || ie.Image != filepath.Join("testdata", "blurred.png") || !errors.Is(err, imager.ErrNoCode) {
		t.Fatalf("blurred file: %v", err)
	}
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUnreadable(t *testing.T) {
	blurred, _ := imager.Sample("blurred")
	white := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range white.Pix {
		white.Pix[i] = 0xFF
	}
	noise := image.NewGray(image.Rect(0, 0, 128, 128))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(i*7919) ^ uint8(i>>3)
	}
	mpm, _ := imager.Sample("mpm-emvco")
	// A QR whose right half is painted white: finder patterns gone.
	img, _ := png.Decode(bytes.NewReader(mpm))
	cut := image.NewGray(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			if x > img.Bounds().Dx()/2 {
				c.Y = 0xFF
			}
			cut.SetGray(x, y, c)
		}
	}
	for name, tc := range map[string]struct {
		b      []byte
		reason error
	}{
		"blurred":       {blurred, imager.ErrNoCode},
		"white":         {pngOf(t, white), imager.ErrNoCode},
		"noise":         {pngOf(t, noise), imager.ErrNoCode},
		"half a code":   {pngOf(t, cut), imager.ErrNoCode},
		"not a PNG":     {[]byte("GIF89a garbage"), imager.ErrNotPNG},
		"empty":         {nil, imager.ErrNotPNG},
		"truncated PNG": {mpm[:len(mpm)/2], imager.ErrNotPNG},
		"huge header":   {hugeHeader(mpm), imager.ErrTooLarge},
	} {
		r, err := imager.Decode(tc.b)
		var ie *imager.Error
		if !errors.As(err, &ie) || !errors.Is(err, tc.reason) {
			t.Errorf("%s: Decode = %+v, %v; want *Error wrapping %v", name, r, err, tc.reason)
			continue
		}
		if r != (imager.Result{}) {
			t.Errorf("%s: result %+v with an error", name, r)
		}
		t.Logf("%s: %v", name, err)
	}
}

// hugeHeader rewrites the IHDR of a PNG to announce 60000 × 60000 pixels,
// with a valid chunk CRC: a decompression bomb's header.
func hugeHeader(p []byte) []byte {
	b := slices.Clone(p)
	// signature (8), length (4), "IHDR" (4), data (13: width, height, ...), CRC (4)
	copy(b[16:24], []byte{0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60})
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestErrorHoldsNoData(t *testing.T) {
	_, err := imager.Decode([]byte("281234567890123456"))
	if err == nil || strings.Contains(err.Error(), "281234567890123456") {
		t.Fatalf("error = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, n := range imager.Samples() {
		b, _ := imager.Sample(n)
		f.Add(b)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := imager.Decode(b)
		if err != nil {
			var ie *imager.Error
			if !errors.As(err, &ie) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r.Text == "" || !strings.HasPrefix(r.AIM, "]Q") {
			t.Fatalf("result %+v", r)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	png, _ := imager.Sample("mpm-emvco")
	b.SetBytes(int64(len(png)))
	for b.Loop() {
		if _, err := imager.Decode(png); err != nil {
			b.Fatal(err)
		}
	}
}
