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
  for pid_file in "$root"/pg-*/postmaster.pid; do
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
set +e
swift test --skip-build 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
set -e
summary="$(grep -E "Test run with [0-9]+ tests? .*(passed|failed)" "$test_log" | tail -1 || true)"
total="$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$summary")"
failed="$(grep -cE "^✘ Test .* failed after" "$test_log" || true)"
if [[ -z "$total" ]]; then
  echo "error: swift test printed no Swift Testing summary (exit $test_status)" >&2
  exit 1
fi
echo "artifacts: $CUTOVER_TEST_ARTIFACTS ($(ls "$CUTOVER_TEST_ARTIFACTS" | wc -l) files)"
echo "tests: $((total - failed)) passed, $failed failed"
exit "$test_status"
