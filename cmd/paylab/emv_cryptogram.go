package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newARQCCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "arqc",
		RunE: func(*cobra.Command, []string) error { return errors.New("emv arqc: not implemented yet") },
	}
}

func newARPCCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "arpc",
		RunE: func(*cobra.Command, []string) error { return errors.New("emv arpc: not implemented yet") },
	}
}
