"""The installed `send0` wheel as a new user has it, in a virtualenv that holds nothing else:
every shared webhook vector through `Webhooks.verify` / `verify_raw` / `sign`, one `Send0` call
against a running send0-server, and the version. Standard library only.

Usage: python smoke.py FIXTURES_DIR BASE_URL EXPECTED_VERSION
"""

from __future__ import annotations

import base64
import json
import pathlib
import sys
from typing import Any, Dict, List

import send0
from send0 import NotFoundError, Send0, Webhooks, WebhookVerificationError


def body_of(case: Dict[str, Any]) -> bytes:
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    return str(case["body"]).encode("utf-8")


def check(case: Dict[str, Any]) -> str:
    """An empty string when the case holds, else what went wrong."""
    body = body_of(case)
    if case["op"] == "sign":
        got = Webhooks.sign(case["secret"], case["msg_id"], case["timestamp"], body)
        return "" if got == case["expected"] else f"signed {got!r}"
    options: Dict[str, Any] = {"now": case["now"]}
    if "tolerance" in case:
        options["tolerance"] = case["tolerance"]
    operation = Webhooks.verify if case["op"] == "verify" else Webhooks.verify_raw
    headers = [(name, value) for name, value in case["headers"]]
    try:
        result = operation(body, headers, case["secrets"], **options)
    except WebhookVerificationError as error:
        return "" if error.kind == case["error"] else f"{error.kind}: {error}"
    if case["error"] is not None:
        return f"verified, but expected {case['error']}"
    expected = case.get("event")
    if expected is not None and (result.id, result.type, result.data) != (expected["id"], expected["type"], expected["data"]):
        return f"event {result!r}"
    return ""


def main(fixtures: str, base_url: str, version: str) -> int:
    failures: List[str] = []
    count = 0
    for path in sorted(pathlib.Path(fixtures).glob("*.json")):
        for case in json.loads(path.read_text("utf-8"))["cases"]:
            count += 1
            problem = check(case)
            if problem:
                failures.append(f"{path.name}::{case['name']}: {problem}")
    with Send0("sk_test_send0_local", base_url=base_url, max_retries=0) as client:
        endpoint = client.webhooks.create(url="https://example.com/smoke", events=["email.*"])
        fetched = client.webhooks.get(endpoint.id)
        if fetched.id != endpoint.id or not endpoint.secret.startswith("whsec_"):
            failures.append(f"client: created {endpoint.id}, got {fetched.id}")
        client.webhooks.delete(endpoint.id)
        try:
            client.webhooks.get(endpoint.id)
            failures.append("client: a deleted endpoint was found")
        except NotFoundError:
            pass
    if send0.__version__ != version:
        failures.append(f"send0.__version__ is {send0.__version__}, expected {version}")
    for failure in failures:
        print(failure)
    print(f"python smoke: {count} fixture cases, client create/get/delete, version {send0.__version__}")
    print(f"{count + 2 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
