// Package emvcrypto holds the scenario specs of flow EMV.CRY: the EMV data
// and cryptography that a kernel and an issuer host rely on, checked
// against published vectors, card-side/issuer-side round trips and the
// test PKI's catalogue of broken certificates.
package emvcrypto
