#!/usr/bin/env python3
"""Evaluates Cutover's flags through the OpenFeature Python SDK and its OFREP provider.

Usage: ofrep-check.py BASE_URL TOKEN
Prints one JSON object: for each case, the value, variant, reason and error code the SDK
resolved. The integration test (FlagProcessTests) checks them; run it by hand against a
`cutover serve` to see what an OpenFeature client gets.
"""
import json
import sys

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    base, token = sys.argv[1], sys.argv[2]
    api.set_provider(OFREPProvider(base, headers_factory=lambda: {"Authorization": f"Bearer {token}"}))
    client = api.get_client("cutover-check")

    def details(kind, key, default, module=None, subject=None):
        attributes = {"module": module} if module else {}
        context = EvaluationContext(targeting_key=subject, attributes=attributes)
        resolve = client.get_string_details if kind == "string" else client.get_boolean_details
        d = resolve(key, default, context)
        return {
            "value": d.value,
            "variant": d.variant,
            "reason": str(d.reason.value if hasattr(d.reason, "value") else d.reason) if d.reason else None,
            "error": str(d.error_code.value if hasattr(d.error_code, "value") else d.error_code) if d.error_code else None,
        }

    out = {
        "module02": details("string", "customer_reads", "unset", module="02", subject="user:1"),
        "module01": details("string", "customer_reads", "unset", module="01", subject="user:1"),
        "split_in": details("string", "customer_reads", "unset", module="03", subject="user:1"),
        "split_out": details("string", "customer_reads", "unset", module="03", subject="user:2"),
        "boolean": details("boolean", "sample_feedback_v2", True, module="04", subject="user:1"),
        "missing": details("string", "no_such_flag", "fallback", module="02"),
        "bad_module": details("string", "customer_reads", "fallback", module="99"),
    }
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
