package acquirer

import (
	"fmt"
	"strings"
)

// Route sends the cards of some BINs to one issuer host.
type Route struct {
	// Name identifies the issuer; it is journalled with each transaction
	// (Txn.Issuer) so that a reversal owed after a restart finds its link.
	Name string
	// Scheme names the card scheme for settlement totals, e.g. "visa",
	// "mastercard".
	Scheme string
	// BINs are PAN prefixes ("476173") or inclusive ranges of prefixes of
	// one length ("400000-499999"). The most specific match wins: the
	// longest prefix, then a prefix before a range of the same length,
	// then the narrowest range, then the first declared.
	BINs []string
	// Addr is the issuer host's TCP address.
	Addr string
	// Conns is how many pipelined connections the acquirer keeps to the
	// issuer (default 1).
	Conns int
	// PINKey is the zone PIN key (ZPK, 16 bytes, double-length triple DES)
	// shared with this issuer: DE 52 is translated to it from the
	// terminal's key. nil: the acquirer's (WithZonePINKey).
	PINKey []byte
}

type binRule struct {
	lo, hi string // lo == hi for a prefix
	rng    bool
	route  int
}

func (r Route) check() error {
	if r.Name == "" || r.Addr == "" {
		return fmt.Errorf("route %q: name and address are required", r.Name)
	}
	if len(r.BINs) == 0 {
		return fmt.Errorf("route %q: no BINs", r.Name)
	}
	if r.PINKey != nil {
		if err := checkPINKey("zone PIN key", r.PINKey); err != nil {
			return fmt.Errorf("route %q: %w", r.Name, err)
		}
	}
	for _, b := range r.BINs {
		if _, err := parseBIN(b); err != nil {
			return fmt.Errorf("route %q: %w", r.Name, err)
		}
	}
	return nil
}

func parseBIN(s string) (binRule, error) {
	lo, hi, rng := strings.Cut(strings.TrimSpace(s), "-")
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if !rng {
		hi = lo
	}
	if !isDigits(lo) || !isDigits(hi) || len(lo) != len(hi) || lo > hi || len(lo) > 19 {
		return binRule{}, fmt.Errorf("BIN %q: want digits or a range LO-HI of equal lengths", s)
	}
	return binRule{lo: lo, hi: hi, rng: rng}, nil
}

type router struct {
	routes []Route
	rules  []binRule
}

func newRouter(routes []Route) *router {
	rt := &router{routes: routes}
	for i, r := range routes {
		for _, b := range r.BINs {
			br, err := parseBIN(b)
			if err != nil {
				continue // checked by WithRoute
			}
			br.route = i
			rt.rules = append(rt.rules, br)
		}
	}
	return rt
}

// lookup returns the route for pan, or false.
func (rt *router) lookup(pan string) (Route, bool) {
	best := -1
	var bestRule binRule
	for _, br := range rt.rules {
		n := len(br.lo)
		if len(pan) < n {
			continue
		}
		p := pan[:n]
		if p < br.lo || p > br.hi {
			continue
		}
		if best < 0 || better(br, bestRule) {
			best, bestRule = br.route, br
		}
	}
	if best < 0 {
		return Route{}, false
	}
	return rt.routes[best], true
}

// better reports whether rule a is more specific than b.
func better(a, b binRule) bool {
	if len(a.lo) != len(b.lo) {
		return len(a.lo) > len(b.lo)
	}
	if a.rng != b.rng {
		return !a.rng
	}
	if a.rng {
		return width(a) < width(b)
	}
	return false
}

func width(r binRule) uint64 {
	var lo, hi uint64
	for i := 0; i < len(r.lo); i++ {
		lo = lo*10 + uint64(r.lo[i]-'0')
		hi = hi*10 + uint64(r.hi[i]-'0')
	}
	return hi - lo
}
