//go:build linux

package scanner

import (
	"context"
	"fmt"

	"github.com/paylab/paylab/emulators/scanner/imager"
)

// SendImage is imager mode: it decodes the QR code in a PNG picture, as an
// imaging scanner decodes what its camera sees, and sends the text framed
// and paced like Send. With an AIM identifier configured, the identifier
// sent is the one of what was decoded ("]Q1" for a QR Code model 2,
// ISO/IEC 15424 and ISO/IEC 18004 Annex F), not Config.AIM. An image with
// no readable code returns an *imager.Error (errors.Is ErrNoCode or
// ErrNotPNG) and sends nothing, as a real scanner stays silent when it
// cannot decode.
func (s *Scanner) SendImage(ctx context.Context, png []byte) error {
	r, err := imager.Decode(png)
	if err != nil {
		return fmt.Errorf("send image: %w", err)
	}
	return s.send(ctx, "send image", s.frameImage(r))
}

// SendImageFile is SendImage with the PNG read from path.
func (s *Scanner) SendImageFile(ctx context.Context, path string) error {
	r, err := imager.DecodeFile(path)
	if err != nil {
		return fmt.Errorf("send image: %w", err)
	}
	return s.send(ctx, "send image", s.frameImage(r))
}

func (s *Scanner) frameImage(r imager.Result) []byte {
	aim := ""
	if s.cfg.AIM != "" {
		aim = r.AIM
	}
	return []byte(s.cfg.Prefix + aim + r.Text + s.cfg.Suffix)
}
