// Command paylab is the one CLI of the paylab harness: it runs scenario
// suites, computes EMV cryptograms, manages the test PKI and renders reports.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status other than 2 (the status of a bad input).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the process exit status: 0 on success,
// 2 for a bad input (one line on stderr), or what an exitError says.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "paylab: %s\n", oneLine(err.Error()))
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 2
	}
	return 0
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "paylab",
		Short:         "hardware-in-the-loop test and certification harness for payment terminals",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newEMVCmd(), newPKICmd(), newISO8583Cmd(), newRunCmd(), newReportCmd(),
		newDevicesCmd(), newEmulateCmd(), newHostsCmd(), newBenchCmd())
	return root
}

func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
