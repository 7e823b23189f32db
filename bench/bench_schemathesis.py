"""Our suite against Schemathesis, on the same reference server and the same faults.

Both tools run against the clean reference server and then once per fault of
``reference.faults`` (each run with its own freshly seeded server), in the same invocation:

- **our suite**: ``python -m pytest suites`` with the embedded target and ``REFERENCE_FAULTS``,
  the command of ``conformance.mutation.run_suite`` (the clean run without ``-x``, so that it sends
  all its requests; each fault run with ``-x``, stopping at its first failure);
- **Schemathesis** (``st run``): ``schemas/openapi.json`` against ``reference.server.spawn(...)``,
  every check (``--checks all``), positive and negative data (``--mode all``), all four phases
  (examples, coverage, fuzzing, stateful), ``channel_id`` pinned to the server's channel, ``id``
  drawn mostly from the channel's real request ids and ``order_item``/``reason`` mostly from the
  seeded ones (a ``schemathesis.toml`` with ``[parameters]`` bound to ``[dictionaries]``), the
  same ``--seed`` for every run and no example database carried between runs.

Schemathesis fails the clean server too (its generic checks disagree with documented behaviour,
see the false alarms it prints), so "Schemathesis killed a fault" means: the fault's run reported
a failure whose signature (check code, operation, response status) the clean run did not report.
That is the most generous reading for Schemathesis: a user would have to triage by hand.

Requests: our suite's count is the ``requests sent: N`` of its ``claims:`` line; Schemathesis's is
the number of requests in its NDJSON report (generated cases plus the requests its checks send),
plus its start-up probes.

Run: ``python -m bench.bench_schemathesis [--faults a,b] [--max-examples N] [--jobs 2]``.
Prints figures; the exit code is 0 unless a run broke.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from conformance import mutation
from reference.server import spawn

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "openapi.json"
PREFIX = "/api/channel/{channel_id}/cancellation_requests"
ST_PHASES = "examples,coverage,fuzzing,stateful"


@dataclass
class Run:
    """One run of one tool against the clean server (``fault`` None) or one fault."""

    tool: str
    fault: str | None
    verdict: str  # killed / survived (fault); passed / failed (clean); broken run
    seconds: float
    requests: int | None = None
    detail: str = ""  # our suite: the first failed test; Schemathesis: first new failure
    signatures: set[tuple[str, str, str]] = field(default_factory=set)
    titles: dict[tuple[str, str, str], str] = field(default_factory=dict)
    new: list[tuple[str, str, str]] = field(default_factory=list)


# --- our suite ----------------------------------------------------------------------------------


def run_ours(fault: str | None, work: Path, profile: str) -> Run:
    """``conformance.mutation.run_suite`` under ``profile``: the kill matrix's own run and
    verdict, with the request count of its summary line."""
    outcome = mutation.run_suite(
        fault, "", work / "ours", ["--hypothesis-profile", profile], stop_first=fault is not None
    )
    detail = outcome.killer
    if outcome.detail and outcome.verdict in ("killed", "failed"):
        detail += f": {outcome.detail}"
    elif outcome.verdict == "broken run":
        detail = outcome.detail
    return Run("ours", fault, outcome.verdict, outcome.seconds, outcome.requests, detail)


# --- Schemathesis -------------------------------------------------------------------------------


def write_config(path: Path, channel_id: int, ids: list[int], facts_items, facts_reasons) -> None:
    """Pin ``channel_id``; draw ``id``, ``order_item``, ``reason`` mostly from real values."""
    path.write_text(
        f"""# written by bench/bench_schemathesis.py
[parameters]
"path.channel_id" = {channel_id}
"path.id" = {{ dictionary = "ids", probability = 0.8 }}
"body.order_item" = {{ dictionary = "order_items", probability = 0.8 }}
"body.reason" = {{ dictionary = "reasons", probability = 0.8 }}

[dictionaries.ids]
values = {json.dumps(ids)}

[dictionaries.order_items]
values = {json.dumps(list(facts_items))}

[dictionaries.reasons]
values = {json.dumps(list(facts_reasons))}
""",
        encoding="utf-8",
    )


def st_command(config: Path, base_url: str, api_key: str, ndjson: Path, args) -> list[str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    return [
        st,
        "--config-file",
        str(config),
        "run",
        str(SCHEMA),
        "--url",
        base_url,
        "--header",
        f"Authorization: Token {api_key}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        ST_PHASES,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(ndjson),
        "--no-color",
    ]


def _short(operation: str) -> str:
    method, _, path = operation.partition(" ")
    return f"{method} {path.removeprefix(PREFIX) or '/'}"


def read_ndjson(path: Path) -> tuple[int, dict[tuple[str, str, str], str]]:
    """Requests Schemathesis sent, and its failures by (code, operation, response status)."""
    requests_sent = 0
    failures: dict[tuple[str, str, str], str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0, failures
    for line in lines:
        event = json.loads(line)
        kind, payload = next(iter(event.items()))
        if kind == "PhaseFinished" and payload["phase"]["name"] == "probing":
            requests_sent += len((payload.get("payload") or {}).get("probes") or [])
        if kind != "ScenarioFinished":
            continue
        recorder = payload.get("recorder") or {}
        interactions = recorder.get("interactions") or {}
        requests_sent += len(interactions)
        for case_id, checks in (recorder.get("checks") or {}).items():
            response = (interactions.get(case_id) or {}).get("response") or {}
            status = str(response.get("status_code", "-"))
            for check in checks:
                if check.get("status") != "failure":
                    continue
                info = (check.get("failure_info") or {}).get("failure") or {}
                operation = _short(info.get("operation") or recorder.get("label") or "?")
                key = (info.get("code") or check["name"], operation, status)
                failures.setdefault(key, info.get("title") or check["name"])
    return requests_sent, failures


def run_st(fault: str | None, work: Path, config: Path, api_key: str, args) -> Run:
    name = fault or "clean"
    ndjson = work / "st" / f"{name}.ndjson"
    server = spawn(api_key=api_key, faults=[fault] if fault else [])
    try:
        command = st_command(config, server.facts.base_url, api_key, ndjson, args)
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                command,
                cwd=work / "st",
                capture_output=True,
                text=True,
                check=False,
                timeout=args.st_timeout,
            )
            returncode, output = completed.returncode, completed.stdout + completed.stderr
        except subprocess.TimeoutExpired:
            returncode, output = -1, f"timed out after {args.st_timeout} s"
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    count, failures = read_ndjson(ndjson)
    run = Run("schemathesis", fault, "", seconds, count, signatures=set(failures), titles=failures)
    if returncode not in (0, 1):
        run.verdict = "broken run"
        run.detail = output.strip().splitlines()[-1][:200] if output.strip() else str(returncode)
    elif fault is None:
        run.verdict = "failed" if returncode == 1 else "passed"
    return run


def judge_st(run: Run, clean: Run) -> None:
    """Killed: a failure signature the clean run did not report."""
    if run.verdict == "broken run":
        return
    run.new = sorted(run.signatures - clean.signatures)
    run.verdict = "killed" if run.new else "survived"
    if run.new:
        code, operation, status = run.new[0]
        more = f" (+{len(run.new) - 1} more)" if len(run.new) > 1 else ""
        run.detail = f"{code} {operation} -> {status}: {run.titles[run.new[0]]}{more}"


# --- running and printing -----------------------------------------------------------------------


def seeded_ids(api_key: str) -> tuple[int, list[int], tuple[int, ...], tuple[int, ...]]:
    """The channel, its request ids, order items and reasons (the seed is the same every time)."""
    with spawn(api_key=api_key) as server:
        facts = server.facts
        listing = requests.get(
            f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/",
            params={"limit": 100},
            headers={"Authorization": f"Token {api_key}"},
            timeout=10,
        )
        listing.raise_for_status()
        ids = [item["id"] for item in listing.json()["results"]]
        return facts.channel_id, ids, facts.order_items, facts.reasons


def render(clean: dict[str, Run], runs: dict[str, dict[str, Run]], categories, wall, args) -> str:
    faults = list(runs)
    lines: list[str] = []
    add = lines.append
    add(
        f"Schemathesis: st run --checks all --mode all --phases {ST_PHASES} "
        f"--max-examples {args.max_examples} --seed {args.seed}; our suite: "
        f"--hypothesis-profile {args.profile}; {len(faults)} fault(s), "
        f"{args.jobs} run(s) at a time, wall time {wall:.0f} s"
    )
    add("")
    header = (
        f"{'tool':<13} {'faults killed':>13}  {'false alarms (clean)':<22} "
        f"{'requests (clean)':>16}  {'clean run':>9}  {'fault runs (sum)':>16}"
    )
    add(header)
    add("-" * len(header))
    for tool in ("ours", "schemathesis"):
        base = clean[tool]
        killed = [f for f in faults if runs[f][tool].verdict == "killed"]
        if base.verdict == "passed":
            alarms = "none"
        elif tool == "schemathesis" and base.verdict == "failed":
            alarms = f"yes: {len(base.signatures)} kinds"
        else:
            alarms = f"yes: {base.verdict}"
        total = sum(runs[f][tool].seconds for f in faults)
        add(
            f"{tool:<13} {f'{len(killed)}/{len(faults)}':>13}  {alarms:<22} "
            f"{base.requests if base.requests is not None else '?':>16}  "
            f"{base.seconds:8.1f}s  {total:15.1f}s"
        )
    add("")
    for tool in ("ours", "schemathesis"):
        killed = [f for f in faults if runs[f][tool].verdict == "killed"]
        missed = [f for f in faults if runs[f][tool].verdict != "killed"]
        add(f"{tool} killed: {', '.join(killed) or '-'}")
        add(f"{tool} did not kill: {', '.join(missed) or '-'}")
    add("")
    add("False alarms on the clean server:")
    if clean["ours"].verdict == "passed":
        add("  ours: none (the suite passes)")
    else:
        add(f"  ours: {clean['ours'].verdict}: {clean['ours'].detail}")
    st_clean = clean["schemathesis"]
    if st_clean.verdict == "passed":
        add("  schemathesis: none")
    elif st_clean.verdict == "broken run":
        add(f"  schemathesis: broken run: {st_clean.detail}")
    else:
        add(f"  schemathesis: {len(st_clean.signatures)} failure kind(s) on the clean server:")
        for key in sorted(st_clean.signatures):
            code, operation, status = key
            add(f"    {code} {operation} -> {status}: {st_clean.titles[key]}")
    only_st = [
        f
        for f in faults
        if runs[f]["schemathesis"].verdict == "killed" and runs[f]["ours"].verdict != "killed"
    ]
    add("")
    if only_st:
        add("!" * 78)
        add(f"!! SCHEMATHESIS KILLS {len(only_st)} FAULT(S) OUR SUITE MISSES: {', '.join(only_st)}")
        add("!" * 78)
    else:
        add("Every fault Schemathesis kills, our suite kills too.")
    add("")
    add(f"{'fault':<42} {'category':<22} {'ours':<9} {'schemathesis':<12}  first evidence")
    add("-" * 110)
    for fault in faults:
        ours, st = runs[fault]["ours"], runs[fault]["schemathesis"]
        add(
            f"{fault:<42} {categories.get(fault, ''):<22} {ours.verdict:<9} {st.verdict:<12}  "
            f"ours: {ours.detail[:70] or '-'}"
        )
        if st.verdict != "survived":
            add(f"{'':<89}  st: {st.detail[:100]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_schemathesis", description=__doc__)
    parser.add_argument("--faults", default="", help="comma-separated subset (default: all)")
    parser.add_argument(
        "--max-examples", type=int, default=5, help="Schemathesis examples per operation"
    )
    parser.add_argument("--seed", type=int, default=1, help="Schemathesis seed (all runs)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default: 2)")
    parser.add_argument("--profile", default="quick", help="our suite's hypothesis profile")
    parser.add_argument("--st-timeout", type=float, default=300, help="seconds per st run")
    parser.add_argument("--keep", type=Path, default=None, help="keep reports in this directory")
    args = parser.parse_args(argv)

    chosen, categories = mutation.chosen_faults(args.faults, parser)

    api_key = secrets.token_urlsafe(18)
    started = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="bench-st-")
    work = args.keep.resolve() if args.keep else Path(tmp.name)
    for sub in ("ours", "st"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    config = work / "st" / "schemathesis.toml"
    channel_id, ids, order_items, reasons = seeded_ids(api_key)
    write_config(config, channel_id, ids, order_items, reasons)

    lock = threading.Lock()
    done = [0]
    total = 3 + 2 * len(chosen)

    def task(tool: str, fault: str | None) -> Run:
        run = (
            run_ours(fault, work, args.profile)
            if tool == "ours"
            else run_st(fault, work, config, api_key, args)
        )
        with lock:
            done[0] += 1
            print(
                f"[{done[0]:>3}/{total}] {tool:<12} {fault or '(clean)':<42} "
                f"{run.verdict or 'done':<10} {run.seconds:6.1f} s",
                file=sys.stderr,
                flush=True,
            )
        return run

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        clean_futures = {tool: pool.submit(task, tool, None) for tool in ("ours", "schemathesis")}
        # A second clean Schemathesis run (same seed, fresh server): what differs is noise, and
        # the baseline a fault's failures are compared with is the union of both.
        repeat_future = pool.submit(task, "schemathesis", None)
        futures = {
            fault: {tool: pool.submit(task, tool, fault) for tool in ("ours", "schemathesis")}
            for fault in chosen
        }
        clean = {tool: future.result() for tool, future in clean_futures.items()}
        repeat = repeat_future.result()
        runs = {f: {t: x.result() for t, x in by_tool.items()} for f, by_tool in futures.items()}
    wall = time.perf_counter() - started
    noise = sorted(clean["schemathesis"].signatures ^ repeat.signatures)
    clean["schemathesis"].signatures |= repeat.signatures
    clean["schemathesis"].titles = {**repeat.titles, **clean["schemathesis"].titles}
    for fault in chosen:
        judge_st(runs[fault]["schemathesis"], clean["schemathesis"])
    tmp.cleanup()

    sys.stdout.write(render(clean, runs, categories, wall, args))
    sys.stdout.write(
        f"\nSchemathesis clean run repeated (same seed, fresh server): {repeat.seconds:.1f} s, "
        f"{repeat.requests} requests; failure kinds found by one run only: "
        + (", ".join(" ".join(k) for k in noise) or "none")
        + "\n"
    )
    broken = [r for by in [clean, *runs.values()] for r in by.values() if r.verdict == "broken run"]
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
