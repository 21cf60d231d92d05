package terminal

import (
	"fmt"
	"strings"

	"github.com/paylab/paylab/harness/emv"
)

// Result is how a transaction ended.
type Result int

// Results (EMV Book 4, 6.3.8; Book 3, 10.8-10.11).
const (
	ApprovedOffline Result = iota + 1
	ApprovedOnline
	DeclinedOffline
	DeclinedOnline
	Terminated
)

func (r Result) String() string {
	switch r {
	case ApprovedOffline:
		return "approved offline"
	case ApprovedOnline:
		return "approved online"
	case DeclinedOffline:
		return "declined offline"
	case DeclinedOnline:
		return "declined online"
	case Terminated:
		return "terminated"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// Approved reports an approval, offline or online.
func (r Result) Approved() bool { return r == ApprovedOffline || r == ApprovedOnline }

// Outcome is the result of one transaction and the evidence around it.
type Outcome struct {
	Result Result
	// Reason says why a transaction was Terminated; Err is the cause when
	// there is one (an emv.ErrStatus, a decode error, ...).
	Reason string
	Err    error

	AID   []byte // the selected application's DF name
	Label string

	TVR        emv.TVR
	TSI        emv.TSI
	CVMResults emv.CVMResults
	ODA        ODAMethod
	// ODAErr is the failed check of offline data authentication (an
	// *oda.Error), nil when it passed or was not performed.
	ODAErr error

	FirstCID   emv.CID // CID of the first GENERATE AC
	CID        emv.CID // CID of the final GENERATE AC
	Cryptogram []byte  // the final application cryptogram
	ATC        []byte
	IAD        []byte
	ARC        []byte // 8A sent in the second GENERATE AC

	WentOnline        bool
	UnableToGoOnline  bool
	SignatureRequired bool
	// ScriptResults is the Issuer Script Results, five bytes per script.
	ScriptResults []byte

	// Data holds every data object of the transaction, card and terminal
	// sourced, as finally known. It holds the PAN: never print it whole.
	Data emv.TagValues
	// Transcript is every APDU exchange in order.
	Transcript []Exchange
}

func (t *txn) outcome() Outcome {
	o := Outcome{Result: t.result, AID: clone(t.icc[tagDFName]), Label: t.cand.Label,
		TVR: t.tvr, TSI: t.tsi, CVMResults: t.cvm, ODA: t.oda, ODAErr: t.odaErr,
		FirstCID: t.firstCID, CID: t.finalCID, Cryptogram: t.finalAC,
		ATC: t.icc[emv.TagATC], IAD: t.icc[emv.TagIAD], ARC: t.term[tagARC],
		WentOnline: t.wentOnline, UnableToGoOnline: t.unableOn, SignatureRequired: t.signature,
		ScriptResults: t.scriptRes, Transcript: t.transcript, Data: emv.TagValues{}}
	for k, v := range t.icc {
		o.Data[k] = v
	}
	for k, v := range t.term {
		o.Data[k] = v
	}
	o.Data[emv.TagTVR] = clone(t.tvr[:])
	o.Data[emv.TagTSI] = clone(t.tsi[:])
	c := t.cvm.Bytes()
	o.Data[tagCVMResults] = c[:]
	if t.scriptRes != nil {
		o.Data[tagScriptResults] = t.scriptRes
	}
	return o
}

// String summarises the outcome; the PAN appears masked only.
func (o Outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", o.Result)
	if o.Result == Terminated {
		fmt.Fprintf(&b, " (%s", o.Reason)
		if o.Err != nil {
			fmt.Fprintf(&b, ": %v", o.Err)
		}
		b.WriteString(")")
	}
	if len(o.AID) > 0 {
		fmt.Fprintf(&b, "; AID %X", o.AID)
	}
	if pan, ok := o.Data[emv.TagPAN]; ok {
		fmt.Fprintf(&b, "; PAN %s", emv.MaskValue(emv.TagPAN, pan))
	}
	fmt.Fprintf(&b, "; TVR %X [%s]; TSI %X [%s]; CVM %X; ODA %s", o.TVR[:], o.TVR, o.TSI[:], o.TSI, cvmBytes(o.CVMResults), o.ODA)
	if o.Cryptogram != nil {
		fmt.Fprintf(&b, "; %s %X", o.CID.Type(), o.Cryptogram)
	}
	if o.ScriptResults != nil {
		fmt.Fprintf(&b, "; scripts %X", o.ScriptResults)
	}
	return b.String()
}

func cvmBytes(r emv.CVMResults) []byte { b := r.Bytes(); return b[:] }
