package issuer

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
)

// Verifier replaces the built-in ARQC check: it gets the request's PAN and
// DE 55 and returns a response code ("" to let the account decide) and the
// DE 55 objects to answer with (the ARPC, scripts).
type Verifier func(pan string, de55 []emv.TLV) (rc string, resp []emv.TLV, err error)

// ARQCResult is the outcome of the issuer's ARQC check.
type ARQCResult uint8

// ARQC check outcomes.
const (
	ARQCNotChecked ARQCResult = iota // no ARQC in the request (no DE 55, a TC or AAC, an advice), or the range's keys are unknown
	ARQCVerified                     // recomputed and equal (EMV Book 2, 8.1)
	ARQCFailed                       // different, data missing, or no keys for the card
)

func (r ARQCResult) String() string {
	switch r {
	case ARQCVerified:
		return "verified"
	case ARQCFailed:
		return "failed"
	}
	return "not checked"
}

// ARQCCheck records one ARQC check: its result, the card profile and
// cryptogram version whose keys were used, and why it failed.
type ARQCCheck struct {
	RRN     string
	Result  ARQCResult
	Profile string
	CVN     int
	Reason  string // "" when verified
}

// ScriptRule sends issuer script commands (EMV Book 3, 10.10) with the
// answer to an ARQC-verified request that matches: PAN ("" any) and amount
// (0 any). Every matching rule contributes, in order.
type ScriptRule struct {
	Name     string
	PAN      string
	Amount   int64
	Template byte // 0x71 before the final GENERATE AC, 0x72 after
	Commands []ScriptCommand
}

func (r *ScriptRule) matches(pan string, amount int64) bool {
	return (r.PAN == "" || r.PAN == pan) && (r.Amount == 0 || r.Amount == amount)
}

// ScriptCommand is one issuer script command: its header (CLA INS P1 P2),
// plain data (enciphered under the SMC session key when Encipher is set)
// and, for PIN CHANGE, the new PIN (the version's PIN block, enciphered).
// BadMAC corrupts the secure messaging MAC (a negative test, Book 2, 9.2).
type ScriptCommand struct {
	Header   [4]byte
	Data     []byte
	Encipher bool
	NewPIN   string
	BadMAC   bool
}

// cardKey is CardKeys ready for use: the version and, for one card, the
// ICC master keys derived once (EMV Book 2, A1.4).
type cardKey struct {
	CardKeys
	version *cryptogram.Version
	icc     cryptogram.Keys
}

type panPSN struct{ pan, psn string }

// keyring finds the keys of a PAN and PAN sequence number: a card
// application's own, else its BIN range's (derived per card, then cached).
type keyring struct {
	mu      sync.RWMutex
	byCard  map[panPSN]*cardKey
	anyPSN  map[string]*cardKey
	derived map[panPSN]*cardKey
	bins    []BIN
	errs    []error // keys that could not be used (bad CVN or key length)
}

func newKeyring() *keyring {
	return &keyring{byCard: map[panPSN]*cardKey{}, anyPSN: map[string]*cardKey{}, derived: map[panPSN]*cardKey{}}
}

func (r *keyring) add(keys ...CardKeys) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		ck, err := prepare(k, k.PAN, k.PSN)
		if err != nil {
			r.errs = append(r.errs, err)
			continue
		}
		if k.PSN == "" {
			r.anyPSN[k.PAN] = ck
		} else {
			r.byCard[panPSN{k.PAN, k.PSN}] = ck
		}
	}
}

func prepare(k CardKeys, pan, psn string) (*cardKey, error) {
	v, err := cryptogram.VersionByNumber(k.CVN)
	if err != nil {
		return nil, fmt.Errorf("card keys of %s: %w", k.Profile, err)
	}
	if psn == "" {
		psn = "00"
	}
	icc, err := v.DeriveKeys(k.IMK, pan, psn)
	if err != nil {
		return nil, fmt.Errorf("card keys of %s for %s: %w", k.Profile, emv.MaskPAN(pan), err)
	}
	return &cardKey{CardKeys: k, version: v, icc: icc}, nil
}

var errNoKeys = errors.New("no issuer master keys for this card")

// errKeysUnknown: the card's range is declared keys: unknown — the ARQC
// cannot be checked, which is not a failure of the card.
var errKeysUnknown = errors.New("issuer keys unknown for this range: ARQC not checked")

// lookup returns the keys for pan and psn.
func (r *keyring) lookup(pan, psn string) (*cardKey, error) {
	id := panPSN{pan, psn}
	r.mu.RLock()
	k := r.byCard[id]
	if k == nil {
		k = r.derived[id]
	}
	anyPSN := r.anyPSN[pan]
	r.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	if anyPSN != nil {
		if psn == "00" {
			return anyPSN, nil
		}
		return r.derive(id, anyPSN.CardKeys)
	}
	// Another application of the same PAN has keys, but not for this PSN:
	// the card is not one the issuer personalised.
	for _, b := range r.bins {
		if b.Contains(pan) && b.Keys != nil {
			return r.derive(id, *b.Keys)
		}
	}
	for _, b := range r.bins {
		if b.Contains(pan) && b.KeysUnknown {
			return nil, errKeysUnknown
		}
	}
	return nil, errNoKeys
}

func (r *keyring) derive(id panPSN, k CardKeys) (*cardKey, error) {
	ck, err := prepare(k, id.pan, id.psn)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.derived) < 1<<16 {
		r.derived[id] = ck
	}
	r.mu.Unlock()
	return ck, nil
}

// psnStrings holds "00".."99" so that a PSN costs no allocation.
var psnStrings = func() (t [100]string) {
	for i := range t {
		t[i] = string([]byte{'0' + byte(i/10), '0' + byte(i%10)})
	}
	return
}()

// verifyARQC recomputes the ARQC (EMV Book 2, 8.1) with the card's keys,
// as Version.VerifyARQC does, and returns the AC session key for the ARPC
// (also on a mismatch) so that it is derived once per transaction.
func (k *cardKey) verifyARQC(tx map[emv.Tag][]byte) ([]byte, error) {
	v := k.version
	data, err := v.Data(tx)
	if err != nil {
		return nil, fmt.Errorf("verify ARQC: %w", err)
	}
	sk, err := v.SessionKey(k.icc.AC, tx)
	if err != nil {
		return nil, fmt.Errorf("verify ARQC: %w", err)
	}
	want, err := cryptogram.MAC(cryptogram.MACAlgorithm3, v.Padding, sk, data)
	if err != nil {
		return nil, fmt.Errorf("verify ARQC: %w", err)
	}
	got := tx[emv.TagCryptogram]
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return sk, &cryptogram.MismatchError{What: "ARQC", Got: append([]byte{}, got...), Expected: want}
	}
	return sk, nil
}

// csuApproved is the Card Status Update of an approval: byte 2 bit 8,
// "issuer approves online transaction" (EMV Book 3, Annex C, Common Core
// Definitions, Card Status Update;
// VIS 1.6). A decline sends all zeros.
var (
	csuApproved = []byte{0x00, 0x80, 0x00, 0x00}
	csuDeclined = []byte{0x00, 0x00, 0x00, 0x00}
)

// issuerAuthData is tag 91 (EMV Book 2, 8.2): ARPC method 1, ARPC (8) ||
// ARC (2), with the ARC the response code; or method 2, ARPC (4) || CSU (4).
// wrong corrupts the ARPC (a fault: issuer authentication must fail).
func (k *cardKey) issuerAuthData(tx map[emv.Tag][]byte, sk []byte, rc string, wrong bool) ([]byte, error) {
	in := cryptogram.ARPCInput{ARQC: tx[emv.TagCryptogram], ATC: tx[emv.TagATC]}
	var tail []byte
	if k.version.ARPCMethod == 2 {
		in.CSU = csuDeclined
		if rc == Approved {
			in.CSU = csuApproved
		}
		tail = in.CSU
	} else {
		in.ARC = []byte(rc)
		tail = in.ARC
	}
	var arpc []byte
	var err error
	v := k.version
	if sk != nil && v.ARPCMethod == 2 && v.ARPCWithSessionKey && v.SessionKeyMethod == cryptogram.CommonSessionKey {
		// The ARPC key is the AC session key just derived (Book 2, 8.2.2).
		arpc, err = cryptogram.ARPC2(sk, in.ARQC, in.CSU, nil)
	} else {
		arpc, err = v.ARPC(k.icc.AC, in)
	}
	if err != nil {
		return nil, err
	}
	if wrong {
		arpc[0] ^= 0xFF
	}
	return append(arpc, tail...), nil
}

// scripts builds templates 71 and 72 (EMV Book 3, 10.10 and Annex A) of
// the matching rules' commands with secure messaging (Book 2, 9.2 and
// 9.3), bound to the transaction's ATC and ARQC. M/Chip diversifies per
// command (ScriptContext.Next), counted in the order the card receives
// them: every 71 command first, then every 72.
func (k *cardKey) scripts(tx map[emv.Tag][]byte, rules []*ScriptRule) ([]emv.TLV, error) {
	ctx := cryptogram.ScriptContext{ATC: tx[emv.TagATC], AC: tx[emv.TagCryptogram]}
	n := 0
	var out []emv.TLV
	for _, tmpl := range []byte{0x71, 0x72} {
		for _, r := range rules {
			if r.Template != tmpl {
				continue
			}
			kids := []emv.TLV{{Tag: 0x9F18, Value: []byte{0, 0, 0, tmpl}}} // script identifier
			for _, c := range r.Commands {
				cctx := ctx
				if k.version.Scheme == "Mastercard" {
					for j := 0; j < n; j++ {
						cctx = cctx.Next()
					}
				}
				n++
				var apdu []byte
				var err error
				if c.NewPIN != "" {
					apdu, err = k.version.PINChangeCommand(k.icc, cctx, c.NewPIN, "")
				} else {
					apdu, err = k.version.ScriptCommand(k.icc, cctx, c.Header, c.Data, c.Encipher)
				}
				if err != nil {
					return nil, fmt.Errorf("build script %s: %w", r.Name, err)
				}
				if c.BadMAC {
					apdu[len(apdu)-1] ^= 0xFF
				}
				kids = append(kids, emv.TLV{Tag: 0x86, Value: apdu})
			}
			out = append(out, emv.TLV{Tag: emv.Tag(tmpl), Children: kids})
		}
	}
	return out, nil
}
