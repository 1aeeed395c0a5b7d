#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, builds with warnings
# checked, starts a throwaway PostgreSQL for the run (from the tests themselves, through the same
# code as `cutover dev up`), runs every test target and tears everything down.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

bash scripts/install-deps.sh pgtap schemathesis openfeature promtool chromium

echo "== Prometheus rules (promtool check and unit tests)"
bash scripts/prometheus-rules.sh

echo "== build (debug, tests included)"
build_log="$(mktemp)"
set +e
swift build --build-tests >"$build_log" 2>&1
build_status=$?
set -e
grep -E "error:|warning:|Build complete" "$build_log" | grep -v "swift-distributed-tracing" || true
if [[ $build_status -ne 0 ]]; then tail -40 "$build_log" >&2; echo "build failed" >&2; exit 1; fi
# No warnings in our own code (dependencies are not ours to fix).
if grep -E "^$(pwd)/(Sources|Tests)/.*warning:" "$build_log"; then
  echo "error: the build has warnings in Sources/ or Tests/ (see above)" >&2
  exit 1
fi
rm -f "$build_log"

root="$(mktemp -d /tmp/cutover-test.XXXXXX)"
chmod 755 "$root"
mkdir -m 1777 "$root/tmp"
cleanup() {
  # The test process stops its cluster at exit; this catches a crashed run.
  for pid_file in "$root"/pg-*/postmaster.pid "$root"/tmp/*/postmaster.pid "$root"/tmp/*/*/postmaster.pid; do
    [[ -f "$pid_file" ]] && kill -9 "$(head -1 "$pid_file")" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
export CUTOVER_TEST_ROOT="$root"
# Artifacts the tests keep (the ops console's screenshot): test-artifacts/ (ignored by git).
export CUTOVER_TEST_ARTIFACTS="${CUTOVER_TEST_ARTIFACTS:-$(pwd)/test-artifacts}"
mkdir -p "$CUTOVER_TEST_ARTIFACTS"
export TMPDIR="$root/tmp"

echo "== tests (real PostgreSQL started by the suite)"
test_log="$root/swift-test.log"
# Every test has a Swift Testing time limit, but a limit only cancels a test: one that ignores
# cancellation would still hold the run. The watchdog ends the run past a bound (minutes, default
# 40; a full run takes a few minutes), naming the tests that were still running, so CI never
# waits out its own time-out.
watchdog_minutes="${CUTOVER_TEST_WATCHDOG_MINUTES:-40}"
set +e
: >"$test_log"
# Line-buffered, so the log (and the watchdog's list of running tests) is current; in a session of
# its own, so the watchdog can end it as a group.
setsid stdbuf -oL -eL swift test --skip-build >"$test_log" 2>&1 &
test_pid=$!
tail -n +1 -f "$test_log" --pid="$test_pid" &
tail_pid=$!
deadline=$((SECONDS + watchdog_minutes * 60))
watchdog_fired=0
while kill -0 "$test_pid" 2>/dev/null; do
  if (( SECONDS >= deadline )); then
    watchdog_fired=1
    break
  fi
  sleep 2
done
if (( watchdog_fired )); then
  echo "error: the test run passed the watchdog's bound of ${watchdog_minutes} minutes; tests still running:" >&2
  bash scripts/running-tests.sh "$test_log" | sed 's/^/  /' >&2
  # swift test runs the test binary in a process group of its own, and the `cutover` processes the
  # tests start belong to that group: end both groups.
  groups="$test_pid"
  for pid in $(pgrep -f "$(pwd)/.build/.*/CutoverPackageTests" || true); do
    groups="$groups $(ps -o pgid= -p "$pid" | tr -d ' ')"
  done
  for group in $groups; do kill -TERM -- "-$group" 2>/dev/null; done
  sleep 5
  for group in $groups; do kill -KILL -- "-$group" 2>/dev/null; done
fi
wait "$test_pid"
test_status=$?
wait "$tail_pid" 2>/dev/null  # tail --pid ends once it printed the rest
if (( watchdog_fired )); then test_status=124; fi
set -e
summary="$(grep -E "Test run with [0-9]+ tests? .*(passed|failed)" "$test_log" | tail -1 || true)"
total="$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$summary")"
failed="$(grep -E "^✘ Test .* failed after" "$test_log" | grep -cv "^✘ Test run " || true)"
if [[ -z "$total" ]]; then
  if (( watchdog_fired )); then echo "tests: 0 passed, 1 failed"; exit 1; fi
  echo "error: swift test printed no Swift Testing summary (exit $test_status)" >&2
  exit 1
fi
echo "artifacts: $CUTOVER_TEST_ARTIFACTS ($(ls "$CUTOVER_TEST_ARTIFACTS" | wc -l) files)"
if (( watchdog_fired )); then failed=$((failed + 1)); fi
echo "tests: $((total - failed)) passed, $failed failed"
exit "$test_status"
