// Package issuer is the issuer host emulator: an ISO 8583:1987 server
// (2-byte binary length framing) that holds accounts, answers network
// management (0800), authorisation (0100), financial (0200) and reversal
// (0400/0420) messages, and misbehaves on demand (delay, no response,
// dropped connection, malformed response) so that a test can exercise a
// terminal's or an acquirer's fault handling.
//
// Decisions follow the account: 14 unknown PAN, 54 expired, 57 blocked,
// lost or stolen, 61 over the per-transaction limit, 51 insufficient
// funds, 00 approved. An approved 0200 debits the balance and an approved
// 0100 places a hold; a repeat of the same STAN, terminal and RRN gets the
// first answer again without a second debit; a reversal restores the
// amount exactly once. ARQC verification is a pluggable Verifier (DE 55
// in, response code and DE 55 out).
//
// The PAN never appears in an error beyond emv.MaskPAN.
package issuer
