package labels

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/paylab/paylab/harness/terminal"
	"github.com/paylab/paylab/reports"
)

// The terminal profile a run is judged against: the one of the terminal
// under test. Cases whose plan row says `applies: {terminal: [...]}` are
// skipped as not applicable when this profile lacks what they need.
var (
	termMu   sync.Mutex
	termFile string // "" is the embedded default profile
	term     *reports.TerminalProfile
	termErr  error
)

// UseTerminal sets the terminal profile file (fixtures/terminals format)
// applicability is decided from; "" is the embedded default profile. Call
// it before the specs run (the suite does, from -paylab.terminal).
func UseTerminal(file string) {
	termMu.Lock()
	defer termMu.Unlock()
	termFile, term, termErr = file, nil, nil
}

// Terminal returns the terminal profile applicability is decided from.
func Terminal() (reports.TerminalProfile, error) {
	termMu.Lock()
	defer termMu.Unlock()
	if term == nil && termErr == nil {
		var cfg *terminal.Config
		if termFile == "" {
			cfg, termErr = terminal.DefaultConfig()
		} else {
			abs, err := filepath.Abs(termFile)
			if err != nil {
				termErr = err
			} else {
				cfg, termErr = terminal.LoadConfig(os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
			}
		}
		if termErr == nil {
			term = &reports.TerminalProfile{Name: cfg.Name, Type: cfg.TerminalType, Caps: cfg.Capabilities, AddCaps: cfg.AddCapabilities}
		}
	}
	if termErr != nil {
		return reports.TerminalProfile{}, fmt.Errorf("labels: terminal profile: %w", termErr)
	}
	return *term, nil
}

// Applicable decides whether plan case id applies to the run's terminal
// profile, and why not.
func Applicable(id string) (bool, string, error) {
	p, err := Plan()
	if err != nil {
		return false, "", err
	}
	t, err := Terminal()
	if err != nil {
		return false, "", err
	}
	ok, why := p.Applicable(id, t)
	return ok, why, nil
}

// SkipIfNotApplicable skips the current spec as not applicable (the
// report's verdict NotApplicable, with the reason) when the terminal
// profile rules its plan case out. The suite calls it from a top-level
// BeforeEach, so no spec needs to.
func SkipIfNotApplicable() {
	ginkgo.GinkgoHelper()
	for _, l := range ginkgo.CurrentSpecReport().Labels() {
		if !reports.IsPlanID(l) {
			continue
		}
		ok, why, err := Applicable(l)
		if err != nil {
			ginkgo.Fail(err.Error())
		}
		if !ok {
			ginkgo.Skip(reports.NotApplicableMessage(why))
		}
		return
	}
}

var useOnce sync.Once

// UseTerminalOnce is UseTerminal for the first call only: the suite's
// hooks call it before every spec with the -paylab.terminal flag.
func UseTerminalOnce(file string) { useOnce.Do(func() { UseTerminal(file) }) }
