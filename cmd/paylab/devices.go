package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDevicesCmd is a placeholder until its capability lands.
func newDevicesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "devices",
		Short: "list card readers (with the ATR of a present card) and serial ports (with VID/PID)",
		RunE:  func(*cobra.Command, []string) error { return errors.New("devices: not built yet") },
	}
}
