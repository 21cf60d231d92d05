package bench_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paylab/paylab/harness/bench"
)

func TestLoadConfigDefaultBench(t *testing.T) {
	c, err := bench.LoadConfig("../../fixtures/benches/emulated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "emulated" || c.Reader.Driver != "virtual" || c.Scanner.Driver != "virtual" || c.Hosts.Mode != "in-process" {
		t.Fatalf("emulated bench = %+v", c)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"driver":  "reader: {driver: usb}\n",
		"mode":    "hosts: {mode: cloud}\n",
		"unknown": "readers: {driver: pcsc}\n",
	} {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := bench.LoadConfig(p); err == nil || !strings.HasPrefix(err.Error(), "load bench: ") {
			t.Errorf("%s: err = %v, want a load bench error", name, err)
		}
	}
}
