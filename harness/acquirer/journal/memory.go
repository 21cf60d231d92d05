package journal

import (
	"context"
	"slices"
	"sync"
)

// Memory is a Journal in memory: for tests and fakes, not durable.
type Memory struct {
	mu    sync.Mutex
	order []string
	txns  map[string]Txn
}

// NewMemory returns an empty in-memory journal.
func NewMemory() *Memory { return &Memory{txns: map[string]Txn{}} }

// Put implements Journal.
func (m *Memory) Put(_ context.Context, t Txn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.txns[t.RRN]; !ok {
		m.order = append(m.order, t.RRN)
	}
	m.txns[t.RRN] = t
	return nil
}

// Get implements Journal.
func (m *Memory) Get(_ context.Context, rrn string) (Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.txns[rrn]
	if !ok {
		return Txn{}, ErrNotFound
	}
	return t, nil
}

// Find implements Journal.
func (m *Memory) Find(_ context.Context, f Filter) ([]Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Txn
	for _, rrn := range m.order {
		if t := m.txns[rrn]; f.Match(t) {
			out = append(out, t)
		}
	}
	// Created order, ties in insertion order, as the SQL stores give.
	slices.SortStableFunc(out, func(a, b Txn) int { return a.Created.Compare(b.Created) })
	return limitSlice(out, f), nil
}

// Match reports whether f selects t (the rule every Journal applies).
func (f Filter) Match(t Txn) bool {
	switch {
	case f.TerminalID != "" && t.TerminalID != f.TerminalID,
		f.STAN != "" && t.STAN != f.STAN,
		len(f.States) > 0 && !slices.Contains(f.States, t.State),
		f.Reversal != "" && t.Reversal != f.Reversal,
		f.Batch >= 0 && t.Batch != f.Batch,
		!f.Since.IsZero() && t.Created.Before(f.Since):
		return false
	}
	return true
}

// Mode implements Journal.
func (m *Memory) Mode() string { return "memory" }

// Close implements Journal.
func (m *Memory) Close() error { return nil }

// limitSlice keeps the first or, with f.Newest, the last f.Limit of s.
func limitSlice[T any](s []T, f Filter) []T {
	if f.Limit <= 0 || len(s) <= f.Limit {
		return s
	}
	if f.Newest {
		return s[len(s)-f.Limit:]
	}
	return s[:f.Limit]
}
