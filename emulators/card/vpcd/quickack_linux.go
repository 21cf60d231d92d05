package vpcd

import (
	"net"
	"syscall"
)

// quickAck returns a function that asks the kernel to acknowledge at once
// what arrives next (TCP_QUICKACK is not sticky: Linux may fall back to
// delayed ACKs, so it is set again after every read).
func quickAck(c *net.TCPConn) func() {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	return func() {
		_ = rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
		})
	}
}
