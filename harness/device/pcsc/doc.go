// Package pcsc is the PC/SC card reader driver: a real reader (or vpcd's
// virtual one) seen through pcsc-lite's pcscd with github.com/ebfe/scard,
// the only package of paylab that imports it (cgo, libpcsclite-dev).
//
// Readers lists the readers pcscd knows; a Reader is one slot, found by
// exact name or by name prefix ("Virtual PCD" is "Virtual PCD 00 00").
// WaitInserted and WaitRemoved follow the slot with SCardGetStatusChange
// and stop when their context ends (SCardCancel from a goroutine watching
// the context). Connect waits for a card, connects with the protocol of
// WithProtocol (T=0, T=1 or either, the default) and returns a *Card: a
// device.Card whose ATR, reader name and active protocol go into traces
// and reports.
//
// Card.Transmit hides the transport-level status words from the kernel, as
// device.Card asks (EMV Book 1, 9.3.1.3; ISO/IEC 7816-3, 10.3.5 and
// ISO/IEC 7816-4, 5.1.3): '61xx' makes it send GET RESPONSE (00 C0 00 00
// xx) until the card has given all its data, the parts concatenated; '6Cxx'
// makes it send the same command again with Le = xx. WithRawStatus turns
// this off for tests that want to see the card's own answers. Card.Reset
// is a warm reset (SCardReconnect with SCARD_RESET_CARD) and Card.ColdReset
// a power cycle (SCARD_UNPOWER_CARD); both read the ATR again.
//
// A missing pcscd is ErrNoService, a reader that is not there
// ErrNoReader, no card in the slot ErrNoCard: callers branch with
// errors.Is.
package pcsc
