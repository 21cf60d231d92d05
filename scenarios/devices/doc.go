// Package devices holds the scenario specs of flow DEV: the device paths
// of a bench, driven end to end through the same drivers a lab bench uses.
//
// DEV.PCSC (pcsc*.go) drives the PC/SC card reader path: the card emulator
// inserted into vsmartcard's vpcd reader, seen and driven through pcscd by
// harness/device/pcsc — insertion and removal, T=0 '61xx' and '6Cxx'
// handling, warm and cold resets, protocol negotiation, the reader's
// identity for the report.
//
// DEV.SER (scanner*.go) drives the serial QR/barcode scanner path: the
// scanner emulator (emulators/scanner) on a real Linux pseudo-terminal,
// read by harness/device/serial through go.bug.st/serial and the kernel's
// tty layer. The specs program the emulator's framing (CR, LF, CR LF or Tab
// suffix, prefix, ISO/IEC 15424 AIM identifier), pace it at 9600 and
// 115200 baud, change parity and stop bits, and inject what a real line
// does: split lines, noise, double reads, a dropped suffix, an unplug and
// replug behind a stable link. Imager mode shows the emulator a PNG of a QR
// code (ISO/IEC 18004): an EMVCo merchant-presented payload and a wallet
// URL arrive as their text, a blurred picture sends nothing. Assertions
// are on content and order, never on timing. Every scanned code is
// recorded with AddReportEntry, masked (first six, last four).
//
// A path that cannot run is skipped locally and fails in CI (CI=true) or
// when PAYLAB_REQUIRE names it ("pcsc", "serial").
package devices
