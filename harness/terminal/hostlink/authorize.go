package hostlink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
	"github.com/paylab/paylab/harness/terminal"
)

// Data objects beyond those package emv names.
const (
	tagDFName        emv.Tag = 0x84
	tagExpiry        emv.Tag = 0x5F24
	tagAppVersion    emv.Tag = 0x9F09
	tagTermCaps      emv.Tag = 0x9F33
	tagCVMResults    emv.Tag = 0x9F34
	tagTermType      emv.Tag = 0x9F35
	tagIFDSerial     emv.Tag = 0x9F1E
	tagTxnSeq        emv.Tag = 0x9F41
	tagTxnTime       emv.Tag = 0x9F21
	tagIssuerAuth    emv.Tag = 0x91
	tagScript1       emv.Tag = 0x71
	tagScript2       emv.Tag = 0x72
	tagAuthCode      emv.Tag = 0x89
	tagTrack2Generic emv.Tag = 0x57
)

// de55Tags are the data objects DE 55 carries, in this order: the host
// contract's list (the ARQC and the data the issuer needs to check it,
// EMV Book 2 8.1.1 and Book 4 12.2), then terminal data the issuer may
// log. The PAN, track 2 and expiry travel in DE 2, 35 and 14 instead.
var de55Tags = []emv.Tag{
	emv.TagCryptogram, emv.TagCID, emv.TagIAD, emv.TagUN, emv.TagATC, emv.TagTVR,
	emv.TagTxnDate, emv.TagTxnType, emv.TagAmount, emv.TagCurrencyCode, emv.TagAIP,
	emv.TagCountryCode, emv.TagAmountOther, tagTermCaps, tagCVMResults, tagTermType,
	tagDFName, emv.TagPANSeq, tagAppVersion, tagIFDSerial, tagTxnSeq, tagTxnTime,
}

// Processing codes (DE 3, host contract).
const (
	ProcPurchase = "000000"
	ProcRefund   = "200000"
	ProcVoid     = "020000"
	ProcBalance  = "310000"
	ProcSettle   = "920000"
)

// cardFields sets the card's data elements from EMV data: DE 2 from 5A,
// DE 14 from 5F24 (YYMMDD → YYMM), DE 23 from 5F34, DE 35 from 57 (the
// track 2 equivalent data, separator D written "=" as ISO/IEC 7813 does).
func cardFields(m *iso8583.Message, d emv.TagValues) error {
	var errs []error
	if v, ok := d[emv.TagPAN]; ok {
		pan, ok := emv.UnpackCN(v)
		if !ok || pan == "" {
			return &DataError{Tag: emv.TagPAN, Reason: "not compressed numeric"}
		}
		errs = append(errs, m.SetString(2, pan))
	}
	if v, ok := d[tagExpiry]; ok {
		if len(v) != 3 {
			return &DataError{Tag: tagExpiry, Reason: "want 3 bytes YYMMDD"}
		}
		yymm, err := bcdDigits(tagExpiry, v[:2], 4)
		if err != nil {
			return err
		}
		errs = append(errs, m.SetString(14, yymm))
	}
	if v, ok := d[emv.TagPANSeq]; ok {
		if len(v) != 1 || v[0]>>4 > 9 || v[0]&0xF > 9 {
			return &DataError{Tag: emv.TagPANSeq, Reason: "want 1 byte n2"}
		}
		errs = append(errs, m.SetBytes(23, []byte{'0', '0' + v[0]>>4, '0' + v[0]&0xF}))
	}
	if v, ok := d[tagTrack2Generic]; ok && len(v) > 0 {
		t2 := make([]byte, 0, 2*len(v))
		for _, b := range v {
			t2 = append(t2, track2Char[b>>4], track2Char[b&0xF])
		}
		// The track 2 equivalent data is padded with F to whole bytes
		// (EMV Book 3, Annex A); D is the field separator, "=" on the
		// magnetic stripe (ISO/IEC 7813).
		for len(t2) > 0 && t2[len(t2)-1] == 'F' {
			t2 = t2[:len(t2)-1]
		}
		errs = append(errs, m.SetBytes(35, t2))
	}
	return errors.Join(errs...)
}

// DataError is kernel data that cannot be put in a message. It names the
// tag, never the value.
type DataError struct {
	Tag    emv.Tag
	Reason string
}

func (e *DataError) Error() string { return fmt.Sprintf("data object %X: %s", uint32(e.Tag), e.Reason) }

// track2Char maps a nibble of 57 to its track 2 character.
const track2Char = "0123456789:;<=>F"

// bcdDigits returns the last n numeric digits of a BCD value (9F02 n12,
// 5F2A n3, 5F24 YYMM).
func bcdDigits(t emv.Tag, v []byte, n int) (string, error) {
	if 2*len(v) < n {
		return "", &DataError{Tag: t, Reason: "too short"}
	}
	s := make([]byte, 2*len(v))
	for i, b := range v {
		hi, lo := b>>4, b&0xF
		if hi > 9 || lo > 9 {
			return "", &DataError{Tag: t, Reason: "not BCD"}
		}
		s[2*i], s[2*i+1] = '0'+hi, '0'+lo
	}
	return string(s[len(s)-n:]), nil
}

// financial builds a 0100/0200/0220 from the kernel's data (host contract,
// "0100 authorisation / 0200 financial"): DE 2, 3, 4, 7, 11, 12, 13, 14,
// 22, 23, 35, 41, 42, 49, 52 (the online PIN, enciphered: encipherPIN) and
// 55. It holds the PAN and track 2: it is never logged but through the
// masked printer.
func (l *Link) financial(mti iso8583.MTI, d emv.TagValues, pinBlock []byte) (*iso8583.Message, error) {
	m := iso8583.NewMessage(l.cfg.dialect, mti)
	now := l.cfg.clock()
	if err := cardFields(m, d); err != nil {
		return nil, err
	}
	proc := ProcPurchase
	if v, ok := d[emv.TagTxnType]; ok && len(v) == 1 {
		// DE 3 positions 1-2 are the transaction type 9C (EMV Book 3,
		// Annex A: 9C holds the first two digits of the ISO 8583:1987
		// processing code).
		proc = fmt.Sprintf("%02X0000", v[0])
	}
	amount := "000000000000"
	if v, ok := d[emv.TagAmount]; ok {
		a, err := bcdDigits(emv.TagAmount, v, 12)
		if err != nil {
			return nil, err
		}
		amount = a
	}
	cur := l.cfg.currency
	if v, ok := d[emv.TagCurrencyCode]; ok {
		c, err := bcdDigits(emv.TagCurrencyCode, v, 3)
		if err != nil {
			return nil, err
		}
		cur = c
	}
	errs := []error{
		m.SetString(3, proc), m.SetString(4, amount), l.stamp(m, now),
		m.SetString(12, now.Format("150405")), m.SetString(13, now.Format("0102")),
		m.SetString(22, l.cfg.entryMode), m.SetString(49, cur),
	}
	if len(pinBlock) > 0 {
		enc, err := l.encipherPIN(m, pinBlock)
		if err != nil {
			return nil, err
		}
		errs = append(errs, m.SetBytes(52, enc))
	}
	objs := make([]emv.TLV, 0, len(de55Tags))
	for _, t := range de55Tags {
		if v, ok := d[t]; ok {
			objs = append(objs, emv.TLV{Tag: t, Value: v})
		}
	}
	if len(objs) > 0 {
		errs = append(errs, m.SetTLV(55, objs))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// encipherPIN turns the kernel's plaintext online PIN block (ISO 9564-1
// format 2, as the PIN pad hands it: EMV Book 3, 10.5.2 leaves the online
// block to the payment system) into DE 52: an ISO 9564-1 format 0 block
// for the PAN of DE 2, enciphered under the terminal PIN key (two-key
// triple DES). Format 2 is for the card only; a clear block never goes on
// the wire. Errors name the failed check, never the PIN or a block.
func (l *Link) encipherPIN(m *iso8583.Message, format2 []byte) ([]byte, error) {
	pan, ok := m.GetString(2)
	if !ok {
		return nil, errors.New("online PIN: no PAN (DE 2) to build the format 0 block")
	}
	pin, err := cryptogram.ParseISOFormat2PINBlock(format2)
	if err != nil {
		return nil, fmt.Errorf("online PIN: %w", err)
	}
	enc, err := cryptogram.EncipherISOFormat0PINBlock(l.cfg.pinKey, pin, pan)
	if err != nil {
		return nil, fmt.Errorf("online PIN: %w", err)
	}
	return enc, nil
}

// Authorize sends the kernel's online request (EMV Book 3, 10.9) as an 0200
// (or 0100, WithAuthorizationMTI) and maps the 0210: DE 39 "00" approves,
// any other code declines; DE 39 is the Authorisation Response Code 8A
// (EMV Book 4, A6: the ARC is the ISO 8583 response code); DE 38 is the
// authorisation code 89; DE 55 tag 91 is the Issuer Authentication Data and
// templates 71 and 72 are the issuer scripts.
//
// With no answer in time, or the connection lost after the request was
// written, Authorize returns an *ExchangeError wrapping ErrNoResponse — the
// kernel then completes as unable to go online (Book 3, 10.7 and 10.11,
// ARC Y3/Z3) — and queues an 0400 reversal (DE 39 "68", response received
// too late) that the link sends, and repeats as 0401, until the host
// acknowledges it; the kernel is not kept waiting for it.
//
// Authorize implements terminal.Authorizer; several calls may be in flight
// on one link.
func (l *Link) Authorize(ctx context.Context, req terminal.AuthRequest) (terminal.AuthResponse, error) {
	cap := captureFrom(ctx)
	m, err := l.financial(l.cfg.authMTI, req.Data, req.PINBlock)
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: build %s: %w", l.cfg.authMTI, err)
	}
	if cap != nil {
		cap.req = m
	}
	resp, err := l.roundTrip(ctx, m, "authorize")
	if err != nil {
		var xe *ExchangeError
		if errors.As(err, &xe) && xe.Sent {
			r := l.queueReversal(m, "", ReasonTimeout)
			if cap != nil {
				cap.sent, cap.reversal = true, r
			}
		}
		return terminal.AuthResponse{}, err
	}
	if cap != nil {
		cap.sent = true
	}
	out, rrn, err := mapAuthResponse(resp)
	if err != nil {
		// An answer that cannot be used leaves the host's state unknown:
		// reverse it, as for no answer.
		r := l.queueReversal(m, rrn, ReasonTimeout)
		if cap != nil {
			cap.reversal = r
		}
		stan, _ := m.GetString(11)
		return terminal.AuthResponse{}, &ExchangeError{Op: "authorize", MTI: m.MTI, STAN: stan, Sent: true, Err: err}
	}
	if cap != nil {
		cap.answered, cap.rrn, cap.rc = true, rrn, string(out.ARC[:])
		cap.authCode = string(out.AuthCode)
	}
	return out, nil
}

// mapAuthResponse turns an 0110/0210 into the kernel's AuthResponse.
func mapAuthResponse(m *iso8583.Message) (terminal.AuthResponse, string, error) {
	rrn, _ := m.GetString(37)
	rc, ok := m.GetString(39)
	if !ok || len(rc) != 2 {
		return terminal.AuthResponse{}, rrn, fmt.Errorf("%w: %s without DE 39", ErrResponse, m.MTI)
	}
	out := terminal.AuthResponse{Decision: terminal.AuthDeclined, ARC: [2]byte{rc[0], rc[1]}}
	if rc == "00" {
		out.Decision = terminal.AuthApproved
	}
	if code, ok := m.GetString(38); ok {
		if code = strings.TrimRight(code, " "); code != "" {
			out.AuthCode = []byte(code)
		}
	}
	objs, err := m.GetTLV(55)
	if err != nil {
		return terminal.AuthResponse{}, rrn, fmt.Errorf("%w: DE 55: %w", ErrResponse, err)
	}
	var scripts []emv.TLV
	for _, o := range objs {
		switch o.Tag {
		case tagIssuerAuth:
			out.IssuerAuthData = append([]byte(nil), o.Value...)
		case tagScript1, tagScript2:
			scripts = append(scripts, o)
		}
	}
	if len(scripts) > 0 {
		out.Scripts = emv.Encode(scripts...)
	}
	return out, rrn, nil
}

// capture is what a POS transaction learns of its online request, carried
// to Authorize in the context.
type capture struct {
	req      *iso8583.Message
	sent     bool
	answered bool
	rrn, rc  string
	authCode string
	reversal *Reversal
}

type captureKey struct{}

func withCapture(ctx context.Context, c *capture) context.Context {
	return context.WithValue(ctx, captureKey{}, c)
}

func captureFrom(ctx context.Context) *capture {
	c, _ := ctx.Value(captureKey{}).(*capture)
	return c
}

// sinceMillis is a latency in milliseconds, for figures.
func sinceMillis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
