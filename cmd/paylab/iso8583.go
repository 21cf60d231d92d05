package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/iso8583"
)

func newISO8583Cmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "iso8583",
		Short: "ISO 8583 messages: decode and print them with card data masked",
	}
	c.AddCommand(newISO8583DecodeCmd())
	return c
}

// iso8583DecodeOptions are the flags of paylab iso8583 decode.
type iso8583DecodeOptions struct {
	spec    string
	framing string
	file    string
	json    bool
	unmask  bool
}

func newISO8583DecodeCmd() *cobra.Command {
	o := iso8583DecodeOptions{}
	c := &cobra.Command{
		Use:   "decode [HEX... | -]",
		Short: "decode ISO 8583 messages and print them, PAN, track and PIN data masked",
		Long: `Decode one ISO 8583 message, or a stream of framed messages, and print
each data element with its name and format; DE 55 is listed data object by
data object. The message is given in hex (split over several arguments or
with spaces if you like), in hex on standard input ("-"), or as raw bytes
in a file (--file).

The dialect is the acquirer's default, iso8583-1987-ascii, another built-in
one (iso8583-1993-ascii), or a spec file in YAML or JSON (--spec). With
--framing the input is a stream of frames (2-byte binary or 4-digit ASCII
length, optionally followed by a TPDU), as captured on the wire.

PAN (first six and last four digits), track data, PIN blocks, security data
and sensitive DE 55 tags are masked unless --unmask is given.`,
		Example: `  paylab iso8583 decode 3038303082200000000000000400000000000000...
  paylab iso8583 decode --framing binary2 --file capture.bin
  paylab iso8583 decode --spec lab-dialect.yaml --json - < message.hex`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := iso8583Decode(cmd, args, o); err != nil {
				return fmt.Errorf("iso8583 decode: %w", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.spec, "spec", iso8583.ISO1987.Name(), "dialect: a built-in name or a YAML/JSON spec file")
	f.StringVar(&o.framing, "framing", "none", "none, binary2, binary2+tpdu, ascii4 or ascii4+tpdu")
	f.StringVar(&o.file, "file", "", "read the raw bytes from this file instead of hex")
	f.BoolVar(&o.json, "json", false, "print JSON instead of text")
	f.BoolVar(&o.unmask, "unmask", false, "print PAN, track data, PIN blocks and sensitive DE 55 tags in clear")
	return c
}

func iso8583Decode(cmd *cobra.Command, args []string, o iso8583DecodeOptions) error {
	d, err := iso8583Dialect(o.spec)
	if err != nil {
		return err
	}
	data, err := iso8583Input(cmd, args, o.file)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	opts := iso8583.DescribeOptions{Unmask: o.unmask}
	if o.framing == "none" || o.framing == "" {
		m, err := iso8583.Unpack(d, data)
		if err != nil {
			return partial(out, m, opts, o.json, err)
		}
		return writeDescription(out, m.Describe(opts), o.json)
	}
	fr, err := iso8583.ParseFraming(o.framing)
	if err != nil {
		return err
	}
	type frameJSON struct {
		Frame   int                  `json:"frame"`
		TPDU    string               `json:"tpdu,omitempty"`
		Message *iso8583.Description `json:"message,omitempty"`
	}
	var frames []frameJSON
	for i := 1; len(data) > 0; i++ {
		var frame iso8583.Frame
		frame, data, err = fr.Split(data)
		if err != nil {
			return fmt.Errorf("frame %d: %w", i, err)
		}
		fj := frameJSON{Frame: i}
		if fr.TPDU && len(frame.Message) > 0 {
			fj.TPDU = frame.TPDU.String()
		}
		var desc *iso8583.Description
		if len(frame.Message) > 0 {
			m, err := iso8583.Unpack(d, frame.Message)
			if err != nil {
				return fmt.Errorf("frame %d: %w", i, partial(out, m, opts, o.json, err))
			}
			dd := m.Describe(opts)
			desc = &dd
			fj.Message = desc
		}
		if o.json {
			frames = append(frames, fj)
			continue
		}
		if i > 1 {
			fmt.Fprintln(out)
		}
		switch {
		case desc == nil:
			fmt.Fprintf(out, "frame %d: empty (keep-alive)\n", i)
		case fj.TPDU != "":
			fmt.Fprintf(out, "frame %d: TPDU %s\n", i, fj.TPDU)
		default:
			fmt.Fprintf(out, "frame %d\n", i)
		}
		if desc != nil {
			if err := desc.WriteText(out); err != nil {
				return err
			}
		}
	}
	if o.json {
		return writeJSON(out, frames)
	}
	return nil
}

// partial prints what Unpack decoded before it failed, as text, so that the
// failing field can be found; it returns err.
func partial(out io.Writer, m *iso8583.Message, opts iso8583.DescribeOptions, asJSON bool, err error) error {
	if m != nil && len(m.Fields()) > 0 && !asJSON {
		fmt.Fprintln(out, "decoded before the error:")
		_ = m.Describe(opts).WriteText(out)
	}
	return err
}

func writeDescription(out io.Writer, d iso8583.Description, asJSON bool) error {
	if asJSON {
		return writeJSON(out, d)
	}
	return d.WriteText(out)
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// iso8583Dialect returns a built-in dialect by name or loads a spec file.
func iso8583Dialect(spec string) (*iso8583.Dialect, error) {
	builtin := iso8583.Dialects()
	if d, ok := builtin[spec]; ok {
		return d, nil
	}
	b, err := os.ReadFile(spec)
	if err != nil {
		names := make([]string, 0, len(builtin))
		for n := range builtin {
			names = append(names, n)
		}
		sort.Strings(names)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("spec %q is neither a built-in dialect (%s) nor a file", spec, strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return iso8583.LoadDialect(spec, b)
}

// iso8583Input returns the message bytes: from a file, hex on standard
// input ("-"), or hex arguments.
func iso8583Input(cmd *cobra.Command, args []string, file string) ([]byte, error) {
	if file != "" {
		if len(args) > 0 {
			return nil, errors.New("give either --file or hex, not both")
		}
		if file == "-" {
			return io.ReadAll(cmd.InOrStdin())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
		return b, nil
	}
	if len(args) == 0 {
		return nil, errors.New("no message: give hex, - for hex on standard input, or --file")
	}
	text := strings.Join(args, "")
	if len(args) == 1 && args[0] == "-" {
		b, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		text = string(b)
	}
	return parseHexArg(text)
}
