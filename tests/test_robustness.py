"""Robustness against misbehaving targets: the engine turns each into a clear verdict.

Two levels. A ``Client`` built directly talks to scripted stub servers (``stub_servers``) that
hang, reset, answer 5xx, 429 or garbage, and each test says what the client does about it:
retry, wait, or raise a ``ContractViolation``/``TargetUnusable`` carrying the evidence, never
another exception. Then the suite itself runs black-box in a subprocess (``pytester``, as in
``test_plugin.py``) against dead, wrong, read-only, production-looking and parallel targets.
Given/When/Then in comments; every server listens on 127.0.0.1 and stops with its test.
"""

from __future__ import annotations

import bisect
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from stub_servers import (
    EMPTY_PAGE,
    Hang,
    RecordingProxy,
    Reply,
    Reset,
    ScriptedStub,
    example,
    free_port,
    json_reply,
    requests_on,
)

from conformance import checks, plugin, report
from conformance import client as client_module
from conformance.client import Budget, BudgetExhausted, Client, Pacer, Transcript
from conformance.targets import Credentials, Target, table

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"
KEY = "stub-secret-key"
MARKER_TEXT = "cancellation-contract run"

PAGE = json_reply(200, EMPTY_PAGE)
CREATED = json_reply(201, example("create.201.json"))
HTML = (
    "<!doctype html><html><head><title>Welcome to nginx!</title></head><body>"
    + "<p>If you see this page, the web server is installed.</p>" * 400
    + "</body></html>"
).encode()


# --- the client against scripted stubs ------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[Callable[..., ScriptedStub]]:
    """``stub(*actions)``: a started scripted server, stopped when the test ends."""
    started: list[ScriptedStub] = []

    def start(*actions: Any) -> ScriptedStub:
        server = ScriptedStub(list(actions)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def connect() -> Iterator[Callable[..., tuple[Client, Transcript]]]:
    """``connect(base_url, timeout_s=2, owns=None)``: a client as ``plugin.Run.connect`` builds
    one (no pacing, no budget), and the transcript it writes to."""
    clients: list[Client] = []

    def build(
        base_url: str, *, timeout_s: float = 2.0, owns: Callable[[int, Any], bool] | None = None
    ) -> tuple[Client, Transcript]:
        target = Target(
            name="stub",
            source="tests/test_robustness.py",
            base_url=base_url,
            channel_id=1,
            order_items=(1,),
            reasons=(1,),
            timeout_s=timeout_s,
            max_rps=0,
        )
        transcript = Transcript()
        api = Client(
            target,
            KEY,
            credentials=Credentials(KEY, secrets=(KEY,)),
            transcript=transcript,
            pacer=Pacer(0),
            owns=owns,
        )
        clients.append(api)
        return api, transcript

    yield build
    for api in clients:
        api.close()


def _create_body() -> dict[str, Any]:
    return example("create.request.json")


def test_a_hung_target_times_out_and_the_next_request_still_works(stub, connect):
    # Given a target that never answers its first request, then answers normally
    server = stub(Hang(), PAGE)
    api, transcript = connect(server.base_url, timeout_s=0.5)
    # When the client lists, then it gives up after timeout_s, once, with a contract violation
    started = time.monotonic()
    with pytest.raises(checks.ContractViolation) as caught:
        api.list()
    waited = time.monotonic() - started
    assert caught.value.title == "Request timed out"
    assert "timed out after 0.5 s" in caught.value.received
    assert 0.4 < waited < 2.0, "a timeout is not retried"
    assert len(server.requests) == 1
    assert caught.value.exchange is not None and caught.value.exchange.status == 0
    # And the next request, on a fresh connection, is answered
    assert api.list().status == 200
    assert [e.status for e in transcript.exchanges] == [0, 200]


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        pytest.param("list", lambda api: api.list(), id="GET-list"),
        pytest.param("retrieve", lambda api: api.retrieve(1), id="GET-retrieve"),
    ],
)
def test_a_reset_connection_is_retried_for_a_get_until_it_answers(stub, connect, operation, call):
    # Given a target that resets the connection twice, then answers
    answer = PAGE if operation == "list" else json_reply(200, example("retrieve.200.json"))
    server = stub(Reset(), Reset(), answer)
    api, transcript = connect(server.base_url)
    # When the client sends a GET, then it gets the answer on the third attempt
    assert call(api).status == 200
    assert server.methods == ["GET"] * 3
    # And the transcript shows every attempt, each retried one with its note
    attempts = [(e.attempt, e.status, bool(e.note)) for e in transcript.exchanges]
    assert attempts == [(1, 0, True), (2, 0, True), (3, 200, False)]


def test_a_connection_reset_on_every_attempt_is_reported_after_the_retries(stub, connect):
    # Given a target that resets every connection
    server = stub(Reset())
    api, transcript = connect(server.base_url)
    # When the client lists, then after 3 retries it says the target is unusable, and why
    with pytest.raises(checks.TargetUnusable, match="connection reset"):
        api.list()
    assert server.methods == ["GET"] * 4
    assert [e.note.startswith("retried after") for e in transcript.exchanges] == [
        True,
        True,
        True,
        False,
    ]


def test_a_create_on_a_reset_connection_is_sent_exactly_once(stub, connect):
    # Given a target that resets the connection once, then would accept a create
    server = stub(Reset(), CREATED)
    api, transcript = connect(server.base_url)
    # When the client creates, then it does not retry: the first create may have been stored
    with pytest.raises(checks.TargetUnusable, match="connection reset"):
        api.create(_create_body())
    assert server.methods == ["POST"]
    assert len(transcript.exchanges) == 1 and not transcript.exchanges[0].note


@pytest.mark.parametrize(
    ("status", "call", "answer", "owned"),
    [
        pytest.param(503, lambda api: api.list(), PAGE, False, id="503-GET-list"),
        pytest.param(
            502,
            lambda api: api.retrieve(1),
            json_reply(200, example("retrieve.200.json")),
            False,
            id="502-GET-retrieve",
        ),
        pytest.param(504, lambda api: api.delete(7), Reply(204), True, id="504-DELETE-own"),
    ],
)
def test_a_gateway_error_on_an_idempotent_request_is_retried_once_and_shown(
    stub, connect, status, call, answer, owned
):
    # Given a target whose gateway fails once, then answers
    server = stub(json_reply(status, {"detail": "upstream unavailable"}), answer)
    api, transcript = connect(server.base_url, owns=lambda channel, id: owned)
    # When the client sends a GET, or a DELETE of something the suite created
    exchange = call(api)
    # Then the second attempt's answer is what the caller gets
    assert exchange.status == answer.status and exchange.attempt == 2
    assert len(server.requests) == 2
    # And the transcript holds both attempts, the first with the delay it waited
    first, second = transcript.exchanges
    assert (first.status, first.attempt) == (status, 1)
    assert re.fullmatch(r"retried after \d+\.\d\d s", first.note)
    assert second.note == ""
    assert "(attempt 2)" in second.summary()


@pytest.mark.parametrize(
    ("status", "call", "method"),
    [
        pytest.param(503, lambda api: api.create(_create_body()), "POST", id="503-POST-create"),
        pytest.param(502, lambda api: api.reject(3), "POST", id="502-POST-reject"),
        pytest.param(
            503, lambda api: api.partial_update(3, {"quantity": 1}), "PATCH", id="503-PATCH"
        ),
        pytest.param(504, lambda api: api.delete(3), "DELETE", id="504-DELETE-not-created"),
    ],
)
def test_a_gateway_error_on_a_write_is_not_retried_and_fails_as_a_server_error(
    stub, connect, status, call, method
):
    # Given a target whose gateway fails on every request
    server = stub(json_reply(status, {"detail": "upstream unavailable"}))
    api, transcript = connect(server.base_url)
    # When the client sends a write that is not safe to repeat
    with pytest.raises(checks.ContractViolation) as caught:
        call(api)
    # Then exactly one request reached the target, and the verdict is the no-5xx claim
    assert server.methods == [method]
    assert caught.value.claim == "CR-NO-5XX" and caught.value.title == "Server error"
    assert str(status) in caught.value.received
    assert [e.note for e in transcript.exchanges] == [""]


@pytest.mark.parametrize(
    ("call", "method", "answer"),
    [
        pytest.param(lambda api: api.list(), "GET", PAGE, id="GET-list"),
        pytest.param(lambda api: api.create(_create_body()), "POST", CREATED, id="POST-create"),
    ],
)
def test_a_429_is_retried_for_any_method_after_the_retry_after_delay(
    stub, connect, call, method, answer
):
    # Given a target that asks the client to slow down once, for one second
    too_many = json_reply(429, {"detail": "Request was throttled."}, ("Retry-After", "1"))
    server = stub(too_many, answer)
    api, transcript = connect(server.base_url)
    # When the client sends the request, even a create (a 429 says nothing was processed)
    started = time.monotonic()
    exchange = call(api)
    waited = time.monotonic() - started
    # Then it waited the second it was asked to, and the retry got the answer
    assert exchange.status == answer.status
    assert waited >= 0.95
    assert server.methods == [method, method]
    assert transcript.exchanges[0].note == "retried after 1.00 s"


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        pytest.param("3600", 30.0, 30.0, id="an-hour-capped-at-30s"),
        pytest.param("0", 0.0, 0.0, id="zero"),
        pytest.param(None, 1.0, 1.0, id="absent-means-1s"),
        pytest.param("soon", 1.0, 1.0, id="unreadable-means-1s"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, 0.0, id="date-in-the-past"),
    ],
)
def test_the_retry_after_delay_is_read_and_capped_at_30_s(
    stub, connect, monkeypatch, retry_after, low, high
):
    # Given a target that always answers 429, and a clock that records sleeps instead of taking
    # them (client.time is replaced for this module only, so nothing else stops sleeping)
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    server = stub(json_reply(429, {"detail": "throttled"}, *headers))
    slept: list[float] = []
    clock = SimpleNamespace(
        sleep=slept.append, perf_counter=time.perf_counter, monotonic=time.monotonic
    )
    monkeypatch.setattr(client_module, "time", clock)
    api, transcript = connect(server.base_url)
    # When the client lists
    exchange = api.list()
    # Then it tried 1 + 3 times, each wait within bounds, and kept the last 429 to show
    assert exchange.status == 429 and len(server.requests) == 4
    assert len(slept) == 3 and all(low <= s <= high for s in slept), slept
    assert len(transcript.exchanges) == 4


@pytest.mark.parametrize(
    ("reply", "title", "shown"),
    [
        pytest.param(
            Reply(200, HTML, (("Content-Type", "text/html; charset=utf-8"),)),
            "Response is not JSON",
            ["Content-Type text/html; charset=utf-8", "<!doctype html><html><head><title>"],
            id="html-page-200",
        ),
        pytest.param(
            Reply(404, HTML, (("Content-Type", "text/html"),)),
            "Response is not JSON",
            ["Content-Type text/html", "Welcome to nginx!"],
            id="html-page-404",
        ),
        pytest.param(
            Reply(
                200,
                b'{"count": 3, "next": null, "previous": null, "results": [{"id": 1, "or',
                (("Content-Type", "application/json"),),
            ),
            "Response body is not valid JSON",
            ["invalid JSON", '{"count": 3, "next": null, "previous": null, "results": [{"id": 1'],
            id="truncated-json",
        ),
        pytest.param(
            Reply(
                200,
                b'{"count": 0, "next": null, "previous": null, "results": []}',
                (("Content-Type", "text/plain"),),
            ),
            "Response is not JSON",
            ["Content-Type text/plain", '{"count": 0'],
            id="json-as-text-plain",
        ),
        pytest.param(
            Reply(200, b"", (("Content-Type", "application/json"),)),
            "Empty body where JSON is documented",
            ["an empty body"],
            id="empty-200-json",
        ),
        pytest.param(
            Reply(200),
            "Response is not JSON",
            ["Content-Type (none)"],
            id="empty-200-no-content-type",
        ),
        pytest.param(
            Reply(200, b'{"count": "\xff\xfe"}', (("Content-Type", "application/json"),)),
            "Response body is not valid JSON",
            ['{"count": "'],
            id="not-utf8",
        ),
        pytest.param(
            json_reply(200, {"count": -1, "next": 5, "results": "none"}),
            "Response violates the documented schema",
            ["$.count", "$.next"],
            id="json-of-the-wrong-shape",
        ),
    ],
)
def test_a_malformed_answer_is_a_contract_violation_showing_the_raw_body(
    stub, connect, reply, title, shown
):
    # Given a target that answers a documented status with something that is not the document
    server = stub(reply)
    api, _ = connect(server.base_url)
    # When the client lists (or retrieves, for the 404), then the verdict is a typed violation
    with pytest.raises(checks.ContractViolation) as caught:
        api.retrieve(1) if reply.status == 404 else api.list()
    violation = caught.value
    assert violation.title == title
    assert violation.exchange is not None and violation.exchange.content == reply.body
    # And what was received is shown as it came, cut to a readable length
    for fragment in shown:
        assert fragment in str(violation)
    assert len(violation.received) < 600
    assert len(str(violation)) < 3000
    if len(reply.body) > 1200:
        assert f"({len(reply.body)} chars)" in str(violation)
    assert KEY not in str(violation)


def test_a_json_null_where_a_page_is_documented_violates_the_schema(stub, connect):
    # Given a target that answers 200 application/json with the JSON document `null`
    server = stub(Reply(200, b"null", (("Content-Type", "application/json"),)))
    api, _ = connect(server.base_url)
    # When the client lists, then the schema check refuses it like any other non-page
    with pytest.raises(checks.ContractViolation) as caught:
        api.list()
    assert caught.value.claim == "CR-SHAPE"


def test_deeply_nested_json_is_a_contract_violation_not_a_crash(stub, connect):
    # Given a target that answers a list with JSON nested 100 000 arrays deep
    depth = 100_000
    server = stub(Reply(200, b"[" * depth + b"]" * depth, (("Content-Type", "application/json"),)))
    api, _ = connect(server.base_url)
    # When the client lists, then the verdict is a contract violation, not a RecursionError
    with pytest.raises(checks.ContractViolation) as caught:
        api.list()
    assert caught.value.claim in ("CR-JSON", "CR-SHAPE")


def test_bytes_that_are_not_utf8_are_shown_escaped(stub, connect):
    # Given a target that answers bytes that are not UTF-8 where JSON is documented
    server = stub(Reply(200, b'{"count": "\xff\xfe"}', (("Content-Type", "application/json"),)))
    api, _ = connect(server.base_url)
    # When the client lists, then the evidence shows those bytes as they came, escaped
    with pytest.raises(checks.ContractViolation) as caught:
        api.list()
    assert "\\xff\\xfe" in caught.value.received


def test_a_plain_http_server_behind_an_https_url_is_a_tls_error(stub, connect):
    # Given a target URL that says https, served by a plain-HTTP server
    server = stub(PAGE)
    api, _ = connect(server.base_url.replace("http://", "https://"))
    # When the client lists, then the target is unusable because of TLS, key masked
    with pytest.raises(checks.TargetUnusable, match="TLS error") as caught:
        api.list()
    assert KEY not in str(caught.value)


def test_a_refused_connection_names_its_cause(connect):
    # Given a port nothing listens on
    api, transcript = connect(f"http://127.0.0.1:{free_port()}")
    # When the client lists, then the target is unusable, saying the connection was refused
    with pytest.raises(checks.TargetUnusable, match="connection refused"):
        api.list()
    assert len(transcript.exchanges) == 4, "a GET is retried 3 times before giving up"


# --- the health probe: a dead or wrong target stops the run before any test ----------------


def _targets_file(tmp_path: Path, name: str, base_url: str, **extra: Any) -> str:
    """A targets file with one remote target (key read from CC_ROBUST_KEY)."""
    description = {
        "base_url": base_url,
        "api_key_env": "CC_ROBUST_KEY",
        "max_rps": 0,
        "channel_id": 1,
        "order_items": [1],
        "reasons": [1],
        **extra,
    }
    path = tmp_path / "targets.toml"
    path.write_text(table(name, description))
    return str(path)


@pytest.fixture
def run_suite(pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``run_suite(*args)``: the suite in a subprocess, reports under tmp_path/reports."""
    monkeypatch.delenv("REFERENCE_FAULTS", raising=False)
    monkeypatch.delenv("CC_TARGET", raising=False)
    monkeypatch.delenv("CC_TARGETS_FILE", raising=False)

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            *args, "--reports-dir", str(tmp_path / "reports"), "-p", "no:cacheprovider"
        )

    return run


PROBE_FAILURES = [
    pytest.param("refused", ["unreachable", "connection refused"], id="connection-refused"),
    pytest.param("dns", ["unreachable", "DNS lookup failed"], id="dns-failure"),
    pytest.param("html", ["answered the health probe", "200", "not a JSON list"], id="html-page"),
    pytest.param("401", ["refused the configured key (401)"], id="key-refused"),
    pytest.param("hang", ["did not answer the health probe", "timed out after 0.5 s"], id="hangs"),
]


@pytest.mark.parametrize(("kind", "message"), PROBE_FAILURES)
def test_a_dead_or_wrong_target_stops_the_run_with_one_plain_message(
    run_suite, stub, tmp_path, monkeypatch, kind, message
):
    # Given a target that is not a usable API: nothing listening, a name that does not resolve,
    # a web page, a gateway that refuses the key, a server that never answers
    monkeypatch.setenv("CC_ROBUST_KEY", KEY)
    base_url = {
        "refused": lambda: f"http://127.0.0.1:{free_port()}",
        "dns": lambda: "http://cc-robustness-no-such-host.invalid",
        "html": lambda: stub(Reply(200, HTML, (("Content-Type", "text/html"),))).base_url,
        "401": lambda: stub(json_reply(401, {"detail": "Invalid token."})).base_url,
        "hang": lambda: stub(Hang()).base_url,
    }[kind]()
    targets = _targets_file(tmp_path, "broken", base_url, timeout_s=0.5)
    # When the suite runs against it
    result = run_suite(
        str(SUITES / "test_create.py"), "--target", "broken", "--targets-file", targets
    )
    # Then it stops before any test with pytest's usage error and one message naming the cause
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()[-2000:]
    stderr = result.stderr.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, stderr
    for fragment in message:
        assert fragment in errors[0]
    assert "target 'broken'" in errors[0]
    assert "Traceback" not in stderr + result.stdout.str()
    assert KEY not in stderr + result.stdout.str()


# --- harmless by construction: a read-only or production-looking target gets no writes -----


@pytest.fixture(scope="session")
def reference_code() -> Any:
    """The reference server's module, Django configured and its models loaded.

    Session-scoped so it happens before ``pytester`` snapshots ``sys.modules``: a first import
    inside a pytester test would be dropped when the test ends, and the next import would get a
    fresh, unready Django app registry."""
    from reference import server, settings

    settings.configure()
    import reference.seed  # noqa: F401  (the models, registered while the registry is ready)

    return server


@pytest.fixture
def reference(reference_code: Any) -> Iterator[Any]:
    """A reference server of this test's own, in this process."""
    with reference_code.start() as running:
        yield running


@pytest.fixture
def proxy(reference: Any) -> Iterator[Callable[..., RecordingProxy]]:
    """``proxy(forward_writes=False)``: a recording proxy in front of the reference server."""
    started: list[RecordingProxy] = []

    def start(*, forward_writes: bool = False) -> RecordingProxy:
        running = RecordingProxy(reference.facts.base_url, forward_writes=forward_writes).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def _remote(tmp_path: Path, name: str, base_url: str, facts: Any, **extra: Any) -> str:
    return _targets_file(
        tmp_path,
        name,
        base_url,
        channel_id=facts.channel_id,
        other_channel_id=facts.other_channel_id,
        order_items=tuple(facts.order_items),
        reasons=tuple(facts.reasons),
        timeout_s=10,
        **extra,
    )


def test_a_read_only_target_receives_no_write_from_the_whole_suite(
    run_suite, proxy, reference, tmp_path, monkeypatch
):
    # Given a read_only target behind a proxy that answers 500 to any write and records it
    monkeypatch.setenv("CC_ROBUST_KEY", reference.facts.api_key)
    front = proxy()
    targets = _remote(tmp_path, "shared", front.base_url, reference.facts, read_only=True)
    # When the whole suite runs against it
    result = run_suite(str(SUITES), "--target", "shared", "--targets-file", targets)
    # Then it passes, having sent only GETs, and says why the writes were skipped
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    assert front.methods and front.writes == []
    assert "is read_only: writes are not sent" in result.stdout.str()


PRODUCTION_LOOKING = [
    pytest.param("prod-eu", [], id="named-prod"),
    pytest.param("eu-staging", ["--production-patterns", "staging"], id="custom-pattern"),
]


@pytest.mark.parametrize(("name", "options"), PRODUCTION_LOOKING)
def test_a_production_looking_target_skips_the_write_tests_naming_the_reason(
    run_suite, proxy, reference, tmp_path, monkeypatch, name, options
):
    # Given a target whose name looks like production, behind the write-refusing proxy
    monkeypatch.setenv("CC_ROBUST_KEY", reference.facts.api_key)
    front = proxy()
    targets = _remote(tmp_path, name, front.base_url, reference.facts)
    # When modules made of write tests run against it without --allow-writes
    result = run_suite(
        str(SUITES / "test_create.py"),
        str(SUITES / "test_delete.py"),
        "--target",
        name,
        "--targets-file",
        targets,
        *options,
    )
    # Then every test is skipped, naming the reason and the way out, and no write was sent
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) > 0 and set(outcomes) <= {"skipped", "warnings"}
    assert f"target '{name}' looks like production" in result.stdout.str()
    assert "pass --allow-writes" in result.stdout.str()
    assert front.writes == []


def test_a_production_looking_target_receives_no_write_from_the_whole_suite(
    run_suite, proxy, reference, tmp_path, monkeypatch
):
    # Given a target named like production, behind the write-refusing proxy
    monkeypatch.setenv("CC_ROBUST_KEY", reference.facts.api_key)
    front = proxy()
    targets = _remote(tmp_path, "prod-eu", front.base_url, reference.facts)
    # When the whole suite runs against it without --allow-writes
    result = run_suite(str(SUITES), "--target", "prod-eu", "--targets-file", targets)
    # Then no write reached the target, and the run passed
    assert front.writes == []
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]


def test_allow_writes_lets_writes_reach_a_production_looking_target(
    run_suite, proxy, reference, tmp_path, monkeypatch
):
    # Given a production-looking target behind a proxy that forwards writes too
    monkeypatch.setenv("CC_ROBUST_KEY", reference.facts.api_key)
    front = proxy(forward_writes=True)
    targets = _remote(tmp_path, "prod-eu", front.base_url, reference.facts)
    # When one create test runs with --allow-writes
    result = run_suite(
        str(SUITES / "test_create.py"),
        "-k",
        "answers_201",
        "--target",
        "prod-eu",
        "--targets-file",
        targets,
        "--allow-writes",
    )
    # Then it runs, its create reached the target, and what it created was deleted
    result.assert_outcomes(passed=1)
    assert "POST" in front.writes and "DELETE" in front.writes


# --- cleanup: nothing the run created survives it ------------------------------------------

_SUMMARY = re.compile(r"created (\d+), still there at the end (\d+), left behind (\d+)")


def _cleanup_counts(result: pytest.RunResult) -> tuple[int, int, int]:
    """(created, still there at the end, left behind) from the terminal summary line."""
    lines = [line for line in result.stdout.lines if line.startswith("claims: ")]
    assert len(lines) == 1, result.stdout.str()[-3000:]
    match = _SUMMARY.search(lines[0])
    assert match, lines[0]
    created, swept, left = map(int, match.groups())
    return created, swept, left


def test_a_full_run_on_the_embedded_target_leaves_nothing_behind(run_suite):
    # Given the embedded target, when the whole suite runs serially
    result = run_suite(str(SUITES), "--target", "local")
    # Then the summary says it created requests and none was left at the end
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    created, swept, left = _cleanup_counts(result)
    assert created > 0
    assert (swept, left) == (0, 0)


def test_a_full_run_on_a_remote_target_leaves_no_marked_request_on_the_server(
    run_suite, reference, tmp_path, monkeypatch
):
    # Given a reference server of our own, described as a remote target with both keys
    facts = reference.facts
    monkeypatch.setenv("CC_ROBUST_KEY", facts.api_key)
    monkeypatch.setenv("CC_ROBUST_RO_KEY", facts.readonly_api_key)
    targets = _remote(
        tmp_path, "sandbox", facts.base_url, facts, readonly_api_key_env="CC_ROBUST_RO_KEY"
    )
    before = requests_on(facts.base_url, facts.api_key, (facts.channel_id, facts.other_channel_id))
    # When the suite runs against it (all but the property modules, which the embedded full
    # run above covers; they triple the time and create through the same fixtures)
    result = run_suite(
        str(SUITES),
        "--ignore",
        str(SUITES / "test_properties.py"),
        "--target",
        "sandbox",
        "--targets-file",
        targets,
    )
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    created, _, left = _cleanup_counts(result)
    assert created > 0 and left == 0
    # Then, asking the server directly, no request carries the run marker
    after = requests_on(facts.base_url, facts.api_key, (facts.channel_id, facts.other_channel_id))
    marked = [r for r in after if MARKER_TEXT in (r.get("description") or "")]
    assert marked == []
    assert {r["id"] for r in after} <= {r["id"] for r in before}


LOST_CREATE = """
import pytest
import requests

from conformance.plugin import RUN


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    # once, after the first test: a request stored with the run's marker that the run never saw
    # answered, as when a create times out after the server stored it
    run = item.config.stash[RUN]
    if getattr(run, "_lost_sent", False) or not run.record.created_ids and not run.created_ids:
        return
    run._lost_sent = True
    target, key = run.target, run.credentials.api_key
    answer = requests.post(
        f"{target.base_url}/api/channel/{target.channel_id}/cancellation_requests/",
        json={**run.valid_create_body(), "description": f"{run.marker} lost create"},
        headers={"Authorization": f"Token {key}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
"""


def test_the_sweep_deletes_a_marked_request_the_run_never_saw_created(
    run_suite, reference, pytester, tmp_path, monkeypatch
):
    # Given a remote target, and a plugin that stores one marked request behind the run's back
    facts = reference.facts
    monkeypatch.setenv("CC_ROBUST_KEY", facts.api_key)
    targets = _remote(tmp_path, "sandbox", facts.base_url, facts)
    pytester.makepyfile(cc_lost_create=LOST_CREATE)
    # When a few tests that create requests run against it
    result = run_suite(
        "-p",
        "cc_lost_create",
        str(SUITES / "test_create.py"),
        "-k",
        "answers_201 or optional",
        "--target",
        "sandbox",
        "--targets-file",
        targets,
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    # Then the end-of-run sweep found it by its marker and deleted it
    _, swept, left = _cleanup_counts(result)
    assert (swept, left) == (1, 0)
    after = requests_on(facts.base_url, facts.api_key, (facts.channel_id,))
    assert [r for r in after if MARKER_TEXT in (r.get("description") or "")] == []


def test_a_span_of_ids_too_wide_to_search_whole_is_searched_near_the_runs_creates():
    # Given a run whose creates lie far apart, other clients' requests between them
    record = report.RunRecord(created_ids=[10, 12, 10 + plugin.SWEEP_SPAN * 3])
    run = SimpleNamespace(record=record)
    # When the sweep picks the ids to search for the marker
    candidates = plugin.Run._sweep_candidates(run)
    # Then it looks next to each create, not at the first ids of the span only, and says so
    near = plugin.SWEEP_NEAR
    assert set(range(10 - near, 12 + near + 1)) <= set(candidates)
    assert 10 + plugin.SWEEP_SPAN * 3 + near in candidates
    assert len(candidates) <= 3 * (2 * near + 1)
    assert [o.kind for o in record.observations] == ["sweep"]
    # while a narrow span is searched whole, a little past both ends (the first or the last
    # create may be the lost one), without a word
    record = report.RunRecord(created_ids=[10, 500])
    candidates = plugin.Run._sweep_candidates(SimpleNamespace(record=record))
    assert candidates == list(range(10 - near, 500 + near + 1))
    assert record.observations == []
    # and never below the first id there can be
    record = report.RunRecord(created_ids=[1, 2])
    assert plugin.Run._sweep_candidates(SimpleNamespace(record=record))[0] == 1


# --- parallel: -n 2 and a serial run agree ------------------------------------------------

# the whole suite: properties and the lifecycle machine included, each worker drawing its own
SELECTION = tuple(sorted(path.name for path in SUITES.glob("test_*.py")))


def _outcomes(junit: Path) -> set[tuple[str, str]]:
    """(test id, outcome) of every test case in a JUnit XML file."""
    results = set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcome = kinds.pop() if kinds else "passed"
        results.add((f"{case.get('classname')}::{case.get('name')}", outcome))
    return results


def test_a_parallel_run_has_the_same_outcomes_as_a_serial_run(run_suite, tmp_path):
    # Given the same selection of suite modules on the embedded target
    selection = [str(SUITES / module) for module in SELECTION]
    # When it runs serially and with two xdist workers, each writing JUnit XML
    serial = run_suite(*selection, "--junitxml", str(tmp_path / "serial.xml"))
    parallel = run_suite(*selection, "-n", "2", "--junitxml", str(tmp_path / "parallel.xml"))
    # Then both give the same (test, outcome) pairs
    assert serial.ret == parallel.ret, parallel.stdout.str()[-3000:]
    serial_outcomes = _outcomes(tmp_path / "serial.xml")
    assert len(serial_outcomes) > 300
    assert _outcomes(tmp_path / "parallel.xml") == serial_outcomes
    # And the controller's summary counts what the workers created (at least what the serial
    # run did: each worker builds its own module fixtures) and that all of it was cleaned up
    created, swept, left = _cleanup_counts(parallel)
    assert created >= _cleanup_counts(serial)[0] > 0
    assert (swept, left) == (0, 0)


def test_a_parallel_run_shares_the_request_budget_and_the_pacing_of_the_whole_run(
    run_suite, proxy, reference, tmp_path, monkeypatch
):
    # Given a remote target paced at 20 requests/s, behind a proxy that notes each arrival
    front = proxy(forward_writes=True)
    monkeypatch.setenv("CC_ROBUST_KEY", reference.facts.api_key)
    targets = _remote(tmp_path, "shared", front.base_url, reference.facts, max_rps=20)
    # When two xdist workers run more tests than a budget of 40 requests allows
    result = run_suite(
        str(SUITES / "test_create.py"),
        str(SUITES / "test_list.py"),
        "-n",
        "2",
        "--target",
        "shared",
        "--targets-file",
        targets,
        "--request-budget",
        "40",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) > 0 and not outcomes.get("failed"), result.stdout.str()
    assert "request budget of 20 spent" in result.stdout.str()
    # Then, between them, they sent no more than the budget (besides the unbudgeted cleanup
    # deletes, the health probe and the end-of-run sweep's few lists)
    seen = sorted(front.requests, key=lambda request: request.at)
    assert len([r for r in seen if r.method != "DELETE"]) <= 40 + 5
    # and the target never got more than 20 requests a second from the two of them together:
    # at most 40 in any 2 s, with room for each worker's window edges and for requests that
    # reached the proxy late on a busy machine (two workers at 20 each would send 80)
    arrivals = [request.at for request in seen]
    busiest = max(bisect.bisect_left(arrivals, at + 2.0) - i for i, at in enumerate(arrivals))
    assert busiest <= 40 + 6, busiest
    assert "20 requests/s, shared by 2 workers" in (
        tmp_path / "reports" / "shared" / "report.html"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize(("limit", "workers"), [(40, 2), (5, 2), (3, 4), (1, 2), (7, 1)])
def test_the_workers_shares_of_a_budget_add_up_to_it(limit, workers):
    # Given a run-wide budget and N workers, when each takes its share
    shares = [plugin._share(limit, workers, index) for index in range(workers)]
    # Then the shares add up to the budget and differ by one at most
    assert sum(shares) == limit and max(shares) - min(shares) <= 1
    # and a worker whose share is nothing sends nothing, where no budget means no cap
    if 0 in shares:
        with pytest.raises(BudgetExhausted):
            Budget(0).spend()
    assert plugin._share(0, workers, 0) is None


def test_the_html_report_of_a_parallel_run_carries_the_summary(run_suite, tmp_path):
    # Given the embedded target, when one module runs with two xdist workers
    result = run_suite(str(SUITES / "test_create.py"), "-n", "2")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    # Then the HTML report the controller wrote carries the summary of the whole run
    html = (tmp_path / "reports" / "local" / "report.html").read_text()
    assert "Claims by result" in html and "Operations by status code exercised" in html
    assert "CR-CREATE-201" in html
