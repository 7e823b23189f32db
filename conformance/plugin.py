"""The suite's pytest face: options, markers, fixtures and report hooks, and nothing else.

Everything that is not pytest (targets, the client, checks, the report's HTML) lives in its own
module; this one wires them to pytest's life cycle. Work that costs something (reading the targets
file, starting the embedded server, the health probe) happens once collection shows that suite
tests will run, so ``pytest tests`` and ``pytest --help`` never touch a target.

Order of precedence for where the run goes: ``--target``/``--targets-file`` on the command line,
else the ``CC_TARGET``/``CC_TARGETS_FILE`` environment variables, else ``local`` in
``targets.toml`` at the root.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance import checks, contract, recording, report, strategies
from conformance.client import (
    Budget,
    BudgetExhausted,
    Client,
    Exchange,
    Pacer,
    Transcript,
    WritesRefused,
)
from conformance.targets import (
    PRODUCTION_PATTERNS,
    Credentials,
    Target,
    TargetError,
    credentials,
    load,
    looks_like_production,
)

VERSION = "0.1.0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PATH_OPTIONS = ("--targets-file", "--cassettes-dir", "--reports-dir")
RUN = pytest.StashKey["Run"]()
_MARKS = pytest.StashKey[tuple]()
_FIRST = pytest.StashKey[int]()
_SENT = pytest.StashKey[bool]()
_CASSETTE = pytest.StashKey[Any]()
_NOT_A_VERDICT = pytest.StashKey[bool]()
_PROFILE = pytest.StashKey[str]()


# The end-of-run marker search: a span of ids searched whole (100 per list request), and how
# far from each created id it looks when the span is wider than that.
SWEEP_SPAN = 20_000
SWEEP_NEAR = 3


def _share(limit: int, workers: int, index: int) -> int | None:
    """Worker ``index``'s part of a run-wide request budget (0: no cap, None); the parts add up
    to the budget exactly, a worker whose part is 0 sending nothing."""
    if not limit:
        return None
    return limit // workers + (index < limit % workers)


def _split(shown: str, amount: float, workers: int) -> str:
    """A run-wide limit as the report states it, and how the workers share it."""
    if not amount:
        return "none"
    return shown if workers == 1 else f"{shown}, shared by {workers} workers"


class Run:
    """Per-session state: the target, its keys, the transcript and what the report needs."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # the checkout the plugin belongs to, not pytest's rootdir: a path given as a separate
        # option value (``--targets-file /elsewhere/t.toml``) can move pytest's rootdir
        self.root = PROJECT_ROOT
        self.target_name: str = config.getoption("target") or os.environ.get("CC_TARGET") or "local"
        option_file = config.getoption("targets_file") or os.environ.get("CC_TARGETS_FILE")
        self.targets_file = Path(option_file) if option_file else self.root / "targets.toml"
        self.mode: str = config.getoption("mode") or "live"
        # recordings must send the same bodies again, so their marker does not change
        self.run_id = "recorded" if self.mode != "live" else secrets.token_hex(4)
        self.marker = f"cancellation-contract run {self.run_id}"
        self.cassettes = Path(config.getoption("cassettes_dir") or self.root / "cassettes")
        self.recorder: recording.Recorder | None = None
        self.started = datetime.now(UTC)
        self.transcript = Transcript()
        # each xdist worker sends on its own, so it gets its share of the run's budget and rate
        self.budget = Budget(
            _share(config.getoption("request_budget") or 0, self.workers, self.worker_index)
        )
        self.record = report.RunRecord()
        self.observations: list[report.Observation] = []
        self.created_ids: list[int] = []
        # the order item of each open request this run created in channel_id
        self.items_in_use: dict[tuple[int, int], Any] = {}
        self.current_test = ""
        self.target: Target | None = None
        self.credentials: Credentials | None = None
        self.server: Any = None
        self.embedded_url: str | None = None
        # why this run sends no write (read_only, or a production-looking target), or None
        self.writes_refused: str | None = None
        self.api: Client | None = None
        # (channel, id) of every request created and not yet deleted, by the test that made it
        self.live: dict[tuple[int, int], str] = {}
        self._counters: dict[str, int] = {}

    @property
    def suite_selected(self) -> bool:
        """Whether the command line points at the suite (so a report is due)."""
        suites = (self.root / "suites").resolve()
        for arg in self.config.args:
            path = Path(arg.split("::")[0])
            path = (
                path if path.is_absolute() else Path(self.config.invocation_params.dir) / path
            ).resolve()
            if path == suites or suites in path.parents or path in suites.parents:
                return True
        return False

    def report_dir(self) -> Path:
        base = self.config.getoption("reports_dir") or self.root / "reports"
        return Path(base) / self.target_name

    def load_target(self) -> Target:
        if self.target is None:
            try:
                self.target = load(self.targets_file, self.target_name)
            except TargetError as exc:
                raise pytest.UsageError(str(exc)) from None
        return self.target

    @property
    def worker(self) -> str:
        return self.config.workerinput["workerid"] if self.is_worker else "main"

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    @property
    def worker_index(self) -> int:
        """This xdist worker's number (gw0 is 0); 0 outside xdist."""
        if not self.is_worker:
            return 0
        digits = re.sub(r"\D", "", self.config.workerinput["workerid"])
        return int(digits) if digits else 0

    @property
    def workers(self) -> int:
        """How many processes send tests' requests at once (xdist workers, or this one)."""
        if self.is_worker:
            return int(self.config.workerinput.get("workercount", 1))
        numprocesses = getattr(self.config.option, "numprocesses", None)
        return numprocesses if isinstance(numprocesses, int) and numprocesses > 0 else 1

    @property
    def is_controller(self) -> bool:
        """An xdist controller: it starts or reaches the target once and hands it to workers."""
        return not self.is_worker and getattr(self.config.option, "numprocesses", None) not in (
            None,
            0,
        )

    def connect(self) -> None:
        """Start or reach the target once; any failure is one plain usage error."""
        target = self.load_target()
        handed = self.config.workerinput.get("cc_target") if self.is_worker else None
        try:
            if self.mode == "replay":
                target = self._replayed(target)
            elif handed:
                # an xdist worker: the controller already started or reached the target
                target = target.bound(**handed["target"])
                self.credentials = Credentials(
                    handed["api_key"], handed["readonly_api_key"], secrets=tuple(handed["secrets"])
                )
                self.embedded_url = handed.get("embedded_url")
                self.marker = handed["marker"]
            elif target.embedded:
                from reference import server as reference_server

                self.server = reference_server.start()
                facts = self.server.facts
                target = target.bound(
                    base_url=facts.base_url,
                    channel_id=facts.channel_id,
                    other_channel_id=facts.other_channel_id,
                    order_items=tuple(facts.order_items),
                    reasons=tuple(facts.reasons),
                    foreign_reasons=tuple(getattr(facts, "foreign_reasons", ())),
                )
                self.embedded_url = facts.base_url
                self.credentials = Credentials(
                    facts.api_key,
                    facts.readonly_api_key,
                    secrets=(facts.api_key, facts.readonly_api_key),
                )
            else:
                self.credentials = credentials(target)
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.target = target
        self.api = Client(
            target,
            self.credentials.api_key,
            credentials=self.credentials,
            transcript=self.transcript,
            # the controller only probes before the workers start and sweeps after they end
            pacer=Pacer(target.max_rps / (self.workers if self.is_worker else 1)),
            budget=self.budget,
            observe=self.observe,
            on_created=self._created,
            on_deleted=self._deleted,
            owns=lambda channel, request_id: (channel, request_id) in self.live,
            writes_refused=self.writes_refused,
        )
        if self.mode != "replay":
            self._probe()
        if self.mode != "live":
            # a replay scrubs what it sends as the recording scrubbed it, or nothing would match
            scrubber = recording.Scrubber(
                tuple(self.credentials.secrets) if self.mode == "record" else (),
                patterns=recording.compile_patterns(target.scrub_patterns),
                headers=recording.DROPPED_HEADERS + tuple(h.lower() for h in target.scrub_headers),
            )
            self.recorder = recording.Recorder(
                self.cassettes, self.target_name, self.mode, scrubber
            )
        if self.mode == "record":
            recording.write_target(self.cassettes, self.target_name, self._facts_to_record())
        self.record.target_rows = report.rows_for(
            {
                "target": target.name,
                "base URL": "embedded reference server " + target.base_url
                if self.embedded_url
                else target.base_url,
                "channel": target.channel_id,
                "other channel": target.other_channel_id,
                "read-only key": "configured"
                if self.credentials.readonly_api_key
                else "not configured",
                "read only": target.read_only,
                "pacing": _split(f"{target.max_rps:g} requests/s", target.max_rps, self.workers),
                "timeout": f"{target.timeout_s:g} s",
                "request budget": _split(
                    str(self.config.getoption("request_budget") or ""),
                    self.config.getoption("request_budget") or 0,
                    self.workers,
                ),
                "hypothesis profile": self.config.stash.get(_PROFILE, ""),
                "mode": self.mode
                + (f" (cassettes in {self.cassettes / self.target_name})" if self.recorder else ""),
                "started": self.started.isoformat(timespec="seconds"),
                "suite version": VERSION,
                "run marker": self.marker,
            }
        )

    def _replayed(self, target: Target) -> Target:
        """The target as it was recorded: its facts from the cassettes, placeholder keys."""
        facts = recording.read_target(self.cassettes, self.target_name)
        if facts is None:
            raise TargetError(
                f"no recording of target '{self.target_name}' in "
                f"{self.cassettes / self.target_name}; record one with: "
                f"pytest --target {self.target_name} --mode record"
            )
        self.credentials = Credentials(
            "replayed-key", "replayed-readonly-key" if facts.get("readonly_key") else None
        )
        self.embedded_url = facts.get("embedded_url")
        return target.bound(
            base_url=recording.REPLAY_BASE_URL,
            channel_id=facts["channel_id"],
            other_channel_id=facts.get("other_channel_id"),
            order_items=tuple(facts["order_items"]),
            reasons=tuple(facts["reasons"]),
            foreign_reasons=tuple(facts.get("foreign_reasons", ())),
            read_only=facts.get("read_only", False),
            max_rps=0.0,
        )

    def _facts_to_record(self) -> dict[str, Any]:
        """What a replay needs to know of the target (never a key)."""
        target = self.target
        assert target is not None and self.credentials is not None
        return {
            **target.facts(),
            "read_only": target.read_only,
            "readonly_key": bool(self.credentials.readonly_api_key),
            "embedded_url": None,
        }

    def _probe(self) -> None:
        """One authenticated list request: a dead or wrong target stops the run here."""
        target = self.target
        assert self.api is not None and target is not None
        fix = f"check base_url and that the server is up ({target.source}, [targets.{target.name}])"
        try:
            exchange = self.api.list(limit=1)
        except checks.TargetUnusable as exc:
            raise pytest.UsageError(
                f"target '{target.name}' is unreachable: {exc}; {fix}"
            ) from None
        except checks.ContractViolation as exc:
            if exc.exchange is None or exc.exchange.status == 0:
                raise pytest.UsageError(
                    f"target '{target.name}' did not answer the health probe "
                    f"({exc.received}); {fix}"
                ) from None
            exchange = exc.exchange
        if exchange.status in (401, 403):
            raise pytest.UsageError(
                f"target '{target.name}' refused the configured key ({exchange.status}) on "
                f"GET {exchange.url}; check {target.api_key_env or 'the key'} and channel_id"
            )
        if exchange.status != 200 or not isinstance(exchange.json, dict):
            raise pytest.UsageError(
                f"target '{target.name}' answered the health probe GET {exchange.url} with "
                f"{exchange.status} {(exchange.text or '')[:200]!r}, not a JSON list; {fix}"
            )

    def observe(self, kind: str, text: str) -> None:
        self.observations.append(report.Observation(self.current_test, kind, text))

    def marks(self) -> tuple[int, int, int]:
        """Where the transcript, the observations and the creations stand now."""
        return (self.transcript.mark(), len(self.observations), len(self.created_ids))

    def since(self, marks: tuple[int, int, int]) -> tuple[list[Exchange], list, list[int]]:
        exchanges, observations, created = marks
        return (
            self.transcript.since(exchanges),
            self.observations[observations:],
            self.created_ids[created:],
        )

    def _created(self, channel_id: int, request_id: int, order_item: Any = None) -> None:
        self.live[(channel_id, request_id)] = self.current_test
        self.created_ids.append(request_id)
        if channel_id == (self.target.channel_id if self.target else None):
            self.items_in_use[(channel_id, request_id)] = order_item

    def _deleted(self, channel_id: int, request_id: int) -> None:
        self.live.pop((channel_id, request_id), None)
        self.items_in_use.pop((channel_id, request_id), None)

    def free_order_item(self, index: int) -> int:
        """The target's order item for body ``index``, skipping those an open request of this
        run holds: a target may allow one open cancellation request per order item (D40)."""
        items = self.target.order_items
        busy = set(self.items_in_use.values())
        rotated = [items[(index + k) % len(items)] for k in range(len(items))]
        return next((item for item in rotated if item not in busy), rotated[0])

    def next_label(self) -> tuple[str, int]:
        """A label and a number for the next body of the current test: deterministic for the
        test (so a replay sends the same bodies), unique across the run (no-effect checks look
        for exactly the label) and spread over the order items from test to test."""
        owner = self.current_test
        count = self._counters[owner] = self._counters.get(owner, 0) + 1
        digest = zlib.crc32(owner.encode())
        return f"{digest:08x}-{count}", digest % 9973 + count

    def next_index(self) -> int:
        """A number unique across the run and deterministic for the test, for tags."""
        label, _ = self.next_label()
        digest, count = label.split("-")
        return int(digest, 16) * 1000 + int(count)

    def valid_create_body(self, **overrides: Any) -> dict[str, Any]:
        """A create body every conforming target accepts, from the target's own ids."""
        target = self.target
        assert target is not None
        label, index = self.next_label()
        body: dict[str, Any] = {
            "order_item": self.free_order_item(index),
            "reason": target.reasons[index % len(target.reasons)],
            "cancellation_type": "cancel",
            # unique within the test (no-effect checks look for exactly this text), and across
            # xdist workers, whose tests differ
            "description": f"{self.marker} {label}",
            "iban": "TR330006100519786457841326",
            "holder_name": "Contract Test",
            "quantity": 1,
        }
        body.update(overrides)
        return body

    def remark(self, api: Client, request_id: Any) -> None:
        """Put the run marker back in the description of a request a test set to null, so the
        end-of-run sweep can still find it; housekeeping, so what it meets is no verdict."""
        with contextlib.suppress(checks.ContractViolation, checks.TargetUnusable):
            api.unbudgeted().partial_update(
                request_id, {"description": f"{self.marker} (marker restored)"}
            )

    @contextlib.contextmanager
    def owned_by(self, owner: str) -> Iterator[None]:
        """Attribute what is created inside to ``owner`` (a module fixture) instead of a test."""
        previous, self.current_test = self.current_test, owner
        try:
            yield
        finally:
            self.current_test = previous

    def clean_up(self, test: str | None = None) -> int:
        """Delete what ``test`` (or the whole run) created and did not delete itself; how many
        were still there."""
        if self.api is None:
            return 0
        found = 0
        for (channel_id, request_id), owner in list(self.live.items()):
            if test is not None and owner != test:
                continue
            with contextlib.suppress(checks.ContractViolation, checks.TargetUnusable):
                exchange = self.api.unbudgeted().in_channel(channel_id).delete(request_id)
                found += exchange.status == 204
                if exchange.status in (204, 404):
                    self.live.pop((channel_id, request_id), None)
        return found

    def sweep(self) -> int:
        """End of run: delete what the run created and still exists; how many there were.

        First what the client saw created and not deleted; then, where this process sees the
        whole run (serial, or the xdist controller once every worker is done), any request
        carrying the run marker among the ids between the first and last the run created, which
        finds what a create stored although it answered an error or never answered."""
        if self.api is None:
            return 0
        found = self.clean_up()
        if self.is_worker or not self.record.created_ids or self.writes_refused:
            return found
        api = self.api.unbudgeted()
        candidates = self._sweep_candidates()
        for start in range(0, len(candidates), 100):
            chunk = candidates[start : start + 100]
            with contextlib.suppress(checks.ContractViolation, checks.TargetUnusable):
                page = api.list(pk__in=chunk, limit=len(chunk)).json or {}
                for item in page.get("results", []):
                    description = item.get("description") if isinstance(item, dict) else None
                    if isinstance(description, str) and self.marker in description:
                        exchange = api.delete(item.get("id"))
                        found += exchange.status == 204
                        if exchange.status not in (204, 404):
                            self.live[(api.channel_id, item.get("id"))] = "(sweep)"
        return found

    def _sweep_candidates(self) -> list[int]:
        """The ids the marker search looks at: all between the run's first and last create, or,
        where others' requests made that span too wide, those next to each the run created
        (ids are handed out in order, so a lost create's id lies beside the run's others)."""
        created = self.record.created_ids
        low, high = min(created), max(created)
        if high - low < SWEEP_SPAN:
            # a little past both ends: the run's first or last create may be the one lost
            return list(range(max(1, low - SWEEP_NEAR), high + SWEEP_NEAR + 1))
        near = [
            i
            for i in sorted({i for c in created for i in range(c - SWEEP_NEAR, c + SWEEP_NEAR + 1)})
            if i > 0
        ]
        self.record.observations.append(
            report.Observation(
                "(end of run)",
                "sweep",
                f"the {high - low + 1} ids between the run's first and last create are too many "
                f"to search whole; the marker was searched in the {len(near)} ids within "
                f"{SWEEP_NEAR} of one the run created",
            )
        )
        return near

    def handover(self) -> dict[str, Any]:
        """What an xdist worker needs to use the target this controller connected to."""
        target, creds = self.target, self.credentials
        assert target is not None and creds is not None
        return {
            "target": {"base_url": target.base_url, **target.facts()},
            "api_key": creds.api_key,
            "readonly_api_key": creds.readonly_api_key,
            "secrets": list(creds.secrets),
            "embedded_url": self.embedded_url,
            "marker": self.marker,
        }

    def close(self) -> None:
        if self.api is not None:
            self.api.close()
        if self.server is not None:
            self.server.stop()
            self.server = None


# --- options, markers, configuration ---------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "cancellation requests conformance suite")
    group.addoption(
        "--target",
        default=None,
        help="target environment to test, a [targets.NAME] table (default: local, the embedded "
        "reference server)",
    )
    group.addoption(
        "--targets-file",
        default=None,
        help="TOML file describing the targets (default: targets.toml at the project root)",
    )
    group.addoption(
        "--mode",
        choices=recording.MODES,
        default=None,
        help="live: talk to the target (default); record: and write cassettes/<target>/; "
        "replay: answer from cassettes/<target>/ with no network at all",
    )
    group.addoption(
        "--cassettes-dir",
        default=None,
        help="where cassettes/<target>/ lives (default: cassettes/ at the project root)",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        help="send writes to a target that looks like production (see --production-patterns)",
    )
    group.addoption(
        "--production-patterns",
        default=",".join(PRODUCTION_PATTERNS),
        help="comma-separated regular expressions; a target whose name or host has a word "
        "matching one refuses writes without --allow-writes (default: %(default)s)",
    )
    group.addoption(
        "--reports-dir",
        default=None,
        help="where reports/<target>/report.html and junit.xml go (default: reports/ at the root)",
    )
    group.addoption(
        "--request-budget",
        type=int,
        default=None,
        help="send at most this many requests to the target; tests past it are skipped",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(*ids): the documented claims a test checks")
    config.addinivalue_line(
        "markers", "writes: the test writes to the target (skipped on read_only targets)"
    )
    if not config.pluginmanager.hasplugin("timeout"):
        config.addinivalue_line("markers", "timeout(seconds): per-test time limit")
    run = Run(config)
    config.stash[RUN] = run
    separate = [a for a in config.invocation_params.args if a in _PATH_OPTIONS]
    if separate and config.inipath is None and (run.root / "pytest.ini").is_file():
        # pytest looks for its configuration before any plugin's options are known, so it took
        # the value of these options for a test path and lost pytest.ini; say how to avoid it
        raise pytest.UsageError(
            f"pytest read the value of {', '.join(separate)} as a test path and lost the "
            f"project's pytest.ini; write it with '=', e.g. {separate[0]}=PATH"
        )
    config.pluginmanager.register(Collector(run.record), "conformance-collector")
    if not run.suite_selected:
        return
    # the deterministic profile whenever cassettes are involved; otherwise --hypothesis-profile,
    # else CC_HYPOTHESIS_PROFILE, else quick
    profile = (
        config.getoption("hypothesis_profile", None)
        or os.environ.get("CC_HYPOTHESIS_PROFILE")
        or "quick"
    )
    if run.mode != "live":
        profile = "deterministic"
        recording.freeze_generated_constants()
        if run.is_controller:
            raise pytest.UsageError(
                f"--mode {run.mode} runs serially (cassettes follow the order of the tests); "
                "drop -n"
            )
    if profile not in strategies.PROFILES:
        raise pytest.UsageError(
            f"unknown hypothesis profile '{profile}'; use one of {', '.join(strategies.PROFILES)}"
        )
    strategies.load_profile(profile)
    config.stash[_PROFILE] = profile
    if hasattr(config, "workerinput"):
        return
    # the report of a suite run goes to reports/<target>/ without extra options (tryfirst: before
    # pytest-html and junitxml read these options in their own pytest_configure)
    out = run.report_dir()
    out.mkdir(parents=True, exist_ok=True)
    if not config.getoption("htmlpath", None):
        config.option.htmlpath = str(out / "report.html")
        config.option.self_contained_html = True
    if not config.getoption("xmlpath", None):
        config.option.xmlpath = str(out / "junit.xml")


def pytest_report_header(config: pytest.Config) -> str | None:
    run = config.stash.get(RUN, None)
    if run is None or not run.suite_selected:
        return None
    return f"conformance: target {run.target_name} from {run.targets_file}"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    suite_items = [item for item in items if item.get_closest_marker("claim")]
    if not suite_items:
        return
    for item in suite_items:
        for marker in item.iter_markers("claim"):
            unknown = [c for c in marker.args if c not in contract.CLAIMS]
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid} names unknown claim(s) {unknown}; add them to "
                    "conformance/contract.py CLAIMS and docs/claims.md"
                )
    run = config.stash[RUN]
    target = run.load_target()
    patterns = [p for p in (config.getoption("production_patterns") or "").split(",") if p]
    production = looks_like_production(target, patterns)
    reason = None
    if target.read_only:
        reason = f"target '{target.name}' is read_only: writes are not sent"
    elif production and not config.getoption("allow_writes"):
        reason = (
            f"target '{target.name}' looks like production (matches '{production}'): writes are "
            "not sent; pass --allow-writes if it really is a test environment"
        )
    run.writes_refused = reason
    # a hung test must not hold the run: bounded well above the slowest request the target allows
    per_test = max(300.0, 30 * target.timeout_s)
    for item in suite_items:
        if reason and item.get_closest_marker("writes"):
            item.add_marker(pytest.mark.skip(reason=reason))
        if not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(per_test))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    if any(item.get_closest_marker("claim") for item in session.items):
        session.config.stash[RUN].connect()


def pytest_sessionstart(session: pytest.Session) -> None:
    run = session.config.stash.get(RUN, None)
    # an xdist controller collects nothing, so it connects here, once for all workers
    if run is not None and run.suite_selected and run.is_controller:
        run.connect()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    run = node.config.stash.get(RUN, None)
    if run is not None and run.api is not None:
        node.workerinput["cc_target"] = run.handover()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(RUN, None)
    if run is None or run.api is None:
        return
    run.current_test = "(end of run)"
    swept = run.sweep() if run.mode != "replay" else 0
    left = sorted(request_id for _, request_id in run.live)
    if run.is_worker:
        session.config.workeroutput["cc_left_behind"] = left
        session.config.workeroutput["cc_swept"] = swept
    else:
        run.record.left_behind.extend(left)
        run.record.swept += swept


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close()


# --- per-test bookkeeping and report extras ---------------------------------------------------
#
# Each phase's report carries what the summary needs (claims and outcome, the (operation, status)
# pairs sent, observations, requests created) as a plain attribute ``cc``; pytest serializes a
# report's attributes, so under xdist the same data reaches the controller, which aggregates it
# in pytest_runtest_logreport exactly as a serial run does.


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    run = item.config.stash[RUN]
    run.current_test = item.nodeid
    item.stash[_MARKS] = run.marks()
    item.stash[_FIRST] = run.transcript.mark()
    cassette: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if run.recorder is not None and item.get_closest_marker("claim"):
        cassette = run.recorder.cassette(item.nodeid)
    try:
        with cassette as path:
            item.stash[_CASSETTE] = path
            return (yield)
    finally:
        run.current_test = ""


def _plainly(item: pytest.Item, exc: BaseException) -> None:
    """Turn what is not a contract verdict into one plain line instead of a traceback, and mark
    the test so its claims are reported as not verified rather than broken."""
    if isinstance(exc, BudgetExhausted | WritesRefused):
        pytest.skip(str(exc))
    item.stash[_NOT_A_VERDICT] = True
    if isinstance(exc, recording.CannotOverwriteExistingCassetteException):
        run = item.config.stash[RUN]
        command = f"pytest --target {run.target_name} --mode record"
        pytest.fail(
            recording.stale_message(exc, item.stash.get(_CASSETTE, None), command), pytrace=False
        )
    pytest.fail(str(exc), pytrace=False)


_PLAIN = (
    BudgetExhausted,
    checks.TargetUnusable,
    recording.CannotOverwriteExistingCassetteException,
)


def _phase(item: pytest.Item) -> Iterator[None]:
    error: BaseException | None = None
    try:
        return (yield)
    except _PLAIN as exc:
        error = exc  # raised again below, outside the except block, without the chain
    _plainly(item, error)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    return (yield from _phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    rep = yield
    run = item.config.stash[RUN]
    if run.api is None:
        return rep
    claims = [c for marker in item.iter_markers("claim") for c in marker.args]
    marks = item.stash.get(_MARKS, None) or run.marks()
    exchanges, observations, created = run.since(marks)
    item.stash[_MARKS] = run.marks()
    violation = call.excinfo.value if call.excinfo else None
    data: dict[str, Any] = {
        "calls": [[e.operation, e.status] for e in exchanges if e.operation and not e.note],
        "retries": sum(1 for e in exchanges if e.note.startswith("retried")),
        "observations": [[o.kind, o.text] for o in observations],
        "created_ids": created,
    }
    if claims and (rep.when == "call" or (rep.when == "setup" and not rep.passed)):
        outcome = "error" if rep.when == "setup" and rep.failed else rep.outcome
        if rep.when == "setup" and isinstance(violation, checks.ContractViolation):
            outcome = "failed"  # a fixture's own request broke a claim (a create, say)
        if rep.failed and item.stash.get(_NOT_A_VERDICT, False):
            outcome = "error"  # a dead target or a stale cassette says nothing of the contract
        data["claims"] = claims
        data["outcome"] = outcome
        data["broken"] = getattr(violation, "claim", None)
        data["sent"] = bool(exchanges) or (rep.when == "call" and item.stash.get(_SENT, False))
    if rep.when == "setup":
        item.stash[_SENT] = bool(exchanges)
    rep.cc = data
    if rep.failed and rep.when in ("setup", "call"):
        with contextlib.suppress(ImportError):
            from pytest_html import extras

            shown = run.transcript.since(item.stash.get(_FIRST, 0))
            html = report.failure_html(violation, claims, shown)
            rep.extras = [*getattr(rep, "extras", []), extras.html(html)]
        if claims:
            rep.sections.append(("claims", ", ".join(claims)))
    return rep


class Collector:
    """Aggregates each report's ``cc`` data where the summary is written: the controller under
    xdist, the only process otherwise. A plugin object, so it holds the record, not a global."""

    def __init__(self, record: report.RunRecord) -> None:
        self.record = record

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "cc", None)
        if data:
            self.record.absorb(report.nodeid, data)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """An xdist worker's end-of-run cleanup result."""
        output = getattr(node, "workeroutput", {}) or {}
        self.record.left_behind.extend(output.get("cc_left_behind", []))
        self.record.swept += output.get("cc_swept", 0)


def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    run = session.config.stash.get(RUN, None)
    if run is None or run.api is None or run.is_worker:
        return
    prefix.extend(report.summary_html(run.record))


def pytest_html_report_title(report: Any) -> None:
    run = report.config.stash[RUN]
    report.title = f"Cancellation requests conformance: target {run.target_name}"


def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(2, "<th>Claims</th>")


def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    claims = dict(report.sections).get("claims", "") if hasattr(report, "sections") else ""
    cells.insert(2, f"<td>{claims}</td>")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is None or run.api is None:
        return
    terminalreporter.write_sep("-", f"conformance: target {run.target_name}")
    for line in report.terminal_lines(run.record):
        terminalreporter.write_line(line)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    run = request.config.stash[RUN]
    if run.api is None:
        pytest.fail("the target is not connected (a suite test outside the suite's collection?)")
    return run


@pytest.fixture(scope="session")
def target(conformance_run: Run) -> Target:
    """The target under test, with an embedded server's facts filled in."""
    assert conformance_run.target is not None
    return conformance_run.target


@pytest.fixture(scope="session")
def api(conformance_run: Run) -> Client:
    """A client with the target's main key."""
    assert conformance_run.api is not None
    return conformance_run.api


@pytest.fixture(scope="session")
def anonymous_api(api: Client) -> Client:
    """A client that sends no credentials."""
    return api.with_key(None)


@pytest.fixture(scope="session")
def wrong_key_api(api: Client) -> Client:
    """A client with a key no target knows."""
    return api.with_key("cc-unknown-" + secrets.token_hex(12))


@pytest.fixture(scope="session")
def readonly_api(conformance_run: Run, api: Client) -> Client:
    """A client with the target's key that has no write permission."""
    assert conformance_run.credentials is not None
    if not conformance_run.credentials.readonly_api_key:
        pytest.skip("the target configures no readonly_api_key_env")
    return api.with_key(conformance_run.credentials.readonly_api_key)


@pytest.fixture(scope="session")
def other_channel_api(target: Target, api: Client) -> Client:
    """The main key addressing the target's second channel."""
    if target.other_channel_id is None:
        pytest.skip("the target configures no other_channel_id")
    return api.in_channel(target.other_channel_id)


@pytest.fixture(scope="session")
def foreign_order_items(target: Target, api: Client) -> tuple[int, ...]:
    """Order items of the other channel, read from its requests (none when it has none): they
    exist, and creating a request on them through this channel must be refused."""
    if target.other_channel_id is None:
        return ()
    exchange = api.in_channel(target.other_channel_id).list(limit=20)
    if exchange.status != 200 or not isinstance(exchange.json, dict):
        return ()
    found = {item.get("order_item") for item in exchange.json.get("results", [])}
    return tuple(sorted(i for i in found - set(target.order_items) if isinstance(i, int)))


@pytest.fixture
def observe(conformance_run: Run) -> Callable[[str, str], None]:
    """Record behaviour the documents leave open, for the report; never a failure."""
    return conformance_run.observe


@pytest.fixture
def create_body(conformance_run: Run) -> Callable[..., dict[str, Any]]:
    """Builds valid create bodies from the target's order items and reasons."""
    return conformance_run.valid_create_body


@pytest.fixture
def new_request(conformance_run: Run, api: Client) -> Callable[..., dict[str, Any]]:
    """Creates a request (asserting the documented 201) and deletes it after the test."""
    if conformance_run.writes_refused:
        pytest.skip(conformance_run.writes_refused)

    def make(**overrides: Any) -> dict[str, Any]:
        body = conformance_run.valid_create_body(**overrides)
        exchange = api.create(body)
        checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
        return exchange.json

    return make


@pytest.fixture(autouse=True)
def _delete_what_the_test_created(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test created is deleted when it ends, passed or failed."""
    yield
    run = request.config.stash.get(RUN, None)
    if run is not None and run.api is not None:
        run.clean_up(request.node.nodeid)


@pytest.fixture
def nothing_created(
    conformance_run: Run, api: Client, new_request: Callable[..., dict[str, Any]]
) -> Callable[[str], contextlib.AbstractContextManager[None]]:
    """Guards a request that must store nothing: brackets it between two creates and looks,
    among the ids between them, for a request carrying the guarded body's description."""

    @contextlib.contextmanager
    def guard(description: str) -> Iterator[None]:
        before = new_request()["id"]
        yield
        after = new_request()["id"]
        between = list(range(before + 1, after))[:200]
        if not between:
            if after <= before:
                conformance_run.observe(
                    "ids", "ids of successive creates do not increase; no-effect checks are weaker"
                )
            return
        exchange = api.list(pk__in=between, limit=len(between))
        # by its start: the guarded description begins with a label unique to this body, and a
        # server that stored it may have trimmed or cut the rest
        stored = [
            item
            for item in (exchange.json or {}).get("results", [])
            if isinstance(item, dict)
            and isinstance(item.get("description"), str)
            and item["description"].strip()
            and description.strip().startswith(item["description"].strip()[: len(description)])
            and item["description"].strip().startswith(description.strip()[:80])
        ]
        for item in stored:
            if isinstance(item.get("id"), int):
                conformance_run._created(api.channel_id, item["id"])
        checks.require(
            not stored,
            "A request answered with an error was stored anyway",
            documented="a 400 creates nothing",
            received=f"request(s) {[i.get('id') for i in stored]} with the rejected body's "
            "description exist",
            claim="CR-NO-EFFECT-ON-400",
            exchange=exchange,
        )

    return guard


@pytest.fixture(scope="module")
def population(request: pytest.FixtureRequest, conformance_run: Run) -> Iterator[list[dict]]:
    """Requests created once for a module's list checks, on order items spread over the target's
    list so their orders, customers and SKUs differ; one of them rejected. Detailed objects."""
    target = conformance_run.target
    api = conformance_run.api
    assert target is not None and api is not None
    if conformance_run.writes_refused:
        pytest.skip(conformance_run.writes_refused)
    owner = f"{request.node.nodeid} (module fixture)"
    items = target.order_items
    picks = sorted({items[round(i * (len(items) - 1) / 5)] for i in range(6)})
    created = []
    try:
        with conformance_run.owned_by(owner):
            for index, order_item in enumerate(picks):
                exchange = api.create(conformance_run.valid_create_body(order_item=order_item))
                checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
                created.append(exchange.json["id"])
                if index == 1:
                    checks.status_code_is(
                        api.reject(exchange.json["id"]), 200, claim="CR-REJECT-200"
                    )
            detailed = [api.detailed_retrieve(i).json for i in created]
        yield detailed
    finally:
        conformance_run.clean_up(owner)


@pytest.fixture
def gone_id(new_request: Callable[..., dict[str, Any]], api: Client) -> int:
    """The id of a request that existed on this target and was deleted: surely unknown now."""
    created = new_request()
    exchange = api.delete(created["id"])
    checks.status_code_is(exchange, 204, claim="CR-DELETE-204")
    return created["id"]
