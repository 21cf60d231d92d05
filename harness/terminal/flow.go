package terminal

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/oda"
)

// txn is the state of one transaction.
type txn struct {
	k    *Kernel
	card device.Card
	in   Transaction

	app  Application
	cand Candidate

	term emv.TagValues // terminal-sourced data
	icc  emv.TagValues // card-sourced data

	tvr emv.TVR
	tsi emv.TSI
	cvm emv.CVMResults
	aip emv.AIP
	afl []byte

	staticData []byte
	odaStatic  bool // static data assembled without error (Book 3, 10.3)
	oda        ODAMethod
	issuerKey  *oda.IssuerKey
	iccKey     *oda.ICCKey
	cdaReady   bool // CDA selected and the ICC key recovered: request it
	odaErr     error

	pdolData  []byte
	cdol1Data []byte
	cdol2Data []byte

	pinBypassed bool
	pinBlock    []byte
	signature   bool

	firstCID   emv.CID
	finalCID   emv.CID
	finalAC    []byte
	wentOnline bool
	unableOn   bool
	issuer     *AuthResponse
	scriptRes  []byte

	result     Result
	transcript []Exchange
}

func newTxn(k *Kernel, card device.Card, tx Transaction) *txn {
	if tx.Date.IsZero() {
		tx.Date = time.Now()
	}
	t := &txn{k: k, card: card, in: tx, term: emv.TagValues{}, icc: emv.TagValues{}}
	t.cvm = emv.CVMResults{Rule: emv.CVMRule{Method: emv.CVMNoCVMPerformed}}
	return t
}

// run is the Book 3 flow.
func (t *txn) run(ctx context.Context) error {
	if err := t.selectAndInitiate(ctx); err != nil {
		return err
	}
	if err := t.readApplicationData(ctx); err != nil {
		return err
	}
	if err := t.offlineDataAuthentication(ctx); err != nil {
		return err
	}
	t.processingRestrictions()
	if err := t.cardholderVerification(ctx); err != nil {
		return err
	}
	if err := t.terminalRiskManagement(ctx); err != nil {
		return err
	}
	req := t.terminalActionAnalysis()
	return t.generateAndComplete(ctx, req)
}

// selectAndInitiate is application selection (Book 1, 12) and initiate
// application processing (Book 3, 10.1), looping back to selection when GPO
// answers 6985.
func (t *txn) selectAndInitiate(ctx context.Context) error {
	cs, err := t.buildCandidates(ctx)
	if err != nil {
		return err
	}
	for {
		c, err := t.chooseApplication(ctx, cs)
		if err != nil {
			return err
		}
		remove := func() {
			for i := range cs {
				if bytes.Equal(cs[i].DFName, c.DFName) {
					cs = append(cs[:i:i], cs[i+1:]...)
					return
				}
			}
		}
		t.icc = emv.TagValues{}
		ok, err := t.finalSelect(ctx, c)
		if err != nil {
			return err
		}
		if !ok {
			// Book 1, 12.4 step 5: a refused final SELECT removes the
			// application; selection resumes with the rest.
			remove()
			continue
		}
		t.cand = c
		t.app, _ = t.k.cfg.Application(c.TerminalAID)
		t.setTerminalData()
		ok, err = t.initiate(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		// Book 3, 10.1: GPO 6985, conditions of use not satisfied: remove
		// the application and return to selection.
		remove()
	}
}

// setTerminalData fills the terminal-sourced data elements of the
// transaction (Book 3, Annex A; Book 4, 6.5). TVR and TSI start at zero
// (Book 3, 10.1).
func (t *txn) setTerminalData() {
	c := t.k.cfg
	t.tvr, t.tsi = emv.TVR{}, emv.TSI{}
	t.cvm = emv.CVMResults{Rule: emv.CVMRule{Method: emv.CVMNoCVMPerformed}}
	tv := emv.TagValues{}
	tv[emv.TagAmount] = bcdAmount(t.in.Amount)
	tv[emv.TagAmountOther] = bcdAmount(t.in.Other)
	var bin [4]byte
	binary.BigEndian.PutUint32(bin[:], uint32(t.in.Amount))
	tv[tagAmountBinary] = clone(bin[:])
	binary.BigEndian.PutUint32(bin[:], uint32(t.in.Other))
	tv[tagAmountOtherBin] = clone(bin[:])
	tv[emv.TagCountryCode] = clone(c.Country[:])
	tv[emv.TagCurrencyCode] = clone(c.Currency[:])
	tv[tagCurrencyExp] = []byte{c.CurrencyExponent}
	tv[emv.TagTxnDate] = bcdDate(t.in.Date)
	tv[tagTxnTime] = bcdTime(t.in.Date)
	tv[emv.TagTxnType] = []byte{t.in.Type}
	tv[tagTermCaps] = clone(c.Capabilities[:])
	tv[tagAddTermCaps] = clone(c.AddCapabilities[:])
	tv[tagTermType] = []byte{byte(c.TerminalType)}
	tv[tagTermAID] = clone(t.app.AID)
	tv[tagAppVersionTerm] = clone(t.app.Version[:])
	binary.BigEndian.PutUint32(bin[:], uint32(min(t.app.FloorLimit, 0xFFFFFFFF)))
	tv[tagFloorLimit] = clone(bin[:])
	tv[tagMerchantCat] = clone(c.MerchantCategory[:])
	tv[tagMerchantID] = []byte(c.MerchantID)
	tv[tagTerminalID] = []byte(c.TerminalID)
	tv[tagMerchantName] = []byte(c.MerchantName)
	tv[tagIFDSerial] = []byte(c.IFDSerial)
	if c.AcquirerID != nil {
		tv[tagAcquirerID] = clone(c.AcquirerID)
	}
	tv[tagTxnSeq] = bcdN(uint64(t.in.Sequence), 4)
	tv[emv.TagUN] = t.k.unpredictable()
	t.term = tv
}

// lookup serves DOLs: the TVR, TSI and CVM Results as they stand, then
// terminal data, then card data.
func (t *txn) lookup(tag emv.Tag) ([]byte, bool) {
	switch tag {
	case emv.TagTVR:
		return clone(t.tvr[:]), true
	case emv.TagTSI:
		return clone(t.tsi[:]), true
	case tagCVMResults:
		b := t.cvm.Bytes()
		return b[:], true
	}
	if v, ok := t.term[tag]; ok {
		return v, true
	}
	v, ok := t.icc[tag]
	return v, ok
}

// initiate sends GET PROCESSING OPTIONS (Book 3, 10.1). ok is false for
// 6985 (the application is to be removed).
func (t *txn) initiate(ctx context.Context) (ok bool, err error) {
	t.pdolData = nil
	if pdol, has := t.icc[tagPDOL]; has {
		d, err := emv.ParseDOL(pdol)
		if err != nil {
			return false, terminate("PDOL malformed", err)
		}
		t.pdolData = emv.BuildDOL(d, t.lookup)
	}
	r, err := t.transmit(ctx, emv.GetProcessingOptions(t.pdolData))
	if err != nil {
		return false, err
	}
	if r.SW == emv.SWConditionsNotSatisfied {
		return false, nil
	}
	if r.SW != emv.SWNoError {
		return false, terminate("GET PROCESSING OPTIONS refused", emv.ErrStatus{SW: r.SW})
	}
	objs, err := emv.Decode(r.Data)
	if err != nil || len(objs) != 1 {
		return false, terminate("GET PROCESSING OPTIONS response malformed", err)
	}
	var aip, afl []byte
	switch objs[0].Tag {
	case tagRMT1:
		// Book 3, 6.5.8.4 format 1: AIP (2) then AFL.
		v := objs[0].Value
		if len(v) < 2 {
			return false, terminate("GET PROCESSING OPTIONS response malformed", nil)
		}
		aip, afl = v[:2], v[2:]
	case tagRMT2:
		a, aok := emv.Find(objs[0].Children, emv.TagAIP)
		f, fok := emv.Find(objs[0].Children, emv.TagAFL)
		if !aok || !fok {
			// Book 3, 10.1: AIP and AFL are mandatory in the response.
			return false, terminate("GET PROCESSING OPTIONS response without AIP or AFL", nil)
		}
		aip, afl = a.Value, f.Value
		for _, o := range objs[0].Children {
			if o.Tag != emv.TagAIP && o.Tag != emv.TagAFL {
				t.icc[o.Tag] = clone(o.Value)
			}
		}
	default:
		return false, terminate("GET PROCESSING OPTIONS response template unknown", nil)
	}
	if len(aip) != 2 {
		return false, terminate("AIP length", nil)
	}
	// Book 3, 10.2: the AFL is a multiple of four bytes; an empty one is
	// accepted here and leaves mandatory data missing.
	if len(afl)%4 != 0 {
		return false, terminate("AFL length not a multiple of 4", nil)
	}
	copy(t.aip[:], aip)
	t.afl = clone(afl)
	t.icc[emv.TagAIP] = clone(aip)
	t.icc[emv.TagAFL] = clone(afl)
	return true, nil
}

// readApplicationData reads the records the AFL names (Book 3, 10.2) and
// assembles the static data to be authenticated (Book 3, 10.3).
func (t *txn) readApplicationData(ctx context.Context) error {
	seen := map[emv.Tag]bool{}
	t.odaStatic = true
	for i := 0; i+4 <= len(t.afl); i += 4 {
		e := t.afl[i : i+4]
		sfi, first, last, nODA := e[0]>>3, e[1], e[2], e[3]
		// Book 3, 10.2: SFI 1-30, first record not 0, last >= first, and
		// the ODA count no more than the records named.
		if e[0]&7 != 0 || sfi < 1 || sfi > 30 || first == 0 || last < first || int(nODA) > int(last-first)+1 {
			return terminate("AFL entry invalid", nil)
		}
		for rec := first; ; rec++ {
			cmd, err := emv.ReadRecord(sfi, rec)
			if err != nil {
				return terminate("AFL entry invalid", err)
			}
			r, err := t.transmit(ctx, cmd)
			if err != nil {
				return err
			}
			if r.SW != emv.SWNoError {
				// Book 3, 10.2: an error reading a record the AFL names
				// terminates the transaction.
				return terminate("READ RECORD failed", emv.ErrStatus{SW: r.SW})
			}
			objs, err := emv.Decode(r.Data)
			isRecord := err == nil && len(objs) == 1 && objs[0].Tag == tagRecord
			if sfi <= 10 && !isRecord {
				// Book 3, 10.2: records of SFI 1-10 are template 70; one
				// that does not parse terminates the transaction.
				return terminate("record not a template 70", err)
			}
			if int(rec-first) < int(nODA) {
				switch {
				case sfi <= 10:
					// Book 3, 10.3: SFI 1-10: the record without tag and length.
					t.staticData = append(t.staticData, objs[0].Value...)
				case isRecord:
					// SFI 11-30: the whole record, tag and length included.
					t.staticData = append(t.staticData, r.Data...)
				default:
					// Book 3, 10.3: an ODA record that is not a template 70:
					// ODA performed and failed.
					t.odaStatic = false
				}
			}
			if isRecord {
				for _, o := range objs[0].Children {
					if seen[o.Tag] && !o.Tag.Constructed() {
						// Book 3, 10.2: a redundant primitive data
						// object terminates the transaction.
						return terminate(fmt.Sprintf("data object %s read twice", o.Tag), nil)
					}
					seen[o.Tag] = true
					// The AIP and AFL are the ones GET PROCESSING OPTIONS
					// returned; a record does not replace them.
					if o.Tag != emv.TagAIP && o.Tag != emv.TagAFL {
						t.icc[o.Tag] = clone(o.Value)
					}
				}
			}
			if rec == last {
				break
			}
		}
	}
	// Book 3, 10.2 (Table 28 in 4.3): Application Expiration Date, PAN,
	// CDOL1 and CDOL2 are mandatory.
	for _, tag := range []emv.Tag{tagExpiry, emv.TagPAN, tagCDOL1, tagCDOL2} {
		if v, ok := t.icc[tag]; !ok || len(v) == 0 {
			return terminate(fmt.Sprintf("mandatory data object %s missing", tag), nil)
		}
	}
	if _, err := oda.PANDigits(t.icc[emv.TagPAN]); err != nil {
		return terminate("PAN malformed", nil)
	}
	// Book 3, 10.3: the SDA Tag List may name only the AIP, which is then
	// appended to the static data; anything else fails ODA.
	if l, ok := t.icc[tagSDATagList]; ok {
		if bytes.Equal(l, []byte{0x82}) {
			t.staticData = append(t.staticData, t.aip[:]...)
		} else {
			t.odaStatic = false
		}
	}
	return nil
}

func (t *txn) pan() string {
	p, _ := oda.PANDigits(t.icc[emv.TagPAN])
	return p
}

func bcdN(v uint64, n int) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	return b
}

func bcdAmount(v uint64) []byte { return bcdN(v, 6) }

func bcdDate(d time.Time) []byte {
	return []byte{bcd2(d.Year() % 100), bcd2(int(d.Month())), bcd2(d.Day())}
}

func bcdTime(d time.Time) []byte {
	return []byte{bcd2(d.Hour()), bcd2(d.Minute()), bcd2(d.Second())}
}

func bcd2(v int) byte { return byte(v/10)<<4 | byte(v%10) }

// bcdValue decodes n BCD; ok is false on a non-digit nibble.
func bcdValue(b []byte) (uint64, bool) {
	var v uint64
	for _, x := range b {
		hi, lo := x>>4, x&0x0F
		if hi > 9 || lo > 9 {
			return 0, false
		}
		v = v*100 + uint64(hi)*10 + uint64(lo)
	}
	return v, true
}

// bcdDateValue reads YYMMDD as a comparable number YYYYMMDD (Book 4, date
// management: YY 00-49 is 20YY, 50-99 is 19YY).
func bcdDateValue(b []byte) (int, bool) {
	if len(b) != 3 {
		return 0, false
	}
	v, ok := bcdValue(b)
	if !ok {
		return 0, false
	}
	yy, mm, dd := int(v/10000), int(v/100%100), int(v%100)
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return 0, false
	}
	year := 2000 + yy
	if yy >= 50 {
		year = 1900 + yy
	}
	return year*10000 + mm*100 + dd, true
}
