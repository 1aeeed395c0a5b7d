#!/usr/bin/env bash
# Capture ÷ no capture within one run: phases alternate between variants (the order rotates each
# round), 8 pgbench writers with the bench's write mix. Prints each round's ratio against that
# round's "off" phase, and PostgreSQL's CPU per transaction (all server processes, from /proc).
#
#   DATABASE_URL=$(cutover dev url) PGDATA_DIR=.cutover/pg scripts/capture-experiments/run.sh 5 8 off v003 v007 msg
#   PGOPT="-c synchronous_commit=off" …   # CPU-bound: commits do not wait for the disk
#
# Needs a throwaway dev cluster, migrated and seeded. Replaces the capture triggers while it runs and
# puts the project's own back at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
U="${DATABASE_URL:?set DATABASE_URL}"; PGDATA_DIR="${PGDATA_DIR:-$root/.cutover/pg}"
work="${CAPTURE_EXP_DIR:-$root/.cutover/capture-exp}"; mkdir -p "$work"; cd "$work"
psql "$U" -q -f "$here/setup.sql" >/dev/null; python3 "$here/gen.py"
R=$1; S=$2; shift 2; V=("$@")
C=$(psql "$U" -Atc "select max(id) from crm.customers"); K=$(psql "$U" -Atc "select max(id) from crm.contacts"); US=$(psql "$U" -Atc "select max(id) from crm.users")
cpu() {  # clock ticks of the postmaster and its children (live and reaped)
  local pm t x; pm=$(head -1 "$PGDATA_DIR/postmaster.pid"); t=$(awk '{print $14+$15+$16+$17}' /proc/$pm/stat)
  for c in $(pgrep -P "$pm"); do x=$(awk '{print $14+$15}' /proc/$c/stat 2>/dev/null || echo 0); t=$((t + x)); done; echo $t
}
OUT="$work/res_$(date +%Y%m%d-%H%M%S).txt"
for r in $(seq 1 "$R"); do
  n=${#V[@]}
  for i in $(seq 0 $((n-1))); do
    v=${V[$(( (i + r - 1) % n ))]}
    psql "$U" -q -f "v_$v.sql" >/dev/null
    psql "$U" -qc "TRUNCATE cutover.change_log, exp.log_v003, exp.log_lean" >/dev/null
    c0=$(cpu)
    tps=$(PGOPTIONS="${PGOPT:-}" pgbench -n -c 8 -j 2 -T "$S" -f "$root/Sources/CutoverBench/pgbench/write_mix.sql" \
          -D customers="$C" -D contacts="$K" -D users="$US" "$U" 2>/dev/null | awk '/^tps = /{print $3}')
    sleep 0.5; c1=$(cpu)
    us=$(python3 -c "print(round(($c1-$c0)*(1e6/$(getconf CLK_TCK))/($tps*$S),1))")
    echo "$r $v $tps $us" | tee -a "$OUT"
  done
done
psql "$U" -q -f v_restore.sql >/dev/null   # the project's capture triggers again
python3 - "$OUT" <<'PY'
import sys, statistics as st, collections
rows = [l.split() for l in open(sys.argv[1])]
by = collections.defaultdict(dict); cp = collections.defaultdict(list); order = []
for r, v, t, u in rows:
    by[r][v] = float(t); cp[v].append(float(u))
    if v not in order: order.append(v)
for v in order:
    if v == 'off': continue
    rat = [by[r][v] / by[r]['off'] for r in by if 'off' in by[r] and v in by[r]]
    print(f"{v:12s} ratios {' '.join(f'{x:.3f}' for x in rat)}  median {st.median(rat):.3f}")
for v in order: print(f"{v:12s} PostgreSQL CPU µs/tx {' '.join(str(x) for x in cp[v])}  median {st.median(cp[v])}")
print("off tx/s", [int(by[r]['off']) for r in by if 'off' in by[r]])
PY
