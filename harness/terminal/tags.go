package terminal

import "github.com/paylab/paylab/harness/emv"

// Data objects the kernel reads or supplies, beyond the common ones of
// package emv (EMV Book 3, Annex A).
const (
	tagAID             emv.Tag = 0x4F
	tagLabel           emv.Tag = 0x50
	tagDFName          emv.Tag = 0x84
	tagPriority        emv.Tag = 0x87
	tagSFI             emv.Tag = 0x88
	tagFCI             emv.Tag = 0x6F
	tagFCIProprietary  emv.Tag = 0xA5
	tagDirEntry        emv.Tag = 0x61
	tagDDFName         emv.Tag = 0x9D
	tagPreferredName   emv.Tag = 0x9F12
	tagPDOL            emv.Tag = 0x9F38
	tagRecord          emv.Tag = 0x70
	tagRMT1            emv.Tag = 0x80
	tagRMT2            emv.Tag = 0x77
	tagCDOL1           emv.Tag = 0x8C
	tagCDOL2           emv.Tag = 0x8D
	tagCVMList         emv.Tag = 0x8E
	tagExpiry          emv.Tag = 0x5F24
	tagEffective       emv.Tag = 0x5F25
	tagIssuerCountry   emv.Tag = 0x5F28
	tagAUC             emv.Tag = 0x9F07
	tagAppVersionICC   emv.Tag = 0x9F08
	tagAppVersionTerm  emv.Tag = 0x9F09
	tagIACDefault      emv.Tag = 0x9F0D
	tagIACDenial       emv.Tag = 0x9F0E
	tagIACOnline       emv.Tag = 0x9F0F
	tagAppCurrency     emv.Tag = 0x9F42
	tagLowerLimit      emv.Tag = 0x9F14
	tagUpperLimit      emv.Tag = 0x9F23
	tagLastOnlineATC   emv.Tag = 0x9F13
	tagPINTryCounter   emv.Tag = 0x9F17
	tagDDOL            emv.Tag = 0x9F49
	tagTDOL            emv.Tag = 0x97
	tagTCHash          emv.Tag = 0x98
	tagSDATagList      emv.Tag = 0x9F4A
	tagSDAD            emv.Tag = 0x9F4B
	tagICCDynNumber    emv.Tag = 0x9F4C
	tagDAC             emv.Tag = 0x9F45
	tagTermAID         emv.Tag = 0x9F06
	tagTermCaps        emv.Tag = 0x9F33
	tagAddTermCaps     emv.Tag = 0x9F40
	tagTermType        emv.Tag = 0x9F35
	tagFloorLimit      emv.Tag = 0x9F1B
	tagCurrencyExp     emv.Tag = 0x5F36
	tagMerchantCat     emv.Tag = 0x9F15
	tagMerchantID      emv.Tag = 0x9F16
	tagTerminalID      emv.Tag = 0x9F1C
	tagMerchantName    emv.Tag = 0x9F4E
	tagAcquirerID      emv.Tag = 0x9F01
	tagIFDSerial       emv.Tag = 0x9F1E
	tagTxnTime         emv.Tag = 0x9F21
	tagTxnSeq          emv.Tag = 0x9F41
	tagCVMResults      emv.Tag = 0x9F34
	tagARC             emv.Tag = 0x8A
	tagIssuerAuthData  emv.Tag = 0x91
	tagAuthCode        emv.Tag = 0x89
	tagScript1         emv.Tag = 0x71
	tagScript2         emv.Tag = 0x72
	tagScriptID        emv.Tag = 0x9F18
	tagScriptCommand   emv.Tag = 0x86
	tagScriptResults   emv.Tag = 0x9F5B
	tagAmountBinary    emv.Tag = 0x81
	tagAmountOtherBin  emv.Tag = 0x9F04
	tagServiceCode     emv.Tag = 0x5F30
	tagCardholderName  emv.Tag = 0x5F20
	pseName                    = "1PAY.SYS.DDF01"
	tagCAIndex         emv.Tag = 0x8F
	tagIssuerCert      emv.Tag = 0x90
	tagIssuerRemainder emv.Tag = 0x92
	tagIssuerExponent  emv.Tag = 0x9F32
	tagSSAD            emv.Tag = 0x93
	tagICCCert         emv.Tag = 0x9F46
	tagICCExponent     emv.Tag = 0x9F47
	tagICCRemainder    emv.Tag = 0x9F48
	tagPINCert         emv.Tag = 0x9F2D
	tagPINExponent     emv.Tag = 0x9F2E
	tagPINRemainder    emv.Tag = 0x9F2F
)
