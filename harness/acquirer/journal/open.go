package journal

import (
	"context"
	"fmt"
	"strings"
)

// Open opens the journal a spec names, as the command line and
// configuration files give it: "sqlite:PATH", "postgres:DSN" or "memory".
func Open(ctx context.Context, spec string, opts ...Option) (Journal, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch {
	case spec == "memory":
		return NewMemory(), nil
	case kind == "sqlite" && arg != "":
		return OpenSQLite(arg, opts...)
	case kind == "postgres" && arg != "":
		return OpenPostgres(ctx, arg, opts...)
	}
	return nil, fmt.Errorf("open journal: %q: want sqlite:PATH, postgres:DSN or memory", spec)
}
