package emvcontact

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/paylab/paylab/emulators/card"
	"github.com/paylab/paylab/harness/emv"
	"github.com/paylab/paylab/harness/emv/cryptogram"
	"github.com/paylab/paylab/harness/emv/oda"
	"github.com/paylab/paylab/harness/terminal"
)

// errUnreachable is the issuer host that cannot be reached: the kernel
// takes the unable-to-go-online path (EMV Book 3, 10.9, 10.11).
var errUnreachable = errors.New("issuer host unreachable")

// scriptCommand is one issuer script command the issuer sends: its header,
// plain data (enciphered under SMC when Encipher is set) and whether the MAC
// is to be corrupted (a negative test of secure messaging, Book 2, 9.2).
type scriptCommand struct {
	Header   [4]byte
	Data     []byte
	Encipher bool
	BadMAC   bool
}

// issuer is the scenario suite's in-process issuer (an Authorizer): it
// verifies the ARQC with the card profile's issuer master keys (TEST KEYS)
// and cryptogram version, and answers with an ARC, an ARPC and optional
// issuer scripts 71 (before the final GENERATE AC) and 72 (after), built
// with cryptogram.ScriptCommand (EMV Book 2, 8.1, 8.2 and 9.2; Book 3,
// 10.9 and 10.10). Knobs: decline, unreachable (unable to go online),
// wrong ARPC.
//
// It stands in until the ISO 8583 issuer host (emulators/issuer) lands
// behind the acquirer; that host replaces it in the bench.
type issuer struct {
	version *cryptogram.Version
	imk     cryptogram.Keys

	Decline     bool // answer ARC 05, declined
	Unreachable bool // Authorize fails: unable to go online
	WrongARPC   bool // corrupt the ARPC: issuer authentication fails at the card
	Before      []scriptCommand
	After       []scriptCommand

	mu       sync.Mutex
	requests int
	arqcErr  error // the last ARQC check's result
}

// newIssuer returns the issuer of application app of profile p.
func newIssuer(p *card.Profile, app int) (*issuer, error) {
	a := p.Apps[app]
	v, err := cryptogram.VersionByNumber(a.Cryptogram.CVN)
	if err != nil {
		return nil, fmt.Errorf("new issuer: %w", err)
	}
	k := cryptogram.Keys{}
	for _, f := range []struct {
		dst *[]byte
		hex string
	}{{&k.AC, a.Cryptogram.IMKAC}, {&k.SMI, a.Cryptogram.IMKSMI}, {&k.SMC, a.Cryptogram.IMKSMC}} {
		if *f.dst, err = hex.DecodeString(strings.ReplaceAll(f.hex, " ", "")); err != nil {
			return nil, fmt.Errorf("new issuer: issuer master key: %w", err)
		}
	}
	return &issuer{version: v, imk: k}, nil
}

// Requests returns how many authorisation requests reached the issuer.
func (i *issuer) Requests() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.requests
}

// ARQCErr returns the result of the last ARQC check (nil: verified).
func (i *issuer) ARQCErr() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.arqcErr
}

// Authorize implements terminal.Authorizer.
func (i *issuer) Authorize(_ context.Context, req terminal.AuthRequest) (terminal.AuthResponse, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.requests++
	if i.Unreachable {
		return terminal.AuthResponse{}, errUnreachable
	}
	pan, err := oda.PANDigits(req.Data[emv.TagPAN])
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: %w", err)
	}
	psn := "00"
	if v, ok := req.Data[emv.TagPANSeq]; ok && len(v) == 1 {
		psn = fmt.Sprintf("%02X", v[0])
	}
	keys, err := i.version.DeriveKeys(i.imk, pan, psn)
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: derive keys: %w", err)
	}
	arqc := req.Data[emv.TagCryptogram]
	// EMV Book 2, 8.1: the issuer recomputes the ARQC; a card whose
	// cryptogram does not verify is declined (ARC 05 here).
	out := terminal.AuthResponse{Decision: terminal.AuthApproved, ARC: [2]byte{'0', '0'}}
	i.arqcErr = i.version.VerifyARQC(keys.AC, req.Data, arqc)
	if i.arqcErr != nil || i.Decline {
		out.Decision, out.ARC = terminal.AuthDeclined, [2]byte{'0', '5'}
	}
	// EMV Book 2, 8.2: ARPC method 1 (ARPC || ARC) or method 2
	// (ARPC || CSU), as the version says.
	in := cryptogram.ARPCInput{ARQC: arqc, ATC: req.Data[emv.TagATC]}
	csu := []byte{0, 0, 0, 0}
	if i.version.ARPCMethod == 2 {
		in.CSU = csu
	} else {
		in.ARC = out.ARC[:]
	}
	arpc, err := i.version.ARPC(keys.AC, in)
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: %w", err)
	}
	if i.WrongARPC {
		arpc[0] ^= 0xFF
	}
	if i.version.ARPCMethod == 2 {
		out.IssuerAuthData = append(arpc, csu...)
	} else {
		out.IssuerAuthData = append(arpc, out.ARC[:]...)
	}
	// EMV Book 3, 10.10; Book 2, 9.2: scripts bound to ATC and ARQC; M/Chip
	// diversifies per command (ScriptContext.Next), in the order the card
	// receives them: template 71 first, then 72.
	ctx := cryptogram.ScriptContext{ATC: req.Data[emv.TagATC], AC: arqc}
	n := 0
	build := func(tag emv.Tag, cmds []scriptCommand) ([]byte, error) {
		if len(cmds) == 0 {
			return nil, nil
		}
		kids := []emv.TLV{{Tag: 0x9F18, Value: []byte{0, 0, 0, byte(tag)}}}
		for _, c := range cmds {
			cctx := ctx
			if i.version.Scheme == "Mastercard" {
				for j := 0; j < n; j++ {
					cctx = cctx.Next()
				}
			}
			n++
			apdu, err := i.version.ScriptCommand(keys, cctx, c.Header, c.Data, c.Encipher)
			if err != nil {
				return nil, err
			}
			if c.BadMAC {
				apdu[len(apdu)-1] ^= 0xFF
			}
			kids = append(kids, emv.TLV{Tag: 0x86, Value: apdu})
		}
		return emv.TLV{Tag: tag, Children: kids}.Encode(), nil
	}
	before, err := build(0x71, i.Before)
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: script 71: %w", err)
	}
	after, err := build(0x72, i.After)
	if err != nil {
		return terminal.AuthResponse{}, fmt.Errorf("authorize: script 72: %w", err)
	}
	if s := append(before, after...); len(s) > 0 {
		out.Scripts = s
	}
	return out, nil
}
