"""Record and replay, black-box: record suite tests into a temporary directory, replay them, and
look at outcomes, cassettes and what reaches the disk and the terminal.

Given/When/Then in comments. One small recording of the embedded target is made once for the
module (a subprocess, like every run here) and copied by the tests that replay or spoil it; the
matching and scrubbing rules are also tested directly on vcrpy requests. Options with a value are
passed as ``--option=value``: a separate value naming an existing directory would be taken by
pytest as a test path when it picks the rootdir, before the plugin's options are known.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml
from vcr.request import Request

from conformance import recording, targets
from conformance.client import MASK, Masker

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"
SELECTION = [
    str(SUITES / "test_create.py"),
    str(SUITES / "test_delete.py"),
    str(SUITES / "test_filters.py"),
    "-k",
    "sku or 204 or answers_201",
]
CREATE_TEST = "test_create_answers_201_with_the_values_sent_and_status_waiting"
DELETE_TEST = "test_delete_answers_204_with_no_content"
API_KEY = "cc-SECRET+key/7f3a=9c2e41b8"
READONLY_KEY = "cc-SECRET+ro/5d8e=1a0c93f7"


def _outcomes(junit: Path) -> dict[str, str]:
    """Test name to outcome, from a junit.xml."""
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcomes[f"{case.get('classname')}.{case.get('name')}"] = kinds.pop() if kinds else "passed"
    return outcomes


def _assert_outcomes(result, passed: int, failed: int = 0) -> None:
    """Passed and failed as given, no error; deselected tests vary as the suite grows."""
    outcomes = result.parseoutcomes()
    counted = {k: outcomes.get(k, 0) for k in ("passed", "failed", "errors")}
    assert counted == {"passed": passed, "failed": failed, "errors": 0}, result.stdout.str()[-3000:]


def _requests_sent(output: str) -> str:
    return re.search(r"^claims: .*; (requests sent: \d+ \(\+\d+ retried\))", output, re.M)[1]


def _cassettes(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.yaml"))


def _interactions(cassette: Path) -> list[dict]:
    return yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """SELECTION recorded against the embedded target: ``<dir>/cassettes``, ``<dir>/reports``."""
    base = tmp_path_factory.mktemp("recorded")
    env = {k: v for k, v in os.environ.items() if k != "REFERENCE_FAULTS"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *SELECTION,
            "--mode=record",
            f"--cassettes-dir={base / 'cassettes'}",
            f"--reports-dir={base / 'reports'}",
            "-p",
            "no:cacheprovider",
        ],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    (base / "stdout.txt").write_text(result.stdout)
    return base


@pytest.fixture
def run_suite(pytester, tmp_path, monkeypatch):
    """Runs pytest on the suite in a subprocess, cassettes and reports under tmp_path."""
    monkeypatch.delenv("REFERENCE_FAULTS", raising=False)

    def run(*args, cassettes=None):
        return pytester.runpytest_subprocess(
            *args,
            f"--cassettes-dir={cassettes or tmp_path / 'cassettes'}",
            f"--reports-dir={tmp_path / 'reports'}",
            "-p",
            "no:cacheprovider",
        )

    return run


@pytest.fixture
def copy_of_recording(recorded, tmp_path) -> Path:
    """The module's recording, copied where a test may spoil it."""
    shutil.copytree(recorded / "cassettes", tmp_path / "cassettes")
    return tmp_path / "cassettes"


# --- round trip and isolation -----------------------------------------------------------------


def test_a_replay_gives_the_recorded_outcomes(recorded, run_suite, tmp_path):
    # Given a recording of a few suite tests against the embedded target
    recorded_outcomes = _outcomes(recorded / "reports" / "local" / "junit.xml")
    assert len(recorded_outcomes) == 5 and set(recorded_outcomes.values()) == {"passed"}
    # When the same selection is replayed from it
    result = run_suite(*SELECTION, "--mode=replay", cassettes=recorded / "cassettes")
    # Then every test passes, test by test as in the recording, with as many requests answered
    _assert_outcomes(result, passed=5)
    assert _outcomes(tmp_path / "reports" / "local" / "junit.xml") == recorded_outcomes
    recorded_sent = _requests_sent((recorded / "stdout.txt").read_text())
    assert _requests_sent(result.stdout.str()) == recorded_sent


NO_SOCKETS = '''
"""Writes every network attempt of this process to $CC_SOCKET_LOG, one line each."""
import os
import socket
import sys

LOG = os.environ["CC_SOCKET_LOG"]
EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}


def _note(what):
    with open(LOG, "a") as log:
        log.write(what + "\\n")


def _audit(event, args):
    if event in EVENTS:
        _note(f"{event} {args[1:]!r}")


def _wrapped(name, original):
    def attempt(*args, **kwargs):
        _note(f"{name} {args[1:] if name != 'create_connection' else args!r}")
        return original(*args, **kwargs)

    return attempt


# the wrappers see calls outside a cassette; the audit hook sees the C level, whoever patched what
socket.socket.connect = _wrapped("connect", socket.socket.connect)
socket.socket.connect_ex = _wrapped("connect_ex", socket.socket.connect_ex)
socket.create_connection = _wrapped("create_connection", socket.create_connection)
sys.addaudithook(_audit)
'''


def test_a_replay_opens_no_socket_and_needs_no_server(
    recorded, run_suite, pytester, tmp_path, monkeypatch
):
    # Given a recording (its embedded server stopped with the recording run, and none is started
    # here) and a plugin noting every connect and name lookup of the process
    pytester.makepyfile(cc_no_sockets=NO_SOCKETS)
    log = tmp_path / "sockets.log"
    log.touch()
    monkeypatch.setenv("CC_SOCKET_LOG", str(log))
    # When the selection is replayed with that plugin loaded first
    result = run_suite(
        "-p", "cc_no_sockets", *SELECTION, "--mode=replay", cassettes=recorded / "cassettes"
    )
    # Then it passes without a single network attempt, against the host that exists nowhere
    _assert_outcomes(result, passed=5)
    assert log.read_text() == ""


def test_the_committed_recording_replays_whole_without_a_socket(
    run_suite, pytester, tmp_path, monkeypatch
):
    # Given the recording committed under cassettes/local, no server, and the same plugin
    pytester.makepyfile(cc_no_sockets=NO_SOCKETS)
    log = tmp_path / "sockets.log"
    log.touch()
    monkeypatch.setenv("CC_SOCKET_LOG", str(log))
    # When the whole suite is replayed from it
    result = run_suite(
        "-p", "cc_no_sockets", str(SUITES), "--mode=replay", cassettes=ROOT / "cassettes"
    )
    # Then every test passes, one per committed cassette, without a single network attempt
    committed = len(list((ROOT / "cassettes" / "local").rglob("*.yaml")))
    _assert_outcomes(result, passed=committed)
    assert log.read_text() == ""


def test_the_socket_plugin_does_see_a_live_run(run_suite, pytester, tmp_path, monkeypatch):
    # Given the same plugin (so the empty log above means something)
    pytester.makepyfile(cc_no_sockets=NO_SOCKETS)
    log = tmp_path / "sockets.log"
    monkeypatch.setenv("CC_SOCKET_LOG", str(log))
    # When one test runs live against the embedded target
    result = run_suite("-p", "cc_no_sockets", str(SUITES / "test_create.py"), "-k", "answers_201")
    # Then the plugin noted the client's connections, through both the wrapper and the hook
    _assert_outcomes(result, passed=1)
    noted = log.read_text().splitlines()
    assert any(line.startswith("connect (('127.0.0.1', ") for line in noted), noted
    assert any(line.startswith("socket.connect (('127.0.0.1', ") for line in noted), noted


# --- secrets ----------------------------------------------------------------------------------


def _remote_targets(tmp_path: Path, facts, **extra) -> str:
    path = tmp_path / "targets.toml"
    description = {
        "base_url": facts.base_url,
        "api_key_env": "CC_TEST_KEY",
        "readonly_api_key_env": "CC_TEST_RO_KEY",
        "channel_id": facts.channel_id,
        "other_channel_id": facts.other_channel_id,
        "order_items": facts.order_items,
        "reasons": facts.reasons,
        "max_rps": 0,
    }
    path.write_text(targets.table("remote", description | extra))
    return str(path)


@pytest.fixture(scope="module")
def remote_server():
    """A reference server with known keys, for the module: a second in-process start after
    pytester has put back its snapshot of sys.modules cannot import the server's models again."""
    from reference import server

    with server.start(api_key=API_KEY, readonly_api_key=READONLY_KEY) as running:
        yield running.facts


@pytest.fixture
def remote(remote_server, monkeypatch):
    """The server's facts, its keys in the variables a remote target description names."""
    monkeypatch.setenv("CC_TEST_KEY", API_KEY)
    monkeypatch.setenv("CC_TEST_RO_KEY", READONLY_KEY)
    return remote_server


def _forms(secret: str) -> set[str]:
    """A secret as it may reach a file: as is, URL-encoded, JSON-escaped, and its random part."""
    return {secret, quote(secret), quote_plus(secret), json.dumps(secret)[1:-1], secret[-12:]}


def test_no_key_reaches_a_cassette_a_report_or_the_terminal(run_suite, remote, tmp_path):
    # Given a remote target with two keys, described by the names of their variables
    targets = _remote_targets(tmp_path, remote)
    # When a broad selection is recorded: 401s, 403s, lists with next/previous links, creates
    result = run_suite(
        str(SUITES / "test_auth.py"),
        str(SUITES / "test_list.py"),
        str(SUITES / "test_create.py"),
        "-k",
        "not property",
        "--target=remote",
        f"--targets-file={targets}",
        "--mode=record",
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    cassettes = _cassettes(tmp_path / "cassettes" / "remote")
    assert len(cassettes) > 50
    assert any('"next":"http' in c.read_text().replace("\n", "") for c in cassettes)
    # Then neither key, in any form, is in a cassette, target.json, the reports or the output
    written = [
        *cassettes,
        tmp_path / "cassettes" / "remote" / recording.TARGET_FILE,
        tmp_path / "reports" / "remote" / "report.html",
        tmp_path / "reports" / "remote" / "junit.xml",
    ]
    texts = {str(path): path.read_text(encoding="utf-8") for path in written}
    texts["stdout"] = result.stdout.str()
    texts["stderr"] = result.stderr.str()
    for where, text in texts.items():
        for secret in (API_KEY, READONLY_KEY):
            for form in _forms(secret):
                assert form not in text, f"{form!r} in {where}"
    # And no cassette keeps a credential or cookie header, sent or received
    for cassette in cassettes:
        for interaction in _interactions(cassette):
            names = {
                name.lower()
                for part in ("request", "response")
                for name in interaction[part].get("headers", {})
            }
            assert not names & {"authorization", "cookie", "set-cookie"}, cassette


def test_the_targets_scrub_patterns_reach_no_cassette(run_suite, remote, tmp_path):
    # Given a target asking that the holder name the suite sends be scrubbed
    targets = _remote_targets(tmp_path, remote, scrub_patterns=["Contract Test"])
    # When tests that send and receive it are recorded
    result = run_suite(
        str(SUITES / "test_create.py"),
        str(SUITES / "test_delete.py"),
        "-k",
        "answers_201 or 204",
        "--target=remote",
        f"--targets-file={targets}",
        "--mode=record",
    )
    _assert_outcomes(result, passed=2)
    # Then the text is in no request or response body (parsed: YAML folds long lines at spaces)
    cassettes = _cassettes(tmp_path / "cassettes" / "remote")
    assert len(cassettes) == 2
    for cassette in cassettes:
        for interaction in _interactions(cassette):
            for body in (interaction["request"]["body"], interaction["response"]["body"]["string"]):
                assert "Contract Test" not in (body or "")
        assert recording.PLACEHOLDER in cassette.read_text()


def test_a_recording_scrubbed_by_patterns_replays(run_suite, remote, tmp_path):
    # Given a recording of a test whose create body holds the scrubbed text
    targets = _remote_targets(tmp_path, remote, scrub_patterns=["Contract Test"])
    args = [str(SUITES / "test_delete.py"), "-k", "204", "--target=remote"]
    recorded = run_suite(*args, f"--targets-file={targets}", "--mode=record")
    _assert_outcomes(recorded, passed=1)
    # When it is replayed
    replayed = run_suite(*args, f"--targets-file={targets}", "--mode=replay")
    # Then it passes as it did when recorded
    _assert_outcomes(replayed, passed=1)


# --- stale and missing recordings -------------------------------------------------------------


def _change_a_sent_value(cassette: Path) -> None:
    document = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    request = document["interactions"][0]["request"]
    body = json.loads(request["body"])
    body["quantity"] += 1
    request["body"] = json.dumps(body)
    cassette.write_text(yaml.safe_dump(document), encoding="utf-8")


@pytest.mark.parametrize(
    ("spoil", "test", "module", "method", "why"),
    [
        pytest.param(
            _change_a_sent_value,
            CREATE_TEST,
            "test_create",
            "POST",
            "no recorded request matches it",
            id="edited-request-body",
        ),
        pytest.param(
            Path.unlink,
            DELETE_TEST,
            "test_delete",
            "POST",
            "the cassette does not exist",
            id="deleted-cassette",
        ),
    ],
)
def test_a_stale_cassette_fails_its_test_with_one_message_naming_the_fix(
    copy_of_recording, run_suite, spoil, test, module, method, why
):
    # Given a recording in which one test's cassette no longer fits the suite
    cassette = copy_of_recording / "local" / module / f"{test}.yaml"
    spoil(cassette)
    # When the selection is replayed
    result = run_suite(*SELECTION, "--mode=replay")
    # Then that test alone fails, saying which request, which cassette, why, and how to fix it
    _assert_outcomes(result, passed=4, failed=1)
    output = result.stdout.str()
    failed = [line for line in result.stdout.lines if line.startswith("FAILED")]
    # (on CI pytest writes the whole message after the node id; elsewhere it may cut it off)
    assert len(failed) == 1 and failed[0].split(" - ")[0].endswith(f"{module}.py::{test}")
    expected = (
        f"no recorded answer for {method} /api/channel/1/cancellation_requests/ in cassette "
        f"{cassette} ({why}); re-record the target with: pytest --target local --mode record "
        "(the whole suite"
    )
    told = "\n".join(line for line in result.stdout.lines if not line.startswith("FAILED"))
    assert told.count(expected) == 1, output[-4000:]
    # And no traceback through vcrpy's internals
    assert "During handling" not in output
    assert "Traceback" not in output
    assert "vcr/" not in output


def test_re_recording_the_whole_recording_makes_a_stale_replay_pass(copy_of_recording, run_suite):
    # Given a recording whose create cassette no longer fits the suite
    _change_a_sent_value(copy_of_recording / "local" / "test_create" / f"{CREATE_TEST}.yaml")
    assert run_suite(*SELECTION, "--mode=replay").ret == pytest.ExitCode.TESTS_FAILED
    # When everything that recording holds is recorded again (the stale message's advice, shown
    # above, is the whole target; the whole of this recording is SELECTION)
    _assert_outcomes(run_suite(*SELECTION, "--mode=record"), passed=5)
    # Then the replay passes
    _assert_outcomes(run_suite(*SELECTION, "--mode=replay"), passed=5)


def test_replaying_a_target_never_recorded_is_a_usage_error(run_suite, tmp_path):
    # Given an empty cassettes directory
    (tmp_path / "cassettes").mkdir()
    # When the suite is replayed from it
    result = run_suite(str(SUITES / "test_create.py"), "--mode=replay")
    # Then the run stops before any test, saying how to record
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    error = result.stderr.str()
    assert f"no recording of target 'local' in {tmp_path / 'cassettes' / 'local'}" in error
    assert "pytest --target local --mode record" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("mode", ["record", "replay"])
def test_record_and_replay_refuse_xdist(run_suite, mode):
    # When a recording or a replay is asked to run on two workers
    result = run_suite(str(SUITES / "test_create.py"), f"--mode={mode}", "-n", "2")
    # Then it is a usage error: cassettes follow the order of the tests
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"--mode {mode} runs serially" in result.stderr.str()


# --- matching ---------------------------------------------------------------------------------


def _request(uri: str, body, method: str = "POST") -> Request:
    return Request(method, uri, body, {"Content-Type": "application/json"})


def _matches(r1: Request, r2: Request) -> bool:
    assert recording.MATCH_ON == ("same_request",)
    try:
        recording.same_request(r1, r2)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize(
    ("body1", "body2", "same"),
    [
        pytest.param(b'{"a": 1, "b": [1, 2]}', '{"b":[1,2],"a":1}', True, id="key-order"),
        pytest.param(b'{"a": 1}', b'{"a": 2}', False, id="other-value"),
        pytest.param(b'{"a": 1}', b'{"a": 1, "b": null}', False, id="extra-key"),
        pytest.param(b'{"a": [1, 2]}', b'{"a": [2, 1]}', False, id="list-order"),
        pytest.param(None, b"", True, id="no-body"),
        pytest.param(b"not json", b"not json", True, id="same-bytes"),
        pytest.param(b"not json", b"not jsom", False, id="other-bytes"),
    ],
)
def test_bodies_match_as_json_documents_not_by_key_order(body1, body2, same):
    r1 = _request("http://h/api/", body1)
    r2 = _request("http://h/api/", body2)
    assert _matches(r1, r2) is same


def test_requests_differing_only_in_host_port_scheme_and_query_order_match():
    recorded = _request("http://127.0.0.1:37119/api/channel/1/x/?b=2&a=1", b'{"k": 1, "j": 2}')
    replayed = _request("https://replay.invalid/api/channel/1/x/?a=1&b=2", b'{"j": 2, "k": 1}')
    assert _matches(recorded, replayed)


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param("http://h/api/channel/2/x/?a=1&b=2", id="path"),
        pytest.param("http://h/api/channel/1/x/?a=1&b=3", id="query-value"),
        pytest.param("http://h/api/channel/1/x/?a=1", id="query-missing"),
    ],
)
def test_requests_differing_in_path_or_query_do_not_match(uri):
    recorded = _request("http://h/api/channel/1/x/?a=1&b=2", None, "GET")
    assert not _matches(recorded, _request(uri, None, "GET"))
    assert not _matches(recorded, _request("http://h/api/channel/1/x/?a=1&b=2", None, "DELETE"))


# --- scrubbing --------------------------------------------------------------------------------

KEY = "k3y-0f-th3-run"
OTHER = "r34d-0nly"


@pytest.fixture
def scrubber() -> recording.Scrubber:
    return recording.Scrubber(
        (KEY, OTHER),
        headers=(*recording.DROPPED_HEADERS, "x-tenant-token"),
        patterns=recording.compile_patterns([r"TR\d{24}"]),
    )


def test_the_scrubber_drops_credential_headers_and_masks_the_rest(scrubber):
    request = Request(
        "GET",
        f"http://h/api/?token={KEY}&q=1",
        None,
        {
            "Authorization": f"Token {KEY}",
            "Cookie": "session=1",
            "Proxy-Authorization": "Basic x",
            "X-Tenant-Token": "t",
            "X-Echo": f"key {OTHER}",
        },
    )
    scrubbed = scrubber.request(request)
    assert set(scrubbed.headers) == {"X-Echo"}
    assert scrubbed.headers["X-Echo"] == f"key {recording.PLACEHOLDER}"
    assert scrubbed.uri == f"http://h/api/?token={recording.PLACEHOLDER}&q=1"


@pytest.mark.parametrize("body", [pytest.param(bytes, id="bytes"), pytest.param(str, id="str")])
def test_the_scrubber_masks_keys_and_patterns_in_request_bodies(scrubber, body):
    text = json.dumps({"note": f"a {KEY} b", "iban": "TR330006100519786457841326"})
    request = Request("POST", "http://h/api/", text.encode() if body is bytes else text, {})
    scrubbed = scrubber.request(request).body
    assert isinstance(scrubbed, bytes)  # vcrpy keeps request bodies as bytes
    assert KEY.encode() not in scrubbed and b"TR3300" not in scrubbed
    assert json.loads(scrubbed) == {
        "note": f"a {recording.PLACEHOLDER} b",
        "iban": recording.PLACEHOLDER,
    }
    assert isinstance(scrubber.body(text), str) and KEY not in scrubber.body(text)
    assert isinstance(scrubber.body(text.encode()), bytes)


def test_the_scrubber_masks_response_bodies_links_and_headers(scrubber):
    page = {
        "count": 30,
        "next": f"https://h/api/channel/1/x/?api_key={KEY}&page=2",
        "previous": f"https://h/api/channel/1/x/?api_key={OTHER}",
        "results": [],
    }
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Set-Cookie": ["sessionid=abc"],
            "X-Tenant-Token": ["t"],
            "Link": [f"<https://h/?k={KEY}>; rel=next"],
            "Content-Type": ["application/json"],
        },
        "body": {"string": json.dumps(page).encode()},
    }
    scrubbed = scrubber.response(response)
    assert set(scrubbed["headers"]) == {"Link", "Content-Type"}
    assert scrubbed["headers"]["Link"] == [f"<https://h/?k={recording.PLACEHOLDER}>; rel=next"]
    body = json.loads(scrubbed["body"]["string"])
    assert body["next"] == f"https://h/api/channel/1/x/?api_key={recording.PLACEHOLDER}&page=2"
    assert body["previous"] == f"https://h/api/channel/1/x/?api_key={recording.PLACEHOLDER}"


def test_the_scrubber_replaces_the_longest_secret_first():
    # a key that contains another must not be left half-masked
    scrubber = recording.Scrubber(("abc", "abcdef"))
    assert scrubber.text("x abcdef y abc") == f"x {recording.PLACEHOLDER} y {recording.PLACEHOLDER}"
    assert recording.Scrubber(("",)).text("unchanged") == "unchanged"


ODD_KEY = "k+y/of=the run&é"


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(ODD_KEY, id="as-is"),
        pytest.param(quote(ODD_KEY, safe=""), id="url-encoded"),
        pytest.param(quote(ODD_KEY), id="url-encoded-path"),
        pytest.param(quote_plus(ODD_KEY), id="form-encoded"),
        pytest.param(json.dumps(ODD_KEY)[1:-1], id="json-escaped"),
        pytest.param(json.dumps(ODD_KEY)[1:-1].replace("/", "\\/"), id="json-escaped-slash"),
        pytest.param(
            re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote_plus(ODD_KEY)),
            id="lower-case-escapes",
        ),
    ],
)
def test_a_key_is_scrubbed_and_masked_however_it_is_encoded(written):
    # Given a key with characters that URL and JSON encoding change, written as a server might
    # echo it in a link, a form body or a JSON string
    text = f"https://h/api/?next=1&key={written}&page=2"
    # Then the recording's scrubber and the report's masker both leave no form of it
    assert recording.Scrubber((ODD_KEY,)).text(text) == (
        f"https://h/api/?next=1&key={recording.PLACEHOLDER}&page=2"
    )
    assert Masker([ODD_KEY])(text) == f"https://h/api/?next=1&key={MASK}&page=2"
