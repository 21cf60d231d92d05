//go:build !unix

package vpcd

// lockSlot has no host-wide lock off Unix.
func lockSlot(string) (func(), bool, error) { return func() {}, false, nil }
