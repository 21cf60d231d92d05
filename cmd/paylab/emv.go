package main

import "github.com/spf13/cobra"

func newEMVCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "emv",
		Short: "EMV calculator: decode TLV, compute ARQC and ARPC",
	}
	c.AddCommand(newTLVCmd(), newARQCCmd(), newARPCCmd())
	return c
}
