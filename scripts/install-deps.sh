#!/usr/bin/env bash
# Installs the OS packages Cutover needs when they are missing (Debian/Ubuntu).
# Idempotent and quiet when everything is present.
set -euo pipefail

need=()
bindir="$(pg_config --bindir 2>/dev/null || true)"
if [[ -z "$bindir" || ! -x "$bindir/initdb" || ! -x "$bindir/pg_ctl" ]]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
fi
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
[[ -f /usr/include/postgresql/libpq-fe.h ]] || need+=(libpq-dev)
# The build finds libpq (change capture's replication connection) through pkg-config.
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
for extra in "$@"; do
  case "$extra" in
    pgtap) dpkg -s postgresql-15-pgtap >/dev/null 2>&1 || need+=(postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl) ;;
    promtool) command -v promtool >/dev/null 2>&1 || need+=(prometheus) ;;
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    wrk) command -v wrk >/dev/null 2>&1 || need+=(wrk) ;;
    schemathesis|openfeature) ;;  # from PyPI, below
  esac
done
if ((${#need[@]})); then
  echo "installing missing packages: ${need[*]}"
  SUDO=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: need root (or sudo) to install ${need[*]}" >&2; exit 69; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for extra in "$@"; do
  if [[ "$extra" == schemathesis ]] && ! command -v schemathesis >/dev/null 2>&1 && ! python3 -c 'import schemathesis' 2>/dev/null; then
    echo "installing schemathesis (PyPI)"
    python3 -m pip install --quiet 'schemathesis>=4,<5'
  fi
  if [[ "$extra" == openfeature ]] && ! python3 -c 'import openfeature.contrib.provider.ofrep' 2>/dev/null; then
    echo "installing openfeature-sdk and its OFREP provider (PyPI)"
    python3 -m pip install --quiet 'openfeature-sdk>=0.8' 'openfeature-provider-ofrep>=0.2'
  fi
done
if ! command -v swift >/dev/null 2>&1; then
  if [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "note: add /opt/swift/usr/bin to PATH" >&2
  else
    echo "error: the Swift 6 toolchain is required (swift not found on PATH)" >&2
    exit 69
  fi
fi
