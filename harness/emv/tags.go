package emv

import (
	"errors"
	"fmt"
	"sort"
)

// The tag dictionary: every data element of EMV 4.4 Book 3 Annex A1 that has
// a tag, the contactless data elements of EMV Contactless Books A, B and C-2
// (Kernel 2, Mastercard) and C-3 (Kernel 3, Visa), and the payment-system
// tags seen on Visa and Mastercard cards.
//
// Tags '9F50' to '9F7F' are reserved for the payment systems and are
// "interpreted within the context of the application RID" (Book 3 Annex B1):
// where Visa and Mastercard give one tag different meanings, the entry names
// both and its format is var, so that Validate never rejects either use.
//
// Lengths are in bytes as in Annex A. MaxLen 0 means Annex A gives no
// numeric bound (var., or a length that depends on a key size such as NI).

// Templates (Book 3 Annex A1 "Template" column).
var (
	inRecordOrRMT2 = []Tag{0x70, 0x77}
	inRMT          = []Tag{0x77, 0x80}
	inDirOrFCIProp = []Tag{0x61, 0xA5}
	inFCIProp      = []Tag{0xA5}
	inFCIIDD       = []Tag{0xBF0C, 0x73}
	inScript       = []Tag{0x71, 0x72}
	inDirEntry     = []Tag{0x61}
	inFCI          = []Tag{0x6F}
	inRecord       = []Tag{0x70}
	inCardBITGroup = []Tag{0x9F31}
)

const (
	icc  = SourceICC
	term = SourceTerminal
	iss  = SourceIssuer
)

// tagTable is the dictionary in source order. Keep one entry per tag; the
// tests check it.
var tagTable = []TagInfo{
	// EMV 4.4 Book 3, Annex A1, Table 37 (Data Elements Dictionary).
	{0x5F57, "Account Type", term, FormatN, 1, 1, nil, false},
	{0x9F01, "Acquirer Identifier", term, FormatN, 6, 6, nil, false},
	{0x9F40, "Additional Terminal Capabilities", term, FormatB, 5, 5, nil, false},
	{0x81, "Amount, Authorised (Binary)", term, FormatB, 4, 4, nil, false},
	{0x9F02, "Amount, Authorised (Numeric)", term, FormatN, 6, 6, nil, false},
	{0x9F04, "Amount, Other (Binary)", term, FormatB, 4, 4, nil, false},
	{0x9F03, "Amount, Other (Numeric)", term, FormatN, 6, 6, nil, false},
	{0x9F3A, "Amount, Reference Currency", term, FormatB, 4, 4, nil, false},
	{0x9F26, "Application Cryptogram", icc, FormatB, 8, 8, inRMT, false},
	{0x9F42, "Application Currency Code", icc, FormatN, 2, 2, inRecordOrRMT2, false},
	{0x9F44, "Application Currency Exponent", icc, FormatN, 1, 1, inRecordOrRMT2, false},
	{0x9F05, "Application Discretionary Data", icc, FormatB, 1, 32, inRecordOrRMT2, false},
	{0x5F25, "Application Effective Date", icc, FormatN, 3, 3, inRecordOrRMT2, false},
	{0x5F24, "Application Expiration Date", icc, FormatN, 3, 3, inRecordOrRMT2, false},
	{0x94, "Application File Locator (AFL)", icc, FormatVar, 4, 252, inRMT, false},
	{0x4F, "Application Dedicated File (ADF) Name", icc, FormatB, 5, 16, inDirEntry, false},
	{0x9F06, "Application Identifier (AID) - terminal", term, FormatB, 5, 16, nil, false},
	{0x82, "Application Interchange Profile (AIP)", icc, FormatB, 2, 2, inRMT, false},
	{0x50, "Application Label", icc, FormatANS, 1, 16, inDirOrFCIProp, false},
	{0x9F12, "Application Preferred Name", icc, FormatANS, 1, 16, inDirOrFCIProp, false},
	{0x5A, "Application Primary Account Number (PAN)", icc, FormatCN, 1, 10, inRecordOrRMT2, true},
	{0x5F34, "Application PAN Sequence Number", icc, FormatN, 1, 1, inRecordOrRMT2, false},
	{0x87, "Application Priority Indicator", icc, FormatB, 1, 1, inDirOrFCIProp, false},
	{0x9F3B, "Application Reference Currency", icc, FormatN, 2, 8, inRecordOrRMT2, false},
	{0x9F43, "Application Reference Currency Exponent", icc, FormatN, 1, 4, inRecordOrRMT2, false},
	{0x9F0A, "Application Selection Registered Proprietary Data (ASRPD)", icc, FormatB, 1, 0, inFCIIDD, false},
	{0x61, "Application Template", icc, FormatB, 1, 252, inRecord, false},
	{0x9F36, "Application Transaction Counter (ATC)", icc, FormatB, 2, 2, inRMT, false},
	{0x9F07, "Application Usage Control (AUC)", icc, FormatB, 2, 2, inRecordOrRMT2, false},
	{0x9F08, "Application Version Number (ICC)", icc, FormatB, 2, 2, inRecordOrRMT2, false},
	{0x9F09, "Application Version Number (terminal)", term, FormatB, 2, 2, nil, false},
	// Annex A1: "as defined by the Payment Systems", 6 bytes.
	{0x89, "Authorisation Code", iss, FormatVar, 6, 6, nil, false},
	{0x8A, "Authorisation Response Code", iss, FormatAN, 2, 2, nil, false},
	{0x5F54, "Bank Identifier Code (BIC)", icc, FormatVar, 8, 11, inFCIIDD, false},
	{0x7F60, "Biometric Information Template (BIT)", icc, FormatB, 1, 0, []Tag{0xBF4A, 0xBF4B}, false},
	{0xA1, "Biometric Header Template (BHT)", icc, FormatB, 1, 0, []Tag{0x7F60}, false},
	{0x9F30, "Biometric Terminal Capabilities", term, FormatB, 3, 3, nil, false},
	{0xBF4C, "Biometric Try Counters Template", icc, FormatB, 1, 0, nil, false},
	{0xBF4E, "Biometric Verification Data Template", term, FormatB, 1, 0, nil, false},
	{0x9F31, "Card BIT Group Template", icc, FormatB, 1, 0, inRecord, false},
	{0x8C, "Card Risk Management Data Object List 1 (CDOL1)", icc, FormatB, 1, 252, inRecordOrRMT2, false},
	{0x8D, "Card Risk Management Data Object List 2 (CDOL2)", icc, FormatB, 1, 252, inRecordOrRMT2, false},
	{0x5F20, "Cardholder Name", icc, FormatANS, 2, 26, inRecordOrRMT2, true},
	{0x9F0B, "Cardholder Name Extended", icc, FormatANS, 27, 45, inRecordOrRMT2, true},
	{0x8E, "Cardholder Verification Method (CVM) List", icc, FormatB, 10, 252, inRecordOrRMT2, false},
	{0x9F34, "Cardholder Verification Method (CVM) Results", term, FormatB, 3, 3, nil, false},
	{0x8F, "Certification Authority Public Key Index (ICC)", icc, FormatB, 1, 1, inRecordOrRMT2, false},
	{0x9F22, "Certification Authority Public Key Index (terminal)", term, FormatB, 1, 1, nil, false},
	{0x83, "Command Template", term, FormatB, 1, 0, nil, false},
	{0x9F27, "Cryptogram Information Data (CID)", icc, FormatB, 1, 1, inRMT, false},
	{0x9F45, "Data Authentication Code", icc, FormatB, 2, 2, nil, false},
	{0x84, "Dedicated File (DF) Name", icc, FormatB, 5, 16, inFCI, false},
	{0x9D, "Directory Definition File (DDF) Name", icc, FormatB, 5, 16, inDirEntry, false},
	{0x73, "Directory Discretionary Template", icc, FormatVar, 1, 252, inDirEntry, false},
	{0x9F49, "Dynamic Data Authentication Data Object List (DDOL)", icc, FormatB, 1, 252, inRecordOrRMT2, false},
	{0xBF0C, "File Control Information (FCI) Issuer Discretionary Data", icc, FormatVar, 1, 222, inFCIProp, false},
	{0xA5, "File Control Information (FCI) Proprietary Template", icc, FormatVar, 1, 0, inFCI, false},
	{0x6F, "File Control Information (FCI) Template", icc, FormatVar, 1, 252, nil, false},
	{0x9F4C, "ICC Dynamic Number", icc, FormatB, 2, 8, nil, false},
	{0x9F2D, "ICC PIN Encipherment Public Key Certificate", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x9F2E, "ICC PIN Encipherment Public Key Exponent", icc, FormatB, 1, 3, inRecordOrRMT2, false},
	{0x9F2F, "ICC PIN Encipherment Public Key Remainder", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x9F46, "ICC Public Key Certificate", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x9F47, "ICC Public Key Exponent", icc, FormatB, 1, 3, inRecordOrRMT2, false},
	{0x9F48, "ICC Public Key Remainder", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x9F1E, "Interface Device (IFD) Serial Number", term, FormatAN, 8, 8, nil, false},
	{0x5F53, "International Bank Account Number (IBAN)", icc, FormatVar, 1, 34, inFCIIDD, false},
	{0x9F0D, "Issuer Action Code - Default", icc, FormatB, 5, 5, inRecordOrRMT2, false},
	{0x9F0E, "Issuer Action Code - Denial", icc, FormatB, 5, 5, inRecordOrRMT2, false},
	{0x9F0F, "Issuer Action Code - Online", icc, FormatB, 5, 5, inRecordOrRMT2, false},
	{0x9F10, "Issuer Application Data (IAD)", icc, FormatB, 1, 32, inRMT, false},
	{0x91, "Issuer Authentication Data", iss, FormatB, 8, 16, nil, false},
	{0x9F11, "Issuer Code Table Index", icc, FormatN, 1, 1, inFCIProp, false},
	{0x5F28, "Issuer Country Code", icc, FormatN, 2, 2, inRecordOrRMT2, false},
	{0x5F55, "Issuer Country Code (alpha2 format)", icc, FormatA, 2, 2, inFCIIDD, false},
	{0x5F56, "Issuer Country Code (alpha3 format)", icc, FormatA, 3, 3, inFCIIDD, false},
	{0x42, "Issuer Identification Number (IIN)", icc, FormatN, 3, 3, inFCIIDD, false},
	{0x9F0C, "Issuer Identification Number Extended (IINE)", icc, FormatN, 3, 4, inFCIIDD, false},
	{0x90, "Issuer Public Key Certificate", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x9F32, "Issuer Public Key Exponent", icc, FormatB, 1, 3, inRecordOrRMT2, false},
	{0x92, "Issuer Public Key Remainder", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	{0x86, "Issuer Script Command", iss, FormatB, 1, 261, inScript, false},
	{0x9F18, "Issuer Script Identifier", iss, FormatB, 4, 4, inScript, false},
	{0x71, "Issuer Script Template 1", iss, FormatB, 1, 0, nil, false},
	{0x72, "Issuer Script Template 2", iss, FormatB, 1, 0, nil, false},
	{0x5F50, "Issuer URL", icc, FormatANS, 1, 0, inFCIIDD, false},
	{0x5F2D, "Language Preference", icc, FormatAN, 2, 8, inFCIProp, false},
	{0x9F25, "Last 4 Digits of PAN", icc, FormatN, 2, 2, inRecordOrRMT2, false},
	{0x9F13, "Last Online Application Transaction Counter (ATC) Register", icc, FormatB, 2, 2, nil, false},
	{0x9F4D, "Log Entry", icc, FormatB, 2, 2, inFCIIDD, false},
	{0x9F4F, "Log Format", icc, FormatB, 1, 0, nil, false},
	{0x9F14, "Lower Consecutive Offline Limit", icc, FormatB, 1, 1, inRecordOrRMT2, false},
	{0x9F15, "Merchant Category Code", term, FormatN, 2, 2, nil, false},
	{0x9F16, "Merchant Identifier", term, FormatANS, 15, 15, nil, false},
	{0x9F4E, "Merchant Name and Location", term, FormatANS, 1, 0, nil, false},
	{0xBF4A, "Offline BIT Group Template", icc, FormatB, 1, 0, inCardBITGroup, false},
	{0xBF4B, "Online BIT Group Template", icc, FormatB, 1, 0, inCardBITGroup, false},
	{0x9F24, "Payment Account Reference (PAR)", icc, FormatAN, 29, 29, inRecordOrRMT2, false},
	{0x9F17, "Personal Identification Number (PIN) Try Counter", icc, FormatB, 1, 1, nil, false},
	{0x9F39, "Point-of-Service (POS) Entry Mode", term, FormatN, 1, 1, nil, false},
	{0xBF4D, "Preferred Attempts Template", icc, FormatB, 1, 0, nil, false},
	{0x9F38, "Processing Options Data Object List (PDOL)", icc, FormatB, 1, 0, inFCIProp, false},
	{0x70, "READ RECORD Response Message Template", icc, FormatVar, 1, 252, nil, false},
	{0x80, "Response Message Template Format 1", icc, FormatVar, 1, 0, nil, false},
	{0x77, "Response Message Template Format 2", icc, FormatVar, 1, 0, nil, false},
	{0x5F30, "Service Code", icc, FormatN, 2, 2, inRecordOrRMT2, false},
	{0x88, "Short File Identifier (SFI)", icc, FormatB, 1, 1, inFCIProp, false},
	{0x9F4B, "Signed Dynamic Application Data (SDAD)", icc, FormatB, 1, 0, inRMT, false},
	{0x93, "Signed Static Application Data (SSAD)", icc, FormatB, 1, 0, inRecordOrRMT2, false},
	// Annex A1 gives no format ("—"): a list of tags.
	{0x9F4A, "Static Data Authentication Tag List", icc, FormatVar, 1, 0, inRecordOrRMT2, false},
	{0x9F33, "Terminal Capabilities", term, FormatB, 3, 3, nil, false},
	{0x9F1A, "Terminal Country Code", term, FormatN, 2, 2, nil, false},
	{0x9F1B, "Terminal Floor Limit", term, FormatB, 4, 4, nil, false},
	{0x9F1C, "Terminal Identification", term, FormatAN, 8, 8, nil, false},
	{0x9F1D, "Terminal Risk Management Data", term, FormatB, 1, 8, nil, false},
	{0x9F35, "Terminal Type", term, FormatN, 1, 1, nil, false},
	{0x95, "Terminal Verification Results (TVR)", term, FormatB, 5, 5, nil, false},
	{0x9F19, "Token Requestor ID", icc, FormatN, 6, 6, inRecordOrRMT2, false},
	{0x9F1F, "Track 1 Discretionary Data", icc, FormatANS, 1, 0, inRecordOrRMT2, true},
	{0x9F20, "Track 2 Discretionary Data", icc, FormatCN, 1, 0, inRecordOrRMT2, true},
	{0x57, "Track 2 Equivalent Data", icc, FormatB, 1, 19, inRecordOrRMT2, true},
	{0x97, "Transaction Certificate Data Object List (TDOL)", icc, FormatB, 1, 252, inRecordOrRMT2, false},
	{0x98, "Transaction Certificate (TC) Hash Value", term, FormatB, 20, 20, nil, false},
	{0x5F2A, "Transaction Currency Code", term, FormatN, 2, 2, nil, false},
	{0x5F36, "Transaction Currency Exponent", term, FormatN, 1, 1, nil, false},
	{0x9A, "Transaction Date", term, FormatN, 3, 3, nil, false},
	{0x99, "Transaction Personal Identification Number (PIN) Data", term, FormatB, 1, 0, nil, true},
	{0x9F3C, "Transaction Reference Currency Code", term, FormatN, 2, 2, nil, false},
	{0x9F3D, "Transaction Reference Currency Exponent", term, FormatN, 1, 1, nil, false},
	{0x9F41, "Transaction Sequence Counter", term, FormatN, 2, 4, nil, false},
	{0x9B, "Transaction Status Information (TSI)", term, FormatB, 2, 2, nil, false},
	{0x9F21, "Transaction Time", term, FormatN, 3, 3, nil, false},
	{0x9C, "Transaction Type", term, FormatN, 1, 1, nil, false},
	{0x9F37, "Unpredictable Number", term, FormatB, 4, 4, nil, false},
	{0x9F23, "Upper Consecutive Offline Limit", icc, FormatB, 1, 1, inRecordOrRMT2, false},

	// EMV Contactless Book B (Entry Point): directory entry extensions.
	{0x9F29, "Extended Selection", icc, FormatB, 1, 0, inDirEntry, false},
	{0x9F2A, "Kernel Identifier", icc, FormatB, 1, 8, inDirEntry, false},

	// EMV Contactless Book C-2 (Kernel 2) data elements outside the payment
	// system range.
	{0x56, "Track 1 Data", icc, FormatANS, 1, 76, inRecordOrRMT2, true},

	// Payment-system range '9F50'-'9F7F' (Book 3 Annex B1). Names in
	// parentheses say whose specification defines the meaning; Kernel 2 is
	// EMV Contactless Book C-2 (Mastercard), Kernel 3 is Book C-3 (Visa), VIS
	// is the Visa Integrated Circuit Card Specification.
	{0x9F50, "Offline Accumulator Balance (Kernel 2)", icc, FormatN, 6, 6, nil, false},
	{0x9F51, "Application Currency Code (VIS) / DRDOL (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F52, "Application Default Action (ADA) (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F53, "Consecutive Transaction Limit, International (VIS) / Transaction Category Code (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F54, "Cumulative Total Transaction Amount Limit (VIS) / DS ODS Card (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F55, "Geographic Indicator (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F56, "Issuer Authentication Indicator (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F57, "Issuer Country Code (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F58, "Lower Consecutive Offline Limit (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F59, "Upper Consecutive Offline Limit (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F5A, "Application Program Identifier (Kernel 3)", icc, FormatVar, 1, 0, nil, false},
	{0x9F5B, "Issuer Script Results (VIS) / DSDOL (Kernel 2)", term, FormatVar, 1, 0, nil, false},
	{0x9F5C, "Cumulative Total Transaction Amount Upper Limit (VIS) / DS Requested Operator ID (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F5D, "Available Offline Spending Amount (Kernel 3) / Application Capabilities Information (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F5E, "Consecutive Transaction International Upper Limit (VIS) / DS ID (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F5F, "DS Slot Availability (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F60, "CVC3 (Track1) (Kernel 2)", icc, FormatB, 2, 2, nil, false},
	{0x9F61, "CVC3 (Track2) (Kernel 2)", icc, FormatB, 2, 2, nil, false},
	{0x9F62, "PCVC3 (Track1) (Kernel 2)", icc, FormatB, 6, 6, nil, false},
	{0x9F63, "PUNATC (Track1) (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F64, "NATC (Track1) (Kernel 2)", icc, FormatB, 1, 1, nil, false},
	{0x9F65, "PCVC3 (Track2) (Kernel 2)", icc, FormatB, 2, 2, nil, false},
	{0x9F66, "Terminal Transaction Qualifiers (TTQ) (Kernel 3) / PUNATC (Track2) (Kernel 2)", term, FormatVar, 2, 4, nil, false},
	{0x9F67, "NATC (Track2) (Kernel 2) / MSD Offset (Kernel 3)", icc, FormatVar, 1, 0, nil, false},
	{0x9F68, "Card Additional Processes (Kernel 3)", icc, FormatVar, 1, 0, nil, false},
	{0x9F69, "Card Authentication Related Data (Kernel 3) / UDOL (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F6A, "Unpredictable Number (Numeric) (Kernel 2)", term, FormatN, 4, 4, nil, false},
	// Sensitive because Kernel 2 carries track 2 here; a Visa Card CVM Limit
	// is only over-masked.
	{0x9F6B, "Track 2 Data (Kernel 2) / Card CVM Limit (Kernel 3)", icc, FormatVar, 1, 19, nil, true},
	{0x9F6C, "Card Transaction Qualifiers (CTQ) (Kernel 3) / Mag-stripe Application Version Number (Card) (Kernel 2)", icc, FormatB, 2, 2, nil, false},
	{0x9F6D, "Mag-stripe Application Version Number (Reader) (Kernel 2) / Contactless Reader Capabilities (Kernel 4)", term, FormatVar, 1, 2, nil, false},
	{0x9F6E, "Form Factor Indicator (Kernel 3) / Third Party Data (Kernel 2)", icc, FormatVar, 4, 32, nil, false},
	{0x9F6F, "DS Slot Management Control (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F70, "Protected Data Envelope 1 (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F71, "Protected Data Envelope 2 (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F72, "Protected Data Envelope 3 (Kernel 2) / Consecutive Transaction Limit, International Country (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F73, "Protected Data Envelope 4 (Kernel 2) / Currency Conversion Factor (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F74, "Protected Data Envelope 5 (Kernel 2) / VLP Issuer Authorisation Code (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F75, "Unprotected Data Envelope 1 (Kernel 2) / Cumulative Total Transaction Amount Limit, Dual Currency (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F76, "Unprotected Data Envelope 2 (Kernel 2) / Secondary Application Currency Code (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F77, "Unprotected Data Envelope 3 (Kernel 2) / VLP Funds Limit (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F78, "Unprotected Data Envelope 4 (Kernel 2) / VLP Single Transaction Limit (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F79, "Unprotected Data Envelope 5 (Kernel 2) / VLP Available Funds (VIS)", icc, FormatVar, 1, 0, nil, false},
	{0x9F7A, "VLP Terminal Support Indicator (VIS)", term, FormatVar, 1, 0, nil, false},
	{0x9F7B, "VLP Terminal Transaction Limit (VIS)", term, FormatVar, 1, 0, nil, false},
	{0x9F7C, "Customer Exclusive Data (Kernel 3) / Merchant Custom Data (Kernel 2)", icc, FormatVar, 1, 32, nil, false},
	{0x9F7D, "DS Summary 1 (Kernel 2)", icc, FormatVar, 1, 0, nil, false},
	{0x9F7E, "Mobile Support Indicator (Kernel 2)", term, FormatVar, 1, 0, nil, false},
	{0x9F7F, "DS Unpredictable Number (Kernel 2) / Card Production Life Cycle (CPLC)", icc, FormatVar, 1, 0, nil, false},

	// EMV Contactless Book C-2 (Kernel 2), Annex A: data storage, kernel
	// configuration and outcome data objects.
	{0xDF60, "DS Input (Card) (Kernel 2)", term, FormatB, 8, 8, nil, false},
	{0xDF61, "DS Digest H (Kernel 2)", term, FormatB, 8, 8, nil, false},
	{0xDF62, "DS ODS Info (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF63, "DS ODS Term (Kernel 2)", term, FormatB, 1, 160, nil, false},
	{0xDF8101, "DS Summary 2 (Kernel 2)", icc, FormatB, 8, 16, nil, false},
	{0xDF8102, "DS Summary 3 (Kernel 2)", icc, FormatB, 8, 16, nil, false},
	{0xDF8104, "Balance Read Before Gen AC (Kernel 2)", icc, FormatN, 6, 6, nil, false},
	{0xDF8105, "Balance Read After Gen AC (Kernel 2)", icc, FormatN, 6, 6, nil, false},
	{0xDF8106, "Data Needed (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8107, "CDOL1 Related Data (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8108, "DS AC Type (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8109, "DS Input (Term) (Kernel 2)", term, FormatB, 8, 8, nil, false},
	{0xDF810A, "DS ODS Info For Reader (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF810B, "DS Summary Status (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF810C, "Kernel ID (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF810D, "DSVN Term (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF810E, "Post-Gen AC Put Data Status (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF810F, "Pre-Gen AC Put Data Status (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8110, "Proceed To First Write Flag (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8111, "PDOL Related Data (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8112, "Tags To Read (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8113, "DRDOL Related Data (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8114, "Reference Control Parameter (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8115, "Error Indication (Kernel 2)", term, FormatB, 6, 6, nil, false},
	{0xDF8116, "User Interface Request Data (Kernel 2)", term, FormatB, 22, 22, nil, false},
	{0xDF8117, "Card Data Input Capability (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8118, "CVM Capability - CVM Required (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8119, "CVM Capability - No CVM Required (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF811A, "Default UDOL (Kernel 2)", term, FormatB, 3, 3, nil, false},
	{0xDF811B, "Kernel Configuration (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF811C, "Max Lifetime of Torn Transaction Log Record (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF811D, "Max Number of Torn Transaction Log Records (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF811E, "Mag-stripe CVM Capability - CVM Required (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF811F, "Security Capability (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8120, "Terminal Action Code - Default (Kernel 2)", term, FormatB, 5, 5, nil, false},
	{0xDF8121, "Terminal Action Code - Denial (Kernel 2)", term, FormatB, 5, 5, nil, false},
	{0xDF8122, "Terminal Action Code - Online (Kernel 2)", term, FormatB, 5, 5, nil, false},
	{0xDF8123, "Reader Contactless Floor Limit (Kernel 2)", term, FormatN, 6, 6, nil, false},
	{0xDF8124, "Reader Contactless Transaction Limit (No On-device CVM) (Kernel 2)", term, FormatN, 6, 6, nil, false},
	{0xDF8125, "Reader Contactless Transaction Limit (On-device CVM) (Kernel 2)", term, FormatN, 6, 6, nil, false},
	{0xDF8126, "Reader CVM Required Limit (Kernel 2)", term, FormatN, 6, 6, nil, false},
	{0xDF8127, "Time Out Value (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8128, "IDS Status (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8129, "Outcome Parameter Set (Kernel 2)", term, FormatB, 8, 8, nil, false},
	{0xDF812A, "DD Card (Track1) (Kernel 2)", term, FormatANS, 1, 56, nil, true},
	{0xDF812B, "DD Card (Track2) (Kernel 2)", term, FormatB, 1, 8, nil, true},
	{0xDF812C, "Mag-stripe CVM Capability - No CVM Required (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF812D, "Message Hold Time (Kernel 2)", term, FormatN, 3, 3, nil, false},
	{0xDF8130, "Hold Time Value (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xDF8131, "Phone Message Table (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xDF8132, "Minimum Relay Resistance Grace Period (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8133, "Maximum Relay Resistance Grace Period (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8134, "Terminal Expected Transmission Time For Relay Resistance C-APDU (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8135, "Terminal Expected Transmission Time For Relay Resistance R-APDU (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8136, "Relay Resistance Accuracy Threshold (Kernel 2)", term, FormatB, 2, 2, nil, false},
	{0xDF8137, "Relay Resistance Transmission Time Mismatch Threshold (Kernel 2)", term, FormatB, 1, 1, nil, false},
	{0xFF8101, "Torn Record (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xFF8102, "Tags To Write Before Gen AC (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xFF8103, "Tags To Write After Gen AC (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xFF8104, "Data To Send (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xFF8105, "Data Record (Kernel 2)", term, FormatB, 1, 0, nil, false},
	{0xFF8106, "Discretionary Data (Kernel 2)", term, FormatB, 1, 0, nil, false},
}

// contextTable holds tags whose meaning depends on the template they sit in.
// Book 3 Annex A2 lists them twice; the note under Table 48 says, e.g., that
// '90' is the Biometric Solution ID only within template 'A1'.
var contextTable = []struct {
	parents []Tag
	info    TagInfo
}{
	{[]Tag{0xA1, 0xBF4E}, TagInfo{0x81, "Biometric Type", icc, FormatB, 1, 3, []Tag{0xA1, 0xBF4E}, false}},
	{[]Tag{0xA1}, TagInfo{0x82, "Biometric Subtype", icc, FormatB, 1, 1, []Tag{0xA1}, false}},
	{[]Tag{0xA1, 0xBF4E}, TagInfo{0x90, "Biometric Solution ID", icc, FormatB, 1, 0, []Tag{0xA1, 0xBF4E}, false}},
	{[]Tag{0xBF4C}, TagInfo{0xDF50, "Facial Try Counter", icc, FormatB, 1, 1, []Tag{0xBF4C}, false}},
	{[]Tag{0xBF4C}, TagInfo{0xDF51, "Finger Try Counter", icc, FormatB, 1, 1, []Tag{0xBF4C}, false}},
	{[]Tag{0xBF4C}, TagInfo{0xDF52, "Iris Try Counter", icc, FormatB, 1, 1, []Tag{0xBF4C}, false}},
	{[]Tag{0xBF4C}, TagInfo{0xDF53, "Palm Try Counter", icc, FormatB, 1, 1, []Tag{0xBF4C}, false}},
	{[]Tag{0xBF4C}, TagInfo{0xDF54, "Voice Try Counter", icc, FormatB, 1, 1, []Tag{0xBF4C}, false}},
	{[]Tag{0xBF4D}, TagInfo{0xDF50, "Preferred Facial Attempts", icc, FormatB, 1, 1, []Tag{0xBF4D}, false}},
	{[]Tag{0xBF4D}, TagInfo{0xDF51, "Preferred Finger Attempts", icc, FormatB, 1, 1, []Tag{0xBF4D}, false}},
	{[]Tag{0xBF4D}, TagInfo{0xDF52, "Preferred Iris Attempts", icc, FormatB, 1, 1, []Tag{0xBF4D}, false}},
	{[]Tag{0xBF4D}, TagInfo{0xDF53, "Preferred Palm Attempts", icc, FormatB, 1, 1, []Tag{0xBF4D}, false}},
	{[]Tag{0xBF4D}, TagInfo{0xDF54, "Preferred Voice Attempts", icc, FormatB, 1, 1, []Tag{0xBF4D}, false}},
	{[]Tag{0xBF4E}, TagInfo{0xDF50, "Enciphered Biometric Key Seed", term, FormatB, 1, 0, []Tag{0xBF4E}, false}},
	{[]Tag{0xBF4E}, TagInfo{0xDF51, "Enciphered Biometric Data", term, FormatB, 1, 0, []Tag{0xBF4E}, true}},
	{[]Tag{0xBF4E}, TagInfo{0xDF52, "MAC of Enciphered Biometric Data", term, FormatB, 8, 8, []Tag{0xBF4E}, false}},
}

// Lengths Annex A gives as a set rather than a range ("1 or 3", "8 or 11",
// "var. 3 or 4"), and lengths that must be a multiple of an entry size.
var (
	allowedLengths = map[Tag][]int{
		0x9F2E: {1, 3}, 0x9F32: {1, 3}, 0x9F47: {1, 3}, // Book 2: exponent 3 or 2^16+1
		0x5F54: {8, 11}, // ISO 9362 BIC
		0x9F0C: {3, 4},  // IINE: 6 or 8 digits
	}
	lengthMultiple = map[Tag]int{
		0x94:   4, // AFL entries are 4 bytes (Book 3 10.2)
		0x9F3B: 2, // 1-4 currency codes of n 3
		0x5F2D: 2, // 1-4 ISO 639 language codes
	}
)

var (
	dictionary  = map[Tag]TagInfo{}
	contextDict = map[[2]Tag]TagInfo{}
)

func init() {
	for _, ti := range tagTable {
		dictionary[ti.Tag] = ti
	}
	for _, c := range contextTable {
		for _, p := range c.parents {
			contextDict[[2]Tag{p, c.info.Tag}] = c.info
		}
	}
}

// LookupTag returns the dictionary entry of t.
func LookupTag(t Tag) (TagInfo, bool) {
	ti, ok := dictionary[t]
	return ti, ok
}

// LookupTagIn returns the entry of t as it is meant inside the template
// parent: some tags change meaning inside the biometric templates (Book 3
// Annex C7, note under Table 48). It falls back to LookupTag.
func LookupTagIn(parent, t Tag) (TagInfo, bool) {
	if ti, ok := contextDict[[2]Tag{parent, t}]; ok {
		return ti, true
	}
	return LookupTag(t)
}

// Tags returns every dictionary entry, sorted by tag. The slice is a copy.
func Tags() []TagInfo {
	out := make([]TagInfo, len(tagTable))
	copy(out, tagTable)
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

// IsSensitive reports whether values of t must be masked in logs, traces
// and reports (PAN, track data, cardholder names, PIN data).
func IsSensitive(t Tag) bool {
	ti, ok := dictionary[t]
	return ok && ti.Sensitive
}

// Errors a TagValueError wraps, for errors.Is.
var (
	ErrValueLength = errors.New("value length out of range")
	ErrValueFormat = errors.New("value does not match the data element format")
)

// TagValueError reports a value that does not fit its dictionary entry. It
// never carries the value itself, which may be sensitive.
type TagValueError struct {
	Tag    Tag
	Name   string
	Err    error  // ErrValueLength or ErrValueFormat
	Detail string // what is wrong, without the value
}

func (e *TagValueError) Error() string {
	return fmt.Sprintf("validate tag %s (%s): %s", e.Tag, e.Name, e.Detail)
}

func (e *TagValueError) Unwrap() error { return e.Err }

// Validate checks value against the length and format of the entry.
//
// An empty value is accepted: Book 3 5.2 says a data element with length '00'
// shall be treated as not present. Format rules follow Book 3 4.3: n is BCD,
// cn is BCD left justified and padded with trailing 'F's, a/an/ans are one
// character per byte, left justified and padded with trailing '00' (Annex A,
// note under Table 37). ans is the Book 4 Annex B common character set
// ('20'-'7E'); the Application Label allows space as its only special
// character, the Application Preferred Name any non-control ISO/IEC 8859
// character, and the PAR upper-case letters and digits only.
func (ti TagInfo) Validate(value []byte) error {
	if len(value) == 0 {
		return nil
	}
	fail := func(err error, format string, args ...any) error {
		return &TagValueError{Tag: ti.Tag, Name: ti.Name, Err: err, Detail: fmt.Sprintf(format, args...)}
	}
	n := len(value)
	if set, ok := allowedLengths[ti.Tag]; ok {
		if !containsInt(set, n) {
			return fail(ErrValueLength, "length %d, want one of %v", n, set)
		}
	} else if n < ti.MinLen || (ti.MaxLen > 0 && n > ti.MaxLen) {
		if ti.MinLen == ti.MaxLen {
			return fail(ErrValueLength, "length %d, want %d", n, ti.MinLen)
		}
		if ti.MaxLen == 0 {
			return fail(ErrValueLength, "length %d, want at least %d", n, ti.MinLen)
		}
		return fail(ErrValueLength, "length %d, want %d to %d", n, ti.MinLen, ti.MaxLen)
	}
	if m, ok := lengthMultiple[ti.Tag]; ok && n%m != 0 {
		return fail(ErrValueLength, "length %d, want a multiple of %d", n, m)
	}
	switch ti.Format {
	case FormatN:
		for i, c := range value {
			if c>>4 > 9 || c&0x0F > 9 {
				return fail(ErrValueFormat, "byte %d is not two BCD digits", i+1)
			}
		}
	case FormatCN:
		if i, ok := checkCN(value); !ok {
			return fail(ErrValueFormat, "nibble %d breaks digits-then-F padding", i+1)
		}
	case FormatA, FormatAN, FormatANS:
		allowed := charsetFor(ti)
		for i, c := range trimZeroPadding(value) {
			if !allowed(c) {
				return fail(ErrValueFormat, "byte %d is outside the %s character set", i+1, ti.Format)
			}
		}
	}
	return nil
}

// checkCN reports the 0-based index of the first bad nibble of a cn value.
func checkCN(v []byte) (int, bool) {
	padding := false
	for i := 0; i < 2*len(v); i++ {
		nib := v[i/2] >> 4
		if i%2 == 1 {
			nib = v[i/2] & 0x0F
		}
		switch {
		case nib == 0x0F:
			padding = true
		case nib <= 9 && !padding:
		default:
			return i, false
		}
	}
	return 0, true
}

func trimZeroPadding(v []byte) []byte {
	end := len(v)
	for end > 0 && v[end-1] == 0 {
		end--
	}
	return v[:end]
}

func charsetFor(ti TagInfo) func(byte) bool {
	alpha := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	switch {
	case ti.Tag == 0x9F24: // PAR: upper case and digits (Book 3 4.3)
		return func(c byte) bool { return c >= 'A' && c <= 'Z' || digit(c) }
	case ti.Tag == 0x50: // Application Label: special character limited to space
		return func(c byte) bool { return alpha(c) || digit(c) || c == ' ' }
	case ti.Tag == 0x9F12: // Application Preferred Name: ISO/IEC 8859 non-control
		return func(c byte) bool { return c >= 0x20 && c <= 0x7E || c >= 0xA0 }
	case ti.Format == FormatA:
		return alpha
	case ti.Format == FormatAN:
		return func(c byte) bool { return alpha(c) || digit(c) }
	default: // ans: Book 4 Annex B common character set
		return func(c byte) bool { return c >= 0x20 && c <= 0x7E }
	}
}

func containsInt(set []int, n int) bool {
	for _, v := range set {
		if v == n {
			return true
		}
	}
	return false
}
