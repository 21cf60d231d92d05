package iso8583

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and fuzz seed corpora in testdata")

// loadDialectFile compiles a spec from testdata/specs.
func loadDialectFile(tb testing.TB, name string) *Dialect {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "specs", name))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := LoadDialect(name, b)
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	return d
}

// testDialects are the dialects every generic test runs on.
func testDialects(tb testing.TB) []*Dialect {
	return []*Dialect{ISO1987, ISO1993, loadDialectFile(tb, "pos-bcd.yaml"), loadDialectFile(tb, "ascii-hex.json")}
}

// versionMTI returns an authorization request MTI of d's version.
func versionMTI(d *Dialect) MTI {
	if d.version > 0 {
		return MTI(d.version*1000 + 100)
	}
	return MTI(100)
}
