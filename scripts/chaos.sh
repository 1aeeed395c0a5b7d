#!/usr/bin/env bash
# Chaos run: a mixed write load at a fixed rate over every captured table (renames, moves,
# orders placed and cancelled, contacts, samples, visits, lead protections, reps renamed,
# customers deleted and created, rolled-back work, multi-table transactions) while the projector
# is SIGKILLed at random moments and PostgreSQL is restarted once; then the projector must catch
# up (`cutover projector wait`), `cutover verify --full` must be clean, and the projector must
# exit within 5 s of SIGTERM. Any drift, hang or slow exit fails the run.
#
# Runs on a throwaway cluster of its own (a temp folder, a free port), torn down at the end.
#
#   scripts/chaos.sh                 # the long form: 20 kills, 600 writes/s, 20,000 customers
#   scripts/chaos.sh --short         # the suite's form: 3 kills, 150 writes/s, 2,000 customers
#   scripts/chaos.sh --runs 20       # 20 runs in a row on one cluster (each with its restart)
#   options: --kills N --rate N --customers N --runs N --binary PATH --keep
#
# Exit codes: 0 clean; 1 drift, a hang or a slow exit; 64 bad usage; 69 tools missing.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

kills=20 rate=600 customers=20000 runs=1 binary="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --short) kills=3 rate=150 customers=2000; shift ;;
    --kills) kills="${2:?--kills needs a number}"; shift 2 ;;
    --rate) rate="${2:?--rate needs a number}"; shift 2 ;;
    --customers) customers="${2:?--customers needs a number}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chaos: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
for n in "$kills" "$rate" "$customers" "$runs"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]] || { echo "chaos: counts must be positive whole numbers, got '$n'" >&2; exit 64; }
done

export PATH="/opt/swift/usr/bin:$PATH"
if [[ -z "$binary" ]]; then
  binary="$repo/.build/debug/cutover"
  if [[ ! -x "$binary" ]]; then
    echo "chaos: building cutover (swift build)"
    swift build --product cutover >/dev/null
  fi
fi
[[ -x "$binary" ]] || { echo "chaos: no cutover binary at $binary" >&2; exit 69; }
pgbench="$(command -v pgbench || true)"
[[ -n "$pgbench" ]] || pgbench="$(pg_config --bindir 2>/dev/null)/pgbench"
[[ -x "$pgbench" ]] || { echo "chaos: pgbench is missing (Debian: postgresql-contrib / postgresql-client)" >&2; exit 69; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cutover-chaos.XXXXXX")"
chmod 755 "$work"
log="$work/log"
mkdir -p "$log"
# Commands run from the work folder: no config/cutover.yaml of the current folder applies, every
# setting comes from the flags below.
cd "$work"
common=(--set "dev.dataDirectory=$work/pg" --set "projections.directory=$repo/projections" --set "migrations.directory=$repo/migrations"
        --set "readers.territories=SELECT code FROM crm.territories" --set "readers.users=SELECT id, email, role = 'MANAGER' FROM crm.users")
projector_pid=""
load_pid=""

say() { printf '%s chaos: %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
  [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null || true
  [[ -n "$projector_pid" ]] && kill -9 "$projector_pid" 2>/dev/null || true
  touch "$work/stop-load"
  wait 2>/dev/null || true
  "$binary" dev down "${common[@]}" >/dev/null 2>&1 || true
  if [[ $keep -eq 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "cluster, migrations and $customers customers in $work"
"$binary" demo --no-run --customers "$customers" "${common[@]}" >"$log/demo.log" 2>&1 || { cat "$log/demo.log" >&2; exit 1; }
url="$("$binary" dev url "${common[@]}")"
cli=(--database-url "$url" "${common[@]}")

start_projector() {
  "$binary" project "${cli[@]}" --set http.port=0 --log-level notice >>"$log/projector.log" 2>&1 &
  projector_pid=$!
}

# The load: pgbench at a fixed total rate over every script; each segment is short, so a
# PostgreSQL restart (which ends pgbench's sessions) costs at most one segment.
load() {
  local scripts=(rename.sql@20 move.sql@10 order.sql@25 order-delete.sql@8 contact.sql@8 sample.sql@8
                 activity.sql@6 protection.sql@5 user.sql@2 customer-churn.sql@2 rollback.sql@3 multi.sql@3)
  local args=()
  for s in "${scripts[@]}"; do args+=(-f "$repo/scripts/chaos/$s"); done
  while [[ ! -f "$work/stop-load" ]]; do
    "$pgbench" -n -c 4 -j 2 -R "$rate" -T 3 --max-tries=10 -D "customers=$customers" "${args[@]}" "$url" \
      >>"$log/pgbench.log" 2>&1 || sleep 0.2
  done
}

# Seconds (with fraction) between $1 and $2 tenths, at random.
random_pause() { local tenths=$(( $1 + RANDOM % ($2 - $1 + 1) )); sleep "$((tenths / 10)).$((tenths % 10))"; }

stop_projector_within() {
  local limit=$1 start=$SECONDS
  kill -TERM "$projector_pid"
  while kill -0 "$projector_pid" 2>/dev/null; do
    if (( SECONDS - start > limit )); then
      say "HANG: the projector did not exit within ${limit} s of SIGTERM (pid $projector_pid); its log:"
      tail -30 "$log/projector.log" >&2
      kill -9 "$projector_pid" 2>/dev/null || true
      projector_pid=""
      return 1
    fi
    sleep 0.1
  done
  wait "$projector_pid" 2>/dev/null || true
  projector_pid=""
}

failures=0
for run in $(seq 1 "$runs"); do
  say "run $run/$runs: load at $rate writes/s, $kills SIGKILLs of the projector, one PostgreSQL restart"
  rm -f "$work/stop-load"
  load &
  load_pid=$!
  start_projector
  restart_at=$(( (kills + 1) / 2 ))
  for kill_number in $(seq 1 "$kills"); do
    random_pause 5 40
    kill -9 "$projector_pid" 2>/dev/null || true
    wait "$projector_pid" 2>/dev/null || true
    if (( kill_number == restart_at )); then
      "$binary" dev down "${common[@]}" >>"$log/restart.log" 2>&1
      random_pause 5 20
      "$binary" dev up "${common[@]}" >>"$log/restart.log" 2>&1
      say "  kill $kill_number/$kills, and PostgreSQL restarted"
    else
      say "  kill $kill_number/$kills"
    fi
    random_pause 0 10
    start_projector
  done
  random_pause 10 30
  touch "$work/stop-load"
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
  transactions=$(grep -hoE "number of transactions actually processed: [0-9]+" "$log/pgbench.log" | awk '{s+=$NF} END {print s+0}')
  say "  load stopped ($transactions transactions so far); waiting for the projector to catch up"
  if ! "$binary" projector wait --timeout 180 "${cli[@]}" >"$log/wait-$run.log" 2>&1; then
    say "NOT CAUGHT UP within 180 s:"; cat "$log/wait-$run.log" >&2
    failures=$((failures + 1))
  fi
  if "$binary" verify --full "${cli[@]}" >"$log/verify-$run.log" 2>&1; then
    say "  verify --full: clean"
  else
    say "DRIFT after run $run:"; cat "$log/verify-$run.log" >&2
    failures=$((failures + 1))
  fi
  start=$SECONDS
  if stop_projector_within 5; then
    say "  projector exited $(( SECONDS - start )) s after SIGTERM"
  else
    failures=$((failures + 1))
  fi
done

if (( failures > 0 )); then
  say "FAILED: $failures problem(s) in $runs run(s); logs in $log"
  keep=1
  exit 1
fi
say "$runs run(s): 0 drift, 0 hangs"
