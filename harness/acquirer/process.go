package acquirer

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/acquirer/journal"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
)

// Response codes the acquirer itself answers (ISO 8583:1987, DE 39).
const (
	rcApproved          = "00"
	rcInvalidTxn        = "12" // invalid transaction: MTI or processing code not supported
	rcInvalidAmount     = "13"
	rcNoSuchIssuer      = "15"
	rcNotFound          = "25" // unable to locate record
	rcFormatError       = "30"
	rcNotPermitted      = "58" // transaction not permitted to terminal (not signed on)
	rcSecurityViolation = "63" // security violation: DE 52 does not translate (pin.go)
	rcIssuerUnavailable = "91"
	rcDuplicate         = "94"
	rcReconcileError    = "95"
	rcSystemError       = "96"
)

var (
	mti0800 = iso8583.MustMTI("0800")
	mti0400 = iso8583.MustMTI("0400")
)

var msgPool = sync.Pool{New: func() any { return iso8583.NewMessage(iso8583.ISO1987, 0) }}

func getMsg(mti iso8583.MTI) *iso8583.Message {
	m := msgPool.Get().(*iso8583.Message)
	m.Reset()
	m.MTI = mti
	return m
}

func putMsg(m *iso8583.Message) {
	m.Reset()
	msgPool.Put(m)
}

// handle processes one request frame from a terminal and returns the
// framed answer (nil: none) and whether the connection must be closed. It
// blocks for the issuer round trip and the journal; it never panics on any
// input (FuzzHandle).
func (a *Acquirer) handle(ctx context.Context, s *session, frame []byte) (out []byte, closeConn bool) {
	req := getMsg(0)
	defer putMsg(req)
	if err := req.Unpack(frame); err != nil {
		mti, ok := readableMTI(frame)
		a.log.Warn("malformed terminal message", "err", err, "len", len(frame), "mti_readable", ok)
		// What decoded before the fault, masked (Message.String shows no
		// PAN beyond first six and last four, no track or PIN data).
		if a.log.Enabled(ctx, slog.LevelDebug) {
			a.log.Debug("malformed terminal message: fields decoded", "fields", req.String())
		}
		if !ok {
			return nil, true
		}
		rmti, _ := mti.Response()
		resp := getMsg(rmti)
		defer putMsg(resp)
		echo(req, resp, echoFormat)
		resp.SetString(39, rcFormatError)
		return a.frame(resp), false
	}
	rmti, err := req.MTI.Response()
	if err != nil {
		a.log.Warn("unexpected message from a terminal (not a request or advice)", "mti", req.MTI.String())
		return nil, false
	}
	resp := getMsg(rmti)
	defer putMsg(resp)
	a.dispatch(ctx, s, req, resp)
	return a.frame(resp), false
}

// echoFormat: the fields a format-error answer copies when they decoded.
var echoFormat = []int{3, 4, 7, 11, 41, 42, 49, 70}

// readableMTI returns the MTI of a frame that did not unpack when it is a
// 1987 request or advice that can be answered.
func readableMTI(frame []byte) (iso8583.MTI, bool) {
	if len(frame) < 4 {
		return 0, false
	}
	mti, err := iso8583.ParseMTI(string(frame[:4]))
	if err != nil || mti.Version() != iso8583.Version1987 {
		return 0, false
	}
	if _, err := mti.Response(); err != nil {
		return 0, false
	}
	return mti, true
}

// frame packs resp behind its 2-byte length header into a pooled buffer.
func (a *Acquirer) frame(resp *iso8583.Message) []byte {
	out := append(getBuf(), 0, 0)
	out, err := resp.AppendPack(out)
	if err != nil || len(out)-2 > 0xFFFF {
		a.log.Error("pack answer to terminal", "mti", resp.MTI.String(), "err", err)
		putBuf(out)
		return nil
	}
	n := len(out) - 2
	out[0], out[1] = byte(n>>8), byte(n)
	return out
}

// echo copies the listed fields present in req to resp.
func echo(req, resp *iso8583.Message, fields []int) {
	for _, n := range fields {
		if v, ok := req.GetBytes(n); ok {
			resp.SetBytes(n, v)
		}
	}
}

func str(m *iso8583.Message, n int) string {
	v, _ := m.GetString(n)
	return v
}

func (a *Acquirer) dispatch(ctx context.Context, s *session, req, resp *iso8583.Message) {
	class := req.MTI.Class()
	fn := req.MTI.Function()
	switch class {
	case iso8583.ClassNetwork:
		a.network(s, req, resp)
		return
	case iso8583.ClassAuthorization, iso8583.ClassFinancial, iso8583.ClassReconcile, iso8583.ClassAdministrative:
		tid, ok := req.GetString(41)
		if !ok {
			echo(req, resp, echoFormat)
			resp.SetString(39, rcFormatError)
			return
		}
		if !s.signedOn(tid) {
			echo(req, resp, echoFinancial)
			resp.SetString(39, rcNotPermitted)
			return
		}
	}
	switch {
	case (class == iso8583.ClassAuthorization || class == iso8583.ClassFinancial) && fn == iso8583.FunctionRequest,
		class == iso8583.ClassFinancial && fn == iso8583.FunctionAdvice:
		a.financial(ctx, req, resp)
	case class == iso8583.ClassReversal && (fn == iso8583.FunctionRequest || fn == iso8583.FunctionAdvice):
		a.reversal(ctx, req, resp)
	case class == iso8583.ClassReconcile && fn == iso8583.FunctionRequest:
		a.settle(ctx, req, resp)
	case class == iso8583.ClassAdministrative && fn == iso8583.FunctionRequest:
		a.query(ctx, req, resp)
	default:
		echo(req, resp, echoFormat)
		resp.SetString(39, rcInvalidTxn)
	}
}

// network answers 0800: DE 70 001 sign-on, 002 sign-off, 301 echo test
// (ISO 8583:1987, network management information code).
func (a *Acquirer) network(s *session, req, resp *iso8583.Message) {
	echo(req, resp, []int{7, 11, 41, 70})
	code, _ := req.GetString(70)
	tid, hasTID := req.GetString(41)
	switch code {
	case "001", "002":
		if !hasTID {
			resp.SetString(39, rcFormatError)
			return
		}
		s.signOn(tid, code == "001")
		a.log.Info("terminal "+map[bool]string{true: "signed on", false: "signed off"}[code == "001"], "tid", tid)
	case "301":
	default:
		resp.SetString(39, rcInvalidTxn)
		return
	}
	resp.SetString(39, rcApproved)
}

// echoFinancial: the fields an 0110/0210/0230 copies from the request.
var echoFinancial = []int{2, 3, 4, 7, 11, 12, 13, 41, 42, 49}

func kindOf(mti iso8583.MTI, proc string) (journal.Kind, bool) {
	if len(proc) != 6 {
		return "", false
	}
	tc := proc[:2]
	switch {
	case mti.Class() == iso8583.ClassFinancial && mti.Function() == iso8583.FunctionAdvice:
		return journal.Advice, tc == "00"
	case mti.Class() == iso8583.ClassAuthorization:
		switch tc {
		case "00":
			return journal.Auth, true
		case "31":
			return journal.Balance, true
		}
	case mti.Class() == iso8583.ClassFinancial:
		switch tc {
		case "00":
			return journal.Purchase, true
		case "20":
			return journal.Refund, true
		case "02":
			return journal.Void, true
		case "31":
			return journal.Balance, true
		}
	}
	return "", false
}

// movesMoney reports whether an approval of k changes a balance at the
// issuer (and so must be reversed when its outcome is unknown).
func movesMoney(k journal.Kind) bool { return k != journal.Balance && k != journal.Void }

// financial handles 0100/0101, 0200/0201 and 0220/0221.
func (a *Acquirer) financial(ctx context.Context, req, resp *iso8583.Message) {
	echo(req, resp, echoFinancial)
	pan, okPAN := req.GetString(2)
	proc, okProc := req.GetString(3)
	stan, okSTAN := req.GetString(11)
	sent, okSent := req.GetString(7)
	tid := str(req, 41)
	kind, okKind := kindOf(req.MTI, proc)
	if !okPAN || !okProc || !okSTAN || !okSent {
		resp.SetString(39, rcFormatError)
		return
	}
	if !okKind {
		resp.SetString(39, rcInvalidTxn)
		return
	}
	var amount int64
	if v, ok := req.GetString(4); ok {
		amount, _ = strconv.ParseInt(v, 10, 64) // n 12, checked by Unpack
	} else if kind != journal.Balance {
		resp.SetString(39, rcFormatError)
		return
	}
	key := makeKey(tid, stan, sent)
	if e := a.idx.byKey(key); e != nil {
		a.again(ctx, e, kind, req, resp)
		return
	}
	// A repeat or an advice may come long after its original (a terminal's
	// timeout, a store-and-forward queue) when the index no longer holds
	// it, and so may a duplicate: the journal decides, or the money would
	// move twice. A journal that can tell from memory that it holds no
	// such transaction spares the lookup.
	if req.MTI.IsRepeat() || kind == journal.Advice || a.journalMayHave(tid, stan) {
		if e := a.lookupKey(ctx, tid, stan, sent); e != nil {
			a.again(ctx, e, kind, req, resp)
			return
		}
	}
	now := a.now()
	t := journal.Txn{
		RRN: a.ids.rrn(), TerminalID: tid, MerchantID: str(req, 42), STAN: stan, Sent: sent,
		MTI: firstMTI(req.MTI).String(), Kind: kind, ProcCode: proc, PANMasked: emv.MaskPAN(pan),
		Amount: amount, Currency: str(req, 49), State: journal.Pending, Created: now, Updated: now,
	}
	rc := ""
	var orig *entry
	route, routed := a.routes.lookup(pan)
	if routed {
		t.Scheme, t.Issuer = route.Scheme, route.Name
	}
	if kind != journal.Void {
		// Reserved now, so that the entry's strings share one allocation.
		t.IssuerSTAN = stan6(a.stans.next())
	}
	switch {
	case kind == journal.Refund || kind == journal.Void:
		t.OrigRRN = str(req, 37)
		orig, rc = a.original(ctx, t, tid)
		if orig != nil {
			orig.mu.Lock()
			t.Scheme, t.Issuer = orig.txn.Scheme, orig.txn.Issuer
			orig.mu.Unlock()
		}
	case !routed:
		rc = rcNoSuchIssuer
	}
	if rc == "" && kind != journal.Void {
		// DE 52 leaves under the issuer zone's key or not at all.
		rc = a.translatePIN(req, tid, pan, t.Issuer, t.RRN)
	}
	e := newEntry(t)
	e.inflight = true
	if kind == journal.Refund && orig != nil {
		e.orig = orig
	}
	if o, won := a.idx.claim(e); !won {
		a.releaseRefund(e)
		a.again(ctx, o, kind, req, resp)
		return
	}
	a.idx.setRRN(e.txn.RRN, e) // the entry's copy: one allocation holds its strings
	if rc != "" {
		a.conclude(ctx, e, rc, resp)
		return
	}
	if kind == journal.Void {
		a.void(ctx, e, orig, resp)
		return
	}
	a.forward(ctx, e, req, resp)
}

func firstMTI(m iso8583.MTI) iso8583.MTI {
	if m.IsRepeat() {
		return m - 1
	}
	return m
}

// original finds and checks the original of a refund or void (DE 37 of the
// request): it must exist and be approved, a void must be of a purchase,
// pre-authorisation or advice of the same amount, and a refund of a
// purchase or advice and not above its amount.
func (a *Acquirer) original(ctx context.Context, t journal.Txn, tid string) (*entry, string) {
	if t.OrigRRN == "" {
		return nil, rcNotFound
	}
	o := a.lookupRRN(ctx, t.OrigRRN)
	if o == nil {
		return nil, rcNotFound
	}
	o.mu.Lock()
	ot := o.txn
	o.mu.Unlock()
	switch {
	case ot.Kind != journal.Purchase && ot.Kind != journal.Advice && !(t.Kind == journal.Void && ot.Kind == journal.Auth):
		return nil, rcInvalidTxn
	case ot.State != journal.Approved:
		return nil, rcInvalidTxn
	case t.Kind == journal.Void && (ot.Amount != t.Amount || ot.TerminalID != tid):
		return nil, rcInvalidAmount
	case t.Kind == journal.Refund && t.Amount > ot.Amount:
		return nil, rcInvalidAmount
	}
	if t.Kind == journal.Refund && !a.reserveRefund(ctx, o, t.Amount) {
		return nil, rcInvalidAmount
	}
	return o, ""
}

// reserveRefund adds amount to what is refunded of o unless that would
// exceed o's amount: refunds of one original never add up to more than it.
// What earlier runs refunded is read from the journal (the refunds made on
// the original's terminal) on first use.
func (a *Acquirer) reserveRefund(ctx context.Context, o *entry, amount int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.refundsLoaded {
		ts, err := a.j.Find(ctx, journal.Filter{TerminalID: o.txn.TerminalID, Batch: -1})
		if err != nil {
			a.log.Error("journal find", "err", err)
			return false
		}
		for _, r := range ts {
			if r.Kind == journal.Refund && r.OrigRRN == o.txn.RRN && (r.State == journal.Approved || r.State == journal.Pending) {
				o.refunded += r.Amount
			}
		}
		o.refundsLoaded = true
	}
	if o.refunded+amount > o.txn.Amount {
		return false
	}
	o.refunded += amount
	return true
}

// releaseRefund gives back the reservation of a refund that was not
// approved.
func (a *Acquirer) releaseRefund(e *entry) {
	if e.orig == nil {
		return
	}
	o := e.orig
	e.orig = nil
	o.mu.Lock()
	o.refunded -= e.txn.Amount
	o.mu.Unlock()
}

// lookupRRN finds a transaction by RRN in the index, else in the journal.
func (a *Acquirer) lookupRRN(ctx context.Context, rrn string) *entry {
	if e := a.idx.byRRN(rrn); e != nil {
		return e
	}
	t, err := a.j.Get(ctx, rrn)
	if err != nil {
		if !errors.Is(err, journal.ErrNotFound) {
			a.log.Error("journal get", "rrn", rrn, "err", err)
		}
		return nil
	}
	return a.idx.load(t)
}

// conclude journals an outcome the acquirer decides alone (declines it
// issues, voids) and answers.
func (a *Acquirer) conclude(ctx context.Context, e *entry, rc string, resp *iso8583.Message) {
	e.mu.Lock()
	e.txn.RC = rc
	if rc == rcApproved {
		e.txn.State = journal.Approved
		e.txn.AuthCode = a.ids.authCode()
	} else {
		e.txn.State = journal.Declined
	}
	e.txn.Updated = a.now()
	err := a.j.Put(ctx, e.txn)
	if err != nil {
		a.log.Error("journal put", "rrn", e.txn.RRN, "err", err)
		rc = rcSystemError
		e.txn.RC, e.txn.State = rc, journal.Declined
	}
	e.finish()
	t := e.txn
	e.mu.Unlock()
	answer(resp, t, "", "")
}

// answer completes a terminal answer from the journalled outcome.
func answer(resp *iso8583.Message, t journal.Txn, de54, de55 string) {
	resp.SetString(37, t.RRN)
	resp.SetString(39, t.RC)
	if t.RC == rcApproved && t.AuthCode != "" {
		resp.SetString(38, t.AuthCode)
	}
	if de54 != "" {
		resp.SetString(54, de54)
	}
	if de55 != "" {
		resp.SetBytes(55, []byte(de55))
	}
}

// again answers a request whose TID, STAN and DE 7 were seen: a repeat
// (0101/0201/0221) gets the original's answer, an advice is idempotent
// (answered again, or forwarded again when the issuer has not taken it),
// any other is a duplicate transmission, 94 (ISO 8583:1987, DE 39).
func (a *Acquirer) again(ctx context.Context, e *entry, kind journal.Kind, req, resp *iso8583.Message) {
	if kind == journal.Advice {
		e.mu.Lock()
		if !e.inflight && e.txn.State == journal.Pending && e.txn.Kind == journal.Advice {
			e.inflight = true
			e.unfinish()
			t := e.txn
			e.mu.Unlock()
			if a.translatePIN(req, t.TerminalID, str(req, 2), t.Issuer, t.RRN) != "" {
				// An advice is not PIN-verified (the card approved
				// offline): it goes without the block it cannot carry.
				req.Unset(52)
			}
			a.forward(ctx, e, req, resp)
			return
		}
		e.mu.Unlock()
	} else if !req.MTI.IsRepeat() {
		resp.SetString(39, rcDuplicate)
		return
	}
	e.mu.Lock()
	done := e.doneCh()
	e.mu.Unlock()
	t := time.NewTimer(a.cfg.timeout + time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	e.mu.Lock()
	tx, de54, de55 := e.txn, e.de54, e.de55
	if de55 == "" && tx.IssuerAuth != "" {
		// Loaded from the journal: the ARPC it kept, without scripts.
		if v, err := hex.DecodeString(tx.IssuerAuth); err == nil {
			de55 = string(emv.Encode(emv.TLV{Tag: tagIssuerAuth, Value: v}))
		}
	}
	e.mu.Unlock()
	if tx.RC == "" {
		tx.RC = rcIssuerUnavailable
	}
	if tx.Kind == journal.Advice && tx.State == journal.Approved {
		tx.RC = rcApproved
	}
	answer(resp, tx, de54, de55)
}

// echoIssuer: the request fields forwarded to the issuer.
var echoIssuer = []int{2, 3, 4, 7, 12, 13, 14, 22, 23, 41, 42, 49, 52, 55}

// tagIssuerAuth is Issuer Authentication Data (EMV Book 3, Annex A).
const tagIssuerAuth emv.Tag = 0x91

// issuerAuth returns tag 91 of an issuer's DE 55 in hex, or "".
func issuerAuth(de55 []byte) string {
	s := emv.NewScanner(de55)
	for s.Next() {
		if s.Tag() == tagIssuerAuth {
			return hex.EncodeToString(s.Value())
		}
	}
	return ""
}

// stan6 formats a STAN as DE 11 (n 6).
func stan6(v uint32) string {
	b := stanDigits(v)
	return string(b[:])
}

// forward journals the transaction Pending, sends it to its issuer and
// journals the outcome before answering: approved or declined as the issuer
// says; on timeout or a dropped link, 91 and a reversal owed (EMV Book 3,
// 10.9 leaves the terminal unable to go online; the acquirer undoes what
// the issuer may have done).
func (a *Acquirer) forward(ctx context.Context, e *entry, req, resp *iso8583.Message) {
	e.mu.Lock()
	l := a.links[e.txn.Issuer]
	if l != nil && e.txn.IssuerSTAN == "" { // journalled before IssuerSTAN existed
		e.txn.IssuerSTAN = stan6(a.stans.next())
	}
	err := a.j.Put(ctx, e.txn)
	t := e.txn
	e.mu.Unlock()
	if err != nil {
		a.log.Error("journal put", "rrn", t.RRN, "err", err)
		e.mu.Lock()
		e.txn.RC, e.txn.State = rcSystemError, journal.Declined
		e.finish()
		t = e.txn
		e.mu.Unlock()
		answer(resp, t, "", "")
		return
	}
	ireq := getMsg(firstMTI(req.MTI))
	echo(req, ireq, echoIssuer)
	ireq.SetString(32, a.cfg.acquirerID)
	ireq.SetString(37, t.RRN)
	if t.Kind == journal.Advice {
		echo(req, ireq, []int{39})
	}
	if t.Kind == journal.Refund {
		ireq.SetString(62, "orig="+t.OrigRRN)
	}
	var (
		iresp *iso8583.Message
		sent  bool
	)
	if l == nil {
		err = ErrIssuerUnavailable
	} else {
		stan, _ := strconv.ParseUint(t.IssuerSTAN, 10, 32)
		iresp, sent, err = l.roundTrip(ireq, uint32(stan), time.Now().Add(a.cfg.timeout), func(m *iso8583.Message) { a.late(ctx, e, m) })
	}
	putMsg(ireq)

	e.mu.Lock()
	tx := &e.txn
	rc := ""
	if iresp != nil {
		rc = str(iresp, 39)
	}
	switch {
	case err == nil && len(rc) == 2:
		tx.RC = internRC(rc)
		if rc == rcApproved {
			tx.State = journal.Approved
			tx.AuthCode = str(iresp, 38)
			if tx.AuthCode == "" {
				tx.AuthCode = a.ids.authCode()
			}
			e.de54 = str(iresp, 54)
			if v, ok := iresp.GetBytes(55); ok {
				e.de55 = string(v)
				tx.IssuerAuth = issuerAuth(v)
			}
			packStrings(&tx.AuthCode, &tx.IssuerAuth, &e.de54, &e.de55)
			if e.reverseOnArrival && movesMoney(tx.Kind) {
				tx.State = journal.Reversed
				tx.Reversal = journal.ReversalOwed
				e.newRevGen()
			}
		} else {
			tx.State = journal.Declined
		}
	case tx.Kind == journal.Advice:
		// The card approved offline: the advice stays Pending until the
		// issuer takes it; the terminal repeats it (0221).
		tx.RC = rcIssuerUnavailable
	case !sent || tx.Kind == journal.Balance:
		tx.RC, tx.State = rcIssuerUnavailable, journal.Declined
	default: // timed out, dropped in flight, or a malformed answer
		tx.RC, tx.State = rcIssuerUnavailable, journal.TimedOut
		tx.Reversal = journal.ReversalOwed
		e.newRevGen()
		a.log.Warn("no usable issuer answer: 91 and reversal", "rrn", tx.RRN, "issuer", tx.Issuer, "err", err)
	}
	tx.Updated = a.now()
	if perr := a.j.Put(ctx, *tx); perr != nil {
		a.log.Error("journal put", "rrn", tx.RRN, "err", perr)
		if tx.State == journal.Approved && movesMoney(tx.Kind) {
			tx.State, tx.Reversal = journal.TimedOut, journal.ReversalOwed
			e.newRevGen()
		}
		tx.RC = rcSystemError
	}
	e.finish()
	final, de54, de55 := *tx, e.de54, e.de55
	e.mu.Unlock()
	if final.Reversal == journal.ReversalOwed {
		a.rev.owe(final.RRN)
	}
	if final.Kind == journal.Refund && final.State != journal.Approved && final.State != journal.Pending {
		a.releaseRefund(e)
	}
	answer(resp, final, de54, de55)
}

// late handles an issuer answer that arrived after the timeout: an
// approval is never credited to the terminal (it got 91) but reversed —
// again, when the reversal already went, since it may have reached the
// issuer before the original did. A late approval of an advice completes
// it.
func (a *Acquirer) late(ctx context.Context, e *entry, m *iso8583.Message) {
	rc := str(m, 39)
	e.mu.Lock()
	defer e.mu.Unlock()
	t := &e.txn
	a.log.Warn("late issuer answer", "rrn", t.RRN, "rc", rc, "kind", t.Kind)
	if rc != rcApproved {
		return
	}
	switch {
	case t.Kind == journal.Advice:
		if t.State == journal.Pending && !e.inflight {
			t.State, t.RC, t.Updated = journal.Approved, rcApproved, a.now()
			if err := a.j.Put(ctx, *t); err != nil {
				a.log.Error("journal put", "rrn", t.RRN, "err", err)
			}
		}
		return
	case !movesMoney(t.Kind):
		return
	}
	e.newRevGen()
	if t.Reversal != journal.ReversalOwed {
		t.Reversal, t.Updated = journal.ReversalOwed, a.now()
		if err := a.j.Put(ctx, *t); err != nil {
			a.log.Error("journal put", "rrn", t.RRN, "err", err)
		}
	}
	a.rev.owe(t.RRN)
}

// void cancels an approved original (processing code 02): the original is
// journalled Voided with a reversal owed, the issuer gets an 0400 for it
// (retried until acknowledged), and the void is approved once that is
// durable; the answer waits up to the issuer timeout for the issuer's
// acknowledgement.
func (a *Acquirer) void(ctx context.Context, e, orig *entry, resp *iso8583.Message) {
	orig.mu.Lock()
	if orig.txn.State != journal.Approved {
		orig.mu.Unlock()
		a.conclude(ctx, e, rcInvalidTxn, resp)
		return
	}
	prev := orig.txn
	orig.txn.State = journal.Voided
	orig.txn.Reversal = journal.ReversalOwed
	orig.txn.Updated = a.now()
	orig.newRevGen()
	err := a.j.Put(ctx, orig.txn)
	if err != nil {
		orig.txn = prev
	}
	revDone := orig.revDone
	orig.mu.Unlock()
	if err != nil {
		a.log.Error("journal put", "rrn", prev.RRN, "err", err)
		a.conclude(ctx, e, rcSystemError, resp)
		return
	}
	a.rev.owe(prev.RRN)
	waitFor(ctx, revDone, a.cfg.timeout)
	a.conclude(ctx, e, rcApproved, resp)
}

func waitFor(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// reversal handles 0400/0401 and 0420/0421 from a terminal. The original
// is found by DE 90 (original MTI, STAN and DE 7 of this TID) or DE 37. An
// approved original is journalled Reversed with a reversal owed to the
// issuer; one still at the issuer is reversed when its answer comes; an
// unknown, declined or already reversed original changes nothing. The
// answer is 00 in every case (idempotent), after the journal Put, and waits
// up to the issuer timeout for the issuer's acknowledgement.
func (a *Acquirer) reversal(ctx context.Context, req, resp *iso8583.Message) {
	echo(req, resp, []int{2, 3, 4, 7, 11, 37, 41, 42, 49, 90})
	tid := str(req, 41)
	var o *entry
	if de90, ok := req.GetString(90); ok && len(de90) >= 20 {
		o = a.lookupKey(ctx, tid, de90[4:10], de90[10:20])
	}
	if o == nil {
		if rrn, ok := req.GetString(37); ok {
			o = a.lookupRRN(ctx, rrn)
			if o != nil {
				o.mu.Lock()
				same := o.txn.TerminalID == tid
				o.mu.Unlock()
				if !same {
					o = nil
				}
			}
		}
	}
	if o == nil {
		a.log.Info("reversal of an unknown transaction: nothing to do", "tid", tid)
		resp.SetString(39, rcApproved)
		return
	}
	o.mu.Lock()
	if o.inflight {
		o.reverseOnArrival = true
		done := o.doneCh()
		o.mu.Unlock()
		waitFor(ctx, done, a.cfg.timeout+time.Second)
		o.mu.Lock()
	}
	var revDone chan struct{}
	t := &o.txn
	if movesMoney(t.Kind) && (t.State == journal.Approved || t.State == journal.Pending && !o.inflight) {
		prev := *t
		t.State, t.Reversal, t.Updated = journal.Reversed, journal.ReversalOwed, a.now()
		o.newRevGen()
		if err := a.j.Put(ctx, *t); err != nil {
			*t = prev
			o.mu.Unlock()
			a.log.Error("journal put", "rrn", prev.RRN, "err", err)
			resp.SetString(39, rcSystemError)
			return
		}
		revDone = o.revDone
	}
	rrn := t.RRN
	if !resp.Has(37) {
		resp.SetString(37, rrn)
	}
	refundOf, refundAmt := "", int64(0)
	if revDone != nil && t.Kind == journal.Refund {
		refundOf, refundAmt = t.OrigRRN, t.Amount
	}
	o.mu.Unlock()
	if refundOf != "" {
		// A reversed refund gives its amount back to the original.
		if po := a.idx.byRRN(refundOf); po != nil {
			po.mu.Lock()
			if po.refundsLoaded {
				po.refunded -= refundAmt
			}
			po.mu.Unlock()
		}
	}
	if revDone != nil {
		a.rev.owe(rrn)
		waitFor(ctx, revDone, a.cfg.timeout)
	}
	resp.SetString(39, rcApproved)
}

// keyChecker is a journal that can tell from memory that it holds no
// transaction of a terminal and STAN (journal.SQLite).
type keyChecker interface {
	MayHave(terminalID, stan string) bool
}

// journalMayHave reports whether a request the index does not know may
// still be in the journal. Journals that cannot tell cheaply (PostgreSQL:
// a query per request) are asked for repeats and advices only.
func (a *Acquirer) journalMayHave(tid, stan string) bool {
	kc, ok := a.j.(keyChecker)
	return ok && kc.MayHave(tid, stan)
}

// lookupKey finds a transaction by TID, STAN and DE 7 in the index, else in
// the journal.
func (a *Acquirer) lookupKey(ctx context.Context, tid, stan, sent string) *entry {
	if e := a.idx.byKey(makeKey(tid, stan, sent)); e != nil {
		return e
	}
	ts, err := a.j.Find(ctx, journal.Filter{TerminalID: tid, STAN: stan, Batch: -1})
	if err != nil {
		a.log.Error("journal find", "err", err)
		return nil
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Sent == sent {
			return a.idx.load(ts[i])
		}
	}
	return nil
}
