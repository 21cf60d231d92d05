// Package issuer is the issuer host emulator: an ISO 8583:1987 server
// (harness/iso8583 ISO1987 dialect, 2-byte binary length framing, requests
// pipelined on long-lived connections) holding card accounts, verifying
// ARQCs with the card profiles' issuer master keys, answering ARPCs and
// issuer scripts, and misbehaving on demand so that a terminal's or an
// acquirer's fault handling can be tested. It follows the host contract of
// issue 4 (acquirer → issuer part).
//
// # Set-up
//
//	cfg, err := issuer.LoadConfig("test-issuer")   // fixtures/issuers/test-issuer.yaml
//	is, err := issuer.Start(ctx, "127.0.0.1:0", issuer.WithConfig(cfg))
//	addr := is.Addr()
//
// A configuration names BIN ranges (scheme, default keys), accounts (PAN →
// balance, status, per-transaction and daily limits, expiry, online PIN),
// the card profiles of fixtures/cards whose keys check ARQCs, a zone PIN
// key (ZPK, TEST KEY) and script rules; see fixtures/issuers/README.md. An emulator
// does not import another, so the issuer reads the key part of a card
// profile itself (ProfileKeys, WithProfiles); emulators/card validates the
// whole profile. A caller above both (harness/bench) may also build
// CardKeys from a *card.Profile and pass them with WithCardKeys.
//
// # Messages
//
// Transactions are keyed by DE 37 (the acquirer's RRN, unique; without it,
// by DE 41 + DE 11 + DE 7). A request whose RRN was seen gets the first
// answer again (its decision, auth code and DE 55 with the new request's
// echoed fields) and nothing moves.
//
//   - 0800 → 0810 00 (echo, sign-on).
//   - 0100 proc 00: authorisation hold; the ledger balance stays, the
//     available balance (balance − holds) drops.
//   - 0200 proc 00: debit. With DE 62 "orig=<RRN of a hold>": completion,
//     the hold released and the amount debited (25 if the hold is unknown,
//     reversed or already completed).
//   - 0200 proc 20: refund, credit, DE 62 "orig=<RRN>" required: 25 when the
//     original is missing, unknown, another card's, declined or reversed;
//     13 when the refunds would exceed the original's amount.
//   - 0200 proc 02: void of DE 62's original, for its amount (13 otherwise);
//     the acquirer normally sends a 0400 instead.
//   - proc 31 (0100 or 0200): balance inquiry, DE 54 = "0002" + currency +
//     "C"/"D" + available balance n12.
//   - 0220/0221 (and 0120): advice of an offline approval: only the account
//     must exist (14); debited (or credited for proc 20) without checks.
//   - 0400/0401/0420/0421: the original found by DE 37 (its RRN) or by DE 90
//     (original STAN and DE 7, with DE 41) is reversed exactly once: a debit
//     credited, a hold released, a refund debited back. An unknown or
//     already reversed original is answered 00 and nothing changes.
//   - A request whose MTI reads but whose fields do not unpack, or lack
//     DE 2, 3 or 4: DE 39 30. Bytes without an MTI, or a response MTI: no
//     answer, the connection stays.
//
// Decisions, in this order (ISO 8583:1987 DE 39): 14 no account; 05 the
// ARQC does not verify (EMV Book 2, 8.1; Book 3, 10.9); 55 the DE 52 PIN
// block (ISO 9564-1 format 0 under the ZPK, to which the acquirer
// translated it from the terminal's key; deciphered by package cryptogram)
// does not carry the account's PIN, or is no format 0 block for the PAN; 57 blocked, lost or stolen; 54 expired (status, or expiry
// YYMM before the current month); 61 over the per-transaction or daily
// limit; 51 over the available balance; else 00 with an auth code in DE 38.
// 91 and any other code come from a Fault{RC: ...}; 94 (duplicate
// transmission) is the acquirer's.
//
// # Cryptograms
//
// DE 55 holding 9F26 with a 9F27 of type ARQC (or no 9F27) is checked with
// the keys of PAN (DE 2) and PAN sequence number (5F34, else DE 23, else
// 00): a profile application's, else its BIN range's profile's, ICC master
// keys derived by option A or B as the cryptogram version says (Book 2,
// A1.4). Every check is recorded (Transaction.ARQC, ARQCChecks). The answer
// carries tag 91 (Book 2, 8.2): method 1 ARPC || ARC with the ARC the
// response code (so a 05 carries an ARPC over ARC 05), or method 2 ARPC ||
// CSU with CSU byte 2 bit 8 "issuer approves" set on approvals (Book 3,
// Annex C CCD CSU; VIS 1.6). When the ARQC verified, the script rules that
// match (PAN, amount) add templates 71 and 72 of secure-messaging commands
// (Book 3, 10.10; Book 2, 9.2, 9.3), built with harness/emv/cryptogram
// exactly as the card emulator checks them.
//
// # Faults
//
// SetFault, AddFault and FaultFor choose a misbehaviour per test: Delay,
// NoResponse, Drop, Malformed, WrongARPC, RC; scoped by PAN and MTI and
// limited to the next Count matching requests, so one spec can break one
// transaction without touching others. The issuer processes a request
// before misbehaving (a reversal then restores the ledger), except under
// Drop. A delayed answer is written by a timer when its delay ends — after
// the acquirer's timeout if the test wants — and never holds up the other
// requests pipelined on the connection. Requests of one connection are
// processed in arrival order (a reversal never overtakes its original);
// answers are coalesced into as few writes as possible.
//
// # Ledger
//
// Ledger, Holds, Available, Account, Transactions, Transaction and Totals
// (per scheme: debits, credits and holds not reversed) let a settlement
// spec compare the acquirer's journal with the issuer. PANs are test PANs;
// Transaction.String and every error mask them (emv.MaskPAN), and no PIN
// block or key is ever logged or returned.
package issuer
