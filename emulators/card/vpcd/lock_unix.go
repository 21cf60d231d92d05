//go:build unix

package vpcd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockSlot takes the host-wide lock of vpcd's slot at addr: vpcd accepts
// one card per slot, and a second process inserting a card into an
// occupied slot would wait unseen in vpcd's accept queue, then take the
// slot from under the first. The lock is an flock(2) on a file in the
// temporary directory, released by unlock or by the process's end.
func lockSlot(addr string) (unlock func(), busy bool, err error) {
	name := "paylab-vpcd-" + strings.NewReplacer(":", "_", "/", "_", "[", "", "]", "").Replace(addr) + ".lock"
	f, err := os.OpenFile(filepath.Join(os.TempDir(), name), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, false, fmt.Errorf("lock vpcd slot %s: %w", addr, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("lock vpcd slot %s: %w", addr, err)
	}
	return func() { f.Close() }, false, nil
}
