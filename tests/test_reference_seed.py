"""The seed data's promises, and the command line's start-up line."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from reference.server import ServerFacts, start

LINE = re.compile(
    r"base_url=http://127\.0\.0\.1:(\d+) api_key=(\S+) channel_id=(\d+) other_channel_id=(\d+) "
    r"order_items=(\d+(?:,\d+)*) reasons=(\d+(?:,\d+)*)"
)


@pytest.fixture(scope="module")
def covered() -> tuple[ServerFacts, list[dict]]:
    """A private server with one request per usable order item, and its detailed list."""
    with start() as server, requests.Session() as http:
        facts = server.facts
        http.headers["Authorization"] = f"Token {facts.api_key}"
        base = f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/"
        for n, item in enumerate(facts.order_items):
            reason = facts.reasons[n % len(facts.reasons)]
            body = {"order_item": item, "reason": reason, "cancellation_type": "cancel"}
            assert http.post(base, json=body).status_code == 201
        detailed = http.get(base + "detailed", params={"limit": 1000}).json()["results"]
        yield facts, detailed


def test_facts_name_two_channels_and_enough_ids(facts):
    assert facts.channel_id != facts.other_channel_id
    assert len(facts.order_items) >= 30
    assert len(facts.reasons) >= 3


def test_order_items_span_orders_customers_and_days(covered):
    facts, detailed = covered
    orders = {r["order_item"]["order"]["pk"]: r["order_item"]["order"] for r in detailed}
    items = {r["order_item"]["pk"] for r in detailed}
    assert items >= set(facts.order_items)
    assert len(orders) >= 8
    assert len({r["customer"]["pk"] for r in detailed}) >= 4
    placed = [dt.datetime.fromisoformat(o["date_placed"]) for o in orders.values()]
    days = {p.date() for p in placed}
    assert len(days) >= 10
    assert any(sum(p.date() == day for p in placed) >= 2 for day in days)
    assert len(set(placed)) == len(placed), "same-day orders must differ in time"


def _has_case_twins(values: set[str]) -> bool:
    return len({v.lower() for v in values}) < len(values)


def test_numbers_and_skus_are_mixed_case_with_case_twins(covered):
    _, detailed = covered
    numbers = {r["order_item"]["order"]["number"] for r in detailed}
    skus = {r["order_item"]["product"]["sku"] for r in detailed}
    for values in (numbers, skus):
        assert _has_case_twins(values)
        assert any(v != v.lower() for v in values) and any(v != v.upper() for v in values)


def test_easy_returns_and_reasons_of_both_types(covered):
    _, detailed = covered
    returns = [r["easy_return"] for r in detailed if r["easy_return"]]
    assert len(returns) >= 3
    assert all(e["code"] and e["tracking_number"] for e in returns)
    assert {r["reason"]["cancellation_type"] for r in detailed} == {"cancel", "refund"}


def test_every_list_filter_finds_something_out_of_the_box(http, url, facts):
    everything = http.get(url("detailed"), params={"limit": 1000}).json()["results"]
    first = everything[0]
    with_return = next(r for r in everything if r["easy_return"])
    params = {
        "status": ["waiting", "approved", "rejected"],
        "cancellation_plan_status": ["waiting", "completed"],
        "easy_return_code": [with_return["easy_return"]["code"]],
        "tracking_number": [with_return["easy_return"]["tracking_number"]],
        "number": [first["order_item"]["order"]["number"]],
        "sku": [first["order_item"]["product"]["sku"]],
        "customer_email": [first["customer"]["email"]],
        "channel": [facts.channel_id],
    }
    for name, values in params.items():
        for value in values:
            body = http.get(url(), params={name: value}).json()
            assert body["count"] > 0, (name, value)


def test_cli_prints_one_line_serves_and_stops_on_sigterm(tmp_path: Path):
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("REFERENCE_FAULTS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reference", "--port", "0", "--db", str(tmp_path / "ref.sqlite3")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline().rstrip("\n")
        match = LINE.fullmatch(line)
        assert match, line
        facts = ServerFacts.parse(line)
        assert facts.api_key == "reference-key"
        response = requests.get(
            f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/",
            headers={"Authorization": "Token reference-key"},
        )
        assert response.status_code == 200
        readonly = requests.get(
            f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/",
            headers={"Authorization": "Token reference-key-readonly"},
        )
        assert readonly.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read() == ""  # exactly one line


def test_cli_rejects_unknown_fault_naming_known_ones():
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "reference", "--port", "0", "--faults", "no_such_fault"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=30,
    )
    assert result.returncode != 0
    assert "no_such_fault" in result.stderr and "create_returns_200" in result.stderr
