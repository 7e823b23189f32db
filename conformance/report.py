"""What a person reads: the HTML pieces added to pytest-html's report, and the terminal summary.

The report must say in ten seconds what broke, so the summary opens with the failed claims, then
coverage (operations by status code exercised, claims by result), then observations: behaviour
the documents leave open, recorded without a verdict. Everything here is plain data in, HTML
string out; the plugin decides when it is called. All text is escaped, and everything shown comes
from the transcript, which holds no secret.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from conformance import contract
from conformance.client import Exchange

# worst first: a claim's result is the worst outcome among the tests that check it; "blocked"
# marks a claim whose test failed on another claim first, so it was not verified
OUTCOME_ORDER = ("failed", "error", "blocked", "passed", "skipped", "not run")


@dataclass
class Observation:
    """Behaviour the documents leave open, as the target showed it; never a failure."""

    test: str
    kind: str
    text: str


@dataclass
class RunRecord:
    """What the report needs to know about the run, aggregated from the test reports."""

    target_rows: dict[str, str] = field(default_factory=dict)
    claim_outcomes: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    observations: list[Observation] = field(default_factory=list)
    calls: Counter[tuple[str, int]] = field(default_factory=Counter)
    created_ids: list[int] = field(default_factory=list)
    swept: int = 0
    retries: int = 0
    left_behind: list[int] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.calls.values())

    def absorb(self, test: str, data: Mapping[str, Any]) -> None:
        """Take in one phase report's data."""
        for operation, status in data.get("calls", []):
            self.calls[(operation, status)] += 1
        self.observations.extend(
            Observation(test, kind, text) for kind, text in data.get("observations", [])
        )
        self.created_ids.extend(data.get("created_ids", []))
        self.retries += data.get("retries", 0)
        if "claims" in data:
            self.record_test(
                test, data["claims"], data["outcome"], data.get("broken"), data.get("sent", False)
            )

    def record_outcome(self, claims: Iterable[str], test: str, outcome: str) -> None:
        for claim in claims:
            self.claim_outcomes[claim].append((test, outcome))

    def record_test(
        self, test: str, claims: list[str], outcome: str, broken: str | None, sent: bool
    ) -> None:
        """Credit a test's outcome to its claims: a failure is charged to the claim the
        violation names, the test's other claims are then blocked, not broken; a passing test
        that sent requests also passed the automatic checks."""
        if outcome == "failed" and broken:
            self.record_outcome([broken], test, "failed")
            self.record_outcome([c for c in claims if c != broken], test, "blocked")
            return
        self.record_outcome(claims, test, outcome)
        if outcome == "passed" and sent:
            automatic = [c for c in contract.AUTOMATIC_CLAIMS if c not in claims]
            self.record_outcome(automatic, test, "passed")

    def claim_result(self, claim: str) -> str:
        outcomes = {outcome for _, outcome in self.claim_outcomes.get(claim, [])}
        for candidate in OUTCOME_ORDER:
            if candidate in outcomes:
                return candidate
        return "not run"


def coverage(calls: Mapping[tuple[str, int], int]) -> dict[str, Counter[int]]:
    table: dict[str, Counter[int]] = {name: Counter() for name in contract.OPERATIONS}
    for (operation, status), count in calls.items():
        if operation in table and status:
            table[operation][status] += count
    return table


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], css: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<table class="cc-table {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


STYLE = """<style>
.cc-table{border-collapse:collapse;margin:.5em 0 1.2em 0;font-size:12px}
.cc-table td,.cc-table th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
.cc-failed,.cc-error{background:#fdd}.cc-passed{background:#dfd}.cc-skipped{background:#ffd}
.cc-doc{color:#777}.cc-miss{color:#b00}.cc-extra{color:#a60}
.cc-exchange{white-space:pre-wrap;font-family:monospace;font-size:12px;border-left:3px solid #999;
padding-left:8px;margin:4px 0}
</style>"""


def summary_html(record: RunRecord) -> list[str]:
    """The blocks shown above the results table."""
    parts = [STYLE]
    parts.append(
        "<h2>Target</h2>"
        + _table(["", ""], ((escape(k), escape(v)) for k, v in record.target_rows.items()))
    )

    failed = [c for c in contract.CLAIMS if record.claim_result(c) == "failed"]
    if failed:

        def tests(claim: str) -> str:
            return ", ".join(escape(t) for t, o in record.claim_outcomes[claim] if o == "failed")

        items = "".join(
            f"<li><b>{escape(c)}</b>: {escape(contract.CLAIMS[c].text)} ({tests(c)})</li>"
            for c in failed
        )
        parts.append(f"<h2>Broken claims ({len(failed)})</h2><ul>{items}</ul>")
    else:
        parts.append("<h2>Broken claims</h2><p>None: every documented claim exercised held.</p>")

    parts.append("<h2>Operations by status code exercised</h2>" + coverage_html(record.calls))
    parts.append("<h2>Claims by result</h2>" + claims_html(record))
    parts.append(
        f"<h2>Observations ({len(record.observations)})</h2>"
        + observations_html(record.observations)
    )
    parts.append(
        f"<h2>Requests and cleanup</h2><p>Requests sent: {record.requests}, plus "
        f"{record.retries} retried (transient faults, 429). Requests created: "
        f"{len(record.created_ids)}; still there at the end of the run (deleted by the sweep): "
        f"{record.swept}; left behind: {len(record.left_behind)}"
        f"{' ' + escape(str(sorted(record.left_behind))) if record.left_behind else ''}.</p>"
    )
    return parts


def coverage_html(calls: Mapping[tuple[str, int], int]) -> str:
    table = coverage(calls)
    rows = []
    for name, counts in table.items():
        operation = contract.OPERATIONS[name]
        documented = sorted(operation.documented_statuses)
        cells = []
        for code in sorted(set(documented) | set(counts)):
            mark = "" if code in documented else ' class="cc-extra" title="not documented"'
            count = counts.get(code, 0)
            style = ' class="cc-miss"' if not count else mark
            cells.append(f"<span{style}>{code}: {count}</span>")
        rows.append(
            (
                escape(name),
                escape(f"{operation.method} {operation.path}"),
                " &nbsp; ".join(cells),
            )
        )
    legend = (
        '<p class="cc-doc">Each documented status code with the number of answers seen; '
        '<span class="cc-miss">red</span>: documented, not exercised; '
        '<span class="cc-extra">orange</span>: seen, not documented.</p>'
    )
    return _table(["operation", "path", "status codes"], rows) + legend


def claims_html(record: RunRecord) -> str:
    rows = []
    for claim in contract.CLAIMS.values():
        result = record.claim_result(claim.id)
        tests = record.claim_outcomes.get(claim.id, [])
        rows.append(
            (
                escape(claim.id),
                escape(claim.text),
                f'<span class="cc-{result.replace(" ", "-")}">{escape(result)}</span>'
                f" ({len(tests)})",
                f'<span class="cc-doc">{escape(claim.source)}</span>',
            )
        )
    return _table(["claim", "promise", "result (tests)", "where documented"], rows)


def observations_html(observations: list[Observation]) -> str:
    if not observations:
        return "<p>None.</p>"
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for obs in observations:
        grouped[(obs.kind, obs.text)].append(obs.test)
    rows = [
        (
            escape(kind),
            escape(text),
            escape(", ".join(sorted(set(tests))[:3])) + (" ..." if len(set(tests)) > 3 else ""),
        )
        for (kind, text), tests in sorted(grouped.items())
    ]
    return _table(["kind", "what the target does", "seen in"], rows)


def failure_html(
    violation: BaseException | None, claims: Iterable[str], exchanges: list[Exchange]
) -> str:
    """The evidence under a failed test: the claim, expected vs received, the exchanges."""
    parts = []
    for claim_id in claims:
        claim = contract.CLAIMS.get(claim_id)
        if claim:
            parts.append(
                f"<p><b>{escape(claim.id)}</b>: {escape(claim.text)} "
                f"<span class='cc-doc'>({escape(claim.source)})</span></p>"
            )
    title = getattr(violation, "title", None)
    if title:
        parts.append(
            f"<p><b>{escape(title)}</b><br>documented: {escape(str(violation.documented))}"
            f"<br>received: {escape(str(violation.received))}</p>"
        )
    culprit = getattr(violation, "exchange", None)
    shown = [culprit] if culprit is not None else []
    shown += [e for e in exchanges[-6:] if e is not culprit]
    for exchange in shown:
        label = "the exchange that broke it" if exchange is culprit else "earlier exchange"
        parts.append(
            f"<div class='cc-exchange'><b>{label}</b>\n{escape(exchange.summary(2000))}</div>"
        )
    return "".join(parts)


def terminal_lines(record: RunRecord) -> list[str]:
    lines = []
    counts = Counter(record.claim_result(c) for c in contract.CLAIMS)
    lines.append(
        "claims: "
        + ", ".join(f"{counts[o]} {o}" for o in OUTCOME_ORDER if counts.get(o))
        + f"; requests sent: {record.requests} (+{record.retries} retried); created "
        f"{len(record.created_ids)}, still there at the end {record.swept}, left behind "
        f"{len(record.left_behind)}"
    )
    for claim in contract.CLAIMS:
        result = record.claim_result(claim)
        if result == "failed":
            lines.append(f"BROKEN {claim}: {contract.CLAIMS[claim].text}")
        elif result == "error":
            lines.append(f"NOT VERIFIED {claim} (a test errored): {contract.CLAIMS[claim].text}")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for obs in record.observations:
        if obs.text not in by_kind[obs.kind]:
            by_kind[obs.kind].append(obs.text)
    for kind, texts in sorted(by_kind.items()):
        shown = "; ".join(texts[:3]) + (f"; and {len(texts) - 3} more" if len(texts) > 3 else "")
        lines.append(f"observation [{kind}] {shown}")
    return lines


def rows_for(mapping: Mapping[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in mapping.items() if v not in (None, "", ())}
