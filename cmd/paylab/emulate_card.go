package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/emulators/card/vpcd"
)

// newEmulateCardCmd runs a card profile as a virtual card behind vpcd, so
// that a lab's PC/SC software (or a vendor's terminal) sees it in the
// "Virtual PCD" reader, until SIGINT or SIGTERM.
func newEmulateCardCmd() *cobra.Command {
	var profile, addr string
	var seed uint64
	c := &cobra.Command{
		Use:   "card --profile NAME",
		Short: "run a card profile in vpcd's virtual PC/SC reader until interrupted",
		Long: `Inserts the emulated card of fixtures/cards/NAME.yaml into vsmartcard's vpcd
reader (pcscd must run with vsmartcard-vpcd: ci/setup.sh). The card stays in the
reader until SIGINT or SIGTERM removes it; when pcscd restarts, the card is
inserted again. The card's state (ATC, PIN tries, ...) lives as long as the
process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if profile == "" {
				return fmt.Errorf("emulate card: --profile is required (one of %s)", profileList())
			}
			opts := []card.Option{}
			if cmd.Flags().Changed("seed") {
				opts = append(opts, card.WithSeed(seed))
			}
			icc, err := card.Open(profile, opts...)
			if err != nil {
				return fmt.Errorf("emulate card: %w (profiles: %s)", err, profileList())
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "card %s (ATR %X) for vpcd at %s; Ctrl-C removes it\n", icc.Name(), icc.ATR(), addr)
			logf := func(format string, args ...any) {
				fmt.Fprintf(out, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
			}
			err = vpcd.Run(ctx, addr, icc, vpcd.WithLog(logf))
			fmt.Fprintf(out, "card %s removed\n", icc.Name())
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&profile, "profile", "", "card profile: a file of fixtures/cards without .yaml")
	f.StringVar(&addr, "vpcd", vpcd.DefaultAddr, "vpcd's address (host:port; port 35963 is reader \"Virtual PCD 00 00\", 35964 \"Virtual PCD 00 01\")")
	f.Uint64Var(&seed, "seed", 0, "make the card's random numbers reproducible (default: crypto/rand)")
	return c
}

func profileList() string {
	names, err := card.Profiles()
	if err != nil {
		return "unknown"
	}
	return strings.Join(names, ", ")
}
