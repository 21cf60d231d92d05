package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestBenchHosts runs `paylab bench hosts` briefly with each journal that
// needs no server: the line on stdout has the form.
func TestBenchHosts(t *testing.T) {
	line := regexp.MustCompile(`^hosts: [0-9]+ auth/s, p50 [0-9]+\.[0-9]{2} ms, p99 [0-9]+\.[0-9]{2} ms, journal (\S+)\n$`)
	for _, c := range []struct{ journal, mode string }{{"memory", "memory"}, {"", "sqlite"}} {
		var out, errb bytes.Buffer
		args := []string{"bench", "hosts", "--conns", "2", "--inflight", "2", "--duration", "1s"}
		if c.journal != "" {
			args = append(args, "--journal", c.journal)
		}
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		m := line.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%v: stdout %q", args, out.String())
		}
		if !strings.HasPrefix(m[1], c.mode) {
			t.Errorf("%v: journal %q, want %s...", args, m[1], c.mode)
		}
		if !strings.Contains(errb.String(), "auth/s") {
			t.Errorf("%v: no progress on stderr: %q", args, errb.String())
		}
	}
}

func TestBenchHostsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "hosts", "--journal", "bogus"},
		{"bench", "hosts", "--conns", "0"},
		{"bench", "hosts", "--cards", "no-such-card"},
		{"bench", "hosts", "extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || strings.Count(errb.String(), "\n") != 1 || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}
