package terminal

import (
	"context"
	"errors"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

// ODAMethod is the offline data authentication method performed.
type ODAMethod int

// ODA methods (EMV Book 3, 10.3).
const (
	ODANone ODAMethod = iota
	ODASDA
	ODADDA
	ODACDA
)

func (m ODAMethod) String() string {
	return [...]string{"none", "SDA", "DDA", "CDA"}[m]
}

// offlineDataAuthentication picks CDA, then DDA, then SDA, as both the AIP
// and the terminal capabilities allow (EMV Book 3, 10.3), and performs it.
// CDA's signature is checked later, at GENERATE AC.
func (t *txn) offlineDataAuthentication(ctx context.Context) error {
	caps := t.k.cfg.Capabilities
	switch {
	case t.aip.Has(emv.AIPCDASupported) && caps.Has(emv.TermCapCDA):
		t.oda = ODACDA
	case t.aip.Has(emv.AIPDDASupported) && caps.Has(emv.TermCapDDA):
		t.oda = ODADDA
	case t.aip.Has(emv.AIPSDASupported) && caps.Has(emv.TermCapSDA):
		t.oda = ODASDA
	default:
		// Book 3, 10.3: no method in common: "Offline data authentication
		// was not performed"; the TSI bit stays clear.
		t.tvr.Set(emv.TVROfflineDataAuthNotPerformed)
		return nil
	}
	// Book 3, 10.3: the TSI bit is set whichever way ODA ends.
	t.tsi.Set(emv.TSIOfflineDataAuthPerformed)
	failBit := map[ODAMethod]emv.TVRBit{ODASDA: emv.TVRSDAFailed, ODADDA: emv.TVRDDAFailed, ODACDA: emv.TVRCDAFailed}[t.oda]
	if t.oda == ODASDA {
		// Book 3, 10.3 (EMV 4.3 onwards): "SDA selected".
		t.tvr.Set(emv.TVRSDASelected)
	}
	err := t.recoverKeys()
	if err == nil && t.oda == ODADDA {
		err = t.dda(ctx)
	}
	if err != nil {
		var term *terminated
		if errors.As(err, &term) {
			return err
		}
		// Book 3, 10.3: data missing sets "ICC data missing" too.
		if oda.CheckOf(err) == oda.CheckMissing {
			t.tvr.Set(emv.TVRICCDataMissing)
		}
		t.tvr.Set(failBit)
		t.odaErr = err
		return nil
	}
	if t.oda == ODACDA {
		t.cdaReady = true
	}
	return nil
}

func missing(what string) error {
	return &oda.Error{Check: oda.CheckMissing, Detail: what + " missing"}
}

// recoverKeys recovers the issuer key and either checks the SSAD (SDA) or
// recovers the ICC key (DDA, CDA) (Book 2, 5.3, 5.4, 6.4).
func (t *txn) recoverKeys() error {
	if !t.odaStatic {
		return &oda.Error{Check: oda.CheckFormat, Detail: "static data to be authenticated malformed (Book 3, 10.3)"}
	}
	need := []emv.Tag{tagCAIndex, tagIssuerCert, tagIssuerExponent}
	if t.oda == ODASDA {
		need = append(need, tagSSAD)
	} else {
		need = append(need, tagICCCert, tagICCExponent)
	}
	for _, tag := range need {
		if v, ok := t.icc[tag]; !ok || len(v) == 0 {
			return missing(tag.String())
		}
	}
	if len(t.icc[tagCAIndex]) != 1 {
		return missing("8F")
	}
	var rid [5]byte
	copy(rid[:], t.icc[tagDFName])
	ca, err := t.k.cfg.CAKeys.Lookup(rid, t.icc[tagCAIndex][0])
	if err != nil {
		return err
	}
	today := t.in.Date
	ik, err := oda.RecoverIssuerKey(ca, t.icc[tagIssuerCert], t.icc[tagIssuerRemainder], t.icc[tagIssuerExponent],
		t.pan(), today, oda.WithRevocations(t.k.cfg.Revocations))
	if err != nil {
		return err
	}
	t.issuerKey = ik
	if t.oda == ODASDA {
		dac, err := oda.VerifySSAD(ik.Key, t.icc[tagSSAD], t.staticData)
		if err != nil {
			return err
		}
		t.icc[tagDAC] = clone(dac[:])
		return nil
	}
	ick, err := oda.RecoverICCKey(ik.Key, t.icc[tagICCCert], t.icc[tagICCRemainder], t.icc[tagICCExponent],
		t.staticData, t.pan(), today)
	if err != nil {
		return err
	}
	t.iccKey = ick
	return nil
}

// dda runs INTERNAL AUTHENTICATE with the DDOL and checks the signature
// (Book 2, 6.5; Book 3, 10.3).
func (t *txn) dda(ctx context.Context) error {
	raw, ok := t.icc[tagDDOL]
	if !ok {
		if t.app.DefaultDDOL == nil {
			// Book 2, 6.5.1: no DDOL and no default DDOL: DDA failed (the
			// card's data is not missing: the DDOL is optional).
			return &oda.Error{Check: oda.CheckFormat, Detail: "no DDOL and no default DDOL"}
		}
		raw = t.app.DefaultDDOL.Encode()
	}
	ddol, err := emv.ParseDOL(raw)
	if err != nil {
		return &oda.Error{Check: oda.CheckFormat, Detail: "DDOL malformed", Err: err}
	}
	if !ddol.Has(emv.TagUN) {
		// Book 2, 6.5.1: the DDOL must ask for the unpredictable number.
		return &oda.Error{Check: oda.CheckFormat, Detail: "DDOL without 9F37"}
	}
	data := emv.BuildDOL(ddol, t.lookup)
	r, err := t.transmit(ctx, emv.InternalAuthenticate(data))
	if err != nil {
		return err
	}
	if r.SW != emv.SWNoError {
		return &oda.Error{Step: oda.StepSDAD, Check: oda.CheckDynamicData, Detail: "INTERNAL AUTHENTICATE refused"}
	}
	sdad, err := responseSDAD(r.Data)
	if err != nil {
		return err
	}
	dd, err := oda.VerifySDAD(t.iccKey.Key, sdad, data)
	if err != nil {
		return err
	}
	t.icc[tagICCDynNumber] = clone(dd.DynamicNumber)
	return nil
}

// responseSDAD takes the SDAD from format 1 (80) or format 2 (77 with 9F4B)
// (Book 3, 6.5.9.4).
func responseSDAD(b []byte) ([]byte, error) {
	objs, err := emv.Decode(b)
	if err != nil || len(objs) != 1 {
		return nil, &oda.Error{Step: oda.StepSDAD, Check: oda.CheckDynamicData, Detail: "INTERNAL AUTHENTICATE response malformed"}
	}
	switch objs[0].Tag {
	case tagRMT1:
		return objs[0].Value, nil
	case tagRMT2:
		if s, ok := emv.Find(objs[0].Children, tagSDAD); ok {
			return s.Value, nil
		}
	}
	return nil, &oda.Error{Step: oda.StepSDAD, Check: oda.CheckDynamicData, Detail: "SDAD missing"}
}
