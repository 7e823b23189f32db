"""What moved between two recordings of the suite: ``python -m conformance.drift A B``.

QA reads this when a new sandbox release comes, before any test: per operation, the status codes
answered, the fields each answer carries and their JSON types, the enumerated values seen, and
the content type, in recording A and in recording B, and what differs. It reads cassettes only
(no network), so two recordings made months apart, or against two environments, compare alike.
Values themselves (ids, dates, texts) are not compared: they differ on every run.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import yaml

from conformance import contract, schemas

# Leaf names whose values are drawn from a documented or observed set; new values are drift.
ENUM_KEYS = frozenset(
    {
        "status",
        "cancellation_type",
        "cancel_status",
        "channel_type",
        "gender",
        "user_type",
        "currency",
        "price_currency",
        "delivery_type",
        "client_type",
        "product_type",
        "data_source_type",
        "shipping_company",
    }
)


def _pattern(path: str) -> re.Pattern[str]:
    regex = re.escape(path).replace(r"\{channel_id\}", r"\d+").replace(r"\{id\}", r"[^/]+")
    if path == contract.DETAILED_COLLECTION:
        regex += "/?"
    return re.compile(f"^{regex}$")


_ROUTES = [
    (operation.method, _pattern(operation.path), name)
    for name, operation in contract.OPERATIONS.items()
]


def operation_of(method: str, path: str) -> str:
    # the detailed list is tried before "retrieve", whose {id} would also match "detailed"
    for route_method, pattern, name in sorted(_ROUTES, key=lambda r: r[2] != "detailed_list"):
        if route_method == method and pattern.match(path):
            return name
    return f"{method} (not a documented path)"


@dataclass
class Answers:
    """What one operation answered with one status code, over a recording."""

    count: int = 0
    fields: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    enums: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    content_types: Counter[str] = field(default_factory=Counter)


Recording = dict[str, dict[int, Answers]]


def _walk(value: Any, path: str, answers: Answers) -> None:
    answers.fields[path].add(schemas.json_type(value))
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, f"{path}.{key}", answers)
            if key in ENUM_KEYS and isinstance(child, str | int) and not isinstance(child, bool):
                answers.enums[f"{path}.{key}"].add(str(child))
    elif isinstance(value, list):
        for child in value:
            _walk(child, f"{path}[]", answers)


def _json(text: Any) -> Any:
    import json

    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def load(directory: Path) -> Recording:
    """Every interaction of every cassette under ``directory``, summarised by operation."""
    recording: Recording = defaultdict(lambda: defaultdict(Answers))
    for cassette in sorted(directory.rglob("*.yaml")):
        document = yaml.load(cassette.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for interaction in (document or {}).get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            path = re.sub(r"^[a-z]+://[^/]+", "", request["uri"]).split("?")[0]
            name = operation_of(request["method"], path)
            status = int(response["status"]["code"])
            answers = recording[name][status]
            answers.count += 1
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            content_type = (headers.get("content-type") or ["(none)"])[0].split(";")[0].strip()
            answers.content_types[content_type] += 1
            body = _json(response.get("body", {}).get("string"))
            if body is not None:
                _walk(body, "$", answers)
    return recording


@dataclass
class Change:
    operation: str
    status: int | None
    kind: str
    detail: str


def compare(before: Recording, after: Recording) -> list[Change]:
    """The differences, operation by operation, that a release reviewer should see."""
    changes: list[Change] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        for status in sorted(set(new) - set(old)):
            changes.append(Change(name, status, "status code added", f"{status} now answered"))
        for status in sorted(set(old) - set(new)):
            changes.append(Change(name, status, "status code gone", f"{status} no longer answered"))
        for status in sorted(set(old) & set(new)):
            changes.extend(_compare_answers(name, status, old[status], new[status]))
    return changes


def _compare_answers(name: str, status: int, old: Answers, new: Answers) -> Iterable[Change]:
    for path in sorted(set(new.fields) - set(old.fields)):
        yield Change(name, status, "field added", f"{path} ({'/'.join(sorted(new.fields[path]))})")
    for path in sorted(set(old.fields) - set(new.fields)):
        yield Change(name, status, "field removed", path)
    for path in sorted(set(old.fields) & set(new.fields)):
        # only types newly seen count: a type merely not seen again may be a smaller selection
        fresh = new.fields[path] - old.fields[path]
        if fresh:
            was = "/".join(sorted(old.fields[path]))
            yield Change(
                name, status, "type changed", f"{path}: {was}, now also {'/'.join(sorted(fresh))}"
            )
    for path in sorted(set(new.enums)):
        fresh = new.enums[path] - old.enums.get(path, set())
        if fresh and path in old.enums:
            yield Change(name, status, "enum value new", f"{path}: {', '.join(sorted(fresh))}")
    if set(old.content_types) != set(new.content_types):
        was, now = ", ".join(sorted(old.content_types)), ", ".join(sorted(new.content_types))
        yield Change(name, status, "content type changed", f"{was} -> {now}")


def render_text(a: str, b: str, changes: list[Change]) -> str:
    lines = [f"drift from {a} to {b}: {len(changes)} change(s)"]
    current = None
    for change in changes:
        if change.operation != current:
            current = change.operation
            lines.append(f"\n{current}")
        status = f"{change.status} " if change.status is not None else ""
        lines.append(f"  {status}{change.kind}: {change.detail}")
    return "\n".join(lines) + "\n"


def render_html(a: str, b: str, changes: list[Change], before: Recording, after: Recording) -> str:
    rows = "".join(
        f"<tr><td>{escape(c.operation)}</td><td>{c.status or ''}</td><td>{escape(c.kind)}</td>"
        f"<td>{escape(c.detail)}</td></tr>"
        for c in changes
    )
    seen = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(_codes(before.get(name, {})))}</td>"
        f"<td>{escape(_codes(after.get(name, {})))}</td></tr>"
        for name in sorted(set(before) | set(after))
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Drift: {escape(a)} to {escape(b)}</title>
<style>body{{font-family:sans-serif;font-size:13px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Drift from {escape(a)} to {escape(b)}</h1>
<p>{len(changes)} change(s). Values (ids, dates, texts) are not compared, only what answers
carry: status codes, fields and their JSON types, enumerated values, content types.</p>
<h2>Changes</h2>
<table><tr><th>operation</th><th>status</th><th>change</th><th>detail</th></tr>{rows}</table>
<h2>Status codes answered</h2>
<table><tr><th>operation</th><th>{escape(a)}</th><th>{escape(b)}</th></tr>{seen}</table>
</body></html>
"""


def _codes(by_status: dict[int, Answers]) -> str:
    return ", ".join(f"{code} x{answers.count}" for code, answers in sorted(by_status.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.drift",
        description="Compare two recordings (cassettes/<target> directories) of the suite.",
    )
    parser.add_argument("before", type=Path, help="the earlier recording, e.g. cassettes/local")
    parser.add_argument("after", type=Path, help="the later recording")
    parser.add_argument(
        "--html",
        type=Path,
        default=None,
        help="where to write the HTML page (default: reports/drift/<before>-vs-<after>.html)",
    )
    args = parser.parse_args(argv)
    for directory in (args.before, args.after):
        if not directory.is_dir() or not any(directory.rglob("*.yaml")):
            parser.error(f"{directory} holds no cassettes; record one with --mode record")
    before, after = load(args.before), load(args.after)
    changes = compare(before, after)
    a, b = args.before.name, args.after.name
    sys.stdout.write(render_text(str(args.before), str(args.after), changes))
    html = args.html or Path("reports") / "drift" / f"{a}-vs-{b}.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_html(str(args.before), str(args.after), changes, before, after))
    sys.stdout.write(f"HTML: {html}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
