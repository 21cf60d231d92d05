// Package vpcd puts a card emulator into a real PC/SC reader: it speaks
// the protocol of vsmartcard's vpcd, the virtual reader driver that pcscd
// loads ("Virtual PCD 00 00" on TCP port 35963, "Virtual PCD 00 01" on
// 35964 with Debian's /etc/reader.conf.d/vpcd), so that any PC/SC
// application — paylab's harness/device/pcsc, pcsc_scan, scriptor,
// opensc-tool, a vendor's terminal software — talks to the emulated card
// as to a card in a reader.
//
// The protocol (vsmartcard, virtualsmartcard/src/vpcd/vpcd.c and the
// "Creating a virtual smart card" documentation): the virtual card (this
// package, "vpicc") connects to vpcd; every message either way is a 2-byte
// big-endian length and that many bytes. A 1-byte message from vpcd is a
// control command — 0x00 power off, 0x01 power on, 0x02 reset (no answer to
// any of the three) and 0x04 get ATR (answered with the ATR); any longer
// message is a command APDU, answered with the response APDU. vpcd asks for
// the ATR every time pcscd polls the slot, and a card whose connection
// closes is a removed card: Insert is an insertion, Session.Remove a
// removal. vpcd takes one card per slot; Insert holds a host-wide lock of
// the slot (flock on a file in the temporary directory) for the session, so
// that two paylab processes never share one (ErrSlotBusy after
// WithSlotWait).
//
// Latency: vpcd's socket keeps Nagle's algorithm, and a message it sends as
// two segments (length, then body) has its body held back until this side
// ACKs the length; with Linux's delayed ACKs that costs ~40 ms per APDU
// (measured here: median 44 ms through pcscd and vpcd 3.3 of Debian 12).
// This side therefore sets TCP_NODELAY, answers with one write per message
// and, on Linux, acknowledges every read at once (TCP_QUICKACK, tcp(7)):
// median 0.13 ms per SELECT round trip from harness/device/pcsc
// (BenchmarkSelectRoundTrip).
package vpcd
