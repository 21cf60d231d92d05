package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/emv"
)

func newTLVCmd() *cobra.Command {
	var unmask bool
	c := &cobra.Command{
		Use:   "tlv HEX...",
		Short: "decode BER-TLV and print it as a tree, sensitive data masked",
		Long: `Decode EMV BER-TLV data (EMV Book 3 Annex B) and print each data object with
its dictionary name, length, value and meaning: TVR, TSI, AIP and capability
bits, CVM List rules, DOL entries, dates. The hex may be split into several
arguments or contain spaces; "-" reads it from standard input.

PAN, track data, cardholder names and PIN data are masked (first six and last
four PAN digits at most) unless --unmask is given.`,
		Example: `  paylab emv tlv 9F2701809F3602001C
  paylab emv tlv "70 0A 5A 08 47 61 73 90 01 01 00 10"
  paylab emv tlv --unmask - < record.hex`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.Join(args, "")
			if len(args) == 1 && args[0] == "-" {
				b, err := io.ReadAll(cmd.InOrStdin())
				if err != nil {
					return fmt.Errorf("emv tlv: read stdin: %w", err)
				}
				text = string(b)
			}
			raw, err := parseHexArg(text)
			if err != nil {
				return fmt.Errorf("emv tlv: %w", err)
			}
			objs, err := emv.Decode(raw)
			if err != nil {
				return fmt.Errorf("emv tlv: %w", err)
			}
			if len(objs) == 0 {
				return errors.New("emv tlv: no data objects (input is only padding)")
			}
			return emv.Fprint(cmd.OutOrStdout(), objs, emv.PrintOptions{Unmask: unmask})
		},
	}
	c.Flags().BoolVar(&unmask, "unmask", false, "print PAN, track data, names and PIN data in clear")
	return c
}

// parseHexArg decodes hex that may contain white space. The error names the
// position of a bad character but never repeats the input, which may hold a
// PAN.
func parseHexArg(s string) ([]byte, error) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r < unicode.MaxASCII && isHexDigit(byte(r)):
			b.WriteRune(r)
		default:
			return nil, fmt.Errorf("bad hex: character %d is not a hex digit", i+1)
		}
	}
	if b.Len() == 0 {
		return nil, errors.New("bad hex: no data")
	}
	if b.Len()%2 != 0 {
		return nil, fmt.Errorf("bad hex: odd number of digits (%d)", b.Len())
	}
	return hex.DecodeString(b.String())
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
