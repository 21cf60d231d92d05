package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// cryptogramFlags are the flags arqc and arpc share: the version and what
// derives the card's key.
type cryptogramFlags struct {
	cvn  int
	imk  string
	pan  string
	psn  string
	show bool
}

func (f *cryptogramFlags) register(c *cobra.Command) {
	c.Flags().IntVar(&f.cvn, "cvn", 0, "cryptogram version as the scheme names it: 10, 18, 22 (Visa), 16, 17 (Mastercard)")
	c.Flags().StringVar(&f.imk, "imk", "", "issuer master key AC, 16 bytes in hex")
	c.Flags().StringVar(&f.pan, "pan", "", "primary account number, 8 to 19 digits")
	c.Flags().StringVar(&f.psn, "psn", "00", "PAN sequence number, 2 digits")
	c.Flags().BoolVar(&f.show, "explain", false, "also print on stderr the inputs actually MACed and the key check values")
	for _, name := range []string{"cvn", "imk", "pan"} {
		_ = c.MarkFlagRequired(name)
	}
}

// cardKey resolves the version and derives the ICC master key AC.
func (f *cryptogramFlags) cardKey() (*cryptogram.Version, []byte, error) {
	v, err := cryptogram.VersionByNumber(f.cvn)
	if err != nil {
		return nil, nil, err
	}
	imk, err := decodeHexFlag("imk", f.imk, 16)
	if err != nil {
		return nil, nil, err
	}
	mk, err := v.DeriveICCMasterKey(imk, f.pan, f.psn)
	if err != nil {
		return nil, nil, err
	}
	return v, mk, nil
}

// decodeHexFlag decodes a hex flag value; want > 0 fixes its length in
// bytes. The value is never echoed: it may be a key.
func decodeHexFlag(name, s string, want int) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("--%s: not an even number of hex digits", name)
	}
	if want > 0 && len(b) != want {
		return nil, fmt.Errorf("--%s: want %d bytes (%d hex digits), got %d bytes", name, want, 2*want, len(b))
	}
	return b, nil
}

func kcvHex(key []byte) string {
	k, err := cryptogram.KCV(key)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%X", k)
}

func newARQCCmd() *cobra.Command {
	var f cryptogramFlags
	var tags []string
	c := &cobra.Command{
		Use:   "arqc --cvn N --imk HEX --pan PAN [--psn NN] --tag TAG=HEX ...",
		Short: "compute an application cryptogram (ARQC, TC or AAC)",
		Long: `Compute the 8-byte application cryptogram a card of the given cryptogram
version returns for the transaction, from the issuer master key AC, and print it
in hex. ARQC, TC and AAC use the same algorithm.

Every version needs the tags 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36 and 9F10
(Issuer Application Data, as the card returned it). From 9F10 each version takes
what its own layout says:
  10  bytes 4-7 (CVR with its length byte)       padding method 1, no session key
  18  the whole IAD                              padding method 2, EMV session key
  22  the whole IAD (format 2, 32 bytes)         padding method 2, EMV session key
  16  bytes 3-8 (CVR)                            padding method 2, Mastercard SKD
  17  bytes 3-8 (CVR) and 11-18 (counters)       padding method 2, Mastercard SKD`,
		Example: `  paylab emv arqc --cvn 10 --imk 0123456789ABCDEFFEDCBA9876543210 --pan 1234567890123456 --psn 00 \
    --tag 9F02=000000004000 --tag 9F03=000000000000 --tag 9F1A=0124 --tag 95=8000048000 \
    --tag 5F2A=0124 --tag 9A=191105 --tag 9C=01 --tag 9F37=52BF4585 --tag 82=1800 \
    --tag 9F36=001C --tag 9F10=06010A03A06010`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tx, err := parseTagFlags(tags)
			if err != nil {
				return fmt.Errorf("emv arqc: %w", err)
			}
			v, mk, err := f.cardKey()
			if err != nil {
				return fmt.Errorf("emv arqc: %w", err)
			}
			data, err := v.Data(tx)
			if err != nil {
				return fmt.Errorf("emv arqc: %w", err)
			}
			ac, err := v.Generate(mk, tx)
			if err != nil {
				return fmt.Errorf("emv arqc: %w", err)
			}
			if f.show {
				sk, _ := v.SessionKey(mk, tx)
				fmt.Fprintf(cmd.ErrOrStderr(), "version: %s (9F10 CVN byte %02X)\n", v, v.IADCVN)
				fmt.Fprintf(cmd.ErrOrStderr(), "ICC master key AC (%s) KCV: %s\n", v.MasterKey, kcvHex(mk))
				fmt.Fprintf(cmd.ErrOrStderr(), "session key (%s) KCV: %s\n", v.SessionKeyMethod, kcvHex(sk))
				fmt.Fprintf(cmd.ErrOrStderr(), "data (%s; %s; MAC algorithm 3): %X\n", v.IAD, v.Padding, data)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%X\n", ac)
			return nil
		},
	}
	f.register(c)
	c.Flags().StringArrayVar(&tags, "tag", nil, "transaction data element TAG=HEX, repeated (e.g. --tag 9F02=000000001000)")
	return c
}

// parseTagFlags turns repeated TAG=HEX flags into transaction data. Values
// are never echoed in errors (the PAN or track data could be among them).
func parseTagFlags(flags []string) (map[emv.Tag][]byte, error) {
	tx := make(map[emv.Tag][]byte, len(flags))
	for _, f := range flags {
		name, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, errors.New("--tag: want TAG=HEX (no '=' found)")
		}
		tag, err := emv.ParseTag(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("--tag: %w", err)
		}
		if _, dup := tx[tag]; dup {
			return nil, fmt.Errorf("--tag %s given twice", tag)
		}
		b, err := hex.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("--tag %s: value is not an even number of hex digits", tag)
		}
		tx[tag] = b
	}
	return tx, nil
}

func newARPCCmd() *cobra.Command {
	var f cryptogramFlags
	var arqc, atc, arc, csu, pad string
	c := &cobra.Command{
		Use:   "arpc --cvn N --imk HEX --pan PAN [--psn NN] --arqc HEX (--atc HEX) (--arc HEX | --csu HEX [--pad HEX])",
		Short: "compute the issuer's authorisation response cryptogram (ARPC)",
		Long: `Compute the ARPC an issuer returns for an ARQC and print it in hex.

ARPC method 1 (CVN 10, 16, 17): --arc, the 2-byte authorisation response code;
8-byte ARPC under the ICC master key AC.
ARPC method 2 (CVN 18, 22): --csu, the 4-byte card status update, and optionally
--pad, 0 to 8 bytes of proprietary authentication data; 4-byte ARPC under the
AC session key, which needs --atc.`,
		Example: `  paylab emv arpc --cvn 10 --imk 0123456789ABCDEFFEDCBA9876543210 --pan 1234567890123456 \
    --arqc 29CCA15AE665FA2E --atc 001C --arc 3030
  paylab emv arpc --cvn 18 --imk AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --pan 1234567890123456 \
    --arqc 769577B5ABE9FE62 --atc 0FFF --csu 00000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fail := func(err error) error { return fmt.Errorf("emv arpc: %w", err) }
			v, mk, err := f.cardKey()
			if err != nil {
				return fail(err)
			}
			in := cryptogram.ARPCInput{}
			if in.ARQC, err = decodeHexFlag("arqc", arqc, 8); err != nil {
				return fail(err)
			}
			set := cmd.Flags().Changed
			switch v.ARPCMethod {
			case 1:
				if set("csu") || set("pad") {
					return fail(fmt.Errorf("CVN %d uses ARPC method 1: give --arc, not --csu/--pad", v.Number))
				}
				if !set("arc") {
					return fail(fmt.Errorf("CVN %d uses ARPC method 1: --arc is required", v.Number))
				}
				if in.ARC, err = decodeHexFlag("arc", arc, 2); err != nil {
					return fail(err)
				}
			case 2:
				if set("arc") {
					return fail(fmt.Errorf("CVN %d uses ARPC method 2: give --csu [--pad], not --arc", v.Number))
				}
				if !set("csu") {
					return fail(fmt.Errorf("CVN %d uses ARPC method 2: --csu is required", v.Number))
				}
				if in.CSU, err = decodeHexFlag("csu", csu, 4); err != nil {
					return fail(err)
				}
				if set("pad") {
					if in.PAD, err = decodeHexFlag("pad", pad, 0); err != nil {
						return fail(err)
					}
					if len(in.PAD) > 8 {
						return fail(fmt.Errorf("--pad: want 0 to 8 bytes, got %d", len(in.PAD)))
					}
				}
			}
			if v.ARPCWithSessionKey && !set("atc") {
				return fail(fmt.Errorf("CVN %d derives the ARPC key from the ATC: --atc is required", v.Number))
			}
			if set("atc") {
				if in.ATC, err = decodeHexFlag("atc", atc, 2); err != nil {
					return fail(err)
				}
			}
			out, err := v.ARPC(mk, in)
			if err != nil {
				return fail(err)
			}
			if f.show {
				fmt.Fprintf(cmd.ErrOrStderr(), "version: %s, ARPC method %d\n", v, v.ARPCMethod)
				fmt.Fprintf(cmd.ErrOrStderr(), "ICC master key AC (%s) KCV: %s\n", v.MasterKey, kcvHex(mk))
				if v.ARPCWithSessionKey {
					sk, _ := cryptogram.DeriveACSessionKey(mk, in.ATC)
					fmt.Fprintf(cmd.ErrOrStderr(), "ARPC key: AC session key, KCV %s\n", kcvHex(sk))
				} else {
					fmt.Fprintln(cmd.ErrOrStderr(), "ARPC key: ICC master key AC")
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%X\n", out)
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&arqc, "arqc", "", "the ARQC (9F26), 8 bytes in hex")
	c.Flags().StringVar(&atc, "atc", "", "the ATC (9F36), 2 bytes in hex; needed by CVN 18 and 22")
	c.Flags().StringVar(&arc, "arc", "", "method 1: authorisation response code, 2 bytes in hex (\"00\" is 3030)")
	c.Flags().StringVar(&csu, "csu", "", "method 2: card status update, 4 bytes in hex")
	c.Flags().StringVar(&pad, "pad", "", "method 2: proprietary authentication data, 0 to 8 bytes in hex")
	_ = c.MarkFlagRequired("arqc")
	return c
}
