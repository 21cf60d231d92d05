package hostlink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/device"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
)

// Kind is what a journal entry records.
type Kind string

// Kinds of the terminal's journal.
const (
	KindPurchase Kind = "purchase" // online (0200/0100)
	KindAdvice   Kind = "advice"   // approved offline by the card, 0220 store-and-forward
	KindRefund   Kind = "refund"
	KindVoid     Kind = "void"
	KindBalance  Kind = "balance"
)

// State is how a journal entry ended.
type State string

// States.
const (
	StateApproved State = "approved"
	StateDeclined State = "declined"
	StateReversed State = "reversed" // 0400/0420 queued: not in the totals
	StateVoided   State = "voided"   // a later void cancelled it
	StateFailed   State = "failed"   // no answer, nothing to reverse (balance, refund)
)

// ErrForeignAuthorizer: the kernel went online through an Authorizer that
// is not the POS's link, so the POS cannot journal, reverse or advise it.
var ErrForeignAuthorizer = errors.New("kernel went online through another authorizer than the POS link")

// ErrUnknownTransaction: a void names an RRN this terminal's journal does not
// hold as approved.
var ErrUnknownTransaction = errors.New("no approved transaction with this RRN in the terminal journal")

// JournalEntry is one transaction in the terminal's own journal (in memory).
// It holds the PAN only masked.
type JournalEntry struct {
	Seq       int
	Time      time.Time
	Kind      Kind
	State     State
	MTI       string
	STAN      string
	RRN       string // the host's (DE 37); empty for an advice not yet uploaded
	OrigRRN   string // a refund's or void's original
	RC        string // DE 39 of the answer, or Y1/Y3 for an advice
	AuthCode  string
	Amount    uint64
	Currency  string
	PANMasked string
	// Reversal is the 0400/0420 the terminal queued for this entry.
	Reversal string
	Uploaded bool // an advice the host acknowledged
	Batch    int  // the batch number it was settled in, 0 while open

	pan    string // for a void's DE 2; never printed
	advice *iso8583.Message
}

// CardData is the card as a refund or balance inquiry needs it (read from
// the chip, or keyed).
type CardData struct {
	PAN       string
	Expiry    string // YYMM
	PANSeq    string // n3, e.g. "001"; empty when unknown
	EntryMode string // DE 22; default "051"
}

// POS is the point-of-sale side of a Link: it runs the kernel with the link
// as its Authorizer and does what the terminal owes the host around it —
// reversal advices after a card decline, store-and-forward advices for
// offline approvals — plus refunds, voids, balance inquiries and the batch
// close, keeping its own journal to compute the totals it settles with.
// Transactions run one at a time.
type POS struct {
	link *Link

	txMu sync.Mutex // one transaction at a time (one card reader)

	mu      sync.Mutex // guards the journal
	journal []*JournalEntry
	batch   int
}

// NewPOS returns a POS on l, batch number 1.
func NewPOS(l *Link) *POS { return &POS{link: l, batch: 1} }

// Link returns the POS's link.
func (p *POS) Link() *Link { return p.link }

// Batch returns the number of the open batch.
func (p *POS) Batch() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.batch
}

// Journal returns a copy of the journal, oldest first.
func (p *POS) Journal() []JournalEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]JournalEntry, len(p.journal))
	for i, e := range p.journal {
		out[i] = *e
		out[i].pan, out[i].advice = "", nil
	}
	return out
}

func (p *POS) add(e *JournalEntry) JournalEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e.Seq = len(p.journal) + 1
	if e.Time.IsZero() {
		e.Time = p.link.cfg.clock()
	}
	p.journal = append(p.journal, e)
	c := *e
	c.pan, c.advice = "", nil
	return c
}

// Receipt is a purchase's result: the kernel's outcome and the journal
// entry that decides the totals (the advice, when an online attempt with no
// answer ended approved offline).
type Receipt struct {
	Outcome terminal.Outcome
	Entry   JournalEntry
}

// Purchase runs one EMV purchase: k.Purchase with card and tx, where k was
// built with terminal.WithAuthorizer(link) (the POS's link). Then:
//   - host approved, card approved (TC): journalled approved;
//   - host approved, but the card declined at the second GENERATE AC or the
//     transaction ended otherwise (EMV Book 3, 10.11): an 0420 reversal
//     advice, reason 06, is queued and sent; journalled reversed;
//   - host declined: journalled declined;
//   - no answer: Authorize queued an 0400 (reason 68) and the kernel
//     completed as unable to go online; an offline approval (ARC Y3) is
//     then an advice too;
//   - approved offline by the card (TC at the first GENERATE AC, ARC Y1;
//     or Y3 unable to go online; EMV Book 4, A6): an 0220 advice is kept
//     for upload at Settle (store-and-forward).
//
// The error is the kernel's (card transport) or ErrForeignAuthorizer.
func (p *POS) Purchase(ctx context.Context, k *terminal.Kernel, card device.Card, tx terminal.Transaction) (Receipt, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	cp := &capture{}
	out, kerr := k.Purchase(withCapture(ctx, cp), card, tx)
	if out.WentOnline && cp.req == nil {
		return Receipt{Outcome: out}, ErrForeignAuthorizer
	}
	e := &JournalEntry{Kind: KindPurchase, Amount: tx.Amount, Currency: p.link.cfg.currency}
	if v, ok := out.Data[emv.TagCurrencyCode]; ok {
		if c, err := bcdDigits(emv.TagCurrencyCode, v, 3); err == nil {
			e.Currency = c
		}
	}
	if v, ok := out.Data[emv.TagPAN]; ok {
		if pan, ok := emv.UnpackCN(v); ok {
			e.pan, e.PANMasked = pan, emv.MaskPAN(pan)
		}
	}
	rec := Receipt{Outcome: out}
	if cp.req != nil {
		e.MTI = cp.req.MTI.String()
		e.STAN, _ = cp.req.GetString(11)
		switch {
		case cp.answered && cp.rc == "00":
			e.RRN, e.RC, e.AuthCode = cp.rrn, cp.rc, cp.authCode
			if out.Result == terminal.ApprovedOnline {
				e.State = StateApproved
			} else {
				r := p.link.queueReversal(cp.req, cp.rrn, ReasonCardDeclined)
				e.State, e.Reversal = StateReversed, r.MTI+" "+r.STAN
			}
		case cp.answered:
			e.RRN, e.RC, e.State = cp.rrn, cp.rc, StateDeclined
		case cp.reversal != nil:
			e.RRN, e.State, e.Reversal = cp.rrn, StateReversed, cp.reversal.MTI+" "+cp.reversal.STAN
		default: // not sent: the kernel was unable to go online
			e.State = StateFailed
		}
		rec.Entry = p.add(e)
		if e.State == StateApproved || e.State == StateDeclined || out.Result != terminal.ApprovedOffline {
			return rec, kerr
		}
		e = &JournalEntry{Kind: KindPurchase, Amount: e.Amount, Currency: e.Currency, pan: e.pan, PANMasked: e.PANMasked}
	}
	if out.Result != terminal.ApprovedOffline {
		e.State, e.RC = StateDeclined, string(out.ARC)
		if out.Result == terminal.Terminated {
			e.State = StateFailed
		}
		rec.Entry = p.add(e)
		return rec, kerr
	}
	// Approved offline: store-and-forward advice (host contract 0220).
	arc := "Y1"
	if out.UnableToGoOnline {
		arc = "Y3"
	}
	adv, err := p.link.financial(iso8583.MTI(220), out.Data, nil)
	if err == nil {
		err = adv.SetString(39, arc)
	}
	if err != nil {
		return rec, errors.Join(kerr, fmt.Errorf("purchase: build advice: %w", err))
	}
	e.Kind, e.State, e.RC, e.MTI, e.advice = KindAdvice, StateApproved, arc, "0220", adv.Clone()
	e.STAN, _ = adv.GetString(11)
	rec.Entry = p.add(e)
	return rec, kerr
}

// simple builds a non-EMV 0100/0200 (refund, void, balance) for card.
func (p *POS) simple(mti iso8583.MTI, proc string, amount uint64, currency string, card CardData, origRRN string) (*iso8583.Message, error) {
	l := p.link
	m := iso8583.NewMessage(l.cfg.dialect, mti)
	now := l.cfg.clock()
	mode := card.EntryMode
	if mode == "" {
		mode = l.cfg.entryMode
	}
	if currency == "" {
		currency = l.cfg.currency
	}
	errs := []error{
		m.SetString(3, proc), m.SetString(4, fmt.Sprintf("%012d", amount)), l.stamp(m, now),
		m.SetString(12, now.Format("150405")), m.SetString(13, now.Format("0102")),
		m.SetString(22, mode), m.SetString(49, currency),
	}
	if card.PAN != "" {
		errs = append(errs, m.SetString(2, card.PAN))
	}
	if card.Expiry != "" {
		errs = append(errs, m.SetString(14, card.Expiry))
	}
	if card.PANSeq != "" {
		errs = append(errs, m.SetString(23, card.PANSeq))
	}
	if origRRN != "" {
		errs = append(errs, m.SetString(37, origRRN))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Reply is the host's answer to a refund, void or balance inquiry.
type Reply struct {
	RC       string
	RRN      string
	AuthCode string
	Approved bool
	Entry    JournalEntry
}

func (p *POS) send(ctx context.Context, m *iso8583.Message, op string, e *JournalEntry) (Reply, *iso8583.Message, error) {
	e.MTI = m.MTI.String()
	e.STAN, _ = m.GetString(11)
	resp, err := p.link.roundTrip(ctx, m, op)
	if err != nil {
		e.State = StateFailed
		var xe *ExchangeError
		// A refund whose answer did not come is reversed (it may have
		// moved money); a balance inquiry moves none, and a void is
		// itself a cancellation, which the merchant repeats instead.
		if errors.As(err, &xe) && xe.Sent && e.Kind == KindRefund {
			r := p.link.queueReversal(m, "", ReasonTimeout)
			e.State, e.Reversal = StateReversed, r.MTI+" "+r.STAN
		}
		return Reply{Entry: p.add(e)}, nil, err
	}
	rep := Reply{}
	rep.RRN, _ = resp.GetString(37)
	rep.RC, _ = resp.GetString(39)
	if c, ok := resp.GetString(38); ok {
		rep.AuthCode = strings.TrimRight(c, " ")
	}
	rep.Approved = rep.RC == "00"
	e.RRN, e.RC, e.AuthCode = rep.RRN, rep.RC, rep.AuthCode
	e.State = StateDeclined
	if rep.Approved {
		e.State = StateApproved
	}
	rep.Entry = p.add(e)
	return rep, resp, nil
}

// Refund sends an 0200 refund (DE 3 200000) of amount for card, DE 37
// carrying the original purchase's RRN (host contract). An approved refund
// counts in the credits of the batch.
func (p *POS) Refund(ctx context.Context, origRRN string, amount uint64, card CardData) (Reply, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	m, err := p.simple(200, ProcRefund, amount, "", card, origRRN)
	if err != nil {
		return Reply{}, fmt.Errorf("refund: %w", err)
	}
	e := &JournalEntry{Kind: KindRefund, Amount: amount, Currency: p.link.cfg.currency, OrigRRN: origRRN, pan: card.PAN, PANMasked: emv.MaskPAN(card.PAN)}
	rep, _, err := p.send(ctx, m, "refund", e)
	return rep, err
}

// Void cancels an approved transaction of this terminal's open batch: an
// 0200 DE 3 020000 with the original's amount and DE 37 its RRN (host
// contract). Approved, the original leaves the totals.
func (p *POS) Void(ctx context.Context, origRRN string) (Reply, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	p.mu.Lock()
	var orig *JournalEntry
	for _, e := range p.journal {
		if origRRN != "" && e.RRN == origRRN && e.State == StateApproved && e.Batch == 0 && e.Kind != KindVoid && e.Kind != KindBalance {
			orig = e
		}
	}
	var o JournalEntry
	if orig != nil {
		o = *orig
	}
	p.mu.Unlock()
	if orig == nil {
		return Reply{}, fmt.Errorf("void %s: %w", origRRN, ErrUnknownTransaction)
	}
	m, err := p.simple(200, ProcVoid, o.Amount, o.Currency, CardData{PAN: o.pan}, origRRN)
	if err != nil {
		return Reply{}, fmt.Errorf("void: %w", err)
	}
	e := &JournalEntry{Kind: KindVoid, Amount: o.Amount, Currency: o.Currency, OrigRRN: origRRN, pan: o.pan, PANMasked: o.PANMasked}
	rep, _, err := p.send(ctx, m, "void", e)
	if err == nil && rep.Approved {
		p.mu.Lock()
		orig.State = StateVoided
		p.mu.Unlock()
	}
	return rep, err
}

// Balance is a balance inquiry's answer.
type Balance struct {
	Reply
	// Available is DE 54 amount type 02 (available balance), signed: a "D"
	// (debit) balance is negative. HasAvailable is false when DE 54 had
	// none.
	Available    int64
	Currency     string
	HasAvailable bool
}

// Balance sends an 0100 balance inquiry (DE 3 310000, DE 4 zero) for card
// and reads DE 54 of the answer (ISO 8583:1987 DE 54: account type n2,
// amount type n2, currency n3, sign C/D, amount n12, repeated).
func (p *POS) Balance(ctx context.Context, card CardData) (Balance, error) {
	p.txMu.Lock()
	defer p.txMu.Unlock()
	m, err := p.simple(100, ProcBalance, 0, "", card, "")
	if err != nil {
		return Balance{}, fmt.Errorf("balance: %w", err)
	}
	e := &JournalEntry{Kind: KindBalance, Currency: p.link.cfg.currency, pan: card.PAN, PANMasked: emv.MaskPAN(card.PAN)}
	rep, resp, err := p.send(ctx, m, "balance", e)
	b := Balance{Reply: rep}
	if err != nil {
		return b, err
	}
	if s, ok := resp.GetString(54); ok {
		amts, err := ParseAdditionalAmounts(s)
		if err != nil {
			return b, fmt.Errorf("balance: %w", err)
		}
		for _, a := range amts {
			if a.AmountType == "02" {
				b.Available, b.Currency, b.HasAvailable = a.Amount, a.Currency, true
				break
			}
		}
	}
	return b, nil
}

// AdditionalAmount is one 20-character block of DE 54.
type AdditionalAmount struct {
	AccountType string // n2
	AmountType  string // n2: 01 ledger, 02 available
	Currency    string // n3
	Amount      int64  // signed: D is negative
}

// ParseAdditionalAmounts reads DE 54: blocks of account type n2, amount
// type n2, currency n3, sign "C" or "D", amount n12 (ISO 8583:1987).
func ParseAdditionalAmounts(s string) ([]AdditionalAmount, error) {
	if len(s) == 0 || len(s)%20 != 0 {
		return nil, fmt.Errorf("parse DE 54: length %d is not a multiple of 20", len(s))
	}
	var out []AdditionalAmount
	for i := 0; i < len(s); i += 20 {
		b := s[i : i+20]
		if !digits(b[:7]) || !digits(b[8:]) || (b[7] != 'C' && b[7] != 'D') {
			return nil, fmt.Errorf("parse DE 54: block %d malformed", i/20+1)
		}
		v, err := strconv.ParseInt(b[8:], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse DE 54: block %d: %w", i/20+1, err)
		}
		if b[7] == 'D' {
			v = -v
		}
		out = append(out, AdditionalAmount{AccountType: b[:2], AmountType: b[2:4], Currency: b[4:7], Amount: v})
	}
	return out, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
