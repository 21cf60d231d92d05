#!/usr/bin/env bash
# Installs, from Debian's packages, what `make demo` and `make test` need and
# is missing, and starts the services they use. Safe to run again: it only
# acts on what is absent. Run as root on Debian (CI and a fresh lab machine).
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg_missing() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! have go; then
	echo "ci/setup.sh: Go 1.26 or newer is required (https://go.dev/dl); Debian's golang package is too old" >&2
	exit 1
fi

# Packages the harness needs today; later capabilities add theirs here.
for p in git ca-certificates; do
	pkg_missing "$p" && need+=("$p")
done

if ((${#need[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "ci/setup.sh: missing Debian packages: ${need[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "ci/setup.sh: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
