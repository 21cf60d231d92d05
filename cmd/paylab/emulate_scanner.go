package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/emulators/scanner"
	"github.com/paylab/paylab/emulators/scanner/imager"
	"github.com/paylab/paylab/harness/device/serial"
)

// scannerSuffixes are the --suffix names.
var scannerSuffixes = map[string]string{"cr": "\r", "lf": "\n", "crlf": "\r\n", "tab": "\t"}

// newEmulateScannerCmd runs an emulated serial QR/barcode scanner on a
// pseudo-terminal until SIGINT or SIGTERM, for a lab or a vendor's
// terminal software to open like a USB-CDC scanner.
func newEmulateScannerCmd() *cobra.Command {
	var (
		link, suffix, prefix, aim string
		codes, images             []string
		baud                      int
		delay                     time.Duration
	)
	c := &cobra.Command{
		Use:   "scanner [--code TEXT]... [--image PNG]...",
		Short: "run a serial QR/barcode scanner on a pseudo-terminal until interrupted",
		Long: `Creates a pseudo-terminal that behaves like a serial QR/barcode scanner and
prints its path (and keeps a symbolic link to it at --link PATH), then sends the
codes given with --code, then the QR codes decoded from the PNG pictures given
with --image (imager mode; "sample:NAME" is one of the built-in pictures:
` + strings.Join(imager.Samples(), ", ") + `). Without --code and --image, each
line read from standard input is sent as a code. Codes are framed as the
scanner was programmed: --prefix, the AIM identifier (--aim, ISO/IEC 15424;
imager mode sends the identifier of what it decoded), the code, --suffix; and
paced at --baud. The scanner stays until SIGINT or SIGTERM. Sent codes are
printed masked (first six and last four characters).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			suf, ok := scannerSuffixes[strings.ToLower(suffix)]
			if !ok {
				return fmt.Errorf("emulate scanner: --suffix %q: one of cr, lf, crlf, tab", suffix)
			}
			if baud <= 0 {
				return fmt.Errorf("emulate scanner: --baud %d: must be positive", baud)
			}
			if aim != "" && serial.AIMSymbology(aim) == "" {
				return fmt.Errorf("emulate scanner: --aim %q: not a known AIM identifier such as ]Q1", aim)
			}
			pngs, err := loadScannerImages(images)
			if err != nil {
				return fmt.Errorf("emulate scanner: %w", err)
			}
			emu, err := scanner.New(scanner.Config{Baud: baud, Prefix: prefix, AIM: aim, Suffix: suf, Link: link})
			if err != nil {
				return fmt.Errorf("emulate scanner: %w", err)
			}
			defer emu.Close()
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			where := emu.PTY()
			if link != "" {
				where += " (link " + link + ")"
			}
			fmt.Fprintf(out, "scanner on %s: %d baud 8N1, suffix %s; Ctrl-C unplugs it\n", where, baud, strings.ToUpper(suffix))
			sent := func(err error, what, text string) error {
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("emulate scanner: %w", err)
				}
				fmt.Fprintf(out, "%s sent %s%s\n", time.Now().Format("15:04:05"), what, serial.Mask(text))
				return nil
			}
			if err := sleepCtx(ctx, delay); err == nil {
				for _, code := range codes {
					if err := sent(emu.Send(ctx, code), "", code); err != nil {
						return err
					}
				}
				for _, img := range pngs {
					if err := sent(emu.SendImage(ctx, img.png), "image "+img.name+": ", img.text); err != nil {
						return err
					}
				}
				if len(codes) == 0 && len(pngs) == 0 {
					if err := sendLines(ctx, cmd.InOrStdin(), func(line string) error {
						return sent(emu.Send(ctx, line), "", line)
					}); err != nil {
						return err
					}
				}
			}
			<-ctx.Done()
			fmt.Fprintln(out, "scanner unplugged")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&link, "link", "", "keep a symbolic link to the pseudo-terminal at this path (a stable port name)")
	f.IntVar(&baud, "baud", scanner.DefaultBaud, "line speed the codes are paced at")
	f.StringVar(&suffix, "suffix", "cr", "suffix after each code: cr, lf, crlf or tab")
	f.StringVar(&prefix, "prefix", "", "prefix before each code (default none)")
	f.StringVar(&aim, "aim", "", "AIM symbology identifier sent before each code, such as ]Q1 (default none)")
	f.StringArrayVar(&codes, "code", nil, "a code to send (repeatable, sent in order)")
	f.StringArrayVar(&images, "image", nil, "a PNG picture of a QR code, or sample:NAME, decoded and sent (repeatable, after the codes)")
	f.DurationVar(&delay, "delay", 0, "wait this long before sending --code and --image, for the terminal to open the port")
	return c
}

type scannerImage struct {
	name, text string
	png        []byte
}

// loadScannerImages reads and decodes each picture up front, so that an
// unreadable one is a bad input before any pty exists.
func loadScannerImages(paths []string) ([]scannerImage, error) {
	var out []scannerImage
	for _, p := range paths {
		var b []byte
		var err error
		if name, ok := strings.CutPrefix(p, "sample:"); ok {
			b, err = imager.Sample(name)
		} else {
			b, err = os.ReadFile(p)
		}
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		r, err := imager.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", p, err)
		}
		out = append(out, scannerImage{name: p, text: r.Text, png: b})
	}
	return out, nil
}

// sendLines sends each non-empty line of r until EOF or ctx ends. The
// reading goroutine may outlive ctx, blocked on r; the process is ending.
func sendLines(ctx context.Context, r io.Reader, send func(string) error) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("emulate scanner: read standard input: %w", err)
				}
				return nil
			}
			line = strings.TrimRight(line, "\r")
			if line == "" {
				continue
			}
			if err := send(line); err != nil {
				return err
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
