"""Drift between two recordings: the same selection recorded against a clean reference server and
against one with faults switched on, compared with ``python -m conformance.drift``.

Given/When/Then in comments. Both recordings are made once for the module, in subprocesses
into a temporary directory; the faulty one has failing tests, and its cassettes are still written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance import drift

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"
# creates, deletes, filtered lists and a plain list: each fault shows on an operation in both
SELECTION = [
    str(SUITES / "test_create.py"),
    str(SUITES / "test_delete.py"),
    str(SUITES / "test_filters.py"),
    str(SUITES / "test_list.py"),
    "-k",
    "sku or 204 or answers_201 or envelope",
]
FAULTS = "flat_missing_status,create_returns_200"


def _record(base: Path, name: str, faults: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REFERENCE_FAULTS"}
    if faults:
        env["REFERENCE_FAULTS"] = faults
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *SELECTION,
            "--mode=record",
            f"--cassettes-dir={base / name}",
            f"--reports-dir={base / 'reports' / name}",
            "-p",
            "no:cacheprovider",
        ],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> tuple[Path, Path]:
    """``cassettes/local`` of a clean recording and of a recording with FAULTS."""
    base = tmp_path_factory.mktemp("drift")
    clean = _record(base, "clean", None)
    assert clean.returncode == 0, clean.stdout[-3000:]
    broken = _record(base, "broken", FAULTS)
    assert broken.returncode == pytest.ExitCode.TESTS_FAILED, broken.stdout[-3000:]
    return base / "clean" / "local", base / "broken" / "local"


def _section(text: str, operation: str) -> list[str]:
    """The lines the text output lists under one operation."""
    lines = text.splitlines()
    start = lines.index(operation) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return [line.strip() for line in lines[start:end]]


def test_drift_names_the_changed_status_code_and_the_removed_field(recordings, tmp_path, capsys):
    # Given a clean recording and one of a server answering create with 200 and flat objects
    # without status
    clean, broken = recordings
    html = tmp_path / "x.html"
    # When they are compared
    assert drift.main([str(clean), str(broken), "--html", str(html)]) == 0
    text = capsys.readouterr().out
    # Then the text says create's 201 is gone and 200 came, and the list lost results[].status
    assert text.startswith(f"drift from {clean} to {broken}: ")
    assert "201 status code gone: 201 no longer answered" in _section(text, "create")
    assert "200 status code added: 200 now answered" in _section(text, "create")
    assert "200 field removed: $.results[].status" in _section(text, "list")
    assert f"HTML: {html}" in text
    # And the HTML page names the same changes
    page = html.read_text()
    for shown in ("status code gone", "status code added", "field removed", "$.results[].status"):
        assert shown in page
    assert "<td>create</td><td>201</td>" in page and "<td>create</td><td>200</td>" in page


def test_the_same_recording_compared_with_itself_has_no_changes(recordings, tmp_path):
    # Given one recording
    clean, _ = recordings
    # When it is compared with itself by the command line
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.drift",
            str(clean),
            str(clean),
            "--html",
            str(tmp_path / "same.html"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # Then it reports no change, in the text and in the page
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"drift from {clean} to {clean}: 0 change(s)"
    assert "<p>0 change(s)." in (tmp_path / "same.html").read_text()


@pytest.mark.parametrize(
    "exists", [pytest.param(True, id="empty"), pytest.param(False, id="absent")]
)
def test_a_directory_without_cassettes_is_a_plain_usage_error(recordings, tmp_path, capsys, exists):
    # Given a directory that holds no cassette (or none at all)
    clean, _ = recordings
    empty = tmp_path / "nothing-recorded"
    if exists:
        empty.mkdir()
        (empty / "target.json").write_text("{}")
    # When it is compared with a recording
    with pytest.raises(SystemExit) as stopped:
        drift.main([str(clean), str(empty), "--html", str(tmp_path / "x.html")])
    # Then argparse stops with its usage exit, naming the directory and how to fill it
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert f"{empty} holds no cassettes; record one with --mode record" in error
    assert not (tmp_path / "x.html").exists()


def _cassette(directory: Path, answer: dict, content_type: str = "application/json") -> Path:
    """A one-interaction cassette: a retrieve answered 200 with ``answer``."""
    document = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "http://replay.invalid/api/channel/1/cancellation_requests/5/",
                    "body": None,
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Type": [content_type]},
                    "body": {"string": json.dumps(answer)},
                },
            }
        ],
    }
    directory.mkdir(parents=True)
    (directory / "test_x.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return directory


BEFORE = {"id": 5, "status": "waiting", "cancellation_type": "cancel", "quantity": 1}


@pytest.mark.parametrize(
    ("after", "content_type", "kind", "detail"),
    [
        pytest.param(
            {**BEFORE, "quantity": "1"},
            "application/json",
            "type changed",
            "$.quantity: integer, now also string",
            id="type-changed",
        ),
        pytest.param(
            {**BEFORE, "status": "postponed"},
            "application/json",
            "enum value new",
            "$.status: postponed",
            id="enum-value-new",
        ),
        pytest.param(
            BEFORE,
            "text/html",
            "content type changed",
            "application/json -> text/html",
            id="content-type-changed",
        ),
    ],
)
def test_drift_names_a_new_type_a_new_enum_value_and_a_changed_content_type(
    tmp_path, after, content_type, kind, detail
):
    # Given two recordings of one retrieve that differ in one way
    before = drift.load(_cassette(tmp_path / "a", BEFORE))
    later = drift.load(_cassette(tmp_path / "b", after, content_type))
    # When they are compared
    changes = drift.compare(before, later)
    # Then that one change is named, for the operation and status it happened on
    assert [(c.operation, c.status, c.kind, c.detail) for c in changes] == [
        ("retrieve", 200, kind, detail)
    ]
