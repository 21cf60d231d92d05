package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paylab/paylab/emulators/issuer"
	"github.com/paylab/paylab/harness/acquirer"
	"github.com/paylab/paylab/harness/acquirer/journal"
)

// newHostsCmd groups the host verbs: `paylab hosts up`.
func newHostsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "start the acquirer and issuer hosts",
	}
	cmd.AddCommand(newHostsUpCmd())
	return cmd
}

// hostsUpFlags are the flags of `paylab hosts up`.
type hostsUpFlags struct {
	listen       string
	http         string
	journal      string
	issuers      []string
	withIssuer   bool
	issuerListen string
	issuerConfig string
	nodeID       string
	acquirerID   string
	timeout      time.Duration
	verbose      bool
}

func newHostsUpCmd() *cobra.Command {
	var f hostsUpFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "run the acquirer host (and an issuer host emulator) until interrupted",
		Long: `Run the acquirer host: terminals connect to --listen (ISO 8583:1987, 2-byte
length framing), the back-office JSON API answers on --http, every outcome
is journalled in --journal before the terminal gets its answer.

--issuer NAME[/SCHEME]=ADDR,BIN[,BIN...] routes BIN prefixes or ranges
(400000-499999) to an issuer host; repeat it for several issuers. With
--with-issuer an issuer host emulator runs in the process with the accounts
of fixtures/issuers/<--issuer-config>.yaml, and, when no --issuer is given,
the acquirer routes that configuration's BINs to it.`,
		Example: `  paylab hosts up --with-issuer
  paylab hosts up --journal sqlite:acquirer.db --issuer visa=10.0.0.5:9583,476173 --issuer mc/mastercard=10.0.0.6:9583,510000-559999`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return hostsUp(ctx, f, cmd.OutOrStdout(), cmd.ErrOrStderr(), nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8583", "terminal-facing address of the acquirer")
	fl.StringVar(&f.http, "http", "127.0.0.1:8580", "back-office HTTP JSON API address (empty: none)")
	fl.StringVar(&f.journal, "journal", "sqlite:paylab-acquirer.db", "journal: sqlite:PATH, postgres:DSN or memory")
	fl.StringArrayVar(&f.issuers, "issuer", nil, "issuer route NAME[/SCHEME]=ADDR,BIN[,BIN...] (repeatable)")
	fl.BoolVar(&f.withIssuer, "with-issuer", false, "run an issuer host emulator in the process")
	fl.StringVar(&f.issuerListen, "issuer-listen", "127.0.0.1:0", "address of the in-process issuer (--with-issuer)")
	fl.StringVar(&f.issuerConfig, "issuer-config", "test-issuer", "fixtures/issuers configuration of the in-process issuer")
	fl.StringVar(&f.nodeID, "node-id", acquirer.DefaultNodeID, "node id prefixing this acquirer's RRNs (distinct per node sharing a journal)")
	fl.StringVar(&f.acquirerID, "acquirer-id", acquirer.DefaultAcquirerID, "acquiring institution id (DE 32)")
	fl.DurationVar(&f.timeout, "issuer-timeout", acquirer.DefaultIssuerTimeout, "how long to wait for an issuer before 91 and a reversal")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log at debug level")
	return cmd
}

// parseIssuerRoute reads NAME[/SCHEME]=ADDR,BIN[,BIN...].
func parseIssuerRoute(s string) (acquirer.Route, error) {
	name, rest, ok := strings.Cut(s, "=")
	parts := strings.Split(rest, ",")
	if !ok || name == "" || len(parts) < 2 || parts[0] == "" {
		return acquirer.Route{}, fmt.Errorf("--issuer %q: want NAME[/SCHEME]=ADDR,BIN[,BIN...]", s)
	}
	name, scheme, hasScheme := strings.Cut(name, "/")
	if !hasScheme || scheme == "" {
		scheme = name
	}
	r := acquirer.Route{Name: name, Scheme: scheme, Addr: parts[0], BINs: parts[1:]}
	if _, _, err := net.SplitHostPort(r.Addr); err != nil {
		return acquirer.Route{}, fmt.Errorf("--issuer %q: address: %w", s, err)
	}
	return r, nil
}

// openHostsJournal opens the journal a --journal value names.
func openHostsJournal(ctx context.Context, spec string) (journal.Journal, error) {
	j, err := journal.Open(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("hosts up: %w", err)
	}
	return j, nil
}

// hostsUp runs the hosts until ctx ends. ready, when not nil, receives the
// acquirer's terminal and HTTP addresses once both listen (tests).
func hostsUp(ctx context.Context, f hostsUpFlags, stdout, stderr io.Writer, ready func(acq, http string)) error {
	var routes []acquirer.Route
	for _, s := range f.issuers {
		r, err := parseIssuerRoute(s)
		if err != nil {
			return fmt.Errorf("hosts up: %w", err)
		}
		routes = append(routes, r)
	}
	if len(routes) == 0 && !f.withIssuer {
		return errors.New("hosts up: no issuer: give --issuer NAME=ADDR,BINS or --with-issuer")
	}
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if f.withIssuer {
		cfg, err := issuer.LoadConfig(f.issuerConfig)
		if err != nil {
			return fmt.Errorf("hosts up: %w", err)
		}
		iln, err := net.Listen("tcp", f.issuerListen)
		if err != nil {
			return fmt.Errorf("hosts up: issuer: %w", err)
		}
		is := issuer.New(issuer.WithConfig(cfg))
		go is.Serve(iln)
		defer is.Close()
		fmt.Fprintf(stdout, "issuer %s listening on %s\n", f.issuerConfig, iln.Addr())
		if len(f.issuers) == 0 {
			for _, b := range cfg.BINs {
				bin := b.Low
				if b.High != b.Low {
					bin += "-" + b.High
				}
				scheme := b.Scheme
				if scheme == "" {
					scheme = cfg.Name
				}
				routes = append(routes, acquirer.Route{Name: cfg.Name + "-" + scheme, Scheme: scheme, Addr: iln.Addr().String(), BINs: []string{bin}})
			}
		}
	}
	if len(routes) == 0 {
		return fmt.Errorf("hosts up: issuer configuration %s has no BINs to route", f.issuerConfig)
	}

	j, err := openHostsJournal(ctx, f.journal)
	if err != nil {
		return err
	}
	defer j.Close()

	opts := []acquirer.Option{
		acquirer.WithLogger(log), acquirer.WithIssuerTimeout(f.timeout),
		acquirer.WithNodeID(f.nodeID), acquirer.WithAcquirerID(f.acquirerID),
	}
	for _, r := range routes {
		opts = append(opts, acquirer.WithRoute(r))
		fmt.Fprintf(stdout, "route %s (%s) %s -> %s\n", r.Name, r.Scheme, strings.Join(r.BINs, ","), r.Addr)
	}
	acq := acquirer.New(j, opts...)
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("hosts up: acquirer: %w", err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- acq.Serve(ln) }()
	defer acq.Close()
	fmt.Fprintf(stdout, "acquirer listening on %s (journal %s)\n", ln.Addr(), j.Mode())

	httpAddr := ""
	if f.http != "" {
		hln, err := net.Listen("tcp", f.http)
		if err != nil {
			return fmt.Errorf("hosts up: http: %w", err)
		}
		srv := &http.Server{Handler: acq.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(hln)
		defer srv.Close()
		httpAddr = hln.Addr().String()
		fmt.Fprintf(stdout, "back-office API on http://%s/v1/transactions\n", httpAddr)
	}
	if ready != nil {
		ready(ln.Addr().String(), httpAddr)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "stopping")
		return nil
	case err := <-serveErr:
		if err != nil {
			return fmt.Errorf("hosts up: %w", err)
		}
		return nil
	}
}
