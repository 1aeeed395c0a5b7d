#!/usr/bin/env bash
# Lists the tests of a Swift Testing log that started and have not ended (passed, failed or
# skipped): what the test watchdog prints when a run passes its bound.
# Usage: scripts/running-tests.sh LOG
set -euo pipefail
log="${1:?usage: scripts/running-tests.sh LOG}"
python3 - "$log" <<'PY'
import re, sys
started, ended = {}, set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip()
    if line.startswith(("◇ Test run ", "✔ Test run ", "✘ Test run ")):
        continue
    m = re.match(r'^\S+ Test (".*?"|\S+\(.*?\)) started\.$', line)
    if m:
        started.setdefault(m.group(1), len(started))
        continue
    m = re.match(r'^\S+ Test (".*?"|\S+\(.*?\))( with \d+ test cases?)? (passed|failed|skipped)\b', line)
    if m:
        ended.add(m.group(1))
running = [name for name in sorted(started, key=started.get) if name not in ended]
print("\n".join(running) if running else "(none: the hang is outside any test)")
PY
