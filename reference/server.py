"""Start the reference server in this process (``start``) or in a child process (``spawn``).

The server is Django's own threaded WSGI server (HTTP/1.1 keep-alive) bound to 127.0.0.1,
with TCP_NODELAY and a buffered writer so a response leaves in one segment instead of
waiting on delayed ACKs.  Django is configured once per process; each ``start()`` therefore
registers a fresh SQLite database under its own alias and binds its request threads to it
(``reference.context``), so several in-process servers are isolated in data and faults.
What they do share is process-wide Django state (settings, URLconf, app registry).
``spawn()`` gives full isolation and parallelism, at the cost of a Python start-up.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from reference import context, faults
from reference.settings import configure

_aliases = itertools.count(1)
_setup_lock = threading.Lock()


@dataclass(frozen=True)
class ServerFacts:
    """How to reach a running server, and which seeded ids a client may use."""

    base_url: str
    api_key: str
    readonly_api_key: str
    channel_id: int
    other_channel_id: int
    order_items: tuple[int, ...]
    reasons: tuple[int, ...]
    # not in the start-up line (its form is fixed); known to start(), not to spawn()
    foreign_reasons: tuple[int, ...] = ()

    def line(self) -> str:
        """The one line ``python -m reference`` prints once it listens."""
        return (
            f"base_url={self.base_url} api_key={self.api_key} channel_id={self.channel_id} "
            f"other_channel_id={self.other_channel_id} "
            f"order_items={','.join(map(str, self.order_items))} "
            f"reasons={','.join(map(str, self.reasons))}"
        )

    @classmethod
    def parse(cls, line: str, *, readonly_api_key: str | None = None) -> ServerFacts:
        """Read the start-up line back; the read-only key is not in it, so pass it."""
        fields = dict(part.split("=", 1) for part in line.split())
        api_key = fields["api_key"]
        return cls(
            base_url=fields["base_url"],
            api_key=api_key,
            readonly_api_key=readonly_api_key or default_readonly_key(api_key),
            channel_id=int(fields["channel_id"]),
            other_channel_id=int(fields["other_channel_id"]),
            order_items=tuple(int(n) for n in fields["order_items"].split(",")),
            reasons=tuple(int(n) for n in fields["reasons"].split(",")),
        )


def default_readonly_key(api_key: str) -> str:
    """The read-only key used when none is given."""
    return f"{api_key}-readonly"


def _handler_class() -> type[Any]:
    from django.core.servers.basehttp import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        """Django's HTTP/1.1 handler: quiet, buffered, and JSON even for protocol errors."""

        # Buffered: status line, headers and body go out in one send.
        wbufsize = -1

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle_one_request(self) -> None:
            super().handle_one_request()
            # wsgiref never flushes after a HEAD answer; with a buffered writer on a
            # kept-alive connection the headers would sit in the buffer forever.
            if not self.wfile.closed:
                self.wfile.flush()

        def send_error(self, code: int, message: str | None = None, explain: str | None = None):
            # http.server would answer a malformed request line with an HTML page.
            body = json.dumps({"detail": message or self.responses.get(code, ("",))[0]}).encode()
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
            self.close_connection = True

    return Handler


def _server_class() -> type[Any]:
    from django.core.servers.basehttp import ThreadedWSGIServer

    class Server(ThreadedWSGIServer):
        """One thread per connection, each bound to this server's database and faults."""

        def __init__(self, address: tuple[str, int], state: context.ServerState) -> None:
            self.state = state
            super().__init__(address, _handler_class(), ipv6=False)

        def get_request(self) -> tuple[socket.socket, Any]:
            sock, address = super().get_request()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, address

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            with context.bound(self.state):
                super().process_request_thread(request, client_address)

    return Server


def _new_database(path: str) -> str:
    """Register ``path`` under a new alias, create the schema, and return the alias."""
    from django.core.management import call_command
    from django.db import connections

    alias = f"server{next(_aliases)}"
    with _setup_lock:
        settings = connections.settings
        settings[alias] = {**settings["default"], "NAME": path}
        settings[alias]["OPTIONS"] = dict(settings["default"]["OPTIONS"])
        settings[alias]["TEST"] = dict(settings["default"]["TEST"])
    with context.bound(context.ServerState(alias)):
        call_command("migrate", "reference", database=alias, verbosity=0, interactive=False)
    return alias


def _remove_database_files(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + suffix)


class RunningServer:
    """A server running in a daemon thread of this process; ``stop()`` ends it."""

    def __init__(
        self, facts: ServerFacts, httpd: Any, thread: threading.Thread, alias: str, db: str | None
    ) -> None:
        self.facts = facts
        self._httpd = httpd
        self._thread = thread
        self._alias = alias
        self._temporary_db = db
        self._stopped = False

    def stop(self) -> None:
        """Stop serving, close the database and delete it if it was temporary."""
        if self._stopped:
            return
        self._stopped = True
        from django.db import connections

        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        connections[self._alias].close()
        if self._temporary_db:
            _remove_database_files(self._temporary_db)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start(
    *,
    port: int = 0,
    api_key: str | None = None,
    readonly_api_key: str | None = None,
    faults: Iterable[str] = (),
    db: str | None = None,
) -> RunningServer:
    """Serve a freshly seeded database on 127.0.0.1:``port`` (0: ephemeral) in a daemon thread.

    ``faults`` (plus ``$REFERENCE_FAULTS``) must name entries of ``reference.faults.FAULTS``.
    ``db`` is a path to (re)create; by default a temporary file deleted by ``stop()``.
    """
    active = _faults_module().resolve(faults)
    configure()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    from reference.seed import seed

    api_key = api_key or secrets.token_urlsafe(18)
    readonly_api_key = readonly_api_key or default_readonly_key(api_key)
    if db is None:
        handle, path = tempfile.mkstemp(prefix="reference-", suffix=".sqlite3")
        os.close(handle)
        _remove_database_files(path)
    else:
        path = os.path.abspath(db)
        _remove_database_files(path)
    alias = _new_database(path)
    state = context.ServerState(alias=alias, faults=active)
    with context.bound(state):
        seeded = seed(api_key, readonly_api_key)
    connections[alias].close()

    httpd = _server_class()(("127.0.0.1", port), state)
    httpd.set_app(WSGIHandler())
    host, bound_port = httpd.server_address[:2]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True, name=alias
    )
    thread.start()
    facts = ServerFacts(
        base_url=f"http://{host}:{bound_port}",
        api_key=api_key,
        readonly_api_key=readonly_api_key,
        channel_id=seeded.channel_id,
        other_channel_id=seeded.other_channel_id,
        order_items=seeded.order_items,
        reasons=seeded.reasons,
        foreign_reasons=seeded.foreign_reasons,
    )
    return RunningServer(facts, httpd, thread, alias, None if db else path)


def _faults_module() -> Any:
    # ``start`` has a parameter named ``faults``; this keeps the module reachable inside it.
    return faults


class SpawnedServer:
    """A ``python -m reference`` child process; ``stop()`` terminates and reaps it."""

    def __init__(self, facts: ServerFacts, process: subprocess.Popen[str]) -> None:
        self.facts = facts
        self.process = process

    def stop(self) -> None:
        """Terminate the child (SIGTERM, then SIGKILL after 5 s) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def spawn(
    *,
    api_key: str | None = None,
    readonly_api_key: str | None = None,
    faults: Iterable[str] = (),
    port: int = 0,
    timeout: float = 30.0,
) -> SpawnedServer:
    """Run ``python -m reference`` in a child process and wait for its start-up line."""
    names = list(faults)
    _faults_module().resolve(names, environ={})  # fail here, not in the child
    api_key = api_key or secrets.token_urlsafe(18)
    readonly_api_key = readonly_api_key or default_readonly_key(api_key)
    command = [
        sys.executable,
        "-m",
        "reference",
        f"--port={port}",
        f"--api-key={api_key}",
        f"--readonly-api-key={readonly_api_key}",
    ]
    if names:
        command.append(f"--faults={','.join(names)}")
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    # The child's stderr goes to a file: only read on failure, and a pipe could fill up.
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        line = _read_line(process, timeout)
        if not line.startswith("base_url="):
            process.kill()
            process.wait()
            stderr.seek(0)
            raise RuntimeError(f"reference server failed to start: {line!r}\n{stderr.read()}")
    return SpawnedServer(ServerFacts.parse(line, readonly_api_key=readonly_api_key), process)


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + timeout
    reader.join(max(0.0, deadline - time.monotonic()))
    return result[0].strip() if result else ""
