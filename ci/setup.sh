#!/usr/bin/env bash
# Installs, from Debian's packages, what `make demo` and `make test` need and
# is missing, and starts the services they use. Safe to run again: it only
# acts on what is absent. Run as root on Debian (CI and a fresh lab machine).
#
# Each capability keeps its packages and its service start-up in its own
# file under ci/setup.d/ (sourced in name order): PACKAGES lists Debian
# packages, and a start_<name> function, when defined, starts a service
# after the packages are in.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
pkg_missing() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! have go; then
	echo "ci/setup.sh: Go 1.26 or newer is required (https://go.dev/dl); Debian's golang package is too old" >&2
	exit 1
fi

PACKAGES=(git ca-certificates)
STARTERS=()
for f in ci/setup.d/*.sh; do
	[[ -e $f ]] || continue
	# shellcheck source=/dev/null
	source "$f"
done

need=()
for p in "${PACKAGES[@]}"; do
	pkg_missing "$p" && need+=("$p")
done

if ((${#need[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "ci/setup.sh: missing Debian packages: ${need[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "ci/setup.sh: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

for s in "${STARTERS[@]}"; do
	"$s"
done
