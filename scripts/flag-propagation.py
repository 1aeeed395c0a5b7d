#!/usr/bin/env python3
"""How fast a flag change reaches a running `cutover serve`.

Usage: flag-propagation.py BASE_URL TOKEN [MODULE] [ROUNDS]
Changes `customer_reads` for MODULE (default 06) with `cutover flags set` (on PATH, or
.build/debug/cutover) and polls the server's OFREP endpoint every 2 ms until it answers the new
state. Prints the median and the maximum time from the CLI's return to the server's answer.
Start the server with `--set flags.refreshSeconds=60` to measure LISTEN/NOTIFY alone.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    module = sys.argv[3] if len(sys.argv) > 3 else "06"
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 12
    cli = shutil.which("cutover") or os.path.join(os.path.dirname(__file__), "..", ".build", "debug", "cutover")

    def state() -> str:
        request = urllib.request.Request(f"{base}/ofrep/v1/evaluate/flags/customer_reads",
                                         data=json.dumps({"context": {"module": module}}).encode(),
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                         method="POST")
        return json.load(urllib.request.urlopen(request))["value"]

    results = []
    for i in range(rounds):
        target = ["legacy", "shadow", "read_model"][i % 3]
        subprocess.run([cli, "flags", "set", "customer_reads", target, "--module", module, "--reason", f"propagation probe {i}"],
                       check=True, capture_output=True)
        changed = time.monotonic()
        while state() != target:
            time.sleep(0.002)
        results.append((time.monotonic() - changed) * 1000)
    results.sort()
    print(f"n={len(results)}: median {results[len(results) // 2]:.1f} ms, max {results[-1]:.1f} ms from the change's commit to the server's answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
