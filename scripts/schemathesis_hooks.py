"""Schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS)."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,255}")


def _negative_in_headers(case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    location = getattr(meta.phase.data, "parameter_location", None)
    return location is None or getattr(location, "value", location) == "header"


@schemathesis.hook
def before_call(context, case, kwargs):
    if not case.headers or _negative_in_headers(case):
        return
    for name, value in list(case.headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.fullmatch(value):
            case.headers[name] = f"st-{uuid.uuid4()}"
