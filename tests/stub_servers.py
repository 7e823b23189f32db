"""Misbehaving HTTP targets on 127.0.0.1 for the robustness tests: scripted stubs and a proxy.

A stub answers each request with the next action of its script (the last action repeats), so a
test reads as the story of what the target does: reset, then 503, then a page. Every server
records what reached it, listens on an ephemeral loopback port, runs in daemon threads and stops
itself when its ``with`` block ends; a hung handler waits at most a bounded time, so nothing
outlives the test that started it.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests

EXAMPLES = Path(__file__).resolve().parent.parent / "schemas" / "examples"
EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}
# Longest a hung handler holds its thread; the tests' timeouts are far shorter.
HANG_LIMIT_S = 10.0


def example(name: str) -> Any:
    """A documentation example from schemas/examples, as a conforming stub answers it."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Reply:
    """Answer with this status, body and headers (Content-Length is always set)."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hang:
    """Read the request and never answer (until the stub stops or ``HANG_LIMIT_S`` passes)."""


@dataclass(frozen=True)
class Reset:
    """Read the request, then abort the connection with a TCP RST instead of an answer."""


Action = Reply | Hang | Reset


def json_reply(status: int, body: Any, *headers: tuple[str, str]) -> Reply:
    """A well-formed JSON answer."""
    return Reply(
        status, json.dumps(body).encode(), (("Content-Type", "application/json"), *headers)
    )


@dataclass(frozen=True)
class Seen:
    """One request as it reached a stub."""

    method: str
    path: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    # when it arrived (time.monotonic), for tests of pacing
    at: float = field(default_factory=time.monotonic, repr=False)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: _Base) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that gave up (timeout, reset) is the point of these stubs, not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, dict(self.headers.items()), body)
        self.server.owner.record(seen)
        self.server.owner.respond(self, seen)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def send_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def hang(self, stop: threading.Event) -> None:
        stop.wait(HANG_LIMIT_S)
        self.close_connection = True

    def reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST rather than FIN
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class _Base:
    """Start/stop and the record of requests, shared by the stub and the proxy."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _Server(self)
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    @property
    def methods(self) -> list[str]:
        with self._lock:
            return [seen.method for seen in self.requests]

    def respond(self, handler: _Handler, seen: Seen) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ScriptedStub(_Base):
    """Answers the n-th request with the n-th action of its script; the last one repeats."""

    def __init__(self, script: Sequence[Action] | Action) -> None:
        self._script = list(script) if isinstance(script, Sequence) else [script]
        if not self._script:
            raise ValueError("a stub needs at least one action")
        self._next = 0
        super().__init__()

    def respond(self, handler: _Handler, seen: Seen) -> None:
        with self._lock:
            action = self._script[min(self._next, len(self._script) - 1)]
            self._next += 1
        if isinstance(action, Hang):
            handler.hang(self._stop)
        elif isinstance(action, Reset):
            handler.reset()
        else:
            handler.send_reply(action)


# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business, never forwarded.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class RecordingProxy(_Base):
    """A reverse proxy that forwards GETs to ``upstream`` and answers 500 to every write.

    With ``forward_writes`` it forwards everything. Either way it records every method it saw,
    so a test can count the writes that reached the target. The Host header is passed on, so
    the links the upstream builds (``next``, ``previous``) point back at the proxy.
    """

    def __init__(self, upstream: str, *, forward_writes: bool = False) -> None:
        self._upstream = urlsplit(upstream)
        self._forward_writes = forward_writes
        super().__init__()

    @property
    def writes(self) -> list[str]:
        return [method for method in self.methods if method not in ("GET", "HEAD", "OPTIONS")]

    def respond(self, handler: _Handler, seen: Seen) -> None:
        if seen.method not in ("GET", "HEAD") and not self._forward_writes:
            handler.send_reply(
                json_reply(500, {"detail": f"recording proxy: {seen.method} refused"})
            )
            return
        headers = {k: v for k, v in seen.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(
            self._upstream.hostname, self._upstream.port, timeout=30
        )
        try:
            upstream.request(seen.method, seen.path, body=seen.body or None, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            kept = tuple((k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP)
            handler.send_reply(Reply(response.status, body, kept))
        finally:
            upstream.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def requests_on(base_url: str, api_key: str, channels: Iterable[int]) -> list[dict[str, Any]]:
    """Every cancellation request a server lists in ``channels``, following ``next`` links."""
    found: list[dict[str, Any]] = []
    with requests.Session() as session:
        session.headers["Authorization"] = f"Token {api_key}"
        for channel in channels:
            url: str | None = f"{base_url}/api/channel/{channel}/cancellation_requests/?limit=100"
            for _page in range(1000):  # bounded: a server whose next never ends stops here
                if url is None:
                    break
                response = session.get(url, timeout=10)
                response.raise_for_status()
                page = response.json()
                found.extend(page["results"])
                url = page["next"]
    return found
