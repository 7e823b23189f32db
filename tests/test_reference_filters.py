"""Every documented filter, checked against an oracle computed from the detailed list.

The oracle reads the unfiltered detailed list, so tests stay right even after other tests
add requests to the session server.  Case-insensitive filters are queried in swapped case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

Pred = Callable[[dict[str, Any]], bool]


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def everything(http, url) -> list[dict]:
    body = http.get(url("detailed"), params={"limit": 1000}).json()
    assert body["count"] == len(body["results"])
    return body["results"]


def ids(http, url, suffix: str, params: dict) -> list[int]:
    response = http.get(url(suffix), params={**params, "limit": 1000})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


def check(http, url, everything, params: dict, pred: Pred, suffixes=("", "detailed")) -> None:
    expected = [r["id"] for r in everything if pred(r)]
    assert expected, f"seed data gives {params} nothing to find"
    assert len(expected) < len(everything), f"{params} filters nothing out"
    for suffix in suffixes:
        assert ids(http, url, suffix, params) == expected, (suffix, params)


def order(r: dict) -> dict:
    return r["order_item"]["order"]


def test_pk__in(http, url, everything):
    chosen = [everything[0]["id"], everything[3]["id"], everything[5]["id"]]
    params = {"pk__in": ",".join(map(str, chosen))}
    check(http, url, everything, params, lambda r: r["id"] in chosen)


@pytest.mark.parametrize("status", ["waiting", "approved", "rejected"])
def test_status(http, url, everything, status):
    check(http, url, everything, {"status": status}, lambda r: r["status"] == status)


def test_number_is_case_insensitive(http, url, everything):
    number = order(everything[0])["number"]
    check(
        http,
        url,
        everything,
        {"number": number.swapcase()},
        lambda r: order(r)["number"].lower() == number.lower(),
    )


def test_number_matches_both_orders_differing_only_by_case(http, url, everything):
    numbers = {order(r)["number"] for r in everything}
    twins = [
        n for n in numbers if n != n.lower() and n.lower() in {m.lower() for m in numbers - {n}}
    ]
    assert twins, "seed must contain two order numbers that differ only by case"
    found = {
        order(r)["number"]
        for r in everything
        if r["id"] in ids(http, url, "", {"number": twins[0]})
    }
    assert len(found) == 2


def test_sku_is_case_insensitive(http, url, everything):
    sku = everything[0]["order_item"]["product"]["sku"]
    check(
        http,
        url,
        everything,
        {"sku": sku.upper()},
        lambda r: r["order_item"]["product"]["sku"].lower() == sku.lower(),
    )


def test_date_placed_exact_on_list_only(http, url, everything):
    placed = order(everything[-1])["date_placed"]
    check(
        http,
        url,
        everything,
        {"date_placed": placed},
        lambda r: parse(order(r)["date_placed"]) == parse(placed),
        suffixes=("",),
    )
    # Undocumented on the detailed list, so ignored there.
    assert len(ids(http, url, "detailed", {"date_placed": placed})) == len(everything)


@pytest.mark.parametrize(
    ("lookup", "op"),
    [
        ("gte", lambda a, b: a >= b),
        ("gt", lambda a, b: a > b),
        ("lt", lambda a, b: a < b),
        ("lte", lambda a, b: a <= b),
    ],
)
def test_date_placed_comparisons(http, url, everything, lookup, op):
    pivot = sorted(order(r)["date_placed"] for r in everything)[len(everything) // 2]
    check(
        http,
        url,
        everything,
        {f"date_placed__{lookup}": pivot},
        lambda r: op(parse(order(r)["date_placed"]), parse(pivot)),
    )


def test_date_placed_accepts_an_offset(http, url, everything):
    pivot = parse(order(everything[4])["date_placed"])
    shifted = pivot.astimezone(dt.timezone(dt.timedelta(hours=3))).isoformat()
    check(
        http,
        url,
        everything,
        {"date_placed__gte": shifted},
        lambda r: parse(order(r)["date_placed"]) >= pivot,
    )


@pytest.mark.parametrize(
    ("lookup", "op"),
    [
        ("gt", lambda a, b: a > b),
        ("gte", lambda a, b: a >= b),
        ("lt", lambda a, b: a < b),
        ("lte", lambda a, b: a <= b),
    ],
)
def test_date_placed_date_comparisons(http, url, everything, lookup, op):
    pivot = sorted(parse(order(r)["date_placed"]).date() for r in everything)[len(everything) // 2]
    check(
        http,
        url,
        everything,
        {f"date_placed__date__{lookup}": pivot.isoformat()},
        lambda r: op(parse(order(r)["date_placed"]).date(), pivot),
    )


@pytest.mark.parametrize(
    ("param", "path"),
    [
        ("customer_first_name", "first_name"),
        ("customer_last_name", "last_name"),
        ("customer_email", "email"),
    ],
)
def test_customer_filters_are_case_insensitive(http, url, everything, param, path):
    value = everything[0]["customer"][path]
    check(
        http,
        url,
        everything,
        {param: value.swapcase()},
        lambda r: r["customer"][path].lower() == value.lower(),
    )


def test_channel_is_the_customers_channel(http, url, facts, everything):
    assert ids(http, url, "", {"channel": facts.channel_id}) == [r["id"] for r in everything]
    assert ids(http, url, "detailed", {"channel": facts.other_channel_id}) == []


def test_order_id(http, url, everything):
    order_id = order(everything[1])["pk"]
    check(http, url, everything, {"order_id": order_id}, lambda r: order(r)["pk"] == order_id)


def test_easy_return_code_is_case_insensitive(http, url, everything):
    code = next(r["easy_return"]["code"] for r in everything if r["easy_return"])
    check(
        http,
        url,
        everything,
        {"easy_return_code": code.swapcase()},
        lambda r: bool(r["easy_return"]) and r["easy_return"]["code"].lower() == code.lower(),
    )


def _tracking(r: dict) -> set[str]:
    values = {order(r)["tracking_number"]}
    if r["easy_return"]:
        values.add(r["easy_return"]["tracking_number"])
    return {v.lower() for v in values if v}


@pytest.mark.parametrize("source", ["order", "easy_return"])
def test_tracking_number_matches_order_or_easy_return(http, url, everything, source):
    if source == "order":
        value = next(order(r)["tracking_number"] for r in everything if order(r)["tracking_number"])
    else:
        value = next(r["easy_return"]["tracking_number"] for r in everything if r["easy_return"])
    check(
        http,
        url,
        everything,
        {"tracking_number": value.swapcase()},
        lambda r: value.lower() in _tracking(r),
    )


# Seed: of the first twelve main items, index % 3 == 1 has a waiting plan, index % 3 == 2 a
# completed one, and index 4 also a completed one.  Items are numbered from 1 in seed order.
PLAN_ITEMS = {"waiting": {2, 5, 8, 11}, "completed": {3, 5, 6, 9, 12}}


@pytest.mark.parametrize("status", ["waiting", "completed"])
def test_cancellation_plan_status(http, url, facts, everything, status):
    wanted = {facts.order_items[n - 1] for n in PLAN_ITEMS[status]}
    check(
        http,
        url,
        everything,
        {"cancellation_plan_status": status},
        lambda r: r["order_item"]["pk"] in wanted,
    )


def test_filters_combine(http, url, everything):
    status = everything[0]["status"]
    first = everything[0]["customer"]["first_name"]
    check(
        http,
        url,
        everything,
        {"status": status, "customer_first_name": first},
        lambda r: r["status"] == status and r["customer"]["first_name"] == first,
    )


INVALID = [
    ("pk__in", "1,x"),
    ("pk__in", "1,99999999999999999999"),
    ("status", "done"),
    ("date_placed__gte", "yesterday"),
    ("date_placed__gt", "2025-13-01T00:00:00Z"),
    ("date_placed__lt", "9999-12-31T23:59:59-10:00"),
    ("date_placed__lte", "0001-01-01T00:00:00+05:00"),
    ("date_placed__date__gt", "2025-02-30"),
    ("date_placed__date__gte", "May 1st"),
    ("date_placed__date__lt", "99999-01-01"),
    ("date_placed__date__lte", "x"),
    ("channel", "main"),
    ("channel", "99999999999999999999"),
    ("order_id", "1.5"),
    ("order_id", "-99999999999999999999"),
    ("cancellation_plan_status", "exploded"),
    ("sku", "a\x00b"),
]


@pytest.mark.parametrize("suffix", ["", "detailed"], ids=["list", "detailed"])
@pytest.mark.parametrize(("param", "value"), INVALID, ids=[f"{p}={v!r}" for p, v in INVALID])
def test_invalid_filter_values_are_400(http, url, suffix, param, value):
    response = http.get(url(suffix), params={param: value})
    assert response.status_code == 400, response.text
    assert param in response.json()


def test_date_placed_is_validated_on_list(http, url):
    assert http.get(url(), params={"date_placed": "soon"}).status_code == 400


def test_unknown_parameters_are_ignored(http, url):
    assert http.get(url(), params={"colour": "blue"}).status_code == 200
