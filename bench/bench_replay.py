"""Wall time of recording the whole suite against the embedded target, of replaying it, and of a
live run against a reference server a network away.

The embedded target answers in about 2 ms, so against it a live run is already cheap and replay
saves little more than the server's share. What replay replaces in practice is a run against a
sandbox, tens of milliseconds away: the third run is the suite live against a spawned reference
server behind ``bench.latency.DelayingProxy`` (``--latency-ms``, 0 skips it), measured in the same
run as the replay.

All runs are subprocesses (``python -m pytest ... -q -p no:randomly``), so each time includes
Python and pytest start-up and collection, as a person running them would see; the cassettes and
reports go to a temporary directory, never to ``cassettes/`` or ``reports/``. Prints the two times,
their ratio, the tests and requests of each run (from the ``claims: ...; requests sent: N`` line)
the five slowest tests of the replay, and any test that failed in replay. Prints figures; asserts
nothing.

Run: ``python -m bench.bench_replay``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.latency import DelayingProxy
from conformance.targets import table
from reference.server import spawn

ROOT = Path(__file__).resolve().parent.parent


def run(
    mode: str, cassettes: Path, reports: Path, extra: list[str], env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Wall seconds and output of one suite run in ``mode``."""
    env = {k: v for k, v in os.environ.items() if k != "REFERENCE_FAULTS"} | (env or {})
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "suites"),
        f"--mode={mode}",
        # "--opt=value": a separate existing directory would count as a test path for the rootdir
        f"--cassettes-dir={cassettes}",
        f"--reports-dir={reports}",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - began, done.stdout + done.stderr


def counts(output: str) -> tuple[str, str]:
    """The final pytest outcome line and the number of requests sent."""
    outcome = next(
        (line.strip("= ") for line in reversed(output.splitlines()) if " in " in line), "?"
    )
    sent = re.search(r"requests sent: (\d+)(?: \(\+(\d+) retried\))?", output)
    requests = f"{sent.group(1)} (+{sent.group(2) or 0} retried)" if sent else "?"
    return outcome, requests


def slowest(output: str, n: int = 5) -> list[str]:
    """The lines of pytest's ``slowest durations`` section."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line))
    picked = [line for line in lines[start + 1 :] if re.match(r"^\d+\.\d+s ", line)]
    return picked[:n]


def run_remote(latency_s: float, work: Path) -> tuple[float, str]:
    """Wall seconds and output of a live run against a spawned reference server behind a proxy
    that adds ``latency_s`` to every round trip."""
    key = secrets.token_urlsafe(18)
    with spawn(api_key=key) as server:
        facts = server.facts
        upstream = urlsplit(facts.base_url)
        with DelayingProxy((upstream.hostname, upstream.port), latency_s) as proxy:
            targets = work / "targets.toml"
            description = {
                "base_url": proxy.base_url,
                "api_key_env": "BENCH_KEY",
                "readonly_api_key_env": "BENCH_RO_KEY",
                "channel_id": facts.channel_id,
                "other_channel_id": facts.other_channel_id,
                "order_items": facts.order_items,
                "reasons": facts.reasons,
                "max_rps": 0,
                "timeout_s": 30,
            }
            targets.write_text(table("remote", description))
            env = {"BENCH_KEY": facts.api_key, "BENCH_RO_KEY": facts.readonly_api_key}
            extra = ["--target=remote", f"--targets-file={targets}"]
            return run("live", work / "cassettes", work / "reports", extra, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=25.0,
        help="round trip added for the live run against a remote server (0: skip that run)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        cassettes, reports = Path(tmp) / "cassettes", Path(tmp) / "reports"
        record_s, record_out = run("record", cassettes, reports / "record", [])
        replay_s, replay_out = run("replay", cassettes, reports / "replay", ["--durations=5"])
        live_s, live_out = run("live", Path(tmp) / "unused", reports / "live", [])
        runs = [
            ("record", record_s, record_out),
            ("replay", replay_s, replay_out),
            ("live", live_s, live_out),
        ]
        if args.latency_ms > 0:
            remote = Path(tmp) / "remote"
            remote.mkdir()
            remote_s, remote_out = run_remote(args.latency_ms / 1000, remote)
            runs.append((f"remote+{args.latency_ms:g}ms", remote_s, remote_out))
        files = sum(1 for _ in (cassettes / "local").rglob("*.yaml"))
        size = sum(p.stat().st_size for p in (cassettes / "local").rglob("*.yaml"))
        print(f"suite: {ROOT / 'suites'}; record, replay and live against the embedded target")
        for mode, seconds, output in runs:
            outcome, requests = counts(output)
            print(f"{mode:14s} {seconds:7.2f} s wall   tests: {outcome}   requests: {requests}")
        for mode, seconds, _ in runs:
            if mode != "replay":
                print(f"ratio  {mode}/replay {seconds / replay_s:.1f}x")
        print(f"cassettes: {files} files, {size / 1e6:.1f} MB")
        failed = [line for line in replay_out.splitlines() if line.startswith("FAILED")]
        if failed:
            # a replay fails only where the suite changed since the recording (or an engine bug)
            print(f"failed in replay ({len(failed)}):")
            for line in failed[:10]:
                print("  " + line[:200])
        print("5 slowest tests in replay:")
        try:
            for line in slowest(replay_out):
                print("  " + line)
        except StopIteration:
            print("  (no durations section; replay output ends with:)")
            print("  " + "\n  ".join(replay_out.splitlines()[-5:]))


if __name__ == "__main__":
    main()
