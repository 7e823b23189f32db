"""Fixtures for the reference server's own tests: one in-process server per session.

Tests that would disturb shared seed data (fuzzing, faults, seed counting) start their own
server with ``reference.server.start``; each has its own database, so they stay isolated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from reference.server import RunningServer, ServerFacts, start


@pytest.fixture(scope="session", autouse=True)
def _django_ready() -> None:
    """Django configured, and every module the reference server imports lazily loaded, before
    any test runs.

    ``pytester`` drops the modules first imported during one of its tests. A module Django or
    DRF imports on a first request (a filter backend, an exception class) would come back as a
    second copy, and the server, holding the first, would no longer recognise its own
    exceptions (a 400 turning into a 500). So one of each kind of request is served here."""
    with start() as server, requests.Session() as http:
        facts = server.facts
        http.headers["Authorization"] = f"Token {facts.api_key}"
        base = f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/"
        body = {"order_item": facts.order_items[0], "reason": facts.reasons[0]}
        created = http.post(base, json={**body, "cancellation_type": "cancel"}).json()
        for method, url, payload in (
            ("GET", base + "?channel=x&pk__in=a&date_placed__gte=y&limit=0", None),
            ("GET", base + "detailed?sku=A&number=b&date_placed__date__lt=2025-01-01", None),
            ("GET", base + f"{created['id']}/detailed/", None),
            ("POST", base, {**body, "cancellation_type": "postpone"}),
            ("POST", base, "not json"),
            ("PATCH", base + f"{created['id']}/", {"quantity": 0}),
            ("PUT", base + f"{created['id']}/", {"description": "x"}),
            ("POST", base + f"{created['id']}/reject/", None),
            ("POST", base + f"{created['id']}/reject/", None),
            ("DELETE", base + f"{created['id']}/", None),
            ("GET", base + "999999/", None),
            ("GET", facts.base_url + "/nowhere", None),
        ):
            http.request(method, url, json=payload)
        http.get(base, headers={"Authorization": "Token wrong"})


@pytest.fixture(scope="session")
def reference_server() -> Iterator[RunningServer]:
    """The session's reference server, seeded and without faults."""
    with start() as server:
        yield server


@pytest.fixture(scope="session")
def facts(reference_server: RunningServer) -> ServerFacts:
    """What the session server announced about itself."""
    return reference_server.facts


@pytest.fixture(scope="session")
def http(facts: ServerFacts) -> Iterator[requests.Session]:
    """A keep-alive session authenticated with the read-write key."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Token {facts.api_key}"
        yield session


@pytest.fixture(scope="session")
def url(facts: ServerFacts) -> Callable[..., str]:
    """``url(suffix, channel=None)``: an absolute URL under a channel's collection."""

    def build(suffix: str = "", channel: int | None = None) -> str:
        channel_id = facts.channel_id if channel is None else channel
        return f"{facts.base_url}/api/channel/{channel_id}/cancellation_requests/{suffix}"

    return build


@pytest.fixture
def new_request(
    http: requests.Session, url: Callable[..., str], facts: ServerFacts
) -> Callable[..., dict]:
    """``new_request(**fields)``: create a request in the main channel and return its body."""

    def create(**fields: object) -> dict:
        body = {
            "order_item": facts.order_items[-1],
            "reason": facts.reasons[0],
            "cancellation_type": "cancel",
            **fields,
        }
        response = http.post(url(), json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return create
