package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/harness/device/pcsc"
	"github.com/paylab/paylab/harness/device/serial"
)

// newDevicesCmd lists what a bench can use: PC/SC readers with the ATR of
// the card in each, and serial ports with their USB identity. A missing
// pcscd is a line of the listing, not a failure.
func newDevicesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "devices",
		Short: "list card readers (with the ATR of a present card) and serial ports (with VID/PID)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			listReaders(out, pcsc.Status)
			listPorts(out, serial.Ports)
			return nil
		},
	}
}

func listReaders(out io.Writer, status func() ([]pcsc.SlotStatus, error)) {
	fmt.Fprintln(out, "PC/SC readers:")
	slots, err := status()
	switch {
	case errors.Is(err, pcsc.ErrNoService):
		fmt.Fprintln(out, "  pcscd is not running (start it with ci/setup.sh, or `pcscd` as root)")
		return
	case err != nil:
		fmt.Fprintf(out, "  cannot list readers: %v\n", err)
		return
	case len(slots) == 0:
		fmt.Fprintln(out, "  none")
		return
	}
	for _, s := range slots {
		switch {
		case s.Mute:
			fmt.Fprintf(out, "  %s: card present but mute (no answer to reset)\n", s.Reader)
		case s.Present:
			use := ""
			if s.InUse {
				use = ", in use"
			}
			fmt.Fprintf(out, "  %s: card present, ATR %X%s\n", s.Reader, s.ATR, use)
		default:
			fmt.Fprintf(out, "  %s: empty\n", s.Reader)
		}
	}
}

func listPorts(out io.Writer, ports func() ([]serial.PortInfo, error)) {
	fmt.Fprintln(out, "Serial ports:")
	ps, err := ports()
	switch {
	case err != nil:
		fmt.Fprintf(out, "  cannot list serial ports: %v\n", err)
		return
	case len(ps) == 0:
		fmt.Fprintln(out, "  none")
		return
	}
	for _, p := range ps {
		if !p.IsUSB {
			fmt.Fprintf(out, "  %s\n", p.Path)
			continue
		}
		fmt.Fprintf(out, "  %s: USB %s:%s", p.Path, p.VID, p.PID)
		if p.Product != "" {
			fmt.Fprintf(out, " %q", p.Product)
		}
		if p.SerialNumber != "" {
			fmt.Fprintf(out, " serial %s", p.SerialNumber)
		}
		fmt.Fprintln(out)
	}
}
