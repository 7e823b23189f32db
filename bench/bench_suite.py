"""What the conformance suite costs: wall time and requests per Hypothesis profile, and its
overhead per request against a bare ``requests.Session`` loop sending the same requests.

From one run each, against the embedded target (a fresh reference server per run):

1. the whole suite under ``--hypothesis-profile quick``, ``thorough`` (``--skip-thorough`` to
   leave it out: it takes minutes) and ``deterministic``: wall time of the ``pytest`` process,
   pytest's own session time, and the ``requests sent: N`` of its ``claims:`` line;
2. the suite with ``--mode record --cassettes-dir <tmp>`` (the deterministic profile, as every
   cassette run), then the recorded requests (method, path, query, body, content type, in the
   order the tests ran) replayed with a bare ``requests.Session`` loop against a fresh in-process
   ``reference.server.start()``: that loop's time is (about) the time spent inside the server,
   and the rest of the suite's wall time is the suite's own overhead;
3. ``--mode replay`` on that recording: its time as a ratio of the live deterministic run.

Credentials are not in cassettes (they are scrubbed); the loop sends none where the recorded
answer was 401, the read-only key where it was 403, and the full key otherwise.

Run: ``python -m bench.bench_suite [--skip-thorough]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

from conformance import mutation
from conformance.recording import PLACEHOLDER
from reference.server import start

ROOT = Path(__file__).resolve().parent.parent

_SESSION_TIME = re.compile(r" in ([\d.]+)s")
_SUMMARY = re.compile(r"^=*\s*(\d+ passed.*?) in [\d.]+s", re.M)


@dataclass
class SuiteRun:
    label: str
    wall: float  # the pytest process, start to exit
    session: float | None  # pytest's "in N s"
    requests: int | None
    returncode: int
    summary: str


def run_suite(label: str, work: Path, *args: str) -> SuiteRun:
    """One ``python -m pytest suites`` against the embedded target; returns its figures."""
    command = mutation.suite_command(work / "reports" / label, *args)
    environ = mutation.suite_environment(None)
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    output = completed.stdout + completed.stderr
    tail = output.strip().splitlines()[-1] if output.strip() else ""
    session = _SESSION_TIME.findall(tail)
    return SuiteRun(
        label,
        wall,
        float(session[-1]) if session else None,
        mutation.requests_sent(output),
        completed.returncode,
        tail.strip("= "),
    )


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # path and query, as sent
    body: bytes | None
    content_type: str | None
    status: int


def read_cassettes(directory: Path) -> list[Recorded]:
    """Every recorded request, cassette by cassette in the order they were written."""
    files = sorted(directory.rglob("*.yaml"), key=lambda p: (p.stat().st_mtime_ns, str(p)))
    out: list[Recorded] = []
    for path in files:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for interaction in (data or {}).get("interactions") or []:
            request, response = interaction["request"], interaction["response"]
            parts = urlsplit(request["uri"])
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            body = request.get("body")
            if isinstance(body, dict):  # vcrpy may store {"string": ...}
                body = body.get("string")
            if isinstance(body, str):
                body = body.encode("utf-8", "surrogateescape")
            headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
            content_type = (headers.get("content-type") or [None])[0]
            out.append(
                Recorded(
                    request["method"],
                    target,
                    body,
                    content_type,
                    int(response["status"]["code"]),
                )
            )
    return out


def bare_loop(recorded: list[Recorded]) -> tuple[float, int, int]:
    """Send ``recorded`` over one keep-alive session to a fresh in-process server.

    Returns seconds, requests sent, and how many answers had the recorded status."""
    with start() as server, requests.Session() as http:
        facts = server.facts
        keys = {401: None, 403: facts.readonly_api_key}
        same = 0
        began = time.perf_counter()
        for r in recorded:
            headers = {"Accept": "application/json"}
            key = keys.get(r.status, facts.api_key)
            if key:
                headers["Authorization"] = f"Token {key}"
            if r.content_type:
                headers["Content-Type"] = r.content_type
            body = r.body.replace(PLACEHOLDER.encode(), facts.api_key.encode()) if r.body else None
            answer = http.request(
                r.method,
                facts.base_url + r.path.replace(PLACEHOLDER, facts.api_key),
                data=body,
                headers=headers,
                timeout=30,
            )
            answer.content  # noqa: B018  (read the whole answer, as the suite does)
            same += answer.status_code == r.status
        seconds = time.perf_counter() - began
    return seconds, len(recorded), same


def _row(run: SuiteRun) -> str:
    session = f"{run.session:8.1f}" if run.session is not None else "       ?"
    sent = run.requests if run.requests is not None else "?"
    per = f"{run.wall * 1000 / run.requests:6.2f}" if run.requests else "     ?"
    return (
        f"{run.label:<22} {run.wall:8.1f} {session} {sent:>9} {per:>9}   "
        f"{'ok' if run.returncode == 0 else f'exit {run.returncode}'}: {run.summary[:60]}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_suite", description=__doc__)
    parser.add_argument("--skip-thorough", action="store_true", help="leave out the thorough run")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        work = Path(tmp)
        profiles = ["quick", *([] if args.skip_thorough else ["thorough"]), "deterministic"]
        runs: dict[str, SuiteRun] = {}
        for profile in profiles:
            runs[profile] = run_suite(profile, work, "--hypothesis-profile", profile)
            print(f"... {_row(runs[profile])}", file=sys.stderr, flush=True)
        cassettes = work / "cassettes"
        record = run_suite("record", work, "--mode", "record", "--cassettes-dir", str(cassettes))
        replay = run_suite("replay", work, "--mode", "replay", "--cassettes-dir", str(cassettes))
        recorded = read_cassettes(cassettes)
        loop_seconds, loop_sent, same_status = bare_loop(recorded)

    print("Whole suite against the embedded target, one run per profile")
    print(f"{'run':<22} {'wall s':>8} {'pytest s':>8} {'requests':>9} {'ms/req':>9}   outcome")
    for profile in profiles:
        print(_row(runs[profile]))
    print(_row(record))
    print(_row(replay) + "   (replay sends nothing: requests are the recorded ones)")
    print()
    live = runs["deterministic"]
    suite_wall = record.wall
    print("Overhead per request: the recording replayed by a bare requests.Session loop")
    print(
        f"  requests recorded: {loop_sent} (the record run counted {record.requests}; "
        f"{same_status} of them got the recorded status again)"
    )
    print(
        f"  bare loop (≈ time inside the server): {loop_seconds:7.2f} s  "
        f"{loop_seconds * 1000 / max(loop_sent, 1):6.2f} ms/req"
    )
    for name, run in (("record", record), ("live deterministic", live)):
        if not run.requests:
            continue
        outside = run.wall - loop_seconds
        print(
            f"  suite, {name + ' run:':<24} {run.wall:7.2f} s  "
            f"{run.wall * 1000 / run.requests:6.2f} ms/req; outside the server "
            f"{outside:6.2f} s = {outside / run.wall:5.1%} of wall time "
            f"({outside * 1000 / run.requests:5.2f} ms/req)"
            + (
                f"; of pytest's session time {(run.session - loop_seconds) / run.session:5.1%}"
                if run.session
                else ""
            )
        )
    print(
        f"  fraction outside the server (record run, wall): "
        f"{(suite_wall - loop_seconds) / suite_wall:5.1%} (aim: under 33%)"
    )
    print()
    print(
        f"Replay: {replay.wall:.1f} s against {live.wall:.1f} s live (deterministic profile): "
        f"ratio {replay.wall / live.wall:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
