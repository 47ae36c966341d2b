#!/usr/bin/env bash
# Run a command beside a throwaway PostgreSQL server on 127.0.0.1, with ATLAS_TEST_POSTGRES set to
# its URL (tests/test_engine.py then runs the query suite on it too); the server is stopped and
# its data removed afterwards, whatever the command's outcome. Uses Debian's PostgreSQL (installed
# with apt-get when missing). Example: bash scripts/with-postgres.sh bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  bin=$(find_bin)
fi
home=$(mktemp -d /tmp/atlas-postgres.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner=()
if [ "$(id -u)" = 0 ]; then  # the server refuses to run as root: it runs as Debian's postgres user
  chown postgres "$home"
  as_owner=(runuser -u postgres --)
fi
stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap stop EXIT
"${as_owner[@]}" "$bin/initdb" -D "$home/data" -U atlas -A trust --no-sync >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$home -c fsync=off" start >/dev/null
echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for this run"
export ATLAS_TEST_POSTGRES="postgres://atlas@127.0.0.1:$port/postgres"
"$@"
