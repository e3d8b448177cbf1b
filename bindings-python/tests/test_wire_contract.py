"""The API behaviour vectors of ``tests/fixtures/http`` (its README gives the schema), played to the
client through the scripted server: the same cases every SDK's suite plays to its own."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
from conftest import API_KEY, REPO_ROOT, Reply, ScriptedServer, scripted_client

from send0 import AsyncSend0, Send0Error, WebhookEndpoint

HTTP_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "http"


def cases(file: str) -> List[Dict[str, Any]]:
    document = json.loads((HTTP_FIXTURES / file).read_text(encoding="utf-8"))
    found: List[Dict[str, Any]] = document["cases"]
    assert found, f"{file} has no cases"
    return found


def play(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    scripted.script(*(Reply(reply["status"], body=reply["body"]) for reply in case["replies"]))


@pytest.mark.parametrize("case", cases("pagination.json"), ids=lambda case: case["name"])
def test_each_walk_ends_with_the_expected_error(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    items: List[str] = []
    with pytest.raises(Send0Error) as raised:
        for endpoint in scripted_client(scripted).webhooks.list():
            items.append(endpoint.id)
    expect = case["expect"]
    assert (items, raised.value.kind, len(scripted.requests)) == (expect["items"], expect["error"], expect["requests"])


@pytest.mark.parametrize("case", cases("pagination.json"), ids=lambda case: case["name"])
async def test_each_async_walk_ends_with_the_expected_error(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    items: List[str] = []
    with pytest.raises(Send0Error) as raised:
        async for endpoint in AsyncSend0(api_key=API_KEY, base_url=scripted.url).webhooks.list():
            items.append(endpoint.id)
    expect = case["expect"]
    assert (items, raised.value.kind, len(scripted.requests)) == (expect["items"], expect["error"], expect["requests"])


@pytest.mark.parametrize("case", cases("forward_compat.json"), ids=lambda case: case["name"])
def test_unknown_fields_and_statuses_reach_the_user(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    expect = case["expect"]
    client = scripted_client(scripted)
    got = client.webhooks.get(expect["id"])
    listed = client.webhooks.list().data[0]
    for endpoint in (got, listed):
        assert isinstance(endpoint, WebhookEndpoint)
        assert endpoint.status == expect["status"]
        for name, value in expect["unknown"].items():
            assert getattr(endpoint, name) == value
            assert endpoint.to_dict()[name] == value
        with pytest.raises(AttributeError):
            endpoint.no_such_field  # noqa: B018 - the lookup is the test
    assert got.to_dict() == case["replies"][0]["body"], "to_dict gives the object back as sent"
    assert "region" not in repr(got), "the repr shows the known fields"
