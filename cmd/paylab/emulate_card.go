package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEmulateCardCmd is a placeholder until its capability lands.
func newEmulateCardCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "card",
		Short: "emulate a card",
		RunE:  func(*cobra.Command, []string) error { return errors.New("emulate card: not built yet") },
	}
}
