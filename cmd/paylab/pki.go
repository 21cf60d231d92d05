package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newPKICmd() *cobra.Command {
	return &cobra.Command{
		Use:  "pki",
		RunE: func(*cobra.Command, []string) error { return errors.New("pki: not implemented yet") },
	}
}
