package terminal

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
)

// cvmOutcome is what performing one CVM gave.
type cvmOutcome int

const (
	cvmFailed cvmOutcome = iota
	cvmSucceeded
	cvmUnsupported // recognised, but the terminal cannot perform it
)

// cardholderVerification processes the CVM List (EMV Book 3, 10.5).
func (t *txn) cardholderVerification(ctx context.Context) error {
	noCVM := emv.CVMResults{Rule: emv.CVMRule{Method: emv.CVMNoCVMPerformed}}
	if !t.aip.Has(emv.AIPCardholderVerification) {
		// Book 3, 10.5: the AIP says the card does not support cardholder
		// verification: none is performed, CVM Results '3F0000'.
		t.cvm = noCVM
		return nil
	}
	raw, ok := t.icc[tagCVMList]
	list, err := emv.ParseCVMList(raw)
	if !ok || err != nil || len(list.Rules) == 0 {
		// Book 3, 10.5: no CVM List (or one without rules): "ICC data
		// missing", CVM Results '3F0000', and cardholder verification ends
		// without setting the TSI bit.
		t.tvr.Set(emv.TVRICCDataMissing)
		t.cvm = noCVM
		return nil
	}
	// Book 3, 10.5: "Cardholder verification was performed" is set once
	// the list has been processed, whatever the result.
	defer t.tsi.Set(emv.TSICardholderVerificationPerformed)
	anyCondition := false
	for _, rule := range list.Rules {
		if !t.conditionMet(rule, list) {
			continue
		}
		anyCondition = true
		var res emv.CVMResult
		var o cvmOutcome
		if !rule.Method.Known() {
			// Book 3, 10.5: an unrecognised CVM sets "Unrecognised CVM" and
			// counts as not successful.
			t.tvr.Set(emv.TVRUnrecognisedCVM)
			o = cvmFailed
		} else {
			o, res, err = t.performCVM(ctx, rule.Method)
			if err != nil {
				return err
			}
		}
		if o == cvmSucceeded {
			t.cvm = emv.CVMResults{Rule: rule, Result: res}
			return nil
		}
		t.cvm = emv.CVMResults{Rule: rule, Result: emv.CVMResultFailed}
		if rule.ApplyNext {
			continue // Book 3, 10.5: b7 set: apply the succeeding CV Rule
		}
		t.tvr.Set(emv.TVRCardholderVerificationNotSuccessful)
		return nil
	}
	// Book 3, 10.5: the end of the list without a successful CVM.
	t.tvr.Set(emv.TVRCardholderVerificationNotSuccessful)
	if !anyCondition {
		// Book 3, 10.5: no condition satisfied: CVM Results '3F0001'.
		t.cvm = emv.CVMResults{Rule: emv.CVMRule{Method: emv.CVMNoCVMPerformed}, Result: emv.CVMResultFailed}
	}
	return nil
}

// supports reports whether the terminal capabilities include method
// (Book 4, A2, Terminal Capabilities byte 2).
func (t *txn) supports(m emv.CVMethod) bool {
	c := t.k.cfg.Capabilities
	switch m {
	case emv.CVMPlaintextPINByICC:
		return c.Has(emv.TermCapPlaintextPINForICC)
	case emv.CVMPlaintextPINByICCAndSignature:
		return c.Has(emv.TermCapPlaintextPINForICC) && c.Has(emv.TermCapSignature)
	case emv.CVMEncipheredPINOnline:
		return c.Has(emv.TermCapEncipheredPINOnline)
	case emv.CVMEncipheredPINByICC:
		return c.Has(emv.TermCapEncipheredPINOffline)
	case emv.CVMEncipheredPINByICCAndSignature:
		return c.Has(emv.TermCapEncipheredPINOffline) && c.Has(emv.TermCapSignature)
	case emv.CVMSignature:
		return c.Has(emv.TermCapSignature)
	case emv.CVMNoCVMRequired:
		return c.Has(emv.TermCapNoCVMRequired)
	case emv.CVMFailCVMProcessing:
		return true
	}
	// TODO(issue 3): biometric CVMs (EMV 4.4, Table 43 '06'-'0F') are
	// recognised but not supported by this kernel.
	return false
}

// conditionMet evaluates a CVM Condition Code (Book 3, Annex C3, Table 44).
func (t *txn) conditionMet(r emv.CVMRule, l emv.CVMList) bool {
	attended := t.k.cfg.TerminalType.Attended()
	cash := t.in.Type == TypeCash
	cashback := t.in.Type == TypePurchaseCashback || t.in.Other > 0
	amountCond := func(limit uint32, under bool) bool {
		// Table 44 '06'-'09': only when the transaction is in the
		// application currency; otherwise the condition is not satisfied.
		ac, ok := t.icc[tagAppCurrency]
		if !ok || !bytes.Equal(ac, t.k.cfg.Currency[:]) {
			return false
		}
		if under {
			return t.in.Amount < uint64(limit)
		}
		return t.in.Amount > uint64(limit)
	}
	switch r.Condition {
	case emv.CVMAlways:
		return true
	case emv.CVMIfUnattendedCash:
		return !attended && cash
	case emv.CVMIfNotCashNorCashback:
		return !cash && !cashback
	case emv.CVMIfTerminalSupportsCVM:
		return t.supports(r.Method)
	case emv.CVMIfManualCash:
		return attended && cash
	case emv.CVMIfPurchaseWithCashback:
		return cashback
	case emv.CVMIfAppCurrencyUnderX:
		return amountCond(l.X, true)
	case emv.CVMIfAppCurrencyOverX:
		return amountCond(l.X, false)
	case emv.CVMIfAppCurrencyUnderY:
		return amountCond(l.Y, true)
	case emv.CVMIfAppCurrencyOverY:
		return amountCond(l.Y, false)
	}
	return false // RFU or payment-system conditions this kernel does not know
}

// performCVM performs one recognised CVM (Book 3, 10.5.1-10.5.5).
func (t *txn) performCVM(ctx context.Context, m emv.CVMethod) (cvmOutcome, emv.CVMResult, error) {
	if m == emv.CVMFailCVMProcessing {
		return cvmFailed, emv.CVMResultFailed, nil
	}
	if !t.supports(m) {
		c := t.k.cfg.Capabilities
		if isPIN(m) && !c.Has(emv.TermCapPlaintextPINForICC) && !c.Has(emv.TermCapEncipheredPINOnline) && !c.Has(emv.TermCapEncipheredPINOffline) {
			// Book 3, 10.5: a PIN CVM on a terminal without a PIN pad:
			// "PIN entry required and PIN pad not present or not working".
			t.tvr.Set(emv.TVRPINPadNotPresentOrNotWorking)
		}
		return cvmUnsupported, emv.CVMResultFailed, nil
	}
	switch m {
	case emv.CVMNoCVMRequired:
		// Book 4, A4: "No CVM required" is reported successful.
		return cvmSucceeded, emv.CVMResultSuccessful, nil
	case emv.CVMSignature:
		// Book 3, 10.5.4: the signature is checked on the receipt later:
		// result unknown.
		t.signature = true
		return cvmSucceeded, emv.CVMResultUnknown, nil
	case emv.CVMEncipheredPINOnline:
		return t.onlinePIN(ctx)
	}
	enciphered := m == emv.CVMEncipheredPINByICC || m == emv.CVMEncipheredPINByICCAndSignature
	o, err := t.offlinePIN(ctx, enciphered)
	if err != nil || o != cvmSucceeded {
		return o, emv.CVMResultFailed, err
	}
	if m == emv.CVMPlaintextPINByICCAndSignature || m == emv.CVMEncipheredPINByICCAndSignature {
		// Book 3, 10.5: a combination with signature ends "unknown".
		t.signature = true
		return cvmSucceeded, emv.CVMResultUnknown, nil
	}
	return cvmSucceeded, emv.CVMResultSuccessful, nil
}

// askPIN prompts the PIN pad; ok false means the CVM failed and the TVR says
// why (Book 3, 10.5.1 and 10.5.2; Book 4, 6.3.4.1 for bypass).
func (t *txn) askPIN(ctx context.Context, p PINPrompt) (pin string, ok bool) {
	if t.pinBypassed {
		// Book 4, 6.3.4.1: once PIN entry is bypassed, every later PIN CVM
		// of the transaction counts as bypassed too.
		t.tvr.Set(emv.TVRPINNotEntered)
		return "", false
	}
	if t.k.pinpad == nil {
		t.tvr.Set(emv.TVRPINPadNotPresentOrNotWorking)
		return "", false
	}
	p.Amount = t.in.Amount
	e, err := t.k.pinpad.EnterPIN(ctx, p)
	if err != nil {
		// ErrPINPadNotWorking or any pad failure.
		t.tvr.Set(emv.TVRPINPadNotPresentOrNotWorking)
		return "", false
	}
	if e.Bypass {
		t.tvr.Set(emv.TVRPINNotEntered)
		t.pinBypassed = true
		return "", false
	}
	return e.PIN, true
}

// onlinePIN captures a PIN for the issuer (Book 3, 10.5.2).
func (t *txn) onlinePIN(ctx context.Context) (cvmOutcome, emv.CVMResult, error) {
	pin, ok := t.askPIN(ctx, PINPrompt{Online: true, TriesLeft: -1})
	if !ok {
		return cvmFailed, emv.CVMResultFailed, nil
	}
	blk, err := cryptogram.ISOFormat2PINBlock(pin)
	if err != nil {
		t.tvr.Set(emv.TVRPINPadNotPresentOrNotWorking)
		return cvmFailed, emv.CVMResultFailed, nil
	}
	t.pinBlock = blk
	// Book 3, 10.5.2: "Online PIN entered"; the result is unknown to the
	// terminal (Book 4, A4).
	t.tvr.Set(emv.TVROnlinePINEntered)
	return cvmSucceeded, emv.CVMResultUnknown, nil
}

// offlinePIN verifies a PIN with the card, in plaintext or enciphered
// (Book 3, 10.5.1; Book 2, 7).
func (t *txn) offlinePIN(ctx context.Context, enciphered bool) (cvmOutcome, error) {
	tries := -1
	// Book 3, 10.5.1: the terminal may read the PIN Try Counter first; at
	// zero it sets "PIN Try Limit exceeded" and does not prompt.
	if cmd, err := emv.GetData(tagPINTryCounter); err == nil {
		r, err := t.transmit(ctx, cmd)
		if err != nil {
			return cvmFailed, err
		}
		if r.SW == emv.SWNoError {
			if objs, err := emv.Decode(r.Data); err == nil {
				if v, ok := emv.Find(objs, tagPINTryCounter); ok && len(v.Value) == 1 {
					tries = int(v.Value[0])
				}
			}
		}
	}
	if tries == 0 {
		t.tvr.Set(emv.TVRPINTryLimitExceeded)
		return cvmFailed, nil
	}
	var key oda.PublicKey
	if enciphered {
		k, err := t.pinKey()
		if err != nil {
			// Book 3, 10.5.1: no usable PIN encipherment key: the CVM
			// fails. TODO(issue 3): confirm whether a TVR bit is due.
			return cvmFailed, nil
		}
		key = k
	}
	for attempt := 0; attempt < 16; attempt++ {
		pin, ok := t.askPIN(ctx, PINPrompt{TriesLeft: tries})
		if !ok {
			return cvmFailed, nil
		}
		blk, err := oda.PINBlock(pin)
		if err != nil {
			t.tvr.Set(emv.TVRPINPadNotPresentOrNotWorking)
			return cvmFailed, nil
		}
		var cmd emv.Command
		if enciphered {
			r, err := t.transmit(ctx, emv.GetChallenge())
			if err != nil {
				return cvmFailed, err
			}
			if r.SW != emv.SWNoError || len(r.Data) != oda.ChallengeLen {
				return cvmFailed, nil // Book 3, 10.5.1: no challenge: CVM failed
			}
			data, err := oda.EncipherPIN(key, blk, r.Data, crand.Reader)
			if err != nil {
				return cvmFailed, nil
			}
			cmd = emv.Verify(emv.VerifyEncipheredPIN, data)
		} else {
			cmd = emv.Verify(emv.VerifyPlaintextPIN, blk)
		}
		r, err := t.transmit(ctx, cmd)
		if err != nil {
			return cvmFailed, err
		}
		sw := emv.StatusWord(r.SW)
		if sw.OK() {
			return cvmSucceeded, nil
		}
		if x, ok := sw.Counter(); ok {
			if x == 0 {
				// Book 3, 10.5.1: the last try failed.
				t.tvr.Set(emv.TVRPINTryLimitExceeded)
				return cvmFailed, nil
			}
			tries = x // wrong PIN, tries left: ask again (Book 4, 6.3.4.1)
			continue
		}
		if r.SW == emv.SWAuthMethodBlocked || r.SW == emv.SWReferencedDataInvalidated {
			t.tvr.Set(emv.TVRPINTryLimitExceeded)
			return cvmFailed, nil
		}
		return cvmFailed, nil
	}
	return cvmFailed, nil
}

// pinKey retrieves the ICC PIN encipherment key, else the ICC key (Book 2,
// 7.1).
func (t *txn) pinKey() (oda.PublicKey, error) {
	if t.issuerKey == nil {
		var rid [5]byte
		copy(rid[:], t.icc[tagDFName])
		idx := t.icc[tagCAIndex]
		if len(idx) != 1 {
			return oda.PublicKey{}, missing("8F")
		}
		ca, err := t.k.cfg.CAKeys.Lookup(rid, idx[0])
		if err != nil {
			return oda.PublicKey{}, err
		}
		ik, err := oda.RecoverIssuerKey(ca, t.icc[tagIssuerCert], t.icc[tagIssuerRemainder], t.icc[tagIssuerExponent],
			t.pan(), t.in.Date, oda.WithRevocations(t.k.cfg.Revocations))
		if err != nil {
			return oda.PublicKey{}, err
		}
		t.issuerKey = ik
	}
	if _, ok := t.icc[tagPINCert]; ok {
		k, err := oda.RecoverICCPINKey(t.issuerKey.Key, t.icc[tagPINCert], t.icc[tagPINRemainder], t.icc[tagPINExponent], t.pan(), t.in.Date)
		if err != nil {
			return oda.PublicKey{}, err
		}
		return k.Key, nil
	}
	if t.iccKey != nil {
		return t.iccKey.Key, nil
	}
	if _, ok := t.icc[tagICCCert]; !ok {
		return oda.PublicKey{}, errors.New("no PIN encipherment or ICC key")
	}
	k, err := oda.RecoverICCKey(t.issuerKey.Key, t.icc[tagICCCert], t.icc[tagICCRemainder], t.icc[tagICCExponent], t.staticData, t.pan(), t.in.Date)
	if err != nil {
		return oda.PublicKey{}, err
	}
	return k.Key, nil
}

func isPIN(m emv.CVMethod) bool {
	switch m {
	case emv.CVMPlaintextPINByICC, emv.CVMEncipheredPINOnline, emv.CVMPlaintextPINByICCAndSignature,
		emv.CVMEncipheredPINByICC, emv.CVMEncipheredPINByICCAndSignature:
		return true
	}
	return false
}
