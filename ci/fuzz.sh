#!/usr/bin/env bash
# Runs every go test -fuzz target of the module for a bounded time each.
# Usage: ci/fuzz.sh [duration, default 60s]
set -euo pipefail
t="${1:-60s}"
fail=0
for pkg in $(go list ./...); do
	for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $f ($t)"
		if ! go test -run '^$' -fuzz "^${f}\$" -fuzztime "$t" "$pkg"; then
			fail=1
		fi
	done
done
exit $fail
