// Package device defines what the terminal knows of its devices: a card
// reader slot and a QR/barcode scanner. Drivers live in sub-packages —
// pcsc (ebfe/scard), serial (go.bug.st/serial) and virtual (in memory) —
// and own their hardware libraries; the terminal never learns which one it
// was given.
package device

import "context"

// Reader is one card slot: a PC/SC reader or a virtual one.
type Reader interface {
	Name() string
	// Connect waits for a card and powers it up.
	Connect(ctx context.Context) (Card, error)
}

// Card is a powered card in a reader.
type Card interface {
	ATR() []byte
	// Transmit sends one command APDU and returns the response APDU,
	// status word included. T=0 GET RESPONSE (61xx) and wrong-length
	// (6Cxx) handling is the driver's job, not the kernel's.
	Transmit(ctx context.Context, capdu []byte) ([]byte, error)
	Close() error
}

// Scanner is a serial QR/barcode scanner or a virtual one.
type Scanner interface {
	Name() string
	// Scan returns the next decoded code.
	Scan(ctx context.Context) (string, error)
}
