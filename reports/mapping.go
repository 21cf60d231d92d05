package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A lab's mapping to a scheme's test plan. Scheme plans are confidential,
// so paylab never ships one: a lab keeps a CSV file that pairs paylab case
// IDs with the scheme's case IDs, and the report shows the scheme IDs
// beside paylab's. The file (RFC 4180 CSV, UTF-8) has a header row naming
// its columns in any order:
//
//	paylab_id,scheme_id,scheme,note
//	EMV.CT.CVM.001,ADVT-07,Scheme X ADVT 6.1,offline enciphered PIN
//	EMV.CT.CVM.001,CTF-2.3.4,Scheme X CTF,
//
// paylab_id and scheme_id are required; scheme (the scheme's plan, e.g.
// "ADVT 6.1") and note are optional; any other column is an error, as is a
// row whose paylab ID is not of the form FLOW.AREA.NNN, an empty scheme ID
// or a pair listed twice. A case may map to several scheme cases and a
// scheme case to several paylab cases. Lines starting with # are comments.

// Column names of a mapping file.
const (
	colPaylab = "paylab_id"
	colScheme = "scheme_id"
	colPlan   = "scheme"
	colNote   = "note"
)

// maxSchemeID bounds a scheme case ID: longer is not an ID but a mistake.
const maxSchemeID = 64

// Mapping is a parsed mapping file.
type Mapping struct {
	File   string              // base name of the file
	Scheme string              // the scheme plans named, joined by ", "
	Rows   []MappingRow        // in file order
	IDs    map[string][]string // paylab ID → scheme IDs, in file order
}

// MappingRow is one row of a mapping file.
type MappingRow struct {
	Line     int // 1-based line number in the file
	PaylabID string
	SchemeID string
	Scheme   string
	Note     string
}

// MappingError is a mapping file that cannot be used, with the line (1 is
// the header) and, when it is about one cell, the column.
type MappingError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *MappingError) Error() string {
	s := fmt.Sprintf("read mapping %s: line %d", e.File, e.Line)
	if e.Column != "" {
		s += ", " + e.Column
	}
	return s + ": " + e.Err.Error()
}

func (e *MappingError) Unwrap() error { return e.Err }

// ErrMapping is wrapped by every MappingError's Err that is not a CSV
// syntax error.
var ErrMapping = errors.New("bad mapping")

// ParseMapping reads a mapping file; name labels errors and the report.
func ParseMapping(name string, r io.Reader) (*Mapping, error) {
	base := filepath.Base(name)
	bad := func(line int, col, format string, a ...any) error {
		return &MappingError{File: base, Line: line, Column: col, Err: fmt.Errorf("%w: "+format, append([]any{ErrMapping}, a...)...)}
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 0 // every row as wide as the header
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, bad(1, "", "empty file: want a header row %s,%s", colPaylab, colScheme)
	}
	if err != nil {
		return nil, csvError(base, err)
	}
	hline, _ := cr.FieldPos(0)
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case colPaylab, colScheme, colPlan, colNote:
		default:
			return nil, bad(hline, "", "unknown column %q (want %s, %s and optionally %s, %s)", header[i], colPaylab, colScheme, colPlan, colNote)
		}
		if _, dup := cols[h]; dup {
			return nil, bad(hline, "", "column %s twice", h)
		}
		cols[h] = i
	}
	for _, need := range []string{colPaylab, colScheme} {
		if _, ok := cols[need]; !ok {
			return nil, bad(hline, "", "no %s column (header must name %s and %s)", need, colPaylab, colScheme)
		}
	}
	m := &Mapping{File: base, IDs: map[string][]string{}}
	seen := map[[2]string]int{}
	schemes := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(base, err)
		}
		line, _ := cr.FieldPos(0)
		cell := func(c string) string {
			if i, ok := cols[c]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := MappingRow{Line: line, PaylabID: cell(colPaylab), SchemeID: cell(colScheme), Scheme: cell(colPlan), Note: cell(colNote)}
		switch {
		case !IsPlanID(row.PaylabID):
			return nil, bad(line, colPaylab, "%q is not a paylab case ID (FLOW.AREA.NNN)", row.PaylabID)
		case row.SchemeID == "":
			return nil, bad(line, colScheme, "empty")
		case utf8.RuneCountInString(row.SchemeID) > maxSchemeID:
			return nil, bad(line, colScheme, "longer than %d characters", maxSchemeID)
		}
		for _, c := range []struct{ col, v string }{{colScheme, row.SchemeID}, {colPlan, row.Scheme}, {colNote, row.Note}} {
			if !utf8.ValidString(c.v) || strings.IndexFunc(c.v, unicode.IsControl) >= 0 {
				return nil, bad(line, c.col, "not UTF-8 text or holds a control character")
			}
		}
		key := [2]string{row.PaylabID, row.SchemeID}
		if first, dup := seen[key]; dup {
			return nil, bad(line, "", "%s ↔ %s already on line %d", row.PaylabID, row.SchemeID, first)
		}
		seen[key] = line
		if row.Scheme != "" {
			schemes[row.Scheme] = true
		}
		m.Rows = append(m.Rows, row)
		m.IDs[row.PaylabID] = append(m.IDs[row.PaylabID], row.SchemeID)
	}
	if len(m.Rows) == 0 {
		return nil, bad(hline, "", "no rows after the header")
	}
	names := make([]string, 0, len(schemes))
	for s := range schemes {
		names = append(names, s)
	}
	sort.Strings(names)
	m.Scheme = strings.Join(names, ", ")
	return m, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &MappingError{File: file, Line: pe.Line, Err: pe.Err}
	}
	return &MappingError{File: file, Err: err}
}

// Check refuses a mapping row whose paylab ID the plan does not define:
// a typo would silently map nothing.
func (m *Mapping) Check(p Plan) error {
	for _, r := range m.Rows {
		if _, ok := p.Cases[r.PaylabID]; !ok {
			return &MappingError{File: m.File, Line: r.Line, Column: colPaylab, Err: fmt.Errorf("%w: %s is not in paylab's plan (fixtures/plans)", ErrMapping, r.PaylabID)}
		}
	}
	return nil
}

// ApplyMapping sets each case's SchemeIDs from the mapping (clearing those
// of an earlier one) and records the mapping in the run.
func (r *Run) ApplyMapping(m *Mapping) {
	for i := range r.Cases {
		r.Cases[i].SchemeIDs = append([]string(nil), m.IDs[r.Cases[i].PlanID]...)
	}
	r.Mapping = &MappingInfo{File: m.File, Scheme: m.Scheme, Rows: len(m.Rows)}
}
