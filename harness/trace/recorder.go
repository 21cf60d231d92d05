package trace

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/paylab/paylab/harness/emv"
)

// KindAPDU is the Kind of an APDU exchange entry.
const KindAPDU = "apdu"

// Entry is one recorded exchange, already masked: it holds no byte of a
// sensitive value, only renderings in which those values are masked (see
// the package documentation), so it can be stored, marshalled to JSON and
// shown anywhere.
type Entry struct {
	Seq    int           `json:"seq"`       // 1, 2, ... in recording order
	Kind   string        `json:"kind"`      // KindAPDU
	Time   time.Time     `json:"time"`      // when the exchange completed
	Offset time.Duration `json:"offset_ns"` // since the recorder's first entry
	Step   string        `json:"step,omitempty"`

	// Command names the C-APDU ("READ RECORD SFI 1 record 2",
	// "GENERATE AC ARQC+CDA"); CommandHex is the C-APDU in hex with each
	// sensitive byte shown as "**"; CommandData decodes its data field
	// (DOL-related data split by the card's DOL), masked.
	Command     string `json:"command"`
	CommandHex  string `json:"command_hex"`
	CommandData string `json:"command_data,omitempty"`

	// ResponseHex is the R-APDU (data and status word) in hex, masked like
	// CommandHex; SW and Status its status word and meaning; Response the
	// response data as a BER-TLV tree (emv.Sprint, masked).
	ResponseHex string `json:"response_hex,omitempty"`
	SW          uint16 `json:"sw"`
	Status      string `json:"status,omitempty"`
	Response    string `json:"response,omitempty"`

	// Err is the transport failure, if the exchange failed below the APDU
	// layer; digit runs that could be a PAN are masked in it.
	Err string `json:"error,omitempty"`
}

// Recorder collects masked evidence. It is safe for concurrent use; entries
// keep the order in which they were recorded. The zero value is not
// usable: call New.
type Recorder struct {
	mu      sync.Mutex
	entries []Entry
	start   time.Time
	sess    session
}

// New returns an empty Recorder.
func New() *Recorder { return &Recorder{} }

// APDU records one exchange of command capdu and response rapdu (data and
// status word), completed at time at, under the caller's step label (may
// be empty). The APDUs are decoded and masked here; the recorder keeps no
// reference to capdu or rapdu and no copy of any sensitive value.
func (r *Recorder) APDU(step string, capdu, rapdu []byte, at time.Time) {
	r.record(step, capdu, rapdu, nil, at)
}

// APDUError records a command whose exchange failed with err below the APDU
// layer (no response).
func (r *Recorder) APDUError(step string, capdu []byte, err error, at time.Time) {
	r.record(step, capdu, nil, err, at)
}

func (r *Recorder) record(step string, capdu, rapdu []byte, err error, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.sess.entry(capdu, rapdu, err)
	if len(r.entries) == 0 {
		r.start = at
	}
	e.Seq, e.Kind, e.Time, e.Offset = len(r.entries)+1, KindAPDU, at, at.Sub(r.start)
	e.Step = maskDigitRuns(step)
	r.entries = append(r.entries, e)
}

// Entries returns a copy of the entries recorded so far.
func (r *Recorder) Entries() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Entry(nil), r.entries...)
}

// Len returns the number of entries recorded so far.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}

// Render writes the entries as text, one block per exchange:
//
//	#7 +0.004s READ RECORD SFI 1 record 1
//	  C-APDU 00B2010C00
//	  R-APDU 7081..5A08********************...9000
//	  SW     9000 normal processing
//	    70 [129] READ RECORD Response Message Template
//	      5A [8] Application Primary Account Number (PAN): 476173******0119
func (r *Recorder) Render(w io.Writer) error {
	return RenderEntries(w, r.Entries())
}

// String is Render to a string.
func (r *Recorder) String() string {
	var b strings.Builder
	_ = r.Render(&b) // a strings.Builder never fails
	return b.String()
}

// RenderEntries writes entries as Render does.
func RenderEntries(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	for _, e := range entries {
		fmt.Fprintf(bw, "#%d +%.3fs", e.Seq, e.Offset.Seconds())
		if e.Step != "" {
			fmt.Fprintf(bw, " [%s]", e.Step)
		}
		fmt.Fprintf(bw, " %s\n", e.Command)
		fmt.Fprintf(bw, "  C-APDU %s\n", e.CommandHex)
		indent(bw, "    ", e.CommandData)
		if e.Err != "" {
			fmt.Fprintf(bw, "  error  %s\n", e.Err)
			continue
		}
		fmt.Fprintf(bw, "  R-APDU %s\n", e.ResponseHex)
		if e.Status != "" {
			fmt.Fprintf(bw, "  SW     %s\n", e.Status)
		}
		indent(bw, "    ", e.Response)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render trace: %w", err)
	}
	return nil
}

func indent(w *bufio.Writer, prefix, text string) {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return
	}
	for _, l := range strings.Split(text, "\n") {
		w.WriteString(prefix)
		w.WriteString(l)
		w.WriteByte('\n')
	}
}

// entry decodes and masks one exchange, updating the session's DOLs.
func (s *session) entry(capdu, rapdu []byte, err error) Entry {
	x := exchange{cmd: capdu, resp: rapdu, cmdMask: make(byteMask, len(capdu)), rspMask: make(byteMask, len(rapdu))}
	var e Entry
	c, perr := emv.ParseCommand(capdu)
	if perr != nil {
		// Not a command APDU of any ISO/IEC 7816-4 case: no structure to
		// trust, so mask whatever could be a PAN.
		e.Command = "unparsable command"
		maskSalvage(capdu, x.cmdMask)
	} else {
		e.Command = commandName(c)
		e.CommandData = x.commandData(s, c, len(capdu)-len(c.Data)-leLen(c, capdu))
	}
	if err != nil {
		e.Err = err.Error()
	} else {
		e.ResponseHex, e.SW, e.Status, e.Response = x.response(s, c, perr == nil)
	}
	e.CommandHex = hexDump(capdu, x.cmdMask)
	// The last pass: no clear form of a sensitive value seen in this
	// exchange survives in any string, whichever path produced it.
	for _, p := range []*string{&e.Command, &e.CommandHex, &e.CommandData, &e.ResponseHex, &e.Status, &e.Response, &e.Err} {
		*p = x.sec.scrub(*p)
	}
	// Error text comes from below (a driver, a socket): its structure is
	// unknown, so any PAN-like digit run is masked too.
	e.Err = maskDigitRuns(e.Err)
	return e
}

// leLen returns the length of the Le field that ends capdu, as parsed into c.
func leLen(c emv.Command, capdu []byte) int {
	if !c.HasLe {
		return 0
	}
	if c.Extended {
		if len(c.Data) == 0 {
			return 3 // case 2E: 00 Le1 Le2
		}
		return 2
	}
	return 1
}

// response masks and decodes the response APDU.
func (x *exchange) response(s *session, c emv.Command, parsed bool) (hexed string, sw uint16, status, tree string) {
	r, err := emv.ParseResponse(x.resp)
	if err != nil {
		maskSalvage(x.resp, x.rspMask)
		return hexDump(x.resp, x.rspMask), 0, "no status word", ""
	}
	if len(r.Data) > 0 {
		if maskTLV(r.Data, x.rspMask, &x.sec) {
			objs, derr := emv.Decode(r.Data)
			if derr == nil {
				tree = emv.Sprint(objs, emv.PrintOptions{})
				if parsed && (r.SW == emv.SWNoError || r.Status().Warning()) {
					s.learn(c, objs)
				}
			}
		} else if parsed && c.INS == emv.InsGetChallenge {
			tree = fmt.Sprintf("(%d bytes: ICC unpredictable number)", len(r.Data)) // Book 3, 6.5.6.4
		} else {
			tree = fmt.Sprintf("(%d bytes, not BER-TLV)", len(r.Data))
		}
	} else if parsed && c.INS == emv.InsSelect && r.SW == emv.SWNoError {
		s.learn(c, nil)
	}
	return hexDump(x.resp, x.rspMask), r.SW, r.Status().String(), tree
}
