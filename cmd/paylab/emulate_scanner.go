package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEmulateScannerCmd is a placeholder until its capability lands.
func newEmulateScannerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scanner",
		Short: "emulate a scanner",
		RunE:  func(*cobra.Command, []string) error { return errors.New("emulate scanner: not built yet") },
	}
}
