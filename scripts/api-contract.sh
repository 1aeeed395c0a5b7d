#!/usr/bin/env bash
# Contract test of the running read API against docs/openapi.yaml with Schemathesis.
#
#   scripts/api-contract.sh BASE_URL TOKEN [extra schemathesis run options...]
#   scripts/api-contract.sh http://127.0.0.1:8080 cutover_0123…
#
# Checks every documented operation (the /v1 reads with the bearer token; /health/* and /metrics
# without) for: no 5xx (not_a_server_error), only documented status codes, content types and
# response headers, bodies valid against the response schemas (response_schema_conformance), and
# /v1 refusing requests without the token (ignored_auth). Exits non-zero when any check fails.
#
# Random territory codes, ids and cursors almost never name real data, so before the run the
# script reads a little real data with TOKEN (customer ids, owner ids, cursors of the territories
# in TERRITORIES) and hands it to Schemathesis as dictionaries: about half of the generated
# requests use real values, the other half stay random.
#
# Environment:
#   TERRITORIES   comma-separated territories TOKEN may read (default DE-BY,DE-BW, the seeded ones)
#   MAX_EXAMPLES  test cases per operation and phase (default 100; about 20-30 s against a local server)
#   WORKERS       concurrent workers (default 4)
#   SEED          fixed Hypothesis seed for a reproducible run (default: random)
#   PHASES        Schemathesis phases (default examples,coverage,fuzzing,stateful)
#   SCHEMATHESIS  the schemathesis executable (default: schemathesis on PATH, pip-installed if missing)
# Extra arguments go to `schemathesis run` unchanged (e.g. --include-operation-id customersDetail; operation ids are the views' names in camelCase).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 BASE_URL TOKEN [schemathesis run options...]" >&2
    exit 2
fi
base_url=${1%/}
token=$2
shift 2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spec="$root/docs/openapi.yaml"
[[ -f $spec ]] || { echo "error: $spec not found" >&2; exit 2; }

st=${SCHEMATHESIS:-schemathesis}
if ! command -v "$st" >/dev/null 2>&1; then
    echo "schemathesis not found; installing it with pip" >&2
    python3 -m pip install --quiet 'schemathesis>=4,<5'
    if ! command -v "$st" >/dev/null 2>&1; then
        st="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis"
    fi
fi

# Fail fast with a clear message when nothing listens at BASE_URL.
if ! curl -fsS -o /dev/null --max-time 5 "$base_url/health/live"; then
    echo "error: no read API answering at $base_url (GET /health/live failed)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The spec must parse before Schemathesis sees it; then gather real values and write the config.
BASE_URL=$base_url TOKEN=$token TERRITORIES=${TERRITORIES:-DE-BY,DE-BW} \
python3 - "$spec" "$work/schemathesis.toml" <<'PY'
import json, os, sys, urllib.error, urllib.request
import yaml

spec_path, config_path = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(spec_path, encoding="utf-8"))
if not str(doc.get("openapi", "")).startswith("3.0"):
    sys.exit(f"error: {spec_path} is not an OpenAPI 3.0 document")

base, token = os.environ["BASE_URL"], os.environ["TOKEN"]
territories = [t.strip() for t in os.environ["TERRITORIES"].split(",") if t.strip()]

def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 401:
            # Every /v1 request would be a conforming 401: that run would prove nothing.
            sys.exit("error: the API rejects TOKEN (401 on GET " + path + ")")
        print(f"note: seeding from GET {path} failed: HTTP {error.code}", file=sys.stderr)
        return None
    except (urllib.error.URLError, ValueError) as error:
        # Only seeds the generator; the run itself reports any server error.
        print(f"note: seeding from GET {path} failed: {error}", file=sys.stderr)
        return None

customer_ids, owner_ids, cursors = set(), set(), set()
for territory in territories:
    for path in (f"/v1/customers?territory={territory}&limit=20",
                 f"/v1/customers?territory={territory}&segment=HOTEL&status=ACTIVE&limit=5",
                 f"/v1/samples/followups?territory={territory}&limit=5"):
        page = get(path)
        if not page:
            continue
        for item in page.get("items", []):
            customer_ids.add(item.get("id") or item.get("customerId"))
            if item.get("ownerId"):
                owner_ids.add(item["ownerId"])
        if page.get("nextCursor"):
            cursors.add(page["nextCursor"])
customer_ids.discard(None)

def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in sorted(values)) + "]"

dictionaries = {
    "territories": (territories, ["query.territory", "path.code"], 0.5),
    "customer-ids": (customer_ids, ["path.id"], 0.5),
    "owner-ids": (owner_ids, ["query.owner"], 0.5),
    "cursors": (cursors, ["query.cursor"], 0.3),
}
lines, bindings = [], []
for name, (values, keys, probability) in dictionaries.items():
    if not values:
        continue
    lines += [f"[dictionaries.{name}]", f"values = {toml_list(values)}", ""]
    bindings += [f'"{key}" = {{ dictionary = "{name}", probability = {probability} }}' for key in keys]
with open(config_path, "w", encoding="utf-8") as out:
    # No crash cache in the repository (.schemathesis/); every run starts from the spec.
    out.write("\n".join(["[cache]", "enabled = false", ""] + lines + ["[parameters]"] + bindings) + "\n")
print(f"seeded: {len(territories)} territories, {len(customer_ids)} customer ids, "
      f"{len(owner_ids)} owner ids, {len(cursors)} cursors", file=sys.stderr)
PY

common=(
    run "$spec"
    --url "$base_url"
    --header "Authorization: Bearer $token"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth
    --max-examples "${MAX_EXAMPLES:-100}"
    --request-timeout 10
    --generation-database none
    --suppress-health-check too_slow,filter_too_much
    --no-color
)
[[ -n ${SEED:-} ]] && common+=(--seed "$SEED")

# CPython 3.11 before 3.11.8 can crash ast.parse when several threads call it at once
# ("AST constructor recursion depth mismatch", CPython issue 106905). Hypothesis calls it while
# describing the coverage phase's filtered strategies, so that phase runs on one worker (it is
# quick); the other phases use WORKERS.
phases=${PHASES:-examples,coverage,fuzzing,stateful}
status=0
run_phases() {  # PHASES WORKERS
    [[ -n $1 ]] || return 0
    echo "+ $st --config-file <seed config> ${common[*]/Bearer $token/Bearer <token>} --phases $1 --workers $2 ${extra[*]}" >&2
    "$st" --config-file "$work/schemathesis.toml" "${common[@]}" --phases "$1" --workers "$2" "${extra[@]}" || status=$?
}
extra=("$@")
if [[ ",$phases," == *",coverage,"* ]]; then
    run_phases coverage 1
fi
rest=$(tr ',' '\n' <<<"$phases" | grep -vx coverage | paste -sd, -)
run_phases "$rest" "${WORKERS:-4}"
exit "$status"
