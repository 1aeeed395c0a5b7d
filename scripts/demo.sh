#!/usr/bin/env bash
# The embedded default on a fresh machine: installs what is missing, builds, starts a local
# throwaway PostgreSQL (.cutover/pg), migrates, seeds demo data and runs what Cutover offers.
# Extra arguments go to `cutover demo` (e.g. --customers 200000, --no-serve).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/install-deps.sh
echo "== building cutover (first build takes several minutes)"
swift build --product cutover 2>&1 | grep -E "error|warning: .*Sources|Build complete" || true
exec .build/debug/cutover demo "$@"
