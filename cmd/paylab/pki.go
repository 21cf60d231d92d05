package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/emv/pki"
)

// defaultPKIDir is where the committed test authority lives, relative to
// the repository root.
const defaultPKIDir = "fixtures/pki"

func newPKICmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "pki",
		Short: "the harness-owned TEST certification authority: keys, certificates, broken variants",
		Long: "pki manages paylab's test certification authority (RID F054455354, \"TEST\"): its CA,\n" +
			"issuer and ICC key pairs, the CA public keys a terminal under test loads, and the\n" +
			"catalogue of broken certificate variants for negative scenarios. " + pki.TestMarker + ".",
		Args: cobra.NoArgs,
	}
	c.AddCommand(newPKIGenerateCmd(), newPKIExportCmd(), newPKIVariantsCmd(), newPKIShowCmd(), newPKICardCmd())
	return c
}

func newPKIGenerateCmd() *cobra.Command {
	var out, seed string
	var force bool
	c := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "generate a new test authority (CA, issuer and ICC keys) into DIR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("pki generate: --out is required")
			}
			var r io.Reader = rand.Reader
			if seed != "" {
				// A seeded stream reproduces a set: oda.GenerateKey is
				// deterministic in its reader. These are test keys anyway.
				r = mrand.NewChaCha8(sha256.Sum256([]byte(seed)))
			}
			a, err := pki.Generate(r, pki.DefaultLayout())
			if err != nil {
				return fmt.Errorf("pki generate: %w", err)
			}
			if err := a.WriteDir(out, force); err != nil {
				return fmt.Errorf("pki generate: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote test authority RID %X (%d CA, %d issuer, %d ICC keys) to %s\n# %s\n",
				a.RID, len(a.CAs), len(a.Issuers), len(a.CardKeys), out, pki.TestMarker)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory to write (e.g. fixtures/pki)")
	c.Flags().BoolVar(&force, "force", false, "replace an authority already in DIR")
	c.Flags().StringVar(&seed, "seed", "", "derive the keys from this seed instead of crypto/rand (reproducible)")
	return c
}

func newPKIExportCmd() *cobra.Command {
	var dir, format string
	var revoked bool
	c := &cobra.Command{
		Use:   "export --format json|text",
		Short: "export the CA public keys (or the revocation list) for a terminal under test",
		Long: "export writes the test CA public keys in a form a terminal can load: a JSON array\n" +
			"(rid, index, modulus, exponent, checksum, size, expiry, test) or one text line per key\n" +
			"\"RID INDEX MODULUS EXPONENT HASH\" (hex; HASH is the SHA-1 check sum of EMV Book 2 11.2.2).\n" +
			"With --revoked it writes the revocation list instead (RID INDEX SERIAL).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "text" {
				return fmt.Errorf("pki export: --format %q, want json or text", format)
			}
			a, err := pki.Load(dir)
			if err != nil {
				return fmt.Errorf("pki export: %w", err)
			}
			var b []byte
			switch {
			case revoked && format == "json":
				b, err = pki.ExportRevocationsJSON(a.Revoked)
			case revoked:
				b = pki.ExportRevocationsText(a.Revoked)
			case format == "json":
				b, err = pki.ExportJSON(a.CAPublicKeys())
			default:
				b = pki.ExportText(a.CAPublicKeys())
			}
			if err != nil {
				return fmt.Errorf("pki export: %w", err)
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	c.Flags().StringVar(&dir, "dir", defaultPKIDir, "authority directory")
	c.Flags().StringVar(&format, "format", "json", "json or text")
	c.Flags().BoolVar(&revoked, "revoked", false, "export the revocation list instead of the CA keys")
	return c
}

func newPKIVariantsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "variants",
		Short: "list the broken-card variants: name, methods broken, expected failing check, description",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tBREAKS\tFAILS\tDESCRIPTION")
			for _, v := range pki.Variants() {
				fails := "-"
				if !v.Good() {
					fails = v.Step.String() + ": " + v.Check.String()
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.Name, v.Breaks, fails, v.Description)
			}
			return w.Flush()
		},
	}
}

func newPKIShowCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "show",
		Short: "summarise the test authority (public data only, never private keys)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := pki.Load(dir)
			if err != nil {
				return fmt.Errorf("pki show: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# %s\nRID %X (TEST, proprietary F…), default CA %02X\n\n", pki.TestMarker, a.RID, a.DefaultCA)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CA\tBITS\tEXP\tEXPIRES\tCHECKSUM")
			for _, k := range a.CAPublicKeys() {
				sum := k.Checksum()
				fmt.Fprintf(w, "%02X\t%d\t%X\t%s\t%X\n", k.Index, 8*k.Key.Len(), k.Key.Exponent, k.Expiry, sum)
			}
			fmt.Fprintln(w, "\nISSUER\tID\tCA\tBITS\tEXP\tSERIAL\tEXPIRES\tREMAINDER")
			for _, i := range a.Issuers {
				ca, err := a.CA(i.CAIndex)
				if err != nil {
					return fmt.Errorf("pki show: %w", err)
				}
				fmt.Fprintf(w, "%s\t%s\t%02X\t%d\t%X\t%X\t%s\t%d bytes\n", i.Name, i.ID, i.CAIndex, i.Bits(), i.Key.Exponent, i.Serial, i.Expiry,
					oda.IssuerRemainderLen(i.Key.Len(), ca.Key.Len()))
			}
			fmt.Fprintln(w, "\nICC KEY\tBITS\tEXP")
			for _, k := range a.CardKeys {
				fmt.Fprintf(w, "%s\t%d\t%X\n", k.Name, k.Bits(), k.Key.Exponent)
			}
			fmt.Fprintln(w, "\nREVOKED\tINDEX\tSERIAL")
			for _, r := range a.Revoked {
				fmt.Fprintf(w, "%X\t%02X\t%X\n", r.RID, r.Index, r.Serial)
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&dir, "dir", defaultPKIDir, "authority directory")
	return c
}

func newPKICardCmd() *cobra.Command {
	var dir, pan, static, dac string
	var spec pki.CardSpec
	c := &cobra.Command{
		Use:   "card --pan PAN --static-data HEX [--variant NAME]",
		Short: "print the ODA data objects (8F, 90, 92, 9F32, 93, 9F46-48, 9F2D-2F) of a test card",
		Long: "card personalises the ODA data of a test card for PAN and the static data to be\n" +
			"authenticated, broken as --variant says, and prints one \"TAG VALUE\" hex line per\n" +
			"data object. The ICC private key is not printed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pan == "" {
				return fmt.Errorf("pki card: --pan is required")
			}
			sd, err := hex.DecodeString(strings.ReplaceAll(static, " ", ""))
			if err != nil {
				return fmt.Errorf("pki card: --static-data is not hex")
			}
			spec.PAN, spec.StaticData = pan, sd
			if dac != "" {
				if spec.DAC, err = hex.DecodeString(dac); err != nil || len(spec.DAC) != 2 {
					return fmt.Errorf("pki card: --dac wants 4 hex digits")
				}
			}
			a, err := pki.Load(dir)
			if err != nil {
				return fmt.Errorf("pki card: %w", err)
			}
			card, err := a.Card(spec)
			if err != nil {
				return fmt.Errorf("pki card: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# %s\n# variant %s, issuer %s, ICC key %s", pki.TestMarker, card.Variant.Name, card.Issuer.Name, card.ICCName)
			if card.PINName != "" {
				fmt.Fprintf(out, ", PIN key %s", card.PINName)
			}
			fmt.Fprintf(out, ", DAC %X\n", card.DAC)
			for _, o := range card.DataObjects() {
				fmt.Fprintf(out, "%s %X\n", o.Tag, o.Value)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&dir, "dir", defaultPKIDir, "authority directory")
	f.StringVar(&pan, "pan", "", "application PAN (digits)")
	f.StringVar(&static, "static-data", "", "static data to be authenticated (hex)")
	f.StringVar(&spec.Variant, "variant", "good", "variant name (see `paylab pki variants`)")
	f.StringVar(&spec.Issuer, "issuer", "", "issuer name (default: by PAN)")
	f.StringVar(&spec.ICCKey, "icc-key", "", "ICC key name (default: the first that fits)")
	f.BoolVar(&spec.PINEncipherment, "pin", false, "also make the ICC PIN encipherment key certificate")
	f.StringVar(&spec.PINKey, "pin-key", "", "PIN encipherment key name (implies --pin)")
	f.StringVar(&spec.Expiry, "expiry", "", "ICC certificate expiry MMYY (default "+pki.DefaultCardExpiry+")")
	f.StringVar(&dac, "dac", "", "data authentication code, 4 hex digits (default: derived from the PAN)")
	return c
}
