# PC/SC for the card reader path (issue 5): pcscd (pcsc-lite), the vpcd
# virtual reader driver of vsmartcard (readers "Virtual PCD 00 00" on TCP
# 127.0.0.1:35963 and "Virtual PCD 00 01" on :35964, from
# /etc/reader.conf.d/vpcd), libpcsclite-dev for harness/device/pcsc's cgo
# build (github.com/ebfe/scard), pcsc-tools (pcsc_scan, scriptor) and
# opensc (opensc-tool) as independent PC/SC clients for cross-checks.
#
# start_pcscd works with or without systemd: when no pcscd runs it starts
# one directly (it daemonizes and, without --auto-exit, stays up for the
# whole test run), then waits (bounded) until pcscd lists vpcd's reader.
# Tests find vpcd at its fixed default; PAYLAB_VPCD / PAYLAB_VPCD_READER
# override it. Under CI=true the PC/SC tests fail when this did not work.
PACKAGES+=(pcscd vsmartcard-vpcd libpcsclite-dev pcsc-tools opensc pkg-config)

PAYLAB_PCSC_WAIT=${PAYLAB_PCSC_WAIT:-15} # seconds to wait for the Virtual PCD reader

pcsc_fail() {
	echo "ci/setup.d/20-pcsc.sh: $*" >&2
	return 1
}

pcsc_running() {
	local pid
	[[ -r /run/pcscd/pcscd.pid ]] || return 1
	pid=$(tr -d '\0' </run/pcscd/pcscd.pid 2>/dev/null)
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

start_pcscd() {
	have pcscd || { pcsc_fail "pcscd not found: is the pcscd package installed?"; return 1; }
	[[ -e /etc/reader.conf.d/vpcd ]] || { pcsc_fail "/etc/reader.conf.d/vpcd missing: is vsmartcard-vpcd installed?"; return 1; }
	if ! pcsc_running; then
		[[ $(id -u) -eq 0 ]] || { pcsc_fail "pcscd is not running and starting it needs root"; return 1; }
		echo "ci/setup.d/20-pcsc.sh: starting pcscd"
		pcscd || { pcsc_fail "pcscd did not start"; return 1; }
	fi
	local i readers=""
	for ((i = 0; i < PAYLAB_PCSC_WAIT * 4; i++)); do
		readers=$(timeout 5 pcsc_scan -r 2>/dev/null || true)
		if grep -q "Virtual PCD" <<<"$readers"; then
			echo "ci/setup.d/20-pcsc.sh: pcscd up; readers: $(grep -o 'Virtual PCD [0-9 ]*' <<<"$readers" | paste -sd, -)"
			return 0
		fi
		sleep 0.25
	done
	pcsc_fail "pcscd runs but lists no \"Virtual PCD\" reader after ${PAYLAB_PCSC_WAIT}s (readers: ${readers:-none})"
}
STARTERS+=(start_pcscd)
