"""The client's request parameters against openapi.yaml.

They are hand-written keyword arguments (``NOT_GIVEN`` tells a field left out from one given as
``None``), and scripts/generate/generate.py writes each operation's body fields and query parameters
into ``tests/fixtures/contract.json`` (``requests``): a field added to or removed from a request in
openapi.yaml fails this test until the methods follow. Each method's keyword-only parameters are
checked, sync and async alike: their names, whether they have a default (required when not), and
that their annotation admits the field's kind.
"""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any, Dict, List, Tuple

import pytest
from conftest import REPO_ROOT

from send0._client import AsyncWebhooksResource, WebhooksResource

REQUESTS: Dict[str, Dict[str, Dict[str, Any]]] = json.loads(
    (REPO_ROOT / "tests" / "fixtures" / "contract.json").read_text(encoding="utf-8")
)["requests"]

# The method of each operation of openapi.yaml (contract.json names them by operationId).
METHODS = {
    "listWebhooks": "list",
    "createWebhook": "create",
    "getWebhook": "get",
    "updateWebhook": "update",
    "deleteWebhook": "delete",
    "testWebhook": "test",
    "rotateWebhookSecret": "rotate_secret",
    "listWebhookDeliveries": "deliveries",
}

# Keyword-only parameters that are not fields of the request: `idempotency_key` is sent as the
# Idempotency-Key header (a request option of the POSTs, not part of the body or query). The
# endpoint's `id`, a path parameter, is positional and so never among them.
NOT_FIELDS = {"idempotency_key"}

KINDS: Dict[str, Any] = {"string": str, "integer": int, "boolean": bool, "strings": List[str]}


def admitted(annotation: Any) -> List[Any]:
    """The types a parameter's annotation admits, a Union's (Optional's) members flattened."""
    if typing.get_origin(annotation) is typing.Union:
        return [t for member in typing.get_args(annotation) for t in admitted(member)]
    return [annotation]


def fields_of(method: Any) -> Dict[str, Tuple[bool, List[Any]]]:
    """Each keyword-only parameter that is a request field: (required, the types it admits)."""
    hints = typing.get_type_hints(method)
    return {
        name: (parameter.default is inspect.Parameter.empty, admitted(hints[name]))
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in NOT_FIELDS
    }


def test_every_operation_of_openapi_yaml_has_a_method() -> None:
    assert sorted(REQUESTS) == sorted(METHODS)


@pytest.mark.parametrize("resource", [WebhooksResource, AsyncWebhooksResource], ids=["sync", "async"])
@pytest.mark.parametrize("op", sorted(METHODS))
def test_parameters_are_the_fields_of_openapi_yaml(resource: type, op: str) -> None:
    method = getattr(resource, METHODS[op])
    fields = fields_of(method)
    contract = REQUESTS[op]
    where = f"{resource.__name__}.{METHODS[op]}"
    assert not contract.keys() - fields.keys(), f"{where} lacks fields of {op} in openapi.yaml"
    assert not fields.keys() - contract.keys(), f"{where} has fields that {op} in openapi.yaml does not"
    for name, field in contract.items():
        required, types = fields[name]
        assert required == field["required"], f"{op}.{name}: required is {field['required']} in openapi.yaml"
        assert KINDS[field["kind"]] in types, f"{op}.{name}: {types} does not admit openapi.yaml's {field['kind']}"
