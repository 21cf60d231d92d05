package emvcontact

import (
	"github.com/paylab/paylab/harness/emv"
)

// TSI sets the specs expect (EMV Book 3, Annex C6).
var (
	// tsiOffline: ODA, cardholder verification, card and terminal risk
	// management performed — every offline decision of a full flow.
	tsiOffline = []emv.TSIBit{emv.TSIOfflineDataAuthPerformed, emv.TSICardholderVerificationPerformed,
		emv.TSICardRiskManagementPerformed, emv.TSITerminalRiskManagementPerformed}
	// tsiOnline adds issuer authentication (Book 3, 10.9).
	tsiOnline = append(append([]emv.TSIBit{}, tsiOffline...), emv.TSIIssuerAuthenticationPerformed)
)

// with returns bits plus more, leaving bits as it is.
func with[B any](bits []B, more ...B) []B { return append(append([]B{}, bits...), more...) }

// sdaBench is visa-sda-offline (CVN 10, SDA, offline plaintext PIN, no
// issuer authentication in its AIP) with the terminal's application version,
// so that only what a spec changes shows in the TVR.
func sdaBench() *bench {
	b := newBench("visa-sda-offline")
	b.app().AppVersion = "0096"
	b.pad = pins("1234")
	return b
}

// ddaBench is visa-cda-online with CDA taken out of its AIP: DDA, offline
// enciphered PIN, issuer authentication.
func ddaBench() *bench {
	b := newBench("visa-cda-online")
	b.app().AIP = "3C00" // DDA, CVM, TRM, issuer authentication (Book 3, Annex C1)
	b.pad = pins("1234")
	return b
}

// cdaBench is visa-cda-online as committed: CVN 18, CDA, offline enciphered
// PIN, issuer authentication by EXTERNAL AUTHENTICATE.
func cdaBench() *bench {
	b := newBench("visa-cda-online")
	b.pad = pins("1234")
	return b
}
