# PostgreSQL for the acquirer journal's PostgreSQL store
# (harness/acquirer/journal, the store for several acquirer nodes). The
# journal's tests reach it with PAYLAB_POSTGRES_DSN, which start_postgres
# writes into .paylab/env; under CI=true they fail when it is unreachable.
#
# start_postgres works on Debian as root, with or without systemd: it creates
# the cluster when the package made none, starts it with pg_ctlcluster when it
# is down, waits (bounded) for pg_isready, then creates the role and the
# database paylab (password paylab) when they are missing.
PACKAGES+=(postgresql)

PAYLAB_PG_USER=paylab
PAYLAB_PG_PASSWORD=paylab
PAYLAB_PG_DB=paylab
PAYLAB_PG_WAIT=${PAYLAB_PG_WAIT:-60} # seconds to wait for the server to accept connections

pg_fail() {
	echo "ci/setup.d/30-postgres.sh: $*" >&2
	return 1
}

# pg_as_postgres runs a command as the postgres OS user.
pg_as_postgres() {
	if have runuser; then
		runuser -u postgres -- "$@"
	else
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	fi
}

# pg_psql runs one SQL statement as the postgres superuser over the local socket.
pg_psql() {
	pg_as_postgres psql -h "$PG_SOCKET_DIR" -p "$PG_PORT" -X -q -v ON_ERROR_STOP=1 -tA -d postgres -c "$1"
}

start_postgres() {
	[[ $(id -u) -eq 0 ]] || { pg_fail "must run as root to start PostgreSQL"; return 1; }
	have pg_lsclusters || { pg_fail "pg_lsclusters not found: is the postgresql package installed?"; return 1; }

	local line ver name port status
	line=$(pg_lsclusters -h 2>/dev/null | head -n1 || true)
	if [[ -z $line ]]; then
		ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
		[[ -n $ver ]] || { pg_fail "no PostgreSQL server version under /usr/lib/postgresql"; return 1; }
		echo "ci/setup.d/30-postgres.sh: creating cluster $ver/main"
		pg_createcluster "$ver" main >/dev/null || { pg_fail "pg_createcluster $ver main failed"; return 1; }
		line=$(pg_lsclusters -h | head -n1)
	fi
	read -r ver name port status _ <<<"$line"
	PG_PORT=$port
	PG_SOCKET_DIR=/var/run/postgresql

	if [[ $status != online* ]]; then
		echo "ci/setup.d/30-postgres.sh: starting PostgreSQL cluster $ver/$name on port $port"
		install -d -o postgres -g postgres -m 2775 "$PG_SOCKET_DIR"
		if ! pg_ctlcluster "$ver" "$name" start; then
			tail -n 20 "/var/log/postgresql/postgresql-$ver-$name.log" >&2 2>/dev/null || true
			pg_fail "pg_ctlcluster $ver $name start failed"
			return 1
		fi
	fi

	local i
	for ((i = 0; i < PAYLAB_PG_WAIT * 2; i++)); do
		pg_isready -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" && break
		sleep 0.5
	done
	if ! pg_isready -q -h "$PG_SOCKET_DIR" -p "$PG_PORT"; then
		tail -n 20 "/var/log/postgresql/postgresql-$ver-$name.log" >&2 2>/dev/null || true
		pg_fail "PostgreSQL $ver/$name did not accept connections within ${PAYLAB_PG_WAIT}s"
		return 1
	fi

	# Role and database, idempotent.
	if [[ $(pg_psql "SELECT 1 FROM pg_roles WHERE rolname = '$PAYLAB_PG_USER'") != 1 ]]; then
		pg_psql "CREATE ROLE $PAYLAB_PG_USER LOGIN PASSWORD '$PAYLAB_PG_PASSWORD'" ||
			{ pg_fail "cannot create role $PAYLAB_PG_USER"; return 1; }
	fi
	if [[ $(pg_psql "SELECT 1 FROM pg_database WHERE datname = '$PAYLAB_PG_DB'") != 1 ]]; then
		pg_psql "CREATE DATABASE $PAYLAB_PG_DB OWNER $PAYLAB_PG_USER" ||
			{ pg_fail "cannot create database $PAYLAB_PG_DB"; return 1; }
	fi

	local dsn="postgres://$PAYLAB_PG_USER:$PAYLAB_PG_PASSWORD@127.0.0.1:$PG_PORT/$PAYLAB_PG_DB?sslmode=disable"
	# Prove the DSN works over TCP with the password, as the tests will use it.
	if ! PGCONNECT_TIMEOUT=10 psql "$dsn" -X -q -tA -c 'SELECT 1' >/dev/null; then
		pg_fail "cannot log in as $PAYLAB_PG_USER over TCP on 127.0.0.1:$PG_PORT"
		return 1
	fi

	mkdir -p .paylab
	touch .paylab/env
	sed -i '/^PAYLAB_POSTGRES_DSN=/d' .paylab/env
	echo "PAYLAB_POSTGRES_DSN=$dsn" >>.paylab/env
	echo "ci/setup.d/30-postgres.sh: PostgreSQL $ver/$name ready ($PAYLAB_PG_USER@127.0.0.1:$PG_PORT/$PAYLAB_PG_DB)"
}
STARTERS+=(start_postgres)
