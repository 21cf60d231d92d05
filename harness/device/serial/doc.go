// Package serial drives QR and barcode scanners attached to serial and
// USB-CDC ports (/dev/ttyACM*, /dev/ttyUSB*, or a pseudo-terminal from
// emulators/scanner). It is the only package of paylab that imports
// go.bug.st/serial.
//
// A scanner in "keyboard-less" serial mode sends each decoded code as one
// frame:
//
//	[prefix] [AIM symbology identifier] code suffix
//
// Open configures the port with functional options whose defaults are those
// of most scanners out of the box: 9600 baud, 8 data bits, no parity, one
// stop bit (8N1), suffix CR, no prefix, no AIM identifier. The AIM
// identifier ("]Q1", "]C0", ... from ISO/IEC 15424) is parsed and reported
// in Code when WithAIM is given.
//
// Scan honours context cancellation by polling the port with short read
// timeouts; go.bug.st/serial reports a read timeout as (0, nil), which this
// package maps to the typed ErrTimeout. When the port disappears (a USB
// scanner unplugged: the read fails or reports the port closed) the driver
// drops any partial frame, then re-opens the same path with exponential
// backoff until it is back or the context ends, and counts the reconnects.
//
// Noise on the line is tolerated: control characters and invalid UTF-8 bytes
// are removed from a frame, empty frames are skipped, and when a prefix or
// an AIM identifier is configured, anything before it is discarded. When a
// prefix is configured, a frame that holds two prefixes (a dropped suffix)
// is split into two codes; without a prefix, WithIdleEnd ends a code after
// a silence instead. More than 8 KiB without a suffix is dropped as a line
// at the wrong speed.
//
// Ports lists the host's serial ports with their USB VID, PID and serial
// number (go.bug.st/serial/enumerator); FilterUSB picks a scanner model.
//
// Scanned codes may be payment codes (consumer-presented QR): this package
// never logs them and never puts them in an error string; use Mask when a
// caller must log one.
package serial
