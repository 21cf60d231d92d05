// Package card is an EMV contact card emulator driven by a profile
// (fixtures/cards/*.yaml, see fixtures/cards/README.md). A *Card implements
// device.Card: the terminal kernel, a PC/SC bridge or an independent EMV tool
// sends it command APDUs and gets response APDUs, status word included.
//
// Personalisation (New, Open): the profile's data objects are laid out in
// records — the data offline data authentication signs in SFI 1 (all of its
// records flagged in the AFL), the ODA objects from the test PKI (8F, 90, 92,
// 9F32, 93, 9F46–9F48, 9F2D–9F2F; pki.Authority.Card, any catalogue variant)
// in SFI 2 — and the ICC master keys are derived from the profile's issuer
// master keys (TEST KEYS) by the profile's cryptogram version.
//
// AIDs: the test CA's RID is F054455354 (pki.TestRID) and a terminal looks
// CA keys up by the RID of the AID (EMV Book 3, 10.3), so the profiles give
// their applications test-RID AIDs (F054455354 || PIX) instead of the
// schemes' A000000003 / A000000004. The scheme still shows in the PAN's
// issuer (476173 Visa-like, 541333 Mastercard-like) and the CVN.
//
// Commands (EMV Book 3, 6.5; Book 1, 11–12): SELECT by name (PSE
// 1PAY.SYS.DDF01 and its directory, full or partial AID, first/next
// occurrence, 6A82 not found, 6283 application blocked, 6A81 card blocked),
// GET PROCESSING OPTIONS (format 1 or 2, PDOL length check, 6985), READ
// RECORD (6A82, 6A83), GET DATA (9F36, 9F13, 9F17, 9F14, 9F23, 9F42, 9F4F
// when present, and what PUT DATA wrote), GET CHALLENGE, VERIFY plaintext (P2 80) and enciphered
// (P2 88, against the last challenge) with the PIN try counter (63Cx,
// 6983), INTERNAL AUTHENTICATE (DDA), GENERATE AC (card risk management,
// CVR of the version, CDA when P1 b5 is set and a TC or ARQC is returned),
// EXTERNAL AUTHENTICATE (ARPC, 6300), and the issuer script commands
// APPLICATION BLOCK/UNBLOCK, CARD BLOCK, PIN CHANGE/UNBLOCK and PUT DATA with
// their secure messaging MAC checked (6988 on a bad MAC).
//
// Card risk management at the first GENERATE AC never upgrades the request
// (Book 3, 9.3 Table 11): a TC request becomes an ARQC for a new card (last
// online ATC 0), a reached lower (9F14) or upper (9F23) consecutive offline
// limit, an unfinished last online transaction, a last failed issuer
// authentication or an exhausted PIN try counter; an AAC when the profile
// declines offline or the application is blocked. At the second GENERATE AC
// with ARC Y3/Z3 (unable to go online) the upper limit turns TC into AAC;
// online, a profile with issuer_auth_required declines when issuer
// authentication failed or was not performed.
//
// Cryptogram data (for an issuer verifying the card): the ten values of
// cryptogram.Version.Data come from the CDOL1 data of the first GENERATE AC;
// at the second, values in the CDOL2 data (typically 95, 9F37, sometimes
// the amounts) replace them, the others stay those of CDOL1. AIP, ATC and IAD
// are the card's. Issuer authentication data arrive by EXTERNAL
// AUTHENTICATE or in tag 91 of the CDOL2 data. Script commands are bound to
// ScriptContext{ATC, ARQC} of the transaction; for Mastercard versions the
// n-th script command of the transaction uses that context advanced n−1
// times by ScriptContext.Next.
//
// State: Snapshot returns the persistent counters (ATC, last online ATC, PIN
// try counter, consecutive offline count, script counter, blocked flags)
// and the last transaction's outcome. Misbehaviour for negative tests comes
// from Fault (option WithFault or the profile's faults section), and
// WithTranscript observes every APDU. WithSeed makes ICC dynamic numbers and
// challenges reproducible. NewReader puts the card in a device.Reader slot
// (each Connect is a power-up: Reset).
package card
