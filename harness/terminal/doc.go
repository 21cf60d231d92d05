// Package terminal is paylab's reference terminal. Its EMV contact kernel
// (Kernel.Purchase) runs the flow of EMV Book 3, section 10, in book order:
//
//   - application selection, PSE first and then the list of AIDs, with
//     partial selection, next occurrences, priority and cardholder
//     confirmation (Book 1, 12);
//   - initiate application processing with the PDOL (Book 3, 10.1);
//   - read application data by the AFL, collecting the static data to be
//     authenticated (10.2);
//   - offline data authentication, CDA over DDA over SDA as the AIP and
//     the terminal capabilities allow, with the CA keys and revocation list
//     of the configuration (10.3; Book 2 through package oda);
//   - processing restrictions (10.4), cardholder verification (10.5),
//     terminal risk management with a seedable random source (10.6);
//   - terminal action analysis (10.7), the first GENERATE AC and card
//     action analysis (10.8), online processing through an Authorizer with
//     issuer authentication (10.9), issuer scripts (10.10) and completion
//     (10.11).
//
// The kernel knows its card only as a device.Card, so a real card in a
// PC/SC reader and an emulated one are driven alike. The terminal's
// configuration (Config) comes from fixtures/terminals/*.yaml; DefaultConfig
// loads the default profile.
//
// A Kernel takes functional options: WithRand (the seedable source of random
// transaction selection and the unpredictable number), WithPINPad,
// WithCardholder (confirmation and selection), WithAuthorizer (online) and
// WithTranscript (every APDU, for the trace). Purchase returns an Outcome:
// approved or declined, offline or online, or terminated with a reason.
//
// Not yet done, each behind a TODO beside the code: the transaction log
// for split-sale floor limit checks, biometric CVMs, issuer referrals, and
// enciphering the online PIN under a PIN key (the
// Authorizer receives an ISO 9564-1 format 2 block until the ISO 8583
// acquirer path lands).
//
// Every rule is cited beside its code with its book and clause. Outcome
// carries the TVR, TSI, CVM Results, cryptograms, script results and the APDU
// transcript; its String never shows more of the PAN than MaskPAN does.
package terminal
