package acquirer

import (
	"errors"
	"fmt"

	"github.com/paylab/paylab/fixtures"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/iso8583"
)

// A request whose DE 52 does not translate is answered rcSecurityViolation,
// ISO 8583:1987 DE 39 code 63 "security violation", and is not forwarded.
// The acquirer's security module, not the issuer, finds the block
// malformed under the terminal's key (wrong key, wrong format, another
// PAN), so it is not the issuer's 55 (incorrect PIN, which only the issuer
// can decide); 81 ("PIN cryptographic error") is a private-use code of one
// scheme (ISO 8583:1987 reserves 76-89 for private use), not the
// contract's dialect.

// PIN keys: one terminal PIN key (TPK) per terminal or one for all, one
// zone PIN key (ZPK) per route or one for all; the defaults are the TEST
// KEYS of fixtures/keys/pin.yaml.
type pinKeys struct {
	tpk    map[string][]byte // by terminal id (DE 41)
	defTPK []byte
	defZPK []byte
}

func checkPINKey(what string, key []byte) error {
	if len(key) != 16 {
		return fmt.Errorf("%s: want a 16-byte triple-DES key, got %d bytes", what, len(key))
	}
	return nil
}

// WithTerminalPINKey sets the terminal PIN key (TPK, double-length triple
// DES) under which terminal tid (DE 41) enciphers DE 52; tid "" sets the
// key of every terminal without its own. Default: the TEST KEY tpk of
// fixtures/keys/pin.yaml, hostlink's default too.
func WithTerminalPINKey(tid string, tpk []byte) Option {
	return func(c *config) {
		if err := checkPINKey(fmt.Sprintf("terminal PIN key of %q", tid), tpk); err != nil {
			c.err = errors.Join(c.err, err)
			return
		}
		k := append([]byte(nil), tpk...)
		if tid == "" {
			c.pin.defTPK = k
			return
		}
		if c.pin.tpk == nil {
			c.pin.tpk = map[string][]byte{}
		}
		c.pin.tpk[tid] = k
	}
}

// WithZonePINKey sets the zone PIN key (ZPK, double-length triple DES) of
// every route without its own Route.PINKey: DE 52 is translated to it
// before it goes to the issuer. Default: the TEST KEY zpk of
// fixtures/keys/pin.yaml, which fixtures/issuers/test-issuer.yaml's pin_key
// matches.
func WithZonePINKey(zpk []byte) Option {
	return func(c *config) {
		if err := checkPINKey("zone PIN key", zpk); err != nil {
			c.err = errors.Join(c.err, err)
			return
		}
		c.pin.defZPK = append([]byte(nil), zpk...)
	}
}

// loadDefaultPINKeys fills the keys no option set from the fixture.
func (c *config) loadDefaultPINKeys() {
	if c.pin.defTPK != nil && c.pin.defZPK != nil {
		return
	}
	keys, err := fixtures.LoadPINKeys(fixtures.FS)
	if err != nil {
		c.err = errors.Join(c.err, fmt.Errorf("default PIN keys: %w", err))
		return
	}
	if c.pin.defTPK == nil {
		c.pin.defTPK = keys.TPK
	}
	if c.pin.defZPK == nil {
		c.pin.defZPK = keys.ZPK
	}
}

func (a *Acquirer) terminalPINKey(tid string) []byte {
	if k, ok := a.cfg.pin.tpk[tid]; ok {
		return k
	}
	return a.cfg.pin.defTPK
}

func (a *Acquirer) zonePINKey(issuer string) []byte {
	if l := a.links[issuer]; l != nil && l.route.PINKey != nil {
		return l.route.PINKey
	}
	return a.cfg.pin.defZPK
}

// translatePIN re-enciphers DE 52 of a terminal request in place, from the
// terminal's TPK to the ZPK of the issuer's route, as a format 0 block for
// the PAN of DE 2 (cryptogram.TranslatePINBlock: ISO 9564-1 format 0, the
// block's control field and PIN length checked; the PIN is never in the
// clear outside it). It returns "" (done, or no DE 52) or
// rcSecurityViolation. The log names the terminal, the RRN and the failed
// check only.
func (a *Acquirer) translatePIN(req *iso8583.Message, tid, pan, issuer, rrn string) string {
	pb, ok := req.GetBytes(52)
	if !ok {
		return ""
	}
	out, err := cryptogram.TranslatePINBlock(a.terminalPINKey(tid), a.zonePINKey(issuer), pb, pan)
	if err == nil {
		err = req.SetBytes(52, out)
	}
	if err != nil {
		a.log.Warn("PIN block does not translate: 63", "tid", tid, "rrn", rrn, "issuer", issuer, "err", err)
		return rcSecurityViolation
	}
	return ""
}
