package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newBenchCmd is a placeholder until its capability lands.
func newBenchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bench",
		Short: "load and speed figures",
		RunE:  func(*cobra.Command, []string) error { return errors.New("bench: not built yet") },
	}
}
