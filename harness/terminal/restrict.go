package terminal

import (
	"bytes"

	"github.com/paylab/paylab/harness/emv"
)

// processingRestrictions checks application versions, the Application Usage
// Control and the application dates (EMV Book 3, 10.4). It only sets TVR
// bits; terminal action analysis decides.
func (t *txn) processingRestrictions() {
	// Book 3, 10.4.1: when the card carries 9F08 and it differs from the
	// terminal's 9F09, "ICC and terminal have different application
	// versions"; an absent 9F08 is taken as compatible.
	if v, ok := t.icc[tagAppVersionICC]; ok && !bytes.Equal(v, t.app.Version[:]) {
		t.tvr.Set(emv.TVRICCAppVersionsDiffer)
	}
	t.checkAUC()
	// Book 3, 10.4.3: effective date after today: "Application not yet
	// effective"; expiration date before today: "Expired application".
	today, _ := bcdDateValue(t.term[emv.TagTxnDate])
	if v, ok := t.icc[tagEffective]; ok {
		if eff, ok := bcdDateValue(v); ok && eff > today {
			t.tvr.Set(emv.TVRAppNotYetEffective)
		}
	}
	if exp, ok := bcdDateValue(t.icc[tagExpiry]); !ok || exp < today {
		// An unreadable expiration date cannot be shown valid.
		t.tvr.Set(emv.TVRExpiredApplication)
	}
}

// checkAUC is Book 3, 10.4.2.
func (t *txn) checkAUC() {
	v, ok := t.icc[tagAUC]
	if !ok {
		return // AUC absent: no restriction
	}
	auc, err := emv.ParseAUC(v)
	if err != nil {
		return
	}
	fail := func() { t.tvr.Set(emv.TVRServiceNotAllowed) }
	// Book 3, 10.4.2: an ATM needs "valid at ATMs", any other terminal
	// "valid at terminals other than ATMs". An ATM is a cardholder-
	// operated (type 14-16) terminal that dispenses cash (Book 4, A1).
	tt := byte(t.k.cfg.TerminalType)
	atm := tt >= 0x14 && tt <= 0x16 && t.k.cfg.AddCapabilities.Has(emv.AddTermCapCash)
	if atm && !auc.Has(emv.AUCATMs) || !atm && !auc.Has(emv.AUCNonATMTerminals) {
		fail()
		return
	}
	// The domestic/international checks need the Issuer Country Code.
	ic, ok := t.icc[tagIssuerCountry]
	if !ok {
		return
	}
	domestic := bytes.Equal(ic, t.k.cfg.Country[:])
	pick := func(dom, intl emv.AUCBit) emv.AUCBit {
		if domestic {
			return dom
		}
		return intl
	}
	switch t.in.Type {
	case TypeCash:
		if !auc.Has(pick(emv.AUCDomesticCash, emv.AUCInternationalCash)) {
			fail()
		}
	case TypePurchase, TypePurchaseCashback:
		if t.in.Services {
			if !auc.Has(pick(emv.AUCDomesticServices, emv.AUCInternationalServices)) {
				fail()
				return
			}
		} else if !auc.Has(pick(emv.AUCDomesticGoods, emv.AUCInternationalGoods)) {
			fail()
			return
		}
		// Book 3, 10.4.2: cashback needs the cashback bit too.
		if t.in.Type == TypePurchaseCashback || t.in.Other > 0 {
			if !auc.Has(pick(emv.AUCDomesticCashback, emv.AUCInternationalCashback)) {
				fail()
			}
		}
	}
}
