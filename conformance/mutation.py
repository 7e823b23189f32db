"""The kill matrix: ``python -m conformance.mutation`` proves the suite catches regressions.

It runs the suite against the clean embedded reference server (it must pass: no false alarm),
then once per named fault of ``reference.faults`` with that fault switched on (it must fail),
several runs at a time, each stopping at its first failure. A fault is killed when its run fails
a test, or when the run refuses the target at its health probe; it survives when the run passes.
Each run is a separate ``pytest`` process against its own embedded server (the fault reaches it
through ``REFERENCE_FAULTS``), so runs cannot disturb each other and the suite is exercised
exactly as a user runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Outcome:
    """What one run of the suite said about one fault (or about the clean server)."""

    fault: str
    category: str
    verdict: str  # "killed", "survived", "passed" (clean), "failed" (clean), "broken run"
    killer: str
    seconds: float
    detail: str = ""
    requests: int | None = None  # from the run's summary line


# the run's summary line: "claims: ...; requests sent: N (+R retried); ..."
_REQUESTS_SENT = re.compile(r"requests sent: (\d+)")


def requests_sent(output: str) -> int | None:
    """The requests a suite run reports having sent, from its summary line."""
    sent = _REQUESTS_SENT.search(output)
    return int(sent.group(1)) if sent else None


def _faults() -> tuple[dict[str, str], dict[str, str]]:
    from reference import faults

    return dict(faults.FAULTS), dict(getattr(faults, "CATEGORIES", {}))


def chosen_faults(spec: str, parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, str]]:
    """The faults a comma-separated ``spec`` names (all when empty) and every fault's category;
    an unknown name is the parser's error."""
    known, categories = _faults()
    chosen = [f.strip() for f in spec.split(",") if f.strip()] or list(known)
    unknown = [f for f in chosen if f not in known]
    if unknown:
        parser.error(f"unknown fault(s) {unknown}; known: {', '.join(sorted(known))}")
    return chosen, categories


def _first_failure(junit: Path) -> tuple[str, str]:
    """The first failed test of a run and the first line of its message."""
    try:
        tree = ET.parse(junit)
    except (OSError, ET.ParseError):
        return "", ""
    for case in tree.iter("testcase"):
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
                message = (node.get("message") or "").splitlines()
                return name, message[0][:200] if message else ""
    return "", ""


def suite_command(reports: Path, *pytest_args: str) -> list[str]:
    """The whole suite against the embedded target, as a user runs it; reports into ``reports``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "suites"),
        "-q",
        "-p",
        "no:cacheprovider",
        "--reports-dir",
        str(reports),
        *pytest_args,
    ]


def suite_environment(fault: str | None) -> dict[str, str]:
    """This environment, with the embedded server's faults set to ``fault`` (or none)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("REFERENCE_FAULTS", "CC_TARGET")}
    if fault:
        environ["REFERENCE_FAULTS"] = fault
    return environ


def run_suite(
    fault: str | None, category: str, work: Path, pytest_args: list[str], stop_first: bool
) -> Outcome:
    name = fault or "(clean)"
    junit = work / f"{name.strip('()')}.xml"
    command = suite_command(
        work / "reports" / name.strip("()"),
        "--junitxml",
        str(junit),
        *(["-x"] if stop_first else []),
        *pytest_args,
    )
    environ = suite_environment(fault)
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    killer, message = _first_failure(junit)
    output = completed.stdout + completed.stderr
    if completed.returncode == 0:
        verdict = "passed" if fault is None else "survived"
    elif completed.returncode == 1:
        verdict = "failed" if fault is None else "killed"
    elif completed.returncode == 4 and fault is not None and "health probe" in output:
        verdict, killer = "killed", "health probe (the run refused the target)"
        message = next((line for line in output.splitlines() if "ERROR:" in line), "")[:200]
    else:
        verdict = "broken run"
        message = output.strip().splitlines()[-1][:200] if output.strip() else ""
    return Outcome(name, category, verdict, killer, seconds, message, requests_sent(output))


def render_text(clean: Outcome, outcomes: list[Outcome], wall: float, jobs: int) -> str:
    killed = sum(o.verdict == "killed" for o in outcomes)
    lines = [
        f"clean server: {clean.verdict} in {clean.seconds:.1f} s"
        + (f" (false alarm: {clean.killer} {clean.detail})" if clean.verdict != "passed" else ""),
        f"faults killed: {killed}/{len(outcomes)}; wall time {wall:.1f} s with {jobs} job(s)",
        "",
        f"{'fault':38} {'category':14} {'verdict':9} {'seconds':>7}  killed by",
    ]
    for o in outcomes:
        lines.append(f"{o.fault:38} {o.category:14} {o.verdict:9} {o.seconds:7.1f}  {o.killer}")
    return "\n".join(lines) + "\n"


def render_html(clean: Outcome, outcomes: list[Outcome], wall: float, jobs: int) -> str:
    killed = sum(o.verdict == "killed" for o in outcomes)
    colour = {"killed": "#dfd", "passed": "#dfd", "survived": "#fdd", "failed": "#fdd"}
    rows = "".join(
        f"<tr style='background:{colour.get(o.verdict, '#ffd')}'><td>{escape(o.fault)}</td>"
        f"<td>{escape(o.category)}</td><td>{escape(o.verdict)}</td><td>{o.seconds:.1f}</td>"
        f"<td>{escape(o.killer)}</td><td>{escape(o.detail)}</td></tr>"
        for o in [clean, *outcomes]
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Kill matrix</title>
<style>body{{font-family:sans-serif;font-size:13px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}}</style>
</head><body><h1>Kill matrix</h1>
<p>Clean server: <b>{escape(clean.verdict)}</b>. Faults killed: <b>{killed}/{len(outcomes)}</b>.
Wall time {wall:.1f} s with {jobs} job(s); each fault's run stops at its first failure, so its
time is the time to the first failure.</p>
<table><tr><th>fault</th><th>category</th><th>verdict</th><th>seconds</th><th>killed by</th>
<th>first failure</th></tr>{rows}</table></body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.mutation",
        description="Run the suite against the clean reference server and against each fault.",
    )
    parser.add_argument("--faults", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="runs at a time")
    parser.add_argument(
        "--profile", default="quick", help="hypothesis profile for the runs (default: quick)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "reports" / "mutation", help="report directory"
    )
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)

    chosen, categories = chosen_faults(args.faults, parser)
    pytest_args = ["--hypothesis-profile", args.profile, *args.pytest_args]

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kill-matrix-") as tmp:
        work = Path(tmp)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            clean_future = pool.submit(run_suite, None, "", work, pytest_args, False)
            futures = [
                pool.submit(run_suite, f, categories.get(f, ""), work, pytest_args, True)
                for f in chosen
            ]
            clean = clean_future.result()
            outcomes = [future.result() for future in futures]
    wall = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    text = render_text(clean, outcomes, wall, args.jobs)
    (args.out / "summary.txt").write_text(text, encoding="utf-8")
    (args.out / "report.html").write_text(
        render_html(clean, outcomes, wall, args.jobs), encoding="utf-8"
    )
    sys.stdout.write(text + f"report: {args.out / 'report.html'}\n")
    ok = clean.verdict == "passed" and all(o.verdict == "killed" for o in outcomes)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
