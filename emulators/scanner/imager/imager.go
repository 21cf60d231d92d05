// Package imager is the decoding half of an imaging QR scanner: it reads a
// PNG picture of a QR code (ISO/IEC 18004) and returns the text, with the
// AIM symbology identifier (ISO/IEC 15424) an imager would send for it. It
// is the only package of paylab that imports github.com/makiuchi-d/gozxing
// (its QR Code reader, a port of ZXing).
//
// Decode never panics on bad input: an image that is not a PNG, is too
// large, or holds no readable code gives an *Error that wraps ErrNotPNG,
// ErrTooLarge or ErrNoCode. Errors never hold the decoded text, which may
// be a payment code.
//
// Sample holds the images the emulator's tests, the DEV.SER specs and a
// lab demo show the imager: an EMVCo merchant-presented payload, a wallet
// order URL, a consumer-presented payment code, and a blurred image that
// no decoder reads. They were made by testdata/gen.sh with libqrencode, an
// encoder independent of the decoder.
package imager

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// MaxPixels bounds the images Decode accepts (a 5000 × 5000 picture): a
// PNG header can announce a size whose pixels would not fit in memory.
const MaxPixels = 25_000_000

// Reasons an image is refused; *Error wraps one of them.
var (
	ErrNotPNG   = errors.New("not a PNG image")
	ErrTooLarge = errors.New("image too large")
	ErrNoCode   = errors.New("no readable QR code")
)

// Error reports an image the imager could not read.
type Error struct {
	// Image names the image: its path, or "" for bytes.
	Image string
	// Reason is ErrNotPNG, ErrTooLarge or ErrNoCode.
	Reason error
	// Detail says what the PNG or QR decoder found, never the data.
	Detail string
}

func (e *Error) Error() string {
	s := "read image"
	if e.Image != "" {
		s += " " + e.Image
	}
	s += ": " + e.Reason.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Reason }

// Result is one decoded code.
type Result struct {
	// Text is the code's data.
	Text string
	// AIM is the symbology identifier of ISO/IEC 15424 for what was read:
	// "]Q1" for a QR Code model 2 without ECI, "]Q2" with an ECI, ...
	// (ISO/IEC 18004, Annex F).
	AIM string
}

// Decode reads the QR code in a PNG image.
func Decode(b []byte) (Result, error) { return decode("", b) }

// DecodeFile reads the QR code in the PNG file at path.
func DecodeFile(path string) (Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Result{}, fmt.Errorf("read image %s: %w", path, err)
	}
	return decode(path, b)
}

func decode(name string, b []byte) (res Result, err error) {
	fail := func(reason error, detail string) (Result, error) {
		return Result{}, &Error{Image: name, Reason: reason, Detail: detail}
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fail(ErrNotPNG, err.Error())
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return fail(ErrTooLarge, fmt.Sprintf("%d×%d pixels, at most %d", cfg.Width, cfg.Height, MaxPixels))
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return fail(ErrNotPNG, err.Error())
	}
	return read(name, img)
}

// read runs the QR reader on img. The decoder is a port of a large
// library: a panic inside it is an unreadable image, not a crash.
func read(name string, img image.Image) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, &Error{Image: name, Reason: ErrNoCode, Detail: "decoder failed"}
		}
	}()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return Result{}, &Error{Image: name, Reason: ErrNoCode, Detail: "binarize: " + err.Error()}
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	r, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return Result{}, &Error{Image: name, Reason: ErrNoCode, Detail: detail(err)}
	}
	res.Text = r.GetText()
	res.AIM = "]Q1"
	if id, ok := r.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string); ok && id != "" {
		res.AIM = id
	}
	if res.Text == "" {
		return Result{}, &Error{Image: name, Reason: ErrNoCode, Detail: "empty code"}
	}
	return res, nil
}

// detail names the decoder's failure (not found, checksum, format)
// without its stack-like message.
func detail(err error) string {
	switch {
	case errors.As(err, new(gozxing.NotFoundException)):
		return "no finder patterns"
	case errors.As(err, new(gozxing.ChecksumException)):
		return "error correction failed"
	case errors.As(err, new(gozxing.FormatException)):
		return "format information unreadable"
	}
	return "decoder error"
}

//go:embed testdata/*.png
var samples embed.FS

// Samples lists the sample images by name (without .png).
func Samples() []string {
	ents, _ := fs.ReadDir(samples, "testdata")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".png"))
	}
	slices.Sort(names)
	return names
}

// Sample returns the PNG of a sample image: "mpm-emvco", "wallet-url",
// "cpm-paycode" or "blurred".
func Sample(name string) ([]byte, error) {
	b, err := samples.ReadFile(path.Join("testdata", name+".png"))
	if err != nil {
		return nil, fmt.Errorf("sample image %q: not one of %s", name, strings.Join(Samples(), ", "))
	}
	return b, nil
}
