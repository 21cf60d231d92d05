// Package match holds the scenario suite's gomega matchers for EMV
// transaction outcomes (terminal.Outcome): the result of a transaction
// (BeApprovedOffline, BeApprovedOnline, BeDeclinedOffline,
// BeDeclinedOnline, BeTerminated) and its Terminal Verification Results and
// Transaction Status Information, bit by bit (HaveTVRBit, HaveExactTVR,
// HaveTSIBit, HaveExactTSI).
//
// Failure messages name the bits by their EMV Book 3 (Annex C5, C6) names
// and list what is missing and what is unexpected, so a failed certification
// case reads like the book rather than like hex. A printed outcome never
// shows more of the PAN than emv.MaskPAN does (terminal.Outcome.String).
package match
