// Package scanner emulates a serial QR/barcode scanner on a Linux
// pseudo-terminal, so that the real driver (harness/device/serial, through
// go.bug.st/serial and the kernel's tty layer) can be tested, and a
// vendor's terminal software can be given a scanner, without hardware.
//
// New opens /dev/ptmx (posix_openpt), unlocks the slave with the TIOCSPTLCK
// ioctl (unlockpt) and learns its number with TIOCGPTN (ptsname); grantpt
// has nothing to do on Linux's devpts, which creates the slave with the
// caller's ownership. No cgo is involved. The slave, /dev/pts/N, is the
// port a driver opens; the emulator keeps its own descriptor on the slave
// and puts it in raw mode (cfmakeraw) so that CR and LF cross unchanged.
//
// Send writes a code as the scanner was programmed to frame it — prefix,
// AIM symbology identifier, code, suffix — paced at the configured baud
// rate, ten bit times per byte (start bit, eight data bits, stop bit), so a
// driver sees the code arrive over several reads as from a real scanner.
// Noise comes on demand: SendSplit (a partial line, the rest later),
// SendAfterGarbage (line noise before a code), SendTwice (a double read)
// and SendWithoutSuffix (a dropped suffix).
//
// Unplug and Replug simulate a USB scanner pulled out and plugged back in.
// Unplug closes the master: every open slave descriptor is hung up, so the
// driver's next read fails (EIO), and the slave node disappears. Replug
// opens a new pseudo-terminal, whose number may differ. With Config.Link
// set, the emulator keeps a symbolic link at that stable path pointing to
// the current slave — removed on Unplug, re-created atomically (rename) on
// Replug — so the driver re-opens the same name, as it would /dev/ttyACM0
// or a /dev/serial/by-id link. Without a link, a driver that re-opens the
// old /dev/pts/N after Unplug may open the pseudo-terminal that another
// program was given under that freed number: unplug tests use Link.
//
// SendImage and SendImageFile are imager mode: the emulator is shown a PNG
// picture of a QR code, decodes it (package imager, the only importer of
// the gozxing QR reader) and sends the text with the configured framing.
// An unreadable picture is a typed error and nothing is sent, as a real
// imager stays silent when it cannot decode. imager.Sample holds sample
// pictures: an EMVCo merchant-presented payload, a wallet URL, a
// consumer-presented payment code and a blurred, unreadable one.
package scanner
