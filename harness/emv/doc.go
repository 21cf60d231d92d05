// Package emv holds the data layer of EMV: BER-TLV encoding and decoding,
// the tag dictionary, data object lists (DOL), command and response APDUs
// with named status words, and the named bitfields (TVR, TSI, AIP, AUC, CVM
// results, terminal capabilities, CVR).
//
// It is a pure codec package: no I/O. Cryptography lives in the
// sub-packages cryptogram (application cryptograms, session keys, MACs,
// secure messaging), oda (offline data authentication and PIN encipherment)
// and pki (the harness-owned test certification authority).
package emv
