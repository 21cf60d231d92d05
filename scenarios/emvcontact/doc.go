// Package emvcontact holds the scenario specs of flow EMV.CT: EMV contact
// transactions run end to end by the reference kernel (harness/terminal)
// against the card emulator (emulators/card) and an in-process issuer.
//
// Every spec takes its labels from labels.Case and its text from
// labels.Title (fixtures/plans/emv-ct.yaml), asserts the outcome and the
// exact TVR and TSI with the matchers of scenarios/match, cites the EMV
// clause beside each expectation and records its evidence with
// AddReportEntry: outcome, TVR and TSI by name, CVM Results, cryptogram
// types and the APDU transcript from harness/trace — the PAN masked,
// never a PIN, track data or a key.
//
// Cards are profiles of fixtures/cards, edited per spec (ODA variant from
// the pki catalogue, dates, AUC, CVM list, IACs, offline limits) before the
// emulator personalises them. The terminal is fixtures/terminals/default.yaml
// with random transaction selection off unless a spec is about it.
package emvcontact
