package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newHostsCmd is a placeholder until its capability lands.
func newHostsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "hosts",
		Short: "start the acquirer and issuer hosts",
		RunE:  func(*cobra.Command, []string) error { return errors.New("hosts: not built yet") },
	}
}
