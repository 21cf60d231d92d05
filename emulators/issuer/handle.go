package issuer

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// origKey finds an original by DE 90 (original STAN and DE 7) and DE 41.
type origKey struct {
	stan [6]byte
	de7  [10]byte
	tid  [8]byte
}

func makeOrigKey(stan, de7, tid []byte) origKey {
	var k origKey
	copy(k.stan[:], stan)
	copy(k.de7[:], de7)
	copy(k.tid[:], tid)
	return k
}

type txn struct {
	seq       int
	rrn       string
	mti       iso8583.MTI
	kind      Kind
	pan       string
	acct      *account
	scheme    string
	amount    int64
	rc        string
	auth      [6]byte
	de55      []byte
	de54      string
	arqc      ARQCCheck
	reversed  bool
	completed bool // a hold that a completion consumed
	refunded  int64
	orig      *txn
	day       int32
	at        time.Time
	okey      origKey
	hasOkey   bool
}

func (t *txn) approved() bool { return t.rc == Approved }

func (t *txn) snapshot() Transaction {
	s := Transaction{Seq: t.seq, RRN: t.rrn, MTI: t.mti.String(), Kind: t.kind, PAN: t.pan, Scheme: t.scheme,
		Amount: t.amount, RC: t.rc, ARQC: t.arqc, Reversed: t.reversed, Refunded: t.refunded, At: t.at}
	if t.approved() && t.auth[0] != 0 {
		s.AuthCode = string(t.auth[:])
	}
	if t.orig != nil {
		s.Orig = t.orig.rrn
	}
	return s
}

// Handle answers one packed request with one packed response, applying the
// faults in force: Delay sleeps, NoResponse and Drop return ErrNoResponse,
// Malformed returns bytes that are not ISO 8583. A request whose MTI does
// not read, or a response MTI, gets an error (nothing to answer); one whose
// MTI reads but whose fields do not gets DE 39 30 (format error).
func (is *Issuer) Handle(req []byte) ([]byte, error) {
	out, f, err := is.handle(req)
	if err != nil {
		return nil, err
	}
	if f.Drop || f.NoResponse {
		return nil, ErrNoResponse
	}
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	return out, nil
}

var malformed = []byte("\xffnot iso 8583")

// handle processes req and returns the answer and the fault that applies
// (the answer already malformed when the fault says so). Under Drop the
// request is not processed.
func (is *Issuer) handle(req []byte) ([]byte, Fault, error) {
	m := is.pool.Get().(*iso8583.Message)
	defer is.pool.Put(m)
	uerr := m.Unpack(req)
	var f Fault
	if is.faults.n.Load() != 0 {
		var mti [4]byte
		pan, _ := m.GetBytes(2)
		f = is.faults.match(fmt.Appendf(mti[:0], "%04d", int(m.MTI)), pan)
		if f.Drop {
			return nil, f, nil
		}
	}
	out, err := is.respond(m, uerr, f)
	if err != nil {
		return nil, f, err
	}
	if f.Malformed {
		out = malformed
	}
	return out, f, nil
}

// echoed are the fields a response copies from its request (ISO 8583:1987,
// 4.4: the response repeats the request's identifying data elements).
var echoed = [...]int{2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 70}

func (is *Issuer) respond(m *iso8583.Message, uerr error, f Fault) ([]byte, error) {
	var me *iso8583.MTIError
	if uerr != nil && errors.As(uerr, &me) {
		return nil, fmt.Errorf("unpack request: %w", uerr)
	}
	rmti, err := m.MTI.Response()
	if err != nil {
		return nil, fmt.Errorf("answer request %s: %w", m.MTI, err)
	}
	resp := is.pool.Get().(*iso8583.Message)
	defer is.pool.Put(resp)
	resp.Reset()
	resp.MTI = rmti
	for _, n := range echoed {
		if v, ok := m.GetBytes(n); ok {
			if err := resp.SetBytes(n, v); err != nil {
				return nil, fmt.Errorf("copy field %d: %w", n, err)
			}
		}
	}
	rc := FormatError // a field did not unpack
	if f.RC != "" {
		rc = f.RC
	} else if uerr == nil {
		switch m.MTI.Class() {
		case iso8583.Class(8): // network management: echo, sign-on
			rc = Approved
		case iso8583.Class(1), iso8583.Class(2):
			rc = is.financial(m, resp, f.WrongARPC)
		case iso8583.Class(4):
			rc = is.reverse(m)
		default:
			rc = InvalidTxn
		}
	}
	if err := resp.SetString(39, rc); err != nil {
		return nil, fmt.Errorf("set response code: %w", err)
	}
	out, err := resp.Pack()
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", rmti, err)
	}
	return out, nil
}

// panFromICC reads the PAN from DE 55 tag 5A (cn: BCD digits, F padding).
func panFromICC(m *iso8583.Message) []byte {
	objs, err := m.GetTLV(55)
	if err != nil {
		return nil
	}
	o, ok := emv.Find(objs, emv.TagPAN)
	if !ok {
		return nil
	}
	var pan []byte
	for _, b := range o.Value {
		for _, nib := range [2]byte{b >> 4, b & 0x0F} {
			switch {
			case nib <= 9:
				pan = append(pan, '0'+nib)
			case nib != 0xF:
				return nil
			}
		}
	}
	if len(pan) < 12 || len(pan) > 19 {
		return nil
	}
	return pan
}

// txPool recycles the tag → value maps of DE 55.
var txPool = sync.Pool{New: func() any { return make(map[emv.Tag][]byte, 32) }}

// amountOf reads DE 4 (n12).
func amountOf(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// origRRN reads "orig=<RRN>" from DE 62 (key=value pairs separated by ';').
func origRRN(m *iso8583.Message) []byte {
	v, ok := m.GetBytes(62)
	if !ok {
		return nil
	}
	for len(v) > 0 {
		var kv []byte
		kv, v, _ = bytes.Cut(v, []byte{';'})
		if r, ok := bytes.CutPrefix(bytes.TrimSpace(kv), []byte("orig=")); ok {
			return r
		}
	}
	return nil
}

// psnOf is the PAN sequence number: DE 55 5F34 (n2 in one byte), else
// DE 23 (n3), else 00 (EMV Book 2, A1.4: absent PSN is 00).
func psnOf(m *iso8583.Message, tx map[emv.Tag][]byte) string {
	if v, ok := tx[emv.TagPANSeq]; ok && len(v) == 1 && v[0]>>4 <= 9 && v[0]&0x0F <= 9 {
		return psnStrings[int(v[0]>>4)*10+int(v[0]&0x0F)]
	}
	if v, ok := m.GetBytes(23); ok && len(v) == 3 && isDigits(string(v)) {
		return psnStrings[int(v[1]-'0')*10+int(v[2]-'0')]
	}
	return "00"
}

// isARQC reports whether DE 55 carries an ARQC: 9F26 with a 9F27 whose
// bits 8-7 are 10 (EMV Book 3, Annex A: 9F27), or without 9F27.
func isARQC(tx map[emv.Tag][]byte) bool {
	if _, ok := tx[emv.TagCryptogram]; !ok {
		return false
	}
	cid, ok := tx[emv.TagCID]
	return !ok || (len(cid) == 1 && cid[0]&0xC0 == 0x80)
}

// financial decides an authorisation (01xx), financial (02xx) or advice
// (0x20) request. Order of checks: account (14), ARQC (05, EMV Book 2,
// 8.1), online PIN (55), status (57, 54), limits (61), funds (51). An
// advice is offline approved by the card: only the account must exist.
func (is *Issuer) financial(m, resp *iso8583.Message, wrongARPC bool) string {
	fn := m.MTI.Function()
	if fn != iso8583.FunctionRequest && fn != iso8583.FunctionAdvice {
		return InvalidTxn
	}
	advice := fn == iso8583.FunctionAdvice
	proc, ok := m.GetBytes(3)
	if !ok || len(proc) != 6 {
		return FormatError
	}
	panB, ok := m.GetBytes(2)
	if !ok {
		// No DE 2: the PAN of DE 55 tag 5A (cn, F-padded), if any.
		if panB = panFromICC(m); panB == nil {
			return FormatError
		}
	}
	tt := string(proc[:2]) // constant strings: no allocation
	var kind Kind
	switch {
	case tt == "00" && m.MTI.Class() == 1:
		kind = KindHold
	case tt == "00" && advice:
		kind = KindAdvice
	case tt == "00":
		kind = KindPurchase
	case tt == "20" && m.MTI.Class() == 2:
		kind = KindRefund
	case tt == "02" && m.MTI.Class() == 2 && !advice:
		kind = KindVoid
	case tt == "31" && !advice:
		kind = KindBalance
	default:
		return InvalidTxn
	}
	amount, ok := amountOf(get(m, 4))
	if !ok && kind != KindBalance {
		return FormatError
	}
	pan := string(panB)

	// The ARQC is checked before the ledger lock: it is the costly part.
	var (
		tx   map[emv.Tag][]byte
		key  *cardKey
		sk   []byte
		chk  ARQCCheck
		cust []emv.TLV // a custom Verifier's answer
		crc  string
	)
	if m.Has(55) {
		objs, err := m.GetTLV(55)
		if err != nil {
			return FormatError
		}
		tx = txPool.Get().(map[emv.Tag][]byte)
		defer func() { clear(tx); txPool.Put(tx) }()
		for _, o := range objs { // DE 55 is flat (host contract); the first of a tag counts
			if _, dup := tx[o.Tag]; !dup {
				tx[o.Tag] = o.Value
			}
		}
		if !advice && isARQC(tx) {
			if is.verify != nil {
				var verr error
				crc, cust, verr = is.verify(pan, objs)
				chk.Result = ARQCVerified
				if verr != nil || crc == DoNotHonour {
					chk.Result, chk.Reason = ARQCFailed, "custom verifier"
					if verr != nil {
						chk.Reason = verr.Error()
					}
				}
			} else {
				var err error
				if key, err = is.keys.lookup(pan, psnOf(m, tx)); err == nil {
					chk.Profile, chk.CVN = key.Profile, key.CVN
					sk, err = key.verifyARQC(tx)
				}
				chk.Result = ARQCVerified
				switch {
				case errors.Is(err, errKeysUnknown):
					chk.Result, chk.Reason = ARQCNotChecked, err.Error()
				case err != nil:
					chk.Result, chk.Reason = ARQCFailed, err.Error()
				}
			}
		}
	}
	var rrnKey string
	if rrn, ok := m.GetBytes(37); ok {
		rrnKey = string(rrn)
	} else {
		rrnKey = "~" + string(get(m, 41)) + string(get(m, 11)) + string(get(m, 7))
	}
	now := is.now()
	day := int32(now.Unix() / 86400)

	is.mu.Lock()
	if t := is.txns[rrnKey]; t != nil {
		// A repeat of a transaction already seen (same RRN): the first
		// answer again, nothing moves.
		is.mu.Unlock()
		return answer(resp, t)
	}
	is.authSeq++
	t := &txn{seq: int(is.authSeq), rrn: rrnKey, mti: m.MTI, kind: kind, pan: pan, amount: amount, day: day, at: now}
	a := is.accounts[pan]
	t.acct = a
	if a != nil {
		t.scheme = a.scheme
	} else {
		t.scheme = is.schemeOf(pan)
	}
	chk.RRN = rrnKey
	t.arqc = chk
	var origRef []byte
	if kind == KindPurchase || kind == KindAdvice || kind == KindRefund || kind == KindVoid {
		origRef = origRRN(m)
	}
	if origRef != nil {
		t.orig = is.txns[string(origRef)]
	}
	t.rc = is.decide(m, t, a, advice, origRef != nil, chk, crc)
	if t.approved() {
		is.apply(t)
		n := is.authSeq
		for i := 5; i >= 0; i-- {
			t.auth[i] = '0' + byte(n%10)
			n /= 10
		}
		if kind == KindBalance && a != nil {
			t.de54 = balanceField(is.currency, a.Balance-a.held)
		}
	}
	// DE 55: issuer authentication data and scripts (EMV Book 3, 10.9, 10.10).
	switch {
	case cust != nil:
		t.de55 = emv.Encode(cust...)
	case key != nil:
		iad, err := key.issuerAuthData(tx, sk, t.rc, wrongARPC)
		if err == nil {
			objs := []emv.TLV{{Tag: 0x91, Value: iad}}
			if chk.Result == ARQCVerified {
				var rules []*ScriptRule
				for i := range is.scripts {
					if is.scripts[i].matches(pan, amount) {
						rules = append(rules, &is.scripts[i])
					}
				}
				if rules != nil {
					if s, err := key.scripts(tx, rules); err == nil {
						objs = append(objs, s...)
					}
				}
			}
			t.de55 = emv.Encode(objs...)
		}
	}
	is.txns[rrnKey] = t
	if stan, ok := m.GetBytes(11); ok {
		t.okey, t.hasOkey = makeOrigKey(stan, get(m, 7), get(m, 41)), true
		is.byOrig[t.okey] = t
	}
	is.order = append(is.order, t)
	if is.maxTxns > 0 && len(is.order) > is.maxTxns {
		is.evict(is.order[0])
		is.order[0] = nil
		is.order = is.order[1:]
	}
	is.mu.Unlock()
	return answer(resp, t)
}

// answer sets the decision's fields in the response.
func answer(resp *iso8583.Message, t *txn) string {
	if t.approved() && t.kind != KindBalance {
		resp.SetBytes(38, t.auth[:])
	}
	if t.de54 != "" {
		resp.SetString(54, t.de54)
	}
	if t.de55 != nil {
		resp.SetBytes(55, t.de55)
	}
	return t.rc
}

// balanceField is DE 54 (ISO 8583:1987 additional amounts): account type
// 00, amount type 02 (available balance), currency, C or D, amount n12.
func balanceField(currency string, avail int64) string {
	sign := byte('C')
	if avail < 0 {
		sign, avail = 'D', -avail
	}
	b := make([]byte, 0, 20)
	b = append(append(append(b, "0002"...), currency...), sign)
	return string(fmt.Appendf(b, "%012d", avail))
}

// decide returns the response code; it runs under is.mu.
func (is *Issuer) decide(m *iso8583.Message, t *txn, a *account, advice, linked bool, chk ARQCCheck, crc string) string {
	if a == nil {
		return InvalidCard
	}
	if advice {
		if o := t.orig; t.kind == KindAdvice && o != nil && o.kind == KindHold && o.pan == t.pan && o.approved() && !o.reversed && !o.completed {
			t.kind = KindCompletion // completes the hold (releases it, debits)
		}
		return Approved // offline approved by the card (EMV Book 3, 10.8)
	}
	if chk.Result == ARQCFailed {
		return DoNotHonour
	}
	if crc != "" && crc != Approved {
		return crc
	}
	if pb, ok := m.GetBytes(52); ok && a.PIN != "" {
		if checkPIN(is.pinKey, t.pan, pb, a.PIN) != nil {
			return IncorrectPIN
		}
	}
	switch a.Status {
	case Blocked, Lost, Stolen:
		return NotPermitted
	case Expired:
		return ExpiredCard
	}
	if a.Expiry != "" && expired(a.Expiry, t.at) {
		return ExpiredCard
	}
	switch t.kind {
	case KindBalance:
		return Approved
	case KindRefund:
		o := t.orig
		if !linked || o == nil || o.pan != t.pan || !o.approved() || o.reversed || !o.debit() {
			return NoRecord
		}
		if t.amount > o.amount-o.refunded {
			return InvalidAmount // more than the original less earlier refunds
		}
		return Approved
	case KindVoid:
		o := t.orig
		if !linked || o == nil || o.pan != t.pan || !o.approved() {
			return NoRecord
		}
		if t.amount != o.amount {
			return InvalidAmount // a void is for the original's amount
		}
		return Approved
	}
	// Hold or purchase (a completion when linked to a hold).
	hold := int64(0)
	if t.kind == KindPurchase && linked {
		o := t.orig
		if o == nil || o.kind != KindHold || o.pan != t.pan || !o.approved() || o.reversed || o.completed {
			return NoRecord
		}
		t.kind = KindCompletion
		hold = o.amount
	}
	if a.TxnLimit > 0 && t.amount > a.TxnLimit {
		return ExceedsLimit
	}
	if a.DailyLimit > 0 {
		spent := a.spent
		if a.day != t.day {
			spent = 0
		}
		if spent-hold+t.amount > a.DailyLimit {
			return ExceedsLimit
		}
	}
	if t.amount > a.Balance-a.held+hold {
		return InsufficientFunds
	}
	return Approved
}

func (t *txn) debit() bool {
	return t.kind == KindPurchase || t.kind == KindAdvice || t.kind == KindCompletion
}

// expired reports whether YYMM is before now's month.
func expired(yymm string, now time.Time) bool {
	y := 2000 + int(yymm[0]-'0')*10 + int(yymm[1]-'0')
	mo := int(yymm[2]-'0')*10 + int(yymm[3]-'0')
	ny, nm, _ := now.UTC().Date()
	return y < ny || (y == ny && mo < int(nm))
}

func (is *Issuer) totalsOf(scheme string) *Totals {
	t := is.totals[scheme]
	if t == nil {
		t = &Totals{}
		is.totals[scheme] = t
	}
	return t
}

// spend counts amount against the account's daily limit of day.
func spend(a *account, day int32, amount int64) {
	if a.day != day {
		if amount < 0 {
			return // a reversal of another day's transaction
		}
		a.day, a.spent = day, 0
	}
	a.spent += amount
}

// apply moves money for an approved transaction; it runs under is.mu.
func (is *Issuer) apply(t *txn) {
	a := t.acct
	tot := is.totalsOf(t.scheme)
	switch t.kind {
	case KindHold:
		a.held += t.amount
		tot.Holds.add(t.amount, 1)
		spend(a, t.day, t.amount)
	case KindPurchase, KindAdvice:
		a.Balance -= t.amount
		tot.Debits.add(t.amount, 1)
		spend(a, t.day, t.amount)
	case KindCompletion:
		o := t.orig
		o.completed = true
		a.held -= o.amount
		tot.Holds.add(o.amount, -1)
		a.Balance -= t.amount
		tot.Debits.add(t.amount, 1)
		spend(a, t.day, t.amount-o.amount)
	case KindRefund:
		a.Balance += t.amount
		tot.Credits.add(t.amount, 1)
		if t.orig != nil {
			t.orig.refunded += t.amount
		}
	case KindVoid:
		is.undo(t.orig)
	}
}

// undo reverses an approved transaction exactly once; it runs under is.mu.
func (is *Issuer) undo(t *txn) {
	if t == nil || !t.approved() || t.reversed || t.acct == nil {
		return
	}
	t.reversed = true
	a := t.acct
	tot := is.totalsOf(t.scheme)
	switch t.kind {
	case KindHold:
		if !t.completed {
			a.held -= t.amount
			tot.Holds.add(t.amount, -1)
			spend(a, t.day, -t.amount)
		}
	case KindPurchase, KindAdvice, KindCompletion:
		a.Balance += t.amount
		tot.Debits.add(t.amount, -1)
		spend(a, t.day, -t.amount)
	case KindRefund:
		a.Balance -= t.amount
		tot.Credits.add(t.amount, -1)
		if t.orig != nil {
			t.orig.refunded -= t.amount
		}
	}
}

// reverse handles 0400/0401/0420/0421: the original is found by DE 37 (its
// RRN) or DE 90 (original STAN and DE 7, with DE 41) and reversed exactly
// once. An unknown or already reversed original is answered 00 and nothing
// changes (the contract's idempotent reversal).
func (is *Issuer) reverse(m *iso8583.Message) string {
	if m.MTI.Function() != iso8583.FunctionRequest && m.MTI.Function() != iso8583.FunctionAdvice {
		return InvalidTxn
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	var orig *txn
	if rrn, ok := m.GetBytes(37); ok {
		orig = is.txns[string(rrn)]
	}
	if orig == nil {
		if de90, ok := m.GetBytes(90); ok && len(de90) == 42 {
			orig = is.byOrig[makeOrigKey(de90[4:10], de90[10:20], get(m, 41))]
		}
	}
	if orig != nil {
		if pan, ok := m.GetBytes(2); ok && string(pan) != orig.pan {
			return Approved // another card's transaction: nothing to reverse
		}
		is.undo(orig)
	}
	return Approved
}

func get(m *iso8583.Message, n int) []byte {
	v, _ := m.GetBytes(n)
	return v
}

// evict forgets the oldest transaction (WithMaxTransactions): a repeat or a
// reversal of it is then unknown. It runs under is.mu.
func (is *Issuer) evict(t *txn) {
	if is.txns[t.rrn] == t {
		delete(is.txns, t.rrn)
	}
	if t.hasOkey && is.byOrig[t.okey] == t {
		delete(is.byOrig, t.okey)
	}
}
