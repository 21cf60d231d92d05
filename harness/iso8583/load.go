package iso8583

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paylab/paylab/fixtures"
)

// ParseSpec decodes a dialect spec written in JSON (a name ending in
// ".json") or YAML (any other name), strictly: an unknown or misspelt key is
// an error in both. name only labels errors and picks the syntax.
func ParseSpec(name string, data []byte) (Spec, error) {
	var s Spec
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return Spec{}, fmt.Errorf("parse spec %s: %w", name, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return Spec{}, fmt.Errorf("parse spec %s: data after the JSON object", name)
		}
		return s, nil
	}
	if err := fixtures.Unmarshal(name, data, &s); err != nil {
		return Spec{}, fmt.Errorf("parse spec: %w", err)
	}
	return s, nil
}

// LoadDialect parses a spec (see ParseSpec) and compiles it.
func LoadDialect(name string, data []byte) (*Dialect, error) {
	s, err := ParseSpec(name, data)
	if err != nil {
		return nil, err
	}
	d, err := Compile(s)
	if err != nil {
		return nil, fmt.Errorf("load dialect %s: %w", name, err)
	}
	return d, nil
}
