"""Record and replay: where cassettes live, how requests match, what is scrubbed before writing.

One cassette per test, under ``cassettes/<target>/<module>/<test>.yaml``, so a person finds the
one of a failing test and vcrpy, which scans a cassette for every replayed request, stays fast.
A cassette spans the test's whole protocol (setup, call, teardown), so what fixtures send on the
test's behalf (creates, the cleanup deletes, a module's shared data built in its first test) is
recorded with it; this is why the cassette is opened around the protocol here rather than through
pytest-recording's function-scoped ``vcr`` fixture, which opens after module fixtures have run.
pytest-recording's network guard is used as it is: a replay opens no socket.

Matching ignores scheme, host and port (the embedded target's port changes every run, and
cassettes are per target anyway) and compares method, path, query (order-insensitive) and JSON
body (key-order-insensitive). Secrets never reach a file: the Authorization and Cookie headers
are dropped, Set-Cookie too, and every key of the run is replaced by a placeholder wherever it
appears (URLs, query strings, bodies, ``next``/``previous`` links, any header), along with the
target's extra header names and patterns.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from conformance.targets import secret_forms

PLACEHOLDER = "<SECRET>"
DROPPED_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")
TARGET_FILE = "target.json"
MODES = ("live", "record", "replay")
# a replay sends nothing anywhere; this host exists nowhere, so a leak would fail loudly
REPLAY_BASE_URL = "http://replay.invalid"


@dataclass(frozen=True)
class Scrubber:
    """Removes a run's secrets from requests and responses before vcrpy writes them."""

    secrets: tuple[str, ...]
    headers: tuple[str, ...] = DROPPED_HEADERS
    patterns: tuple[re.Pattern[str], ...] = field(default=())

    @functools.cached_property
    def _forms(self) -> tuple[str, ...]:
        return secret_forms(self.secrets)

    def text(self, value: str) -> str:
        for secret in self._forms:
            value = value.replace(secret, PLACEHOLDER)
        for pattern in self.patterns:
            value = pattern.sub(PLACEHOLDER, value)
        return value

    def body(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
        if isinstance(value, str):
            return self.text(value)
        return value

    def request(self, request: Any) -> Any:
        for name in list(request.headers):
            if name.lower() in self.headers:
                del request.headers[name]
            else:
                request.headers[name] = self.text(str(request.headers[name]))
        request.uri = self.text(request.uri)
        request.body = self.body(request.body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in self.headers:
                del headers[name]
            else:
                headers[name] = [self.text(str(v)) for v in headers[name]]
        body = response.get("body", {})
        if "string" in body:
            body["string"] = self.body(body["string"])
        return response


def _json_or_bytes(body: Any) -> Any:
    if body in (None, b"", ""):
        return None
    raw = body if isinstance(body, bytes) else str(body).encode()
    try:
        return ("json", json.loads(raw))
    except ValueError:
        return ("raw", raw)


def _key(request: Any) -> tuple[Any, ...]:
    """What two requests must share to match, computed once per request object: vcrpy compares
    a replayed request with every recorded one, and parsing queries and bodies anew for each
    pair made replaying slower than sending."""
    key = getattr(request, "_cc_match_key", None)
    if key is None:
        body = _json_or_bytes(request.body)
        if body is not None and body[0] == "json":
            body = ("json", json.dumps(body[1], sort_keys=True))
        key = (request.method, request.path, tuple(sorted(request.query)), body)
        request._cc_match_key = key
    return key


def same_request(r1: Any, r2: Any) -> None:
    """vcrpy matcher: same method, path, query (any order) and JSON body (any key order)."""
    if _key(r1) != _key(r2):
        raise AssertionError("method, path, query or body differ")


# One matcher standing for method, path, query and JSON body together, so each pair costs a
# tuple comparison.
MATCH_ON = ("same_request",)


def cassette_dir(root: Path, target: str) -> Path:
    return root / target


def cassette_path(root: Path, target: str, nodeid: str) -> Path:
    """``<root>/<target>/<module>/<test>.yaml``, names made safe for every file system."""
    module, _, test = nodeid.partition("::")
    module_name = Path(module).stem
    safe = re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", test.replace("::", "."))
    safe = safe.replace("[", "-").replace("]", "")
    if len(safe) > 150:
        import hashlib

        safe = safe[:130] + "-" + hashlib.sha1(safe.encode()).hexdigest()[:12]
    return root / target / module_name / f"{safe}.yaml"


class Recorder:
    """Opens the cassette of one test in record or replay mode."""

    def __init__(self, root: Path, target: str, mode: str, scrubber: Scrubber) -> None:
        self.root = root
        self.target = target
        self.mode = mode
        self.scrubber = scrubber
        self._vcr = vcr.VCR(
            record_mode="all" if mode == "record" else "none",
            match_on=MATCH_ON,
            before_record_request=scrubber.request,
            before_record_response=scrubber.response,
            decode_compressed_response=True,
        )
        self._vcr.register_matcher("same_request", same_request)

    @contextlib.contextmanager
    def cassette(self, nodeid: str) -> Iterator[Path]:
        path = cassette_path(self.root, self.target, nodeid)
        if self.mode == "record":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            with self._vcr.use_cassette(str(path)):
                yield path
            return
        with _network_blocked(), self._vcr.use_cassette(str(path)):
            yield path


@contextlib.contextmanager
def _network_blocked() -> Iterator[None]:
    from pytest_recording.network import blocking_context

    with blocking_context(allowed_hosts=[]):
        yield


def stale_message(error: CannotOverwriteExistingCassetteException, path: Path, command: str) -> str:
    request = error.failed_request
    shown = f"{request.method} {request.path}" if request is not None else "a request"
    if request is not None and request.query:
        shown += "?" + "&".join(f"{k}={v}" for k, v in request.query)
    why = {
        "cassette_not_found": "the cassette does not exist",
        "already_played": "every recorded answer to it was already played",
    }.get(getattr(error, "reason", ""), "no recorded request matches it")
    return (
        f"no recorded answer for {shown} in cassette {path} ({why}); re-record the target with: "
        f"{command} (the whole suite: ids created by earlier tests run through later cassettes, "
        "so a test recorded alone does not fit the recording around it)"
    )


def write_target(root: Path, target: str, facts: dict[str, Any]) -> None:
    directory = cassette_dir(root, target)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(facts, indent=2, sort_keys=True) + "\n"
    (directory / TARGET_FILE).write_text(text, encoding="utf-8")


def read_target(root: Path, target: str) -> dict[str, Any] | None:
    path = cassette_dir(root, target) / TARGET_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def freeze_generated_constants() -> None:
    """Stop Hypothesis from mixing the project's own literals into generated data.

    Hypothesis draws, now and then, a string or number literal found in whatever local modules
    are imported at that moment; a live run imports the reference server's modules (to start it,
    and lazily while serving) and a replay imports none, so the same derandomized test drew other
    bodies in replay than it had recorded. There is no setting for this, so the pool is pinned
    empty here; this only matters for the deterministic profile, which record and replay use.
    """
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants()
    if hasattr(providers, "_get_local_constants"):
        providers._get_local_constants = lambda: empty


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)
