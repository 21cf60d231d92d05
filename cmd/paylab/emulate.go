package main

import (
	"github.com/spf13/cobra"
)

func newEmulateCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "emulate",
		Short: "run a card profile behind vpcd, or a scanner on a pty, for a lab or a vendor's terminal",
	}
	c.AddCommand(newEmulateCardCmd(), newEmulateScannerCmd())
	return c
}
