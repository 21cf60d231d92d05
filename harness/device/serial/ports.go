package serial

import (
	"fmt"
	"strings"

	"go.bug.st/serial/enumerator"
)

// PortInfo describes one serial port of the host.
type PortInfo struct {
	Path         string // /dev/ttyACM0
	IsUSB        bool
	VID          string // USB vendor ID, hex, when IsUSB
	PID          string // USB product ID, hex, when IsUSB
	SerialNumber string // USB serial number, when the device has one
	Product      string // USB product string, when the platform reports it
}

// Ports lists the serial ports of the host with their USB identity, for
// `paylab devices` and for finding a scanner by VID/PID. Pseudo-terminals
// are not listed: they have no device behind them.
func Ports() ([]PortInfo, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	out := make([]PortInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PortInfo{
			Path: p.Name, IsUSB: p.IsUSB, VID: p.VID, PID: p.PID,
			SerialNumber: p.SerialNumber, Product: p.Product,
		})
	}
	return out, nil
}

// FilterUSB returns the ports whose USB vendor and product IDs match vid
// and pid (hex, case-insensitive; an empty pid matches any product of the
// vendor), so that a bench can name a scanner by model rather than by a
// /dev path that changes with plug order.
func FilterUSB(ports []PortInfo, vid, pid string) []PortInfo {
	var out []PortInfo
	for _, p := range ports {
		if p.IsUSB && strings.EqualFold(p.VID, vid) && (pid == "" || strings.EqualFold(p.PID, pid)) {
			out = append(out, p)
		}
	}
	return out
}
