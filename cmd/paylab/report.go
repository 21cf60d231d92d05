package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/reports"
)

func newReportCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "report",
		Short: "evidence integrity, shard merging, run comparison, scheme mapping and the browser check",
		Long: "report works on run folders (reports/out/<run-id>/). A folder is an evidence bundle\n" +
			"when it holds " + reports.ManifestFile + " (sha256sum format, so `sha256sum -c` checks it too)\n" +
			"and, signed with a lab key, " + reports.SignatureFile + " (raw Ed25519 signature of the manifest).\n" +
			"Lab keys are PEM files: PKCS #8 private key, PKIX public key (openssl genpkey -algorithm ed25519).",
		Args: cobra.NoArgs,
	}
	c.AddCommand(newReportVerifyCmd(), newReportMergeCmd(), newReportDiffCmd(), newReportSignCmd(), newReportKeygenCmd(),
		newReportScreenshotCmd(), newReportMapCmd())
	return c
}

func newReportVerifyCmd() *cobra.Command {
	var pubFile string
	c := &cobra.Command{
		Use:   "verify DIR",
		Short: "check a bundle against its manifest (and signature): exit 0 intact, 1 altered, 2 bad input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := verifyOptions(pubFile)
			if err != nil {
				return fmt.Errorf("report verify: %w", err)
			}
			dir := args[0]
			if err := verifyBundle(dir, opts); err != nil {
				return err
			}
			m, _ := os.ReadFile(filepath.Join(dir, reports.ManifestFile))
			files, _ := reports.ParseManifest(m)
			sig := "signature not checked (no --pubkey)"
			if opts.PublicKey != nil {
				sig = "signature verified with key " + keyID(opts.PublicKey)
			} else if _, err := os.Stat(filepath.Join(dir, reports.SignatureFile)); errors.Is(err, fs.ErrNotExist) {
				sig = "unsigned"
			}
			noun := "files"
			if len(files) == 1 {
				noun = "file"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: intact, %d %s, %s\n", dir, len(files), noun, sig)
			return nil
		},
	}
	c.Flags().StringVar(&pubFile, "pubkey", "", "lab public key (PEM, PKIX); makes the signature mandatory")
	return c
}

// verifyBundle runs reports.Verify and maps an altered bundle to exit
// status 1; any other failure is a bad input (2).
func verifyBundle(dir string, opts reports.VerifyOptions) error {
	err := reports.Verify(dir, opts)
	var ie *reports.IntegrityError
	if errors.As(err, &ie) {
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", dir, err)}
	}
	if err != nil {
		return fmt.Errorf("report verify: %w", err)
	}
	return nil
}

func verifyOptions(pubFile string) (reports.VerifyOptions, error) {
	if pubFile == "" {
		return reports.VerifyOptions{}, nil
	}
	b, err := os.ReadFile(pubFile)
	if err != nil {
		return reports.VerifyOptions{}, err
	}
	k, err := reports.ParsePublicKey(b)
	if err != nil {
		return reports.VerifyOptions{}, fmt.Errorf("%s: %w", pubFile, err)
	}
	return reports.VerifyOptions{PublicKey: k}, nil
}

func readPrivateKey(file string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	k, err := reports.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return k, nil
}

// keyID is a short fingerprint of a public key: the first 8 bytes of the
// SHA-256 of its raw 32 bytes, so a reader can tell lab keys apart.
func keyID(k ed25519.PublicKey) string {
	h := sha256.Sum256(k)
	return hex.EncodeToString(h[:8])
}

func newReportMergeCmd() *cobra.Command {
	var out, keyFile, pubFile, id string
	c := &cobra.Command{
		Use:   "merge --out DIR RUN_DIR...",
		Short: "join the run folders of parallel processes or CI shards into one report",
		Long: "merge reads each folder's report.json and writes the merged report.json, junit.xml,\n" +
			"report.html and a new\n" +
			"manifest into --out, which must be new or empty. A folder that has a manifest is\n" +
			"verified first, so an altered shard is never laundered into a fresh bundle; a\n" +
			"folder without one is merged with a warning (refused when --pubkey is given).\n" +
			"Merging refuses runs from different benches or harness versions, and a case with\n" +
			"two different verdicts.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("report merge: --out is required")
			}
			opts, err := verifyOptions(pubFile)
			if err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			var key ed25519.PrivateKey
			if keyFile != "" {
				if key, err = readPrivateKey(keyFile); err != nil {
					return fmt.Errorf("report merge: %w", err)
				}
			}
			if err := emptyOrNew(out); err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			runs := make([]reports.Run, 0, len(args))
			for _, dir := range args {
				err := reports.Verify(dir, opts)
				var ie *reports.IntegrityError
				switch {
				case errors.As(err, &ie) && ie.File == reports.ManifestFile && ie.Problem == reports.FileMissing && opts.PublicKey == nil:
					fmt.Fprintf(cmd.ErrOrStderr(), "paylab: warning: %s has no %s; merged unverified\n", dir, reports.ManifestFile)
				case ie != nil:
					return &exitError{code: 1, err: fmt.Errorf("report merge: %s: %w", dir, err)}
				case err != nil:
					return fmt.Errorf("report merge: %w", err)
				}
				r, err := reports.ReadJSON(dir)
				if err != nil {
					return fmt.Errorf("report merge: %w", err)
				}
				runs = append(runs, r)
			}
			m, err := reports.Merge(runs...)
			if err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			if id != "" {
				m.ID = id
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			paths, err := reports.WriteReports(out, m)
			if err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			p, err := reports.WriteManifest(out)
			if err != nil {
				return fmt.Errorf("report merge: %w", err)
			}
			paths = append(paths, p)
			if key != nil {
				if p, err = reports.SignManifest(out, key); err != nil {
					return fmt.Errorf("report merge: %w", err)
				}
				paths = append(paths, p)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "merged %d runs into run %s: %s\n", len(runs), m.ID, summaryLine(m))
			for _, p := range paths {
				fmt.Fprintf(w, "wrote %s\n", p)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&out, "out", "", "folder that receives the merged report (new or empty)")
	f.StringVar(&keyFile, "key", "", "lab private key (PEM, PKCS #8) to sign the merged bundle")
	f.StringVar(&pubFile, "pubkey", "", "lab public key (PEM, PKIX): every input must be a bundle signed with it")
	f.StringVar(&id, "id", "", "ID of the merged run (default: the inputs' IDs joined by +)")
	return c
}

// emptyOrNew refuses an output folder that already holds files: they
// would end up in the merged bundle's manifest.
func emptyOrNew(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

func summaryLine(r reports.Run) string {
	s := fmt.Sprintf("%d cases", r.Summary.Total)
	for _, v := range []reports.Verdict{reports.Passed, reports.Failed, reports.Errored, reports.Skipped, reports.NotApplicable} {
		if n := r.Summary.Verdicts[v]; n > 0 {
			s += fmt.Sprintf(", %d %s", n, v)
		}
	}
	return s
}

func newReportDiffCmd() *cobra.Command {
	o := reports.DefaultDiffOptions
	c := &cobra.Command{
		Use:   "diff A B",
		Short: "show newly failing, newly passing, added, removed and slower cases from run A to run B",
		Long: "diff compares two runs, each given as its folder or its report.json, A being the\n" +
			"baseline. A case is slower when its duration grew by --ratio and by at least --min.\n" +
			"The exit status is 0 whenever both reports could be read.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.SlowerRatio < 1 {
				return fmt.Errorf("report diff: --ratio %g: want 1 or more", o.SlowerRatio)
			}
			if o.SlowerMin < 0 {
				return fmt.Errorf("report diff: --min %s: want 0 or more", o.SlowerMin)
			}
			a, err := readRun(args[0])
			if err != nil {
				return fmt.Errorf("report diff: %w", err)
			}
			b, err := readRun(args[1])
			if err != nil {
				return fmt.Errorf("report diff: %w", err)
			}
			return reports.WriteDelta(cmd.OutOrStdout(), a, b, reports.DiffWith(a, b, o))
		},
	}
	c.Flags().Float64Var(&o.SlowerRatio, "ratio", o.SlowerRatio, "duration factor from which a case counts as slower")
	c.Flags().DurationVar(&o.SlowerMin, "min", o.SlowerMin, "least duration growth that counts as slower")
	return c
}

// readRun reads a run from its folder or from its report.json.
func readRun(p string) (reports.Run, error) {
	st, err := os.Stat(p)
	if err != nil {
		return reports.Run{}, err
	}
	if !st.IsDir() {
		if filepath.Base(p) != reports.JSONFile {
			return reports.Run{}, fmt.Errorf("%s: want a run folder or its %s", p, reports.JSONFile)
		}
		p = filepath.Dir(p)
	}
	return reports.ReadJSON(p)
}

func newReportSignCmd() *cobra.Command {
	var keyFile string
	c := &cobra.Command{
		Use:   "sign DIR --key FILE",
		Short: "sign an intact bundle's manifest with a lab key",
		Long: "sign verifies the bundle against its existing manifest and only then signs that\n" +
			"manifest; it never rewrites the manifest, so it cannot bless an altered folder.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return errors.New("report sign: --key is required")
			}
			key, err := readPrivateKey(keyFile)
			if err != nil {
				return fmt.Errorf("report sign: %w", err)
			}
			if err := verifyBundle(args[0], reports.VerifyOptions{}); err != nil {
				return err
			}
			p, err := reports.SignManifest(args[0], key)
			if err != nil {
				return fmt.Errorf("report sign: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (key %s)\n", p, keyID(key.Public().(ed25519.PublicKey)))
			return nil
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "lab private key (PEM, PKCS #8)")
	return c
}

func newReportKeygenCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "keygen --out PREFIX",
		Short: "generate a lab signing key pair: PREFIX.key (private, mode 0600) and PREFIX.pub",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("report keygen: --out is required")
			}
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return fmt.Errorf("report keygen: %w", err)
			}
			kb, err := reports.MarshalPrivateKey(priv)
			if err != nil {
				return fmt.Errorf("report keygen: %w", err)
			}
			pb, err := reports.MarshalPublicKey(pub)
			if err != nil {
				return fmt.Errorf("report keygen: %w", err)
			}
			// O_EXCL: never overwrite a lab's key.
			if err := writeNew(out+".key", kb, 0o600); err != nil {
				return fmt.Errorf("report keygen: %w", err)
			}
			if err := writeNew(out+".pub", pb, 0o644); err != nil {
				return fmt.Errorf("report keygen: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s.key and %s.pub (key %s, created %s)\n", out, out, keyID(pub), time.Now().UTC().Format(time.DateOnly))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "path prefix of the two key files")
	return c
}

func writeNew(p string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
