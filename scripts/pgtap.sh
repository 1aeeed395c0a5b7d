#!/usr/bin/env bash
# Runs the pgTAP tests of the read models' row-level security and lead-protection masking
# (Tests/pgtap/*.sql) against a migrated database whose projections are built:
#
#   scripts/pgtap.sh DATABASE_URL [pg_prove options, e.g. -v]
#
# Installs what is missing (Debian/Ubuntu, non-interactive): the pgTAP extension for the server's
# PostgreSQL major version (postgresql-NN-pgtap; the server must run on this machine for that to
# help) and pg_prove (libtap-parser-sourcehandler-pgtap-perl). Then creates the extension in the
# target database if it is not there and runs pg_prove; the exit code is pg_prove's.
#
# Every test runs in a transaction that is rolled back (06 also commits transactions that only
# set transaction-local settings), so the data are left as they were; the one lasting change is
# the pgtap extension.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || -z "${1:-}" || "$1" == -h || "$1" == --help ]]; then
  echo "usage: scripts/pgtap.sh DATABASE_URL [pg_prove options]" >&2
  exit 64
fi
url="$1"
shift
# For messages: never print the password.
shown="$(printf '%s' "$url" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#')"

install_packages() {
  echo "installing missing packages: $*"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: need root (or sudo) to install $*" >&2; exit 69; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v psql >/dev/null 2>&1 || install_packages postgresql-client

psql_q() { psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname "$url" "$@"; }

if ! major="$(psql_q -c "SELECT current_setting('server_version_num')::int / 10000")"; then
  echo "error: cannot connect to $shown" >&2
  exit 1
fi

need=()
dpkg -s "postgresql-$major-pgtap" >/dev/null 2>&1 || need+=("postgresql-$major-pgtap")
command -v pg_prove >/dev/null 2>&1 || need+=(libtap-parser-sourcehandler-pgtap-perl)
if ((${#need[@]})); then install_packages "${need[@]}"; fi

# Into schema public explicitly: without WITH SCHEMA it lands in the first existing schema of the
# search path, which for the user "cutover" is the application's schema "cutover". An existing
# installation is left where it is (the tests find pgTAP in any schema).
if ! psql_q -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA public"; then
  echo "error: cannot create the pgtap extension in $shown (is postgresql-$major-pgtap installed on the database server?)" >&2
  exit 1
fi

shopt -s nullglob
tests=(Tests/pgtap/*.sql)
if ((${#tests[@]} == 0)); then
  echo "error: no tests in Tests/pgtap" >&2
  exit 1
fi

echo "pg_prove: ${#tests[@]} files against $shown"
set +e
pg_prove --dbname "$url" "$@" "${tests[@]}"
status=$?
set -e
exit "$status"
