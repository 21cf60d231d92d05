// Package acquirer is the acquirer host: a terminal-facing ISO 8583:1987
// server that signs terminals on, routes their requests by BIN to issuer
// hosts over persistent pipelined connections, journals every outcome
// durably before answering, reverses what it cannot vouch for, detects
// duplicates, closes batches, and answers queries from terminals (0600) and
// from the back office (HTTP JSON).
//
// This file is the final form of the host contract (/work/notes/host-
// contract.md) for the acquirer's side.
//
// # Wire
//
// Dialect iso8583.ISO1987 (ASCII numerics and prefixes, 8-byte binary
// bitmap, DE 55 binary BER-TLV); framing iso8583.DefaultFraming (2-byte
// binary length, no TPDU; frames up to 8 KiB) on both hops. Connections are
// long-lived and pipelined: a terminal may have many requests in flight on
// one connection (WithMaxInFlight, default 1024) and answers come in
// completion order, to be matched by DE 11 + DE 41 and MTI class. A
// zero-length frame is a keep-alive and is not answered.
//
// # Terminal → acquirer
//
// 0800/0810 network management (ISO 8583:1987, DE 70): 001 sign-on, 002
// sign-off, 301 echo test; the 0810 echoes DE 7, 11, 41, 70 with DE 39 00
// (12 for another DE 70, 30 when a sign-on lacks DE 41). A terminal (DE 41)
// must be signed on over the connection before 01xx, 02xx, 05xx and 06xx
// requests, else DE 39 58 and nothing is forwarded. Reversals (04xx) are
// accepted without sign-on: a reversal is never refused.
//
// 0100 authorisation (DE 3 00 pre-authorisation, 31 balance inquiry), 0200
// financial (00 purchase, 20 refund, 02 void, 31 balance inquiry) and 0220
// advice (00, offline approved: DE 39 Y1 or Y3 in the request, EMV Book 4
// A6). Required: DE 2, 3, 7, 11, 41, and DE 4 except for a balance inquiry;
// else 30. An MTI or processing code not listed gets 12. The answer
// (0110/0210/0230) echoes DE 2, 3, 4, 7, 11, 12, 13, 41, 42, 49 and adds
// DE 37 (the acquirer's RRN for this transaction), DE 38 (approval code,
// approved only; the acquirer makes one when the issuer gives none), DE 39,
// and the issuer's DE 54 (balance: "0002" + currency + C/D + n12) and DE 55
// (91 issuer authentication data, 71/72 scripts).
//
// Acquirer response codes (ISO 8583:1987, DE 39): 15 no route for the BIN
// (no such issuer), 25 a refund or void whose original (DE 37) is unknown
// or of another terminal (void), 12 the original is not an approved
// purchase/advice (void: or pre-authorisation), 13 a void whose amount is
// not the original's or a refund that would take the refunds of one
// original above its amount (a reversed or declined refund gives its amount
// back), 30 format error, 58 not signed
// on, 63 security violation (DE 52 does not translate, below), 91 issuer unavailable or timed out (WithIssuerTimeout, default 2 s),
// 94 duplicate transmission, 96 journal failure. Issuer codes pass through.
//
// RRN (DE 37, an 12): the node id (WithNodeID, two characters) and ten
// base-36 digits of a per-node counter seeded from the start-up time in
// microseconds — unique across nodes and restarts.
//
// Refund (DE 3 200000): DE 37 of the request is the original's RRN; the
// refund goes to the original's issuer as an 0200 with its own RRN and DE 62
// "orig=<RRN>", and is journalled with OrigRRN. Void (DE 3 020000): DE 37 is
// the original's RRN, DE 4 must equal its amount; the original is journalled
// Voided with a reversal owed, the issuer gets an 0400 for it, and the void
// is answered 00 once that is durable (waiting up to the timeout for the
// issuer's acknowledgement; delivery is retried until acknowledged).
//
// Duplicates: a second 0100/0200 with the TID, STAN and DE 7 of one the
// acquirer has seen gets DE 39 94, nothing forwarded. A repeat (0101/0201)
// gets the first answer again (same RRN and code). Advices are idempotent:
// an 0220/0221 already taken by the issuer is answered 00 again; one the
// issuer has not taken (it was answered 91) is forwarded again with its
// RRN. The acquirer keeps recent transactions in memory for this
// (WithIndexSize) and loads the last 48 hours from the journal at start.
//
// 0400/0401 reversal and 0420/0421 reversal advice: DE 3, 4, 7, 11 (new
// STAN), 41, 42, 49, 39 (reason: 68 no answer, 06 card declined after
// approval), 90 original data elements (original MTI n4, STAN n6, DE 7 n10,
// acquirer id n11, forwarding id n11), and DE 37 (the original RRN) when the
// terminal has it. The original is found by DE 90 (with DE 41), else DE 37.
// An approved original (or an advice not yet taken) becomes Reversed with a
// reversal owed to its issuer; one still at the issuer is reversed when the
// issuer's answer arrives; an unknown, declined or already reversed one
// changes nothing. The 0410/0430 is always DE 39 00 (idempotent), sent after
// the journal Put and after the issuer acknowledges or the timeout passes.
//
// 0500 settlement (batch close): DE 3 920000, 7, 11, 41, 42, 49, 60 batch
// number, 74 credits number, 76 debits number, 86 credits amount, 88 debits
// amount. Debits are approved purchases and advices not reversed or voided;
// credits approved refunds; pre-authorisations, balance inquiries and voids
// count in neither. The 0510 carries the acquirer's totals of the TID's
// open batch in DE 74, 76, 86, 88 and per scheme in DE 63
// ("visa:D=<n>/<amount>,C=<n>/<amount>;mastercard:...", schemes sorted),
// and DE 39 00 when they equal the terminal's — the batch is closed:
// its transactions get the batch number — or 95 (reconciliation error) and
// the batch stays open. Transactions still at the issuer stay open.
//
// 0600 administrative queries (paylab convention). DE 3 960000 transaction
// query: by DE 37 (an RRN of this TID), else the STAN in DE 48
// "stan=NNNNNN", else DE 11 of the query, latest first; the 0610 has DE 39
// 00, DE 37 and DE 48 "state=approved;rc=00;amount=1000;kind=purchase;
// rrn=...;stan=...[;auth=...][;orig=...][;reversal=owed|done]", or DE 39 25.
// DE 3 970000 bill query: the 0610 carries the open batch's totals in DE 74,
// 76, 86, 88 and per scheme in DE 48 (DE 63's format).
//
// A frame that does not unpack is logged (the error and length only: no
// content) and answered with the response MTI and DE 39 30 when its first
// four bytes are a 1987 request or advice MTI; otherwise the connection is
// closed.
//
// # Acquirer → issuer
//
// Routes (WithRoute) map BIN prefixes or ranges to an issuer's address and
// scheme; the most specific match wins. Each route has Route.Conns
// persistent, pipelined connections (dialled again with back-off when they
// drop; an 0800 echo test, DE 70 301, after WithEchoInterval of silence).
// The acquirer forwards 0100/0200/0220 (a repeat as its first-time MTI)
// with its own STAN in DE 11 (unique among the requests in flight on the
// link, used to match answers), DE 32 (WithAcquirerID, "123456"), DE 37
// (its RRN), and the terminal's DE 2, 3, 4, 7, 12, 13, 14, 22, 23, 41, 42,
// 49, 52, 55 (never DE 35); an advice also carries DE 39, a refund DE 62.
//
// DE 52 (online PIN, EMV Book 3, 10.5.2) arrives as an ISO 9564-1 format 0
// block enciphered under the terminal's PIN key (TPK: WithTerminalPINKey,
// per DE 41 or one for all) and leaves translated to the zone PIN key of
// the issuer's route (ZPK: Route.PINKey, else WithZonePINKey) by
// cryptogram.TranslatePINBlock, which checks the deciphered block is format
// 0 for the PAN of DE 2 with a PIN of 4 to 12 digits; the PIN is never
// in the clear outside it. Both keys default to the TEST KEYS of
// fixtures/keys/pin.yaml (the test issuer's pin_key is that ZPK). A block
// that does not translate is answered DE 39 63 (security violation,
// ISO 8583:1987) and journalled Declined, not forwarded: it is the
// acquirer's finding, whereas 55 (incorrect PIN) is the issuer's decision;
// the log names the terminal, RRN and failed check, never the block. A
// re-forwarded advice whose block does not translate goes without DE 52.
//
// A reversal to the issuer is an 0400: DE 3, 4 and DE 37 of the original,
// DE 7 now, DE 11 the link's STAN, DE 32, 41, 42, 49, and DE 90 (original
// MTI, the terminal's STAN and DE 7, DE 32 right-justified, zeros). No PAN:
// the issuer keys by DE 37 and must credit exactly once. Any answer but
// 91/96 acknowledges it; otherwise it is retried with back-off (250 ms
// doubling to 10 s) for as long as it takes, across restarts.
//
// # Money is never lost or doubled
//
// Every terminal answer is sent after the journal Put of its outcome has
// returned. A forwarded request is journalled Pending before it leaves. No
// usable answer within the timeout (no answer, a dropped link, a malformed
// answer — which also drops the link) gives the terminal 91 and journals
// TimedOut with ReversalOwed; an answer arriving later is reversed (again,
// when the first reversal went already: it may have overtaken the
// original). On start (Start, Serve), every ReversalOwed in the journal is
// queued, and every transaction left Pending by a crash becomes TimedOut
// with a reversal owed — but advices, which the terminal repeats. A node
// recovers only the transactions whose RRN carries its node id, so nodes
// sharing a journal (PostgreSQL) keep their node ids across restarts. The
// issuer's idempotent reversal makes a repeated reversal harmless.
//
// # Back office
//
// Handler serves the HTTP JSON API (see Handler): transactions by terminal,
// STAN, state and batch; one by RRN; a terminal's open bill; closed
// batches. The journal and the JSON hold the PAN only masked (first six,
// last four; emv.MaskPAN), never track data, PIN blocks or DE 55.
//
// # Journal
//
// Any journal.Journal works (journal.NewMemory for tests, SQLite, PostgreSQL
// for several nodes with distinct WithNodeID). The in-memory index serves
// duplicate detection and matching; the journal is for durability,
// recovery and queries. Close does not close the journal.
package acquirer
