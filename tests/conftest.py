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
    """Django configured and the reference models loaded before any test runs.

    ``pytester`` drops the modules first imported during one of its tests; were Django set up
    there, the next test would meet a fresh, unready app registry."""
    from reference.settings import configure

    configure()
    import reference.models  # noqa: F401


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
