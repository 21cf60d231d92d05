// Package host holds the scenario specs of flow HOST
// (fixtures/plans/host.yaml): host-side processing end to end over real
// TCP on loopback —
//
//	reference terminal: EMV kernel (harness/terminal) + card emulator
//	    (emulators/card, fixtures/cards profiles), in process
//	→ harness/terminal/hostlink (Link, POS; ISO 8583:1987, 2-byte framing)
//	→ harness/acquirer (journal chosen by PAYLAB_JOURNAL, back-office HTTP API)
//	→ emulators/issuer ×2 (fixtures/issuers/test-issuer.yaml; routes
//	    476173 visa, 541333 mastercard; each its own ledger)
//
// Every spec builds its own rig (journal, issuers, acquirer, terminals), so
// specs share nothing and run in parallel processes. Labels come from
// labels.Case and titles from labels.Title. Evidence per spec: the journal
// mode and node id, the APDU transcript and outcome of each purchase (TVR,
// TSI, CIDs, 9F5B), each link's masked ISO 8583 transcript
// (hostlink TranscriptText), the hand-written messages of the raw terminal
// and the back-office answers — PANs as first six and last four only,
// never track 2, a PIN block or a key.
//
// Journal (PAYLAB_JOURNAL): sqlite (default; a WAL file in the spec's
// temporary folder), postgres (PAYLAB_POSTGRES_DSN; a fresh schema per
// spec, dropped after it; unreachable: skipped, or failed when CI=true),
// memory. Each acquirer has its own two-character node id.
//
// Cases and what they rely on:
//
//	AUTH.001  0200 before sign-on → 58, nothing forwarded; 0800 DE 70 001 → 00
//	AUTH.002  echo 0800 DE 70 301 → 0810 00, DE 11/41/70 echoed
//	AUTH.003  CDA card approved online: ARQC verified (Book 2, 8.1), ARPC
//	          verified by the card (8.2), TSI byte 1 bit 5 (Book 3, 10.9, C6)
//	AUTH.004  balance inquiry 0100 proc 31: DE 54 = issuer's available balance
//	AUTH.005  pre-authorisation 0100: hold, available down, ledger unchanged
//	AUTH.006  corrupted ARQC → 05, AAC (Book 3, 10.11), ledger unchanged
//	AUTH.007  wrong ARPC: TVR byte 5 bit 7 (Book 3, 10.9, C5), TSI b5, card TC
//	AUTH.008–013  issuer declines 14, 51, 54, 57, 61, 55 reach the card as ARC
//	          (Book 4, A6) and end with an AAC; no ledger change
//	AUTH.014  script 72 (APPLICATION BLOCK) run after the second GENERATE AC
//	          (Book 3, 10.10): 9F5B result 2, TSI byte 1 bit 3
//	AUTH.015  transcript masked: no full PAN, no track 2, no PIN block
//	FIN.001   one debit per purchase, one journal row
//	FIN.002   BIN routing to two issuer hosts; FIN.003 no route → 15
//	REV.001   mute issuer → 91, acquirer reversal, ledger restored
//	REV.002   terminal timeout → 0400 (DE 39 68, DE 90); unable to go online
//	          (Book 3, 10.7, 10.11: ARC Z3, AAC)
//	REV.003   late approval after the acquirer's timeout reversed
//	REV.004   host 00, card AAC at the second GENERATE AC (issuer
//	          authentication required) → 0420 reason 06 (Book 3, 10.11)
//	REV.005   0400 + 0401 + another 0400: one credit
//	REV.006   issuer drops the link → 91, nothing moved, next purchase approved
//	REV.007   reversal owed at stop is sent once after a restart on the journal
//	ADV.001   offline TC (Book 3, 10.8) → 0220 uploaded before the 0500
//	FLT.001   duplicate 0200 → 94, money moved once; FLT.002 malformed frame
//	          → 30, connection survives; FLT.003 malformed issuer answer → 91
//	          and reversal
//	REF.001   refund linked by RRN (DE 37, DE 62 orig=); REF.002 unknown → 25;
//	          REF.003 void restores the balance
//	SET.001   0500 totals = journal = issuer ledger totals; SET.002 → 95 with
//	          the acquirer's totals; SET.003 totals per scheme (DE 63)
//	QRY.001   0600 transaction query (DE 48), unknown → 25; QRY.002 bill query
//	QRY.003   GET /v1/transactions[/{rrn}] masked; QRY.004 GET /v1/bills/{tid}
//	LAB.001   a physical test card (bench reader.cards): operator prompt, wait
//	          for the card; keys: unknown → ARQC not checked, no ARPC (Book 3, 10.9)
//
// The card takes the bench's path (emvcontact.PowerUp): the emulator in
// process, or behind vpcd and pcscd on the pcsc bench. No spec asserts on speed; timeouts only bound waits, and
// background reversals are awaited with Eventually.
package host
