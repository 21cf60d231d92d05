// Package oda implements the RSA side of EMV offline data authentication and
// offline PIN encipherment (EMV Book 2, v4.3/v4.4), both ways round: the
// signing side a test certification authority, an issuer's personalisation
// or the card emulator needs, and the verifying side the terminal kernel
// needs. It is pure: no I/O, keys and data in, results or typed errors out.
//
// Raw RSA (Book 2, Annex A2.1: the digital signature scheme giving message
// recovery) is done with math/big, because EMV keys (exponent 3 or 65537,
// any multiple of 8 bits up to 1984) fall outside what crypto/rsa accepts.
// The private operation uses the CRT.
//
// What is recovered and checked:
//
//   - Issuer Public Key Certificate, tags 90/92/9F32 (Book 2, 5.3 Table 6,
//     steps 1–12): RecoverIssuerKey; signing SignIssuerCert.
//   - Signed Static Application Data, tag 93 (Book 2, 5.4 Table 7):
//     VerifySSAD, returning the Data Authentication Code; SignStaticData.
//   - ICC Public Key Certificate, tags 9F46/9F48/9F47 (Book 2, 6.4 Table 14,
//     with the static data to be authenticated of Table 13 in the hash):
//     RecoverICCKey; SignICCCert.
//   - Signed Dynamic Application Data, tag 9F4B, for DDA (Book 2, 6.5.2
//     Table 17, hash over the DDOL data): VerifySDAD; and for CDA (Book 2,
//     6.6.2 Table 19, hash over the unpredictable number, then the
//     transaction data hash code over PDOL, CDOL1, CDOL2 data and the
//     GENERATE AC response without 9F4B): VerifyCDA, TransactionDataHash,
//     ResponseDataForHash; SignDynamicData with DDADynamicData or
//     CDADynamicData.
//   - ICC PIN Encipherment Public Key Certificate, tags 9F2D/9F2F/9F2E
//     (Book 2, 7.1: Table 14's layout, no static data): RecoverICCPINKey;
//     SignICCPINCert.
//   - Offline enciphered PIN (Book 2, 7.2 Table 25): EncipherPIN on the
//     terminal, DecipherPIN on the card, around the plaintext PIN block of
//     Book 3, 6.5.12 (PINBlock, ParsePINBlock).
//
// Every failed check is an *Error naming the Step (which object) and the
// Check (which rule: CheckLength, CheckHeader, CheckTrailer, CheckFormat,
// CheckHashAlgorithm, CheckHash, CheckIssuerID, CheckPAN, CheckExpired,
// CheckRevoked, CheckKeyAlgorithm, CheckRemainder, CheckCAIndex, CheckCID,
// ...), so a kernel can set the right TVR bit (CheckMissing is "ICC data
// missing", Book 3 10.3; anything else "SDA/DDA/CDA failed") and a scenario
// can assert exactly which rule a broken card broke. Error strings never
// carry more than the first six and last four PAN digits, and never keys or
// PINs.
//
// The signing functions take SignOption tampers (WithHeader, WithTrailer,
// WithFormat, WithHashAlgorithm, WithCorruptHash, WithKeyLength,
// WithDynamicDataLength) so that negative tests produce an object that
// fails exactly one check.
//
// Key sizes follow Book 2, 6.1 and 11.2–11.4: N_IC ≤ N_I ≤ N_CA ≤ 248
// bytes; the remainders are N_I − N_CA + 36 (IssuerRemainderLen) and
// N_IC − N_I + 42 (ICCRemainderLen) bytes; CheckChainSizes applies them.
// CAKeys is the terminal's CA public key store (looked up by RID and index,
// Book 2 11.2) and RevocationList its certification revocation list
// (Book 2, 5.3 step 10).
package oda
