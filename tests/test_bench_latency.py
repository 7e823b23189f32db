"""The replay benchmark's delaying proxy is a faithful stand-in for a network: it passes every
byte both ways unchanged over a keep-alive connection, and no answer comes back before the delay
has passed (a lower bound only: how much later it comes is for the benchmark to print)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import requests
from stub_servers import ScriptedStub, json_reply

from bench.latency import DelayingProxy


def test_the_proxy_passes_requests_and_answers_unchanged_and_no_sooner_than_its_delay():
    # Given a stub behind the delaying proxy
    body = {"count": 0, "next": None, "previous": None, "results": [], "ü": "\u00fc" * 5000}
    with ScriptedStub([json_reply(200, body)]) as stub:
        upstream = urlsplit(stub.base_url)
        with DelayingProxy((upstream.hostname, upstream.port), 0.05) as proxy:
            session = requests.Session()
            for _ in range(3):
                # When a request with a body goes through it, on one kept-alive connection
                began = time.monotonic()
                answer = session.post(f"{proxy.base_url}/x/?q=1", json={"a": "b" * 70000})
                took = time.monotonic() - began
                # Then the stub saw it whole, the client got the stub's answer whole,
                assert answer.status_code == 200 and answer.json() == body
                assert stub.requests[-1].body == b'{"a": "' + b"b" * 70000 + b'"}'
                assert stub.requests[-1].path == "/x/?q=1"
                # and not before the delay
                assert took >= 0.05
    assert len(stub.requests) == 3


def test_the_proxy_ends_the_connections_a_client_left_open():
    # Given a client that keeps its connection open when the proxy stops
    with ScriptedStub([json_reply(200, {})]) as stub:
        upstream = urlsplit(stub.base_url)
        with DelayingProxy((upstream.hostname, upstream.port), 0.0) as proxy:
            session = requests.Session()
            assert session.get(proxy.base_url + "/").status_code == 200
        # Then the next request through it finds nothing listening, rather than hanging
        with pytest.raises(requests.ConnectionError):
            session.get(proxy.base_url + "/", timeout=2)
