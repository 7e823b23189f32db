"""The plugin, black-box: run pytest on the suite in a subprocess and look at outcomes and files.

Given/When/Then in comments; the embedded target starts a reference server in the subprocess,
with faults switched on through REFERENCE_FAULTS where a test needs a server that breaks a claim.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"


@pytest.fixture
def run_suite(pytester, tmp_path, monkeypatch):
    monkeypatch.delenv("REFERENCE_FAULTS", raising=False)

    def run(*args, faults=()):
        if faults:
            monkeypatch.setenv("REFERENCE_FAULTS", ",".join(faults))
        return pytester.runpytest_subprocess(
            *args, "--reports-dir", str(tmp_path / "reports"), "-p", "no:cacheprovider"
        )

    return run


def _targets(tmp_path, text):
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return str(path)


def test_a_suite_run_writes_the_html_report_and_junit_for_its_target(run_suite, tmp_path):
    # Given the embedded target, when a few suite tests run from another working directory
    result = run_suite(str(SUITES / "test_create.py"), "-k", "answers_201", "--target=local")
    # Then they pass and both reports land under reports/local/
    result.assert_outcomes(passed=1)
    html = (tmp_path / "reports" / "local" / "report.html").read_text()
    assert "CR-CREATE-201" in html and "Operations by status code exercised" in html
    assert "embedded reference server" in html
    assert (tmp_path / "reports" / "local" / "junit.xml").exists()


@pytest.mark.parametrize(
    ("targets", "target", "message"),
    [
        pytest.param(None, "nope", "target 'nope' is not defined", id="unknown-target"),
        pytest.param("[targets.x\n", "x", "is not valid TOML", id="malformed-file"),
        pytest.param(
            '[targets.s]\nbase_url = "https://sandbox.example.com"\napi_key_env = '
            '"CC_TEST_NO_SUCH_VARIABLE"\nchannel_id = 1\norder_items = [1]\nreasons = [1]\n',
            "s",
            "export CC_TEST_NO_SUCH_VARIABLE=",
            id="missing-key-variable",
        ),
        pytest.param(
            '[targets.s]\nbase_url = "embedded"\nchanel_id = 1\n',
            "s",
            "did you mean 'channel_id'",
            id="typo",
        ),
    ],
)
def test_a_bad_configuration_stops_the_run_with_one_plain_message(
    run_suite, tmp_path, targets, target, message
):
    # Given a broken target description
    args = ["--target", target]
    if targets is not None:
        args += ["--targets-file", _targets(tmp_path, targets)]
    # When the suite runs
    result = run_suite(str(SUITES / "test_create.py"), *args)
    # Then it stops before any test with pytest's usage error and the message, no traceback
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_an_unreachable_target_stops_the_run_naming_the_fix(run_suite, tmp_path, monkeypatch):
    # Given a target whose port nothing listens on
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CC_TEST_KEY", "k")
    targets = _targets(
        tmp_path,
        f'[targets.down]\nbase_url = "http://127.0.0.1:{port}"\napi_key_env = "CC_TEST_KEY"\n'
        "channel_id = 1\norder_items = [1]\nreasons = [1]\n",
    )
    result = run_suite(str(SUITES), "--target", "down", "--targets-file", targets)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unreachable" in result.stderr.str() and "check base_url" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_a_key_the_target_refuses_stops_the_run(run_suite, tmp_path, monkeypatch):
    # Given a reference server and a key it does not know
    from reference import server

    with server.start() as running:
        monkeypatch.setenv("CC_TEST_KEY", "not-the-key")
        targets = _targets(
            tmp_path,
            f'[targets.ref]\nbase_url = "{running.facts.base_url}"\napi_key_env = "CC_TEST_KEY"\n'
            "channel_id = 1\norder_items = [1]\nreasons = [1]\n",
        )
        result = run_suite(
            str(SUITES / "test_create.py"), "--target", "ref", "--targets-file", targets
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "refused the configured key (401)" in result.stderr.str()
    assert "not-the-key" not in result.stderr.str() + result.stdout.str()


# Each fault is a server breaking one documented promise; the named test must fail on the
# claim it checks, and pass on the clean server.
FAULTS = [
    pytest.param(
        "create_returns_200",
        "test_create.py",
        "answers_201",
        "CR-CREATE-201",
        id="wrong-status-code",
    ),
    pytest.param(
        "flat_missing_status", "test_create.py", "answers_201", "CR-SHAPE", id="missing-field"
    ),
    pytest.param(
        "filter_sku_ignored",
        "test_filters.py",
        "list-sku",
        "CR-FILTER-sku",
        id="filter-filters-nothing",
    ),
    pytest.param(
        "delete_keeps_object",
        "test_delete.py",
        "retrieve",
        "CR-DELETE-GONE",
        id="delete-deletes-nothing",
    ),
]


@pytest.mark.parametrize(("fault", "module", "selection", "claim"), FAULTS)
def test_a_server_breaking_a_claim_fails_the_test_that_checks_it(
    run_suite, fault, module, selection, claim
):
    # Given the same selection, when it runs against the clean server, then it passes
    clean = run_suite(str(SUITES / module), "-k", selection)
    assert clean.ret == 0, clean.stdout.str()[-3000:]
    # When it runs against a server with the fault, then it fails on the claim it checks
    broken = run_suite(str(SUITES / module), "-k", selection, faults=[fault])
    assert broken.ret == pytest.ExitCode.TESTS_FAILED
    output = broken.stdout.str()
    assert f"claim:      {claim}" in output
    assert f"BROKEN {claim}" in output


def test_bodies_avoid_order_items_that_open_requests_hold():
    # Given three order items, two held by open requests of the run
    from types import SimpleNamespace

    from conformance.plugin import Run

    run = SimpleNamespace(
        target=SimpleNamespace(order_items=(1, 2, 3)), items_in_use={(1, 10): 1, (1, 11): 2}
    )
    # Then the next bodies go to the free one, wherever their turn would have put them
    assert [Run.free_order_item(run, i) for i in range(3)] == [3, 3, 3]
    # And when every item is held, the turn decides (a target may allow several)
    run.items_in_use[(1, 12)] = 3
    assert [Run.free_order_item(run, i) for i in range(3)] == [1, 2, 3]
