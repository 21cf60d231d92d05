// Package pki is paylab's harness-owned TEST certification authority for
// EMV offline data authentication: its CA keys, the issuers it certified, a
// pool of ICC keys, its certification revocation list, and a catalogue of
// broken certificate variants for negative scenarios. Every key is a test
// key, marked TestMarker wherever it is written; none may ever reach
// production.
//
// The RID is TestRID, F0 || "TEST": first nibble F is ISO/IEC 7816-4's
// "proprietary, not registered" category, whereas every registered RID
// starts with A (international) or D (national), so it cannot collide with
// a payment scheme's live RID. CA keys are F1 (1152 bits), F3 (1408), F5
// (1984, exponent 65537) and the default F8 (1984, exponent 3); see
// DefaultLayout for the issuers and ICC keys.
//
// Key generation is slow-ish and the set must be stable across runs, so the
// authority is generated once (`paylab pki generate --out fixtures/pki`,
// Generate) and committed; Load and LoadFS read it back and check every key.
// Certificates, on the other hand, are made on demand: Authority.Card signs
// the issuer certificate (tags 8F, 90, 92, 9F32; EMV Book 2, 5.3), the SSAD
// (93; 5.4), the ICC certificate over the card's PAN and static data (9F46,
// 9F47, 9F48; 6.3) and optionally the ICC PIN encipherment certificate
// (9F2D, 9F2E, 9F2F; 7.1), and hands the card emulator its ICC private key
// with SignDDA and SignCDA for the dynamic signatures (9F4B; 6.5, 6.6).
//
// Variants names each broken card: "issuer-expired", "icc-pan-mismatch",
// "sdad-wrong-hash", "wrong-ca-index", "issuer-revoked", ... Each says which
// methods it breaks (SDA, DDA, CDA, PIN) and the exact oda.Step and
// oda.Check a terminal's verification fails with, so a scenario asserts
// both the TVR bit and the failing rule.
//
// A terminal under test loads the CA public keys from ExportJSON or
// ExportText (one "RID INDEX MODULUS EXPONENT HASH" line per key, HASH the
// SHA-1 check sum of EMV Book 2, 11.2.2) and the revocation list from
// ExportRevocationsJSON or ExportRevocationsText; ParseCAKeysJSON and
// ParseCAKeysText read them back, checking the check sums.
package pki
