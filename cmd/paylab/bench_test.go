package main

import (
	"bytes"
	"os"
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

// The default journal of bench hosts is never on a file system in memory,
// where fsync reaches no disk: with TMPDIR on tmpfs it goes to the user's
// cache folder.
func TestDiskTempDir(t *testing.T) {
	if _, inMemory := memoryFS("/dev/shm"); !inMemory {
		t.Skip("/dev/shm is not tmpfs here: nothing in memory to steer away from")
	}
	cache := t.TempDir() // on the disk: made before TMPDIR changes
	t.Setenv("TMPDIR", "/dev/shm")
	t.Setenv("XDG_CACHE_HOME", cache)
	dir, err := diskTempDir()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if fs, inMemory := memoryFS(dir); inMemory {
		t.Fatalf("journal folder %s is on %s", dir, fs)
	}
	if !strings.HasPrefix(dir, os.Getenv("XDG_CACHE_HOME")) {
		t.Fatalf("journal folder %s, want one under the cache folder %s", dir, os.Getenv("XDG_CACHE_HOME"))
	}
}
