package bench_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		"driver":              "reader: {driver: usb}\n",
		"mode":                "hosts: {mode: cloud}\n",
		"unknown":             "readers: {driver: pcsc}\n",
		"no label":            "reader: {driver: pcsc, cards: [{issuer: lab-issuer}]}\n",
		"physical on virtual": "reader: {driver: virtual, cards: [{label: a, issuer: lab-issuer}]}\n",
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

func TestLoadConfigLabCards(t *testing.T) {
	for _, f := range []string{"lab", "pcsc"} {
		c, err := bench.LoadConfig("../../fixtures/benches/" + f + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Reader.Cards) == 0 {
			t.Fatalf("%s bench lists no test cards", f)
		}
		for _, lc := range c.Reader.Cards {
			if lc.Label == "" || lc.Issuer == "" || lc.Wait <= 0 {
				t.Errorf("%s bench card %+v", f, lc)
			}
		}
	}
	c, _ := bench.LoadConfig("../../fixtures/benches/lab.yaml")
	if got := c.Reader.Cards[0].Wait; got != 5*time.Minute {
		t.Errorf("lab card wait = %s, want the file's 5m", got)
	}
}
