package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newTLVCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "tlv HEX",
		Args: cobra.ExactArgs(1),
		RunE: func(*cobra.Command, []string) error { return errors.New("emv tlv: not implemented yet") },
	}
}
