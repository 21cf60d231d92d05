package serial

import (
	"errors"
	"fmt"
	"time"

	bug "go.bug.st/serial"
)

// Parity is the parity bit setting of the line.
type Parity int

// Parity settings.
const (
	ParityNone Parity = iota
	ParityOdd
	ParityEven
	ParityMark
	ParitySpace
)

// StopBits is the number of stop bits.
type StopBits int

// Stop bit settings.
const (
	StopBits1 StopBits = iota
	StopBits1Half
	StopBits2
)

// Suffixes scanners can be programmed to end each code with.
const (
	SuffixCR   = "\r"
	SuffixLF   = "\n"
	SuffixCRLF = "\r\n"
	SuffixTab  = "\t"
)

// Defaults of Open, those of most scanners out of the box.
const (
	DefaultBaud         = 9600
	DefaultDataBits     = 8
	DefaultSuffix       = SuffixCR
	DefaultPollInterval = 50 * time.Millisecond
	DefaultBackoffMin   = 50 * time.Millisecond
	DefaultBackoffMax   = 2 * time.Second
)

// ErrOption reports an invalid option given to Open.
var ErrOption = errors.New("invalid option")

type config struct {
	baud        int
	dataBits    int
	parity      Parity
	stopBits    StopBits
	suffix      string
	prefix      string
	aim         bool
	readTimeout time.Duration
	poll        time.Duration
	backoffMin  time.Duration
	backoffMax  time.Duration
	reconnect   bool
	idleEnd     time.Duration
	name        string
}

func defaults() config {
	return config{
		baud:       DefaultBaud,
		dataBits:   DefaultDataBits,
		parity:     ParityNone,
		stopBits:   StopBits1,
		suffix:     DefaultSuffix,
		poll:       DefaultPollInterval,
		backoffMin: DefaultBackoffMin,
		backoffMax: DefaultBackoffMax,
		reconnect:  true,
	}
}

// Option configures Open.
type Option func(*config)

// WithBaud sets the baud rate (default 9600).
func WithBaud(baud int) Option { return func(c *config) { c.baud = baud } }

// WithDataBits sets the data bits, 5 to 8 (default 8).
func WithDataBits(n int) Option { return func(c *config) { c.dataBits = n } }

// WithParity sets the parity (default none).
func WithParity(p Parity) Option { return func(c *config) { c.parity = p } }

// WithStopBits sets the stop bits (default one).
func WithStopBits(s StopBits) Option { return func(c *config) { c.stopBits = s } }

// WithSuffix sets the bytes that end each code: SuffixCR (default),
// SuffixLF, SuffixCRLF, SuffixTab, or any non-empty sequence the scanner
// was programmed with.
func WithSuffix(s string) Option { return func(c *config) { c.suffix = s } }

// WithPrefix sets a prefix the scanner sends before each code; it is
// stripped, and anything before it discarded as noise.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithAIM tells the driver that the scanner sends an AIM symbology
// identifier after the prefix; it is parsed into Code.AIM and stripped.
func WithAIM() Option { return func(c *config) { c.aim = true } }

// WithReadTimeout makes Scan return ErrTimeout when no complete code has
// arrived within d. Zero (the default) waits until the context ends.
func WithReadTimeout(d time.Duration) Option { return func(c *config) { c.readTimeout = d } }

// WithIdleEnd ends a code that has waited d without a further byte, as if
// its suffix had come: for scanners programmed without a suffix, or that
// drop one. A code paused longer than d mid-line is then cut in two, so d
// must exceed the longest gap the scanner leaves inside a code. Zero (the
// default) waits for the suffix.
func WithIdleEnd(d time.Duration) Option { return func(c *config) { c.idleEnd = d } }

// WithPollInterval sets the read timeout of each poll of the port, hence
// how fast Scan notices a cancelled context (default 50 ms).
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.poll = d } }

// WithReconnectBackoff sets the first and the longest wait between two
// attempts to re-open a vanished port (defaults 50 ms and 2 s).
func WithReconnectBackoff(first, longest time.Duration) Option {
	return func(c *config) { c.backoffMin, c.backoffMax = first, longest }
}

// WithoutReconnect makes Scan return ErrDisconnected when the port goes
// away instead of waiting for it to come back.
func WithoutReconnect() Option { return func(c *config) { c.reconnect = false } }

// WithName sets the name Name reports (default "serial:" + path).
func WithName(n string) Option { return func(c *config) { c.name = n } }

func (c *config) validate() error {
	switch {
	case c.baud <= 0:
		return fmt.Errorf("baud %d: %w", c.baud, ErrOption)
	case c.dataBits < 5 || c.dataBits > 8:
		return fmt.Errorf("data bits %d: %w", c.dataBits, ErrOption)
	case c.parity < ParityNone || c.parity > ParitySpace:
		return fmt.Errorf("parity %d: %w", c.parity, ErrOption)
	case c.stopBits < StopBits1 || c.stopBits > StopBits2:
		return fmt.Errorf("stop bits %d: %w", c.stopBits, ErrOption)
	case c.suffix == "":
		return fmt.Errorf("empty suffix: %w", ErrOption)
	case c.readTimeout < 0:
		return fmt.Errorf("read timeout %v: %w", c.readTimeout, ErrOption)
	case c.idleEnd < 0:
		return fmt.Errorf("idle end %v: %w", c.idleEnd, ErrOption)
	case c.poll <= 0:
		return fmt.Errorf("poll interval %v: %w", c.poll, ErrOption)
	case c.backoffMin <= 0 || c.backoffMax < c.backoffMin:
		return fmt.Errorf("reconnect backoff %v..%v: %w", c.backoffMin, c.backoffMax, ErrOption)
	}
	return nil
}

func (c *config) mode() *bug.Mode {
	parity := map[Parity]bug.Parity{
		ParityNone: bug.NoParity, ParityOdd: bug.OddParity, ParityEven: bug.EvenParity,
		ParityMark: bug.MarkParity, ParitySpace: bug.SpaceParity,
	}[c.parity]
	stop := map[StopBits]bug.StopBits{
		StopBits1: bug.OneStopBit, StopBits1Half: bug.OnePointFiveStopBits, StopBits2: bug.TwoStopBits,
	}[c.stopBits]
	return &bug.Mode{BaudRate: c.baud, DataBits: c.dataBits, Parity: parity, StopBits: stop}
}
