// Package trace is paylab's evidence recorder: it keeps, time-stamped and in
// order, what crossed the bench's interfaces, in the form a scheme or a lab
// asks for. For now it records APDU exchanges; ISO 8583 messages, QR
// payloads and scans are to follow in the same Entry stream.
//
// A Recorder decodes each exchange as it is recorded: the command by name
// (SELECT, GET PROCESSING OPTIONS, READ RECORD SFI n record m, GENERATE AC
// ARQC+CDA, VERIFY plaintext PIN, ...; EMV Book 3, 6.5), its DOL-related
// data split by the DOL the card gave earlier in the session (PDOL from the
// FCI, CDOL1, CDOL2 and DDOL from the records; Book 3, 5.4), the status word
// by name and the response data as a BER-TLV tree (emv.Sprint).
//
// Masking happens at record time, never at render time: an Entry holds only
// masked renderings, so no path (Render, Entries, JSON, a report) can leak
// what was never kept.
//
//   - Sensitive data objects (emv.IsSensitive: PAN '5A', track 2 '57' and
//     '9F6B', track 1 '56', discretionary data '9F1F' and '9F20', names
//     '5F20' and '9F0B', PIN data '99') are shown as emv.MaskValue shows
//     them: at most the first six and last four PAN digits.
//   - VERIFY data (the plaintext PIN block or the enciphered PIN; Book 3,
//     6.5.12) and PIN CHANGE/UNBLOCK data (Book 3, 6.5.10) are masked whole.
//   - Hex dumps of the APDUs, which labs want, show each byte of such a
//     value as "**".
//   - Data of unknown structure (not BER-TLV, no DOL known) has every run
//     of 12 or more BCD digits, a possible PAN (ISO/IEC 7812-1), masked.
//   - A last pass over every string of an entry replaces any clear form
//     (hex, digits, text) of a sensitive value seen in the exchange, and
//     masks digit runs in error text.
//
// SELECT of an AID or DDF name, GENERATE AC and INTERNAL AUTHENTICATE
// data and responses, cryptograms and certificates are not sensitive and
// are shown in full.
package trace
