package terminal

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/paylab/paylab/harness/emv"
)

// Candidate is one entry of the candidate list (EMV Book 1, 12.3).
type Candidate struct {
	DFName        []byte // ADF name, 4F/84, as the card gave it
	TerminalAID   []byte // the terminal AID it matched (9F06)
	Label         string // 50
	PreferredName string // 9F12
	Priority      byte   // 87: b8 cardholder confirmation required, b4-b1 priority (0 none)
}

// ConfirmationRequired reports 87 b8 (Book 1, 12.2.3, Table 13).
func (c Candidate) ConfirmationRequired() bool { return c.Priority&0x80 != 0 }

func (c Candidate) rank() int {
	if p := int(c.Priority & 0x0F); p != 0 {
		return p
	}
	return 16 // Book 1, 12.2.3: 0 means no priority, after every numbered one
}

func (c Candidate) String() string {
	return fmt.Sprintf("%X %q priority %02X", c.DFName, c.Label, c.Priority)
}

// buildCandidates builds the candidate list: the PSE first, then the list of
// AIDs when the PSE yields nothing usable (EMV Book 1, 12.3).
func (t *txn) buildCandidates(ctx context.Context) ([]Candidate, error) {
	cs, usePSE, err := t.pse(ctx)
	if err != nil {
		return nil, err
	}
	if usePSE && len(cs) > 0 {
		return cs, nil
	}
	// Book 1, 12.3.2 step 6: no match in the PSE, or no PSE: list of AIDs.
	return t.listOfAIDs(ctx)
}

// pse reads the Payment System Directory (Book 1, 12.3.2). usePSE is false
// when the terminal must fall back to the list of AIDs.
func (t *txn) pse(ctx context.Context) (cs []Candidate, usePSE bool, err error) {
	r, err := t.transmit(ctx, emv.SelectByName([]byte(pseName), false))
	if err != nil {
		return nil, false, err
	}
	switch {
	case r.SW == emv.SWFunctionNotSupported:
		// Book 1, 12.3.2 step 1: card blocked or SELECT not supported.
		return nil, false, terminate("card blocked (SELECT 6A81)", emv.ErrStatus{SW: r.SW})
	case r.SW != emv.SWNoError:
		// Book 1, 12.3.2 step 1: PSE not found (6A82), blocked (6283) or any
		// other status: use the list of AIDs.
		return nil, false, nil
	}
	sfi, ok := directorySFI(r.Data)
	if !ok {
		return nil, false, nil // Book 1, 12.3.2: FCI format error: list of AIDs
	}
	cs, ddfs, ok, err := t.readDirectory(ctx, sfi)
	if err != nil || !ok {
		return nil, false, err
	}
	// Book 1, 12.3.2 step 3: an entry naming a DDF (9D) leads to that DDF's
	// own directory. Nested directories are read after the one naming them;
	// the candidate list is ordered by priority afterwards anyway. At most
	// eight DDFs bound a card whose directories loop.
	for n := 0; n < len(ddfs) && n < 8; n++ {
		r, err := t.transmit(ctx, emv.SelectByName(ddfs[n], false))
		if err != nil {
			return nil, false, err
		}
		if r.SW != emv.SWNoError {
			continue // a DDF that cannot be selected is skipped
		}
		sfi, ok := directorySFI(r.Data)
		if !ok {
			continue
		}
		more, deeper, ok, err := t.readDirectory(ctx, sfi)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, nil
		}
		cs = append(cs, more...)
		ddfs = append(ddfs, deeper...)
	}
	return cs, true, nil
}

// directorySFI takes the SFI of the directory elementary file (88) from the
// FCI of the PSE or of a DDF (Book 1, 11.3.4, Table 8).
func directorySFI(fci []byte) (byte, bool) {
	objs, err := emv.Decode(fci)
	if err != nil {
		return 0, false
	}
	sfi, ok := emv.Find(objs, tagSFI)
	if !ok || len(sfi.Value) != 1 || sfi.Value[0] < 1 || sfi.Value[0] > 30 {
		return 0, false
	}
	return sfi.Value[0], true
}

// readDirectory reads a payment system directory (Book 1, 12.3.2 steps 2-5):
// records from 1 until 6A83. ok is false when the directory is unusable and
// the terminal falls back to the list of AIDs.
func (t *txn) readDirectory(ctx context.Context, sfi byte) (cs []Candidate, ddfs [][]byte, ok bool, err error) {
	for rec := byte(1); rec != 0; rec++ {
		cmd, err := emv.ReadRecord(sfi, rec)
		if err != nil {
			return nil, nil, false, nil
		}
		r, err := t.transmit(ctx, cmd)
		if err != nil {
			return nil, nil, false, err
		}
		if r.SW == emv.SWRecordNotFound {
			break // Book 1, 12.3.2 step 5: end of the directory
		}
		if r.SW != emv.SWNoError {
			return nil, nil, false, nil
		}
		objs, err := emv.Decode(r.Data)
		if err != nil || len(objs) != 1 || objs[0].Tag != tagRecord {
			return nil, nil, false, nil
		}
		for _, e := range emv.FindAll(objs[0].Children, tagDirEntry) {
			if ddf, ok := emv.Find(e.Children, tagDDFName); ok {
				ddfs = append(ddfs, clone(ddf.Value))
				continue
			}
			adf, ok := emv.Find(e.Children, tagAID)
			if !ok {
				continue
			}
			app, ok := t.matchAID(adf.Value)
			if !ok {
				continue
			}
			c := Candidate{DFName: clone(adf.Value), TerminalAID: app.AID}
			fillCandidate(&c, e.Children)
			cs = addCandidate(cs, c)
		}
	}
	return cs, ddfs, true, nil
}

// matchAID finds the terminal application an ADF name matches: exactly, or
// by its leading bytes when the application allows partial selection
// (Book 1, 12.3.1).
func (t *txn) matchAID(df []byte) (Application, bool) {
	for _, a := range t.k.cfg.Applications {
		if bytes.Equal(a.AID, df) {
			return a, true
		}
	}
	for _, a := range t.k.cfg.Applications {
		if a.PartialSelection && len(df) > len(a.AID) && bytes.HasPrefix(df, a.AID) {
			return a, true
		}
	}
	return Application{}, false
}

func fillCandidate(c *Candidate, objs []emv.TLV) {
	if v, ok := emv.Find(objs, tagLabel); ok {
		c.Label = string(v.Value)
	}
	if v, ok := emv.Find(objs, tagPreferredName); ok {
		c.PreferredName = string(v.Value)
	}
	if v, ok := emv.Find(objs, tagPriority); ok && len(v.Value) == 1 {
		c.Priority = v.Value[0]
	}
}

// listOfAIDs selects every terminal AID in turn (Book 1, 12.3.3).
func (t *txn) listOfAIDs(ctx context.Context) ([]Candidate, error) {
	var cs []Candidate
	for _, a := range t.k.cfg.Applications {
		next := false
		for n := 0; n < 32; n++ { // bound a card that never ends its occurrences
			r, err := t.transmit(ctx, emv.SelectByName(a.AID, next))
			if err != nil {
				return nil, err
			}
			if r.SW == emv.SWFunctionNotSupported && !next {
				// Book 1, 12.3.3 step 1: 6A81 to the first SELECT: card
				// blocked or command not supported: terminate.
				return nil, terminate("card blocked (SELECT 6A81)", emv.ErrStatus{SW: r.SW})
			}
			if r.SW != emv.SWNoError && r.SW != emv.SWSelectedFileInvalidated {
				break // Book 1, 12.3.3 step 2: not found: next terminal AID
			}
			objs, err := emv.Decode(r.Data)
			df, ok := emv.Find(objs, tagDFName)
			if err != nil || !ok {
				break // no usable FCI: treat as not found
			}
			blocked := r.SW == emv.SWSelectedFileInvalidated
			switch {
			case bytes.Equal(df.Value, a.AID):
				// Book 1, 12.3.3 step 3: exact match; a blocked
				// application (6283) is not added.
				if !blocked {
					cs = addCandidate(cs, candidateFromFCI(df.Value, a.AID, objs))
				}
			case bytes.HasPrefix(df.Value, a.AID) && len(df.Value) > len(a.AID):
				// Book 1, 12.3.3 step 4: partial match, added only when the
				// ASI allows it; in every case look for the next occurrence.
				if a.PartialSelection && !blocked {
					cs = addCandidate(cs, candidateFromFCI(df.Value, a.AID, objs))
				}
				next = true
				continue
			}
			if !a.PartialSelection {
				break
			}
			// Book 1, 12.3.3 step 5: with partial selection allowed, repeat
			// SELECT with P2 '02' until the card says no more.
			next = true
		}
	}
	return cs, nil
}

// addCandidate adds c unless a card repeating an occurrence already gave it.
func addCandidate(cs []Candidate, c Candidate) []Candidate {
	for _, x := range cs {
		if bytes.Equal(x.DFName, c.DFName) {
			return cs
		}
	}
	return append(cs, c)
}

func candidateFromFCI(df, termAID []byte, objs []emv.TLV) Candidate {
	c := Candidate{DFName: clone(df), TerminalAID: termAID}
	if p, ok := emv.Find(objs, tagFCIProprietary); ok {
		fillCandidate(&c, p.Children)
	}
	return c
}

// chooseApplication orders the candidates and picks one (Book 1, 12.4).
func (t *txn) chooseApplication(ctx context.Context, cs []Candidate) (Candidate, error) {
	if len(cs) == 0 {
		return Candidate{}, terminate("no mutually supported application", nil)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].rank() < cs[j].rank() })
	ch := t.k.cardholder
	if len(cs) == 1 {
		c := cs[0]
		if !c.ConfirmationRequired() {
			return c, nil
		}
		// Book 1, 12.4 step 2: confirmation required: ask, or drop the
		// application when the terminal cannot ask.
		if ch == nil {
			return Candidate{}, terminate("application requires cardholder confirmation", nil)
		}
		ok, err := ch.Confirm(ctx, c)
		if err != nil || !ok {
			return Candidate{}, terminate("cardholder declined the application", err)
		}
		return c, nil
	}
	if ch != nil {
		// Book 1, 12.4 step 3: offer the list in priority order.
		i, err := ch.Choose(ctx, cs)
		if err != nil || i < 0 || i >= len(cs) {
			return Candidate{}, terminate("cardholder chose no application", err)
		}
		return cs[i], nil
	}
	// Book 1, 12.4 step 4: without cardholder selection the terminal takes
	// the highest priority application not requiring confirmation.
	for _, c := range cs {
		if !c.ConfirmationRequired() {
			return c, nil
		}
	}
	return Candidate{}, terminate("every application requires cardholder confirmation", nil)
}

// finalSelect selects the chosen application (Book 1, 12.4 step 5) and keeps
// its FCI. ok is false when the card refused and the candidate is to be
// removed.
func (t *txn) finalSelect(ctx context.Context, c Candidate) (ok bool, err error) {
	r, err := t.transmit(ctx, emv.SelectByName(c.DFName, false))
	if err != nil {
		return false, err
	}
	if r.SW != emv.SWNoError {
		return false, nil
	}
	objs, err := emv.Decode(r.Data)
	if err != nil {
		return false, nil
	}
	_, ok = emv.Find(objs, tagFCI)
	df, dok := emv.Find(objs, tagDFName)
	if !ok || !dok || !bytes.Equal(df.Value, c.DFName) {
		return false, nil // Book 1, 12.4: the FCI must name the selected DF
	}
	t.icc[tagDFName] = clone(df.Value)
	t.icc[tagAID] = clone(df.Value)
	if p, ok := emv.Find(objs, tagFCIProprietary); ok {
		for _, o := range p.Children {
			if _, seen := t.icc[o.Tag]; !seen {
				t.icc[o.Tag] = clone(o.Value)
			}
		}
	}
	return true, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
