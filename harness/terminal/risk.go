package terminal

import (
	"context"
	"encoding/binary"

	"github.com/paylab/paylab/harness/emv"
)

// terminalRiskManagement is EMV Book 3, 10.6: exception file, floor limit,
// random transaction selection and velocity checking. It runs when the AIP
// asks for it (Book 3, 10.6: AIP byte 1 b4).
func (t *txn) terminalRiskManagement(ctx context.Context) error {
	if t.in.ForceOnline {
		// Book 4, 6.3.5: the merchant forced the transaction online.
		t.tvr.Set(emv.TVRMerchantForcedOnline)
	}
	if !t.aip.Has(emv.AIPTerminalRiskManagement) {
		return nil
	}
	// Book 3, 10.6: "Terminal risk management was performed".
	t.tsi.Set(emv.TSITerminalRiskManagementPerformed)
	pan := t.pan()
	for _, p := range t.k.cfg.ExceptionFile {
		if p == pan {
			// Book 3, 10.6 (exception file, optional): "Card appears on
			// terminal exception file".
			t.tvr.Set(emv.TVRCardOnExceptionFile)
			break
		}
	}
	// Book 3, 10.6.1: amount at or above the floor limit. TODO(issue 3):
	// add the amount of the most recent logged transaction with the same
	// PAN (split sales) once the terminal keeps a transaction log.
	floor := t.app.FloorLimit
	if t.in.Amount >= floor {
		t.tvr.Set(emv.TVRFloorLimitExceeded)
	} else {
		t.randomSelection(floor)
	}
	return t.velocity(ctx)
}

// randomSelection is Book 3, 10.6.2: below the threshold the target
// percentage applies; between threshold and floor limit the percentage rises
// linearly towards the maximum target percentage. A random number 1-99 at or
// below the percentage selects the transaction for online processing.
func (t *txn) randomSelection(floor uint64) {
	a := t.app
	if a.TargetPercent == 0 && a.MaxTargetPercent == 0 {
		return
	}
	n := t.k.randomPercent()
	amt := t.in.Amount
	var pct float64
	if amt < a.Threshold || floor <= a.Threshold {
		pct = float64(a.TargetPercent)
	} else {
		// Transaction Target Percent = ((Max - Target) x (amount -
		// threshold) / (floor limit - threshold)) + Target.
		pct = float64(a.MaxTargetPercent-a.TargetPercent)*float64(amt-a.Threshold)/float64(floor-a.Threshold) + float64(a.TargetPercent)
	}
	if float64(n) <= pct {
		t.tvr.Set(emv.TVRRandomlySelectedOnline)
	}
}

// velocity is Book 3, 10.6.3: with both 9F14 and 9F23 on the card, read the
// ATC and the Last Online ATC Register with GET DATA.
func (t *txn) velocity(ctx context.Context) error {
	lower, lok := t.icc[tagLowerLimit]
	upper, uok := t.icc[tagUpperLimit]
	if !lok || !uok || len(lower) != 1 || len(upper) != 1 {
		return nil
	}
	atc, aok, err := t.getData2(ctx, emv.TagATC)
	if err != nil {
		return err
	}
	last, lok2, err := t.getData2(ctx, tagLastOnlineATC)
	if err != nil {
		return err
	}
	if !aok || !lok2 {
		// Book 3, 10.6.3: either value not returned: both limits count as
		// exceeded, and "New card" is not set.
		t.tvr.Set(emv.TVRLowerConsecutiveOfflineLimitExceeded, emv.TVRUpperConsecutiveOfflineLimitExceeded)
		return nil
	}
	diff := int(atc) - int(last)
	if diff > int(lower[0]) {
		t.tvr.Set(emv.TVRLowerConsecutiveOfflineLimitExceeded)
	}
	if diff > int(upper[0]) {
		t.tvr.Set(emv.TVRUpperConsecutiveOfflineLimitExceeded)
	}
	if last == 0 {
		// Book 3, 10.6.3: a Last Online ATC Register of zero: "New card".
		t.tvr.Set(emv.TVRNewCard)
	}
	return nil
}

// getData2 reads a 2-byte data object with GET DATA (Book 3, 6.5.7).
func (t *txn) getData2(ctx context.Context, tag emv.Tag) (uint16, bool, error) {
	cmd, err := emv.GetData(tag)
	if err != nil {
		return 0, false, nil
	}
	r, err := t.transmit(ctx, cmd)
	if err != nil {
		return 0, false, err
	}
	if r.SW != emv.SWNoError {
		return 0, false, nil
	}
	objs, err := emv.Decode(r.Data)
	if err != nil {
		return 0, false, nil
	}
	v, ok := emv.Find(objs, tag)
	if !ok || len(v.Value) != 2 {
		return 0, false, nil
	}
	t.icc[tag] = clone(v.Value)
	return binary.BigEndian.Uint16(v.Value), true, nil
}
