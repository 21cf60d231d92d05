package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/paylab/paylab/"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// layer gives a package's rank in DESIGN.md's dependency list: imports may
// only go to a strictly lower rank (or stay inside one package tree).
func layer(p string) int {
	p = strings.TrimPrefix(p, module)
	switch {
	case p == "fixtures":
		return 0
	case p == "harness/emv", strings.HasPrefix(p, "harness/emvqr"):
		return 1
	case p == "harness/emv/cryptogram", p == "harness/emv/oda", strings.HasPrefix(p, "harness/iso8583"):
		return 2 // iso8583 may use emv for DE 55 (DESIGN.md)
	case p == "harness/emv/pki":
		return 3
	case strings.HasPrefix(p, "harness/device"), strings.HasPrefix(p, "harness/trace"):
		return 4
	case strings.HasPrefix(p, "emulators/"), strings.HasPrefix(p, "harness/terminal"), strings.HasPrefix(p, "harness/acquirer"):
		return 5
	case p == "reports", strings.HasPrefix(p, "reports/"), strings.HasPrefix(p, "harness/bench"):
		return 6
	case strings.HasPrefix(p, "cmd/"), strings.HasPrefix(p, "scenarios"), strings.HasPrefix(p, "internal/"):
		return 7
	}
	return -1
}

// edge names the one package allowed to import each core library.
var edge = map[string]string{
	"github.com/ebfe/scard":                            "harness/device/pcsc",
	"go.bug.st/serial":                                 "harness/device/serial",
	"github.com/testcontainers/testcontainers-go":      "harness/bench",
	"go.yaml.in/yaml/v3":                               "fixtures",
	"github.com/spf13/cobra":                           "cmd/paylab",
	"modernc.org/sqlite":                               "harness/acquirer/journal",
	"github.com/jackc/pgx/v5":                          "harness/acquirer/journal",
	"github.com/onsi/ginkgo/v2/reporters":              "reports",
	"github.com/onsi/ginkgo/v2/types":                  "reports",
	"golang.org/x/sys/unix":                            "emulators/scanner",
	"go.bug.st/serial/enumerator":                      "harness/device/serial",
	"github.com/testcontainers/testcontainers-go/wait": "harness/bench",
	"github.com/chromedp/chromedp":                     "reports/browser",
	"github.com/chromedp/cdproto":                      "reports/browser",
	"github.com/makiuchi-d/gozxing":                    "emulators/scanner/imager",
}

// codecs are pure: no files, no network, no processes.
var codecs = []string{"harness/emv", "harness/emv/cryptogram", "harness/emv/oda", "harness/iso8583", "harness/emvqr"}

func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	for _, p := range pkgs {
		from := layer(p.ImportPath)
		if from < 0 {
			t.Errorf("%s: not on DESIGN.md's map; add it to layer()", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				to := layer(imp)
				sameTree := strings.HasPrefix(imp, p.ImportPath+"/") || strings.HasPrefix(p.ImportPath, imp+"/")
				if to >= from && !sameTree && !(to == from && from == 7) {
					t.Errorf("%s imports %s: against the dependency direction", p.ImportPath, imp)
				}
			}
			for lib, owner := range edge {
				if (imp == lib || strings.HasPrefix(imp, lib+"/")) && strings.TrimPrefix(p.ImportPath, module) != owner {
					t.Errorf("%s imports %s: only %s may", p.ImportPath, imp, owner)
				}
			}
		}
	}
}

func TestTerminalKnowsNoEmulator(t *testing.T) {
	for _, p := range listPackages(t) {
		path := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			imp = strings.TrimPrefix(imp, module)
			if strings.HasPrefix(path, "harness/terminal") && strings.HasPrefix(imp, "emulators/") {
				t.Errorf("%s imports %s: the terminal only knows device interfaces", path, imp)
			}
			if strings.HasPrefix(path, "emulators/") && (strings.HasPrefix(imp, "harness/terminal") || strings.HasPrefix(imp, "harness/acquirer")) {
				t.Errorf("%s imports %s: an emulator must not know the stack it is tested against", path, imp)
			}
		}
	}
}

func TestCodecsDoNoIO(t *testing.T) {
	byPath := map[string]pkg{}
	for _, p := range listPackages(t) {
		byPath[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	for _, c := range codecs {
		p, ok := byPath[c]
		if !ok {
			continue // not written yet
		}
		for _, imp := range p.Imports {
			switch imp {
			case "os", "net", "net/http", "os/exec", "syscall":
				t.Errorf("%s imports %s: a codec does no I/O", c, imp)
			}
		}
	}
}
