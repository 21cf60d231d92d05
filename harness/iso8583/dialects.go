package iso8583

// Built-in dialects. Both are data: ISO1987Spec and ISO1993Spec return a
// fresh Spec that a caller may change and Compile into its own dialect, and
// testdata/specs holds the same specs as YAML and JSON (a test keeps them in
// step).

// ISO1987 is the acquirer's default dialect: ISO 8583:1987 data elements,
// numeric and text fields as ASCII characters, LL/LLL prefixes as ASCII
// digits, an 8-byte binary bitmap, b fields binary and DE 55 as binary
// BER-TLV. Frame it with DefaultFraming.
var ISO1987 = MustCompile(ISO1987Spec())

// ISO1993 is the ISO 8583:1993 variant (MTIs 1xxx) with the same encodings.
var ISO1993 = MustCompile(ISO1993Spec())

// Dialects lists the built-in dialects by spec name.
func Dialects() map[string]*Dialect {
	return map[string]*Dialect{ISO1987.Name(): ISO1987, ISO1993.Name(): ISO1993}
}

func fix(t FieldType, n int, name string) FieldSpec {
	return FieldSpec{Name: name, Type: t, Length: n}
}

func ll(t FieldType, n int, name string) FieldSpec {
	return FieldSpec{Name: name, Type: t, Length: n, Prefix: LL}
}

func lll(t FieldType, n int, name string) FieldSpec {
	return FieldSpec{Name: name, Type: t, Length: n, Prefix: LLL}
}

func masked(f FieldSpec, m Mask) FieldSpec { f.Mask = m; return f }

// ISO1987Spec returns the spec of ISO1987. The data elements are those of
// ISO 8583:1987, 4.3 (lengths of b fields in bytes), with three deliberate
// choices: DE 44, 46-48 are ans rather than an and DE 45 (track 1, whose
// ISO/IEC 7813 code set has '^' and '/') is ans..76, as ISO 8583:1993 has
// them, because real data carries spaces and separators; the currency codes
// DE 49-51 are numeric (ISO 4217); DE 55, ISO-reserved in 1987, is the ICC
// data of EMV as b...999 BER-TLV. DE 65 (tertiary bitmap) is left undefined:
// fields 129-192 are not supported.
//
// Mandatory fields per MTI are paylab's acquirer conventions, not ISO's (ISO
// makes most elements conditional): a conditional element such as DE 2 (or
// DE 35 instead) is the acquirer's to check.
func ISO1987Spec() Spec {
	f := map[int]FieldSpec{
		2:   masked(ll(TypeN, 19, "Primary account number (PAN)"), MaskPAN),
		3:   fix(TypeN, 6, "Processing code"),
		4:   fix(TypeN, 12, "Amount, transaction"),
		5:   fix(TypeN, 12, "Amount, settlement"),
		6:   fix(TypeN, 12, "Amount, cardholder billing"),
		7:   fix(TypeN, 10, "Transmission date and time"),
		8:   fix(TypeN, 8, "Amount, cardholder billing fee"),
		9:   fix(TypeN, 8, "Conversion rate, settlement"),
		10:  fix(TypeN, 8, "Conversion rate, cardholder billing"),
		11:  fix(TypeN, 6, "Systems trace audit number"),
		12:  fix(TypeN, 6, "Time, local transaction"),
		13:  fix(TypeN, 4, "Date, local transaction"),
		14:  fix(TypeN, 4, "Date, expiration"),
		15:  fix(TypeN, 4, "Date, settlement"),
		16:  fix(TypeN, 4, "Date, conversion"),
		17:  fix(TypeN, 4, "Date, capture"),
		18:  fix(TypeN, 4, "Merchant type"),
		19:  fix(TypeN, 3, "Acquiring institution country code"),
		20:  fix(TypeN, 3, "PAN extended, country code"),
		21:  fix(TypeN, 3, "Forwarding institution country code"),
		22:  fix(TypeN, 3, "Point of service entry mode"),
		23:  fix(TypeN, 3, "Card sequence number"),
		24:  fix(TypeN, 3, "Network international identifier"),
		25:  fix(TypeN, 2, "Point of service condition code"),
		26:  fix(TypeN, 2, "Point of service PIN capture code"),
		27:  fix(TypeN, 1, "Authorization identification response length"),
		28:  fix(TypeXN, 8, "Amount, transaction fee"),
		29:  fix(TypeXN, 8, "Amount, settlement fee"),
		30:  fix(TypeXN, 8, "Amount, transaction processing fee"),
		31:  fix(TypeXN, 8, "Amount, settlement processing fee"),
		32:  ll(TypeN, 11, "Acquiring institution identification code"),
		33:  ll(TypeN, 11, "Forwarding institution identification code"),
		34:  masked(ll(TypeNS, 28, "Primary account number, extended"), MaskAll),
		35:  masked(ll(TypeZ, 37, "Track 2 data"), MaskAll),
		36:  masked(lll(TypeZ, 104, "Track 3 data"), MaskAll),
		37:  fix(TypeAN, 12, "Retrieval reference number"),
		38:  fix(TypeAN, 6, "Authorization identification response"),
		39:  fix(TypeAN, 2, "Response code"),
		40:  fix(TypeAN, 3, "Service restriction code"),
		41:  fix(TypeANS, 8, "Card acceptor terminal identification"),
		42:  fix(TypeANS, 15, "Card acceptor identification code"),
		43:  fix(TypeANS, 40, "Card acceptor name/location"),
		44:  ll(TypeANS, 25, "Additional response data"),
		45:  masked(ll(TypeANS, 76, "Track 1 data"), MaskAll),
		46:  lll(TypeANS, 999, "Additional data (ISO)"),
		47:  lll(TypeANS, 999, "Additional data (national)"),
		48:  lll(TypeANS, 999, "Additional data (private)"),
		49:  fix(TypeN, 3, "Currency code, transaction"),
		50:  fix(TypeN, 3, "Currency code, settlement"),
		51:  fix(TypeN, 3, "Currency code, cardholder billing"),
		52:  masked(fix(TypeB, 8, "Personal identification number data"), MaskAll),
		53:  masked(fix(TypeN, 16, "Security related control information"), MaskAll),
		54:  lll(TypeAN, 120, "Additional amounts"),
		55:  {Name: "ICC system related data", Type: TypeB, Length: 999, Prefix: LLL, TLV: true},
		56:  lll(TypeANS, 999, "Reserved (ISO)"),
		64:  fix(TypeB, 8, "Message authentication code"),
		66:  fix(TypeN, 1, "Settlement code"),
		67:  fix(TypeN, 2, "Extended payment code"),
		68:  fix(TypeN, 3, "Receiving institution country code"),
		69:  fix(TypeN, 3, "Settlement institution country code"),
		70:  fix(TypeN, 3, "Network management information code"),
		71:  fix(TypeN, 4, "Message number"),
		72:  fix(TypeN, 4, "Message number, last"),
		73:  fix(TypeN, 6, "Date, action"),
		74:  fix(TypeN, 10, "Credits, number"),
		75:  fix(TypeN, 10, "Credits, reversal number"),
		76:  fix(TypeN, 10, "Debits, number"),
		77:  fix(TypeN, 10, "Debits, reversal number"),
		78:  fix(TypeN, 10, "Transfer, number"),
		79:  fix(TypeN, 10, "Transfer, reversal number"),
		80:  fix(TypeN, 10, "Inquiries, number"),
		81:  fix(TypeN, 10, "Authorizations, number"),
		82:  fix(TypeN, 12, "Credits, processing fee amount"),
		83:  fix(TypeN, 12, "Credits, transaction fee amount"),
		84:  fix(TypeN, 12, "Debits, processing fee amount"),
		85:  fix(TypeN, 12, "Debits, transaction fee amount"),
		86:  fix(TypeN, 16, "Credits, amount"),
		87:  fix(TypeN, 16, "Credits, reversal amount"),
		88:  fix(TypeN, 16, "Debits, amount"),
		89:  fix(TypeN, 16, "Debits, reversal amount"),
		90:  fix(TypeN, 42, "Original data elements"),
		91:  fix(TypeAN, 1, "File update code"),
		92:  fix(TypeAN, 2, "File security code"),
		93:  fix(TypeAN, 5, "Response indicator"),
		94:  fix(TypeAN, 7, "Service indicator"),
		95:  fix(TypeAN, 42, "Replacement amounts"),
		96:  masked(fix(TypeB, 8, "Message security code"), MaskAll),
		97:  fix(TypeXN, 16, "Amount, net settlement"),
		98:  fix(TypeANS, 25, "Payee"),
		99:  ll(TypeN, 11, "Settlement institution identification code"),
		100: ll(TypeN, 11, "Receiving institution identification code"),
		101: ll(TypeANS, 17, "File name"),
		102: ll(TypeANS, 28, "Account identification 1"),
		103: ll(TypeANS, 28, "Account identification 2"),
		104: lll(TypeANS, 100, "Transaction description"),
		128: fix(TypeB, 8, "Message authentication code"),
	}
	for n := 57; n <= 60; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (national)")
	}
	for n := 61; n <= 63; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (private)")
	}
	for n := 105; n <= 111; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (ISO)")
	}
	for n := 112; n <= 119; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (national)")
	}
	for n := 120; n <= 127; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (private)")
	}
	request := []int{3, 4, 7, 11, 12, 13, 22, 41, 42, 49}
	response := []int{3, 4, 7, 11, 39, 41, 49}
	reversal := []int{3, 4, 7, 11, 41, 42, 49, 90}
	return Spec{
		Name:        "iso8583-1987-ascii",
		Description: "ISO 8583:1987, ASCII numeric and text fields and length prefixes, binary bitmap, DE 55 binary BER-TLV",
		Version:     1987,
		MTI:         ASCII,
		Bitmap:      Binary,
		Defaults:    Defaults{Numeric: ASCII, Text: ASCII, Binary: Binary, Prefix: ASCII},
		Fields:      f,
		Mandatory: map[string][]int{
			"0100": request, "0110": response,
			"0120": request, "0130": response,
			"0200": request, "0210": response,
			"0220": request, "0230": response,
			"0400": reversal, "0410": {3, 4, 7, 11, 39, 41, 49},
			"0420": reversal, "0421": reversal, "0430": {3, 4, 7, 11, 39, 41, 49},
			"0800": {7, 11, 70}, "0810": {7, 11, 39, 70},
		},
	}
}

// ISO1993Spec returns the spec of ISO1993: the data elements of
// ISO 8583:1993 (DE 12 date and time YYMMDDhhmmss, DE 22 POS data code
// an 12, DE 24 function code, DE 25 message reason code, DE 39 action code
// n 3, DE 55 b...255), encoded like ISO1987.
func ISO1993Spec() Spec {
	f := map[int]FieldSpec{
		2:   masked(ll(TypeN, 19, "Primary account number (PAN)"), MaskPAN),
		3:   fix(TypeN, 6, "Processing code"),
		4:   fix(TypeN, 12, "Amount, transaction"),
		5:   fix(TypeN, 12, "Amount, reconciliation"),
		6:   fix(TypeN, 12, "Amount, cardholder billing"),
		7:   fix(TypeN, 10, "Date and time, transmission"),
		8:   fix(TypeN, 8, "Amount, cardholder billing fee"),
		9:   fix(TypeN, 8, "Conversion rate, reconciliation"),
		10:  fix(TypeN, 8, "Conversion rate, cardholder billing"),
		11:  fix(TypeN, 6, "Systems trace audit number"),
		12:  fix(TypeN, 12, "Date and time, local transaction"),
		13:  fix(TypeN, 4, "Date, effective"),
		14:  fix(TypeN, 4, "Date, expiration"),
		15:  fix(TypeN, 6, "Date, settlement"),
		16:  fix(TypeN, 4, "Date, conversion"),
		17:  fix(TypeN, 4, "Date, capture"),
		18:  fix(TypeN, 4, "Merchant type"),
		19:  fix(TypeN, 3, "Country code, acquiring institution"),
		20:  fix(TypeN, 3, "Country code, primary account number"),
		21:  fix(TypeN, 3, "Country code, forwarding institution"),
		22:  fix(TypeAN, 12, "Point of service data code"),
		23:  fix(TypeN, 3, "Card sequence number"),
		24:  fix(TypeN, 3, "Function code"),
		25:  fix(TypeN, 4, "Message reason code"),
		26:  fix(TypeN, 4, "Card acceptor business code"),
		27:  fix(TypeN, 1, "Approval code length"),
		28:  fix(TypeN, 6, "Date, reconciliation"),
		29:  fix(TypeN, 3, "Reconciliation indicator"),
		30:  fix(TypeN, 24, "Amounts, original"),
		31:  ll(TypeANS, 99, "Acquirer reference data"),
		32:  ll(TypeN, 11, "Acquiring institution identification code"),
		33:  ll(TypeN, 11, "Forwarding institution identification code"),
		34:  masked(ll(TypeNS, 28, "Primary account number, extended"), MaskAll),
		35:  masked(ll(TypeZ, 37, "Track 2 data"), MaskAll),
		36:  masked(lll(TypeZ, 104, "Track 3 data"), MaskAll),
		37:  fix(TypeAN, 12, "Retrieval reference number"),
		38:  fix(TypeAN, 6, "Approval code"),
		39:  fix(TypeN, 3, "Action code"),
		40:  fix(TypeN, 3, "Service code"),
		41:  fix(TypeANS, 8, "Card acceptor terminal identification"),
		42:  fix(TypeANS, 15, "Card acceptor identification code"),
		43:  ll(TypeANS, 99, "Card acceptor name/location"),
		44:  ll(TypeANS, 99, "Additional response data"),
		45:  masked(ll(TypeANS, 76, "Track 1 data"), MaskAll),
		46:  lll(TypeANS, 204, "Amounts, fees"),
		47:  lll(TypeANS, 999, "Additional data (national)"),
		48:  lll(TypeANS, 999, "Additional data (private)"),
		49:  fix(TypeAN, 3, "Currency code, transaction"),
		50:  fix(TypeAN, 3, "Currency code, reconciliation"),
		51:  fix(TypeAN, 3, "Currency code, cardholder billing"),
		52:  masked(fix(TypeB, 8, "Personal identification number (PIN) data"), MaskAll),
		53:  masked(ll(TypeB, 48, "Security related control information"), MaskAll),
		54:  lll(TypeANS, 120, "Amounts, additional"),
		55:  {Name: "Integrated circuit card system related data", Type: TypeB, Length: 255, Prefix: LLL, TLV: true},
		56:  ll(TypeN, 35, "Original data elements"),
		57:  fix(TypeN, 3, "Authorization life cycle code"),
		58:  ll(TypeN, 11, "Authorizing agent institution identification code"),
		59:  lll(TypeANS, 999, "Transport data"),
		60:  lll(TypeANS, 999, "Reserved (national)"),
		61:  lll(TypeANS, 999, "Reserved (national)"),
		62:  lll(TypeANS, 999, "Reserved (private)"),
		63:  lll(TypeANS, 999, "Reserved (private)"),
		64:  fix(TypeB, 8, "Message authentication code"),
		65:  fix(TypeB, 8, "Reserved (ISO)"),
		66:  lll(TypeANS, 204, "Amounts, original fees"),
		67:  fix(TypeN, 2, "Extended payment data"),
		68:  fix(TypeN, 3, "Country code, receiving institution"),
		69:  fix(TypeN, 3, "Country code, settlement institution"),
		70:  fix(TypeN, 3, "Country code, authorizing agent institution"),
		71:  fix(TypeN, 8, "Message number"),
		72:  lll(TypeANS, 999, "Data record"),
		73:  fix(TypeN, 6, "Date, action"),
		74:  fix(TypeN, 10, "Credits, number"),
		75:  fix(TypeN, 10, "Credits, reversal number"),
		76:  fix(TypeN, 10, "Debits, number"),
		77:  fix(TypeN, 10, "Debits, reversal number"),
		78:  fix(TypeN, 10, "Transfer, number"),
		79:  fix(TypeN, 10, "Transfer, reversal number"),
		80:  fix(TypeN, 10, "Inquiries, number"),
		81:  fix(TypeN, 10, "Authorizations, number"),
		82:  fix(TypeN, 10, "Inquiries, reversal number"),
		83:  fix(TypeN, 10, "Payments, number"),
		84:  fix(TypeN, 10, "Payments, reversal number"),
		85:  fix(TypeN, 10, "Fee collections, number"),
		86:  fix(TypeN, 16, "Credits, amount"),
		87:  fix(TypeN, 16, "Credits, reversal amount"),
		88:  fix(TypeN, 16, "Debits, amount"),
		89:  fix(TypeN, 16, "Debits, reversal amount"),
		90:  fix(TypeN, 10, "Authorizations, reversal number"),
		91:  fix(TypeN, 3, "Country code, transaction destination institution"),
		92:  fix(TypeN, 3, "Country code, transaction originator institution"),
		93:  ll(TypeN, 11, "Transaction destination institution identification code"),
		94:  ll(TypeN, 11, "Transaction originator institution identification code"),
		95:  ll(TypeANS, 99, "Card issuer reference data"),
		96:  masked(lll(TypeB, 999, "Key management data"), MaskAll),
		97:  fix(TypeXN, 16, "Amount, net reconciliation"),
		98:  fix(TypeANS, 25, "Payee"),
		99:  ll(TypeAN, 11, "Settlement institution identification code"),
		100: ll(TypeN, 11, "Receiving institution identification code"),
		101: ll(TypeANS, 17, "File name"),
		102: ll(TypeANS, 28, "Account identification 1"),
		103: ll(TypeANS, 28, "Account identification 2"),
		104: lll(TypeANS, 100, "Transaction description"),
		105: fix(TypeN, 16, "Credits, chargeback amount"),
		106: fix(TypeN, 16, "Debits, chargeback amount"),
		107: fix(TypeN, 10, "Credits, chargeback number"),
		108: fix(TypeN, 10, "Debits, chargeback number"),
		109: ll(TypeANS, 84, "Credits, fee amounts"),
		110: ll(TypeANS, 84, "Debits, fee amounts"),
		128: fix(TypeB, 8, "Message authentication code"),
	}
	for n := 111; n <= 115; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (ISO)")
	}
	for n := 116; n <= 122; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (national)")
	}
	for n := 123; n <= 127; n++ {
		f[n] = lll(TypeANS, 999, "Reserved (private)")
	}
	request := []int{3, 4, 11, 12, 22, 24, 41, 42, 49}
	response := []int{3, 4, 11, 12, 39, 41, 49}
	return Spec{
		Name:        "iso8583-1993-ascii",
		Description: "ISO 8583:1993, ASCII numeric and text fields and length prefixes, binary bitmap, DE 55 binary BER-TLV",
		Version:     1993,
		MTI:         ASCII,
		Bitmap:      Binary,
		Defaults:    Defaults{Numeric: ASCII, Text: ASCII, Binary: Binary, Prefix: ASCII},
		Fields:      f,
		Mandatory: map[string][]int{
			"1100": request, "1110": response,
			"1120": request, "1130": response,
			"1200": request, "1210": response,
			"1220": request, "1230": response,
			"1420": {3, 4, 11, 12, 24, 25, 41, 42, 49, 56}, "1430": {3, 4, 11, 12, 39, 41, 49},
			"1804": {7, 11, 12, 24}, "1814": {7, 11, 12, 24, 39},
		},
	}
}
