// Package hostlink is the terminal's ISO 8583 link to its acquirer, as the
// host contract of paylab (issue 4) describes it: ISO 8583:1987 with ASCII
// numerics and a binary bitmap (iso8583.ISO1987), 2-byte binary length
// framing (iso8583.DefaultFraming), one long-lived TCP connection per
// terminal, requests pipelined and answers matched by DE 11.
//
// # Link
//
// Dial connects; options (functional, defaults documented beside each):
// WithTerminal (DE 41/42), WithTimeout (5 s per request), WithRetryInterval
// (2 s between reversal transmissions), WithDialect, WithFraming, WithClock,
// WithTranscript (the last 1024 messages, masked), WithAuthorizationMTI
// (0200, or 0100), WithEntryMode ("051" chip), WithCurrency ("978"),
// WithPINKey (the TEST TPK of fixtures/keys/pin.yaml).
//
// SignOn, SignOff and Echo send 0800 with DE 70 001, 002 and 301. A link
// whose connection drops dials again on its next exchange and signs on
// again before anything else.
//
// Authorize implements terminal.Authorizer: it turns the kernel's online
// request (EMV Book 3, 10.9) into an 0200 — DE 2 from 5A, 14 from 5F24, 23
// from 5F34, 35 from 57, 4 from 9F02, 49 from 5F2A, 3 from 9C, 22 "051",
// 52 the online PIN, 55 the ARQC and its data — and the 0210 into the
// kernel's AuthResponse: DE 39 is the ARC (Book 4, A6), "00" approves; DE 55
// tag 91 is the issuer authentication data, 71 and 72 the scripts. When the
// answer does not come in time, or the connection drops after the request
// was written, Authorize returns an *ExchangeError wrapping ErrNoResponse —
// the kernel then completes as unable to go online (Book 3, 10.7/10.11) —
// and queues an 0400 reversal (DE 39 68, DE 90 the original's data) that
// the link sends in the background and repeats as 0401 every retry interval
// until the host answers. Flush waits for the queue; Reversals shows it.
//
// Online PIN: the kernel hands the PIN as a plaintext ISO 9564-1 format 2
// block (terminal.AuthRequest.PINBlock); Authorize rebuilds it as a format 0
// block for the PAN of DE 2 and enciphers it under the terminal PIN key
// (WithPINKey; default the TEST KEY tpk of fixtures/keys/pin.yaml, which is
// also the acquirer's default), two-key triple DES, ECB (package
// cryptogram). The acquirer translates it to the issuer's zone key. No clear
// PIN block is ever written to the wire, the transcript or an error.
//
// # POS
//
// A POS is the merchant side of a Link. Purchase runs the kernel (built with
// terminal.WithAuthorizer(link)) and then does what the terminal owes the
// host: an 0420 reversal advice (DE 39 06) when the host approved but the
// card declined at the second GENERATE AC (Book 3, 10.11), a stored 0220
// advice (DE 39 Y1, or Y3 when unable to go online) when the card approved
// offline. Refund, Void and Balance send the 0200/0100 of the contract
// (DE 3 200000, 020000, 310000). Settle waits for the reversals, uploads the
// advices (0220, 0221 when repeated) and sends the 0500 with the terminal's
// own totals (DE 74, 76, 86, 88) from its journal; the 0510 says whether
// the acquirer agrees (DE 39 00) or not (95, with its totals per scheme in
// DE 63).
//
// # Load
//
// Load drives an acquirer with authorisations from several terminal
// connections at once, a window of requests in flight on each, every
// request an 0100 with a valid ARQC from a precomputed pool (package
// cryptogram, the fixture card's test keys), and reports the rate, the
// response codes and the latency percentiles. `paylab bench hosts` runs it
// against an in-process acquirer and issuer.
//
// # Evidence
//
// package trace records APDUs only so far; the link keeps its own masked
// transcript (Transcript, TranscriptText): each message as the iso8583
// masked printer shows it — the PAN at most first six and last four digits,
// no track data, no PIN block. Errors never carry field content.
package hostlink
