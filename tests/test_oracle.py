"""The oracle answers MATCH or NO_MATCH only where every reading of a filter agrees, and UNKNOWN
where the documents leave the meaning open, so a target is never failed for a reading it may
legitimately follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conformance import contract, oracle
from conformance.oracle import Verdict

MATCH, NO_MATCH, UNKNOWN = Verdict.MATCH, Verdict.NO_MATCH, Verdict.UNKNOWN


def request(**overrides):
    """A detailed object with only the fields the filters read."""
    obj = {
        "id": 7,
        "status": "waiting",
        "order_item": {
            "pk": 70,
            "order": {
                "pk": 700,
                "number": "ORD-1001a",
                "date_placed": "2025-05-01T23:30:00-02:00",
                "tracking_number": "TRK-ORDER",
            },
            "product": {"sku": "SKU-Alpha-01"},
        },
        "customer": {
            "first_name": "Ayse",
            "last_name": "Yilmaz",
            "email": "Ayse.Yilmaz@Example.com",
            "channel": 1,
        },
        "channel": {"id": 1},
        "easy_return": {"code": "EasyRet-0001a", "tracking_number": "TRK-RETURN"},
    }
    for path, value in overrides.items():
        node = obj
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return obj


def test_every_documented_filter_has_readings_and_sources():
    assert {f.name for f in contract.FILTERS} == set(oracle.READINGS) == set(oracle.SOURCES)


# --- text filters: exact or contains, and which letters fold ------------------------------------


@pytest.mark.parametrize(
    ("query", "verdict"),
    [
        pytest.param("ORD-1001a", MATCH, id="as-stored"),
        pytest.param("ord-1001A", MATCH, id="other-case"),
        pytest.param("ORD-1001", UNKNOWN, id="prefix-contains-only"),
        pytest.param("1001", UNKNOWN, id="infix-contains-only"),
        pytest.param("ORD-1001ab", NO_MATCH, id="longer"),
        pytest.param("web-4004", NO_MATCH, id="other"),
    ],
)
def test_number_is_matched_case_insensitively_exact_or_contains(query, verdict):
    assert oracle.evaluate("number", query, request()) is verdict


def test_case_folding_beyond_ascii_is_an_open_reading():
    # SQLite's LIKE folds ASCII only, Python and PostgreSQL every letter: both are conforming
    obj = request(customer__last_name="ÇELİK")
    assert oracle.evaluate("customer_last_name", "ÇELİK", obj) is MATCH
    assert oracle.evaluate("customer_last_name", "çeli̇k", obj) is UNKNOWN
    readings = oracle.readings_of("customer_last_name", "çeli̇k", obj)
    assert readings["case-insensitive exact"] is True
    assert readings["ASCII case-insensitive exact"] is False


@pytest.mark.parametrize(
    ("name", "query", "verdict"),
    [
        ("sku", "sku-alpha-01", MATCH),
        ("sku", "Mug-WHITE-350", NO_MATCH),
        ("customer_first_name", "AYSE", MATCH),
        ("customer_email", "ayse.yilmaz@example.com", MATCH),
        ("customer_email", "@example.com", UNKNOWN),
        ("easy_return_code", "easyret-0001A", MATCH),
    ],
)
def test_the_other_text_filters_read_their_own_field(name, query, verdict):
    assert oracle.evaluate(name, query, request()) is verdict


def test_a_missing_text_field_matches_nothing():
    assert oracle.evaluate("easy_return_code", "x", request(easy_return=None)) is NO_MATCH


# --- tracking number: the order's, the easy return's, or either -------------------------------


def test_tracking_number_of_only_one_place_is_unknown():
    obj = request()
    assert oracle.evaluate("tracking_number", "trk-order", obj) is UNKNOWN
    assert oracle.evaluate("tracking_number", "trk-return", obj) is UNKNOWN
    followed = oracle.readings_followed("tracking_number", "trk-order", [obj], [])
    assert "easy return's, case-insensitive exact" not in followed
    assert "order's, case-insensitive exact" in followed


def test_tracking_number_in_both_places_or_neither_is_decided():
    both = request(easy_return__tracking_number="TRK-ORDER")
    assert oracle.evaluate("tracking_number", "trk-order", both) is MATCH
    assert oracle.evaluate("tracking_number", "nowhere", request()) is NO_MATCH


# --- dates: the offset of the answer or UTC -----------------------------------------------------


def test_a_date_bound_near_midnight_depends_on_the_offset():
    # placed 2025-05-01 23:30 at -02:00, which is 2025-05-02 01:30 UTC
    obj = request()
    assert oracle.evaluate("date_placed__date__lte", "2025-05-01", obj) is UNKNOWN
    assert oracle.evaluate("date_placed__date__gte", "2025-05-01", obj) is MATCH
    assert oracle.evaluate("date_placed__date__gt", "2025-05-02", obj) is NO_MATCH
    readings = oracle.readings_of("date_placed__date__lt", "2025-05-02", obj)
    assert readings == {"date in the answer's offset": True, "date in UTC": False}


def test_a_date_far_from_midnight_is_the_same_day_everywhere():
    obj = request(order_item__order__date_placed="2025-05-01T12:00:00+03:00")
    assert oracle.evaluate("date_placed__date__lte", "2025-05-01", obj) is MATCH
    assert oracle.evaluate("date_placed__date__lt", "2025-05-01", obj) is NO_MATCH


@pytest.mark.parametrize(
    ("name", "query", "verdict"),
    [
        # the same instant in another offset is equal
        ("date_placed", "2025-05-02T01:30:00Z", MATCH),
        ("date_placed", "2025-05-02T04:30:00+03:00", MATCH),
        ("date_placed", "2025-05-02T01:30:01Z", NO_MATCH),
        ("date_placed__gt", "2025-05-02T01:29:59.999999Z", MATCH),
        ("date_placed__gt", "2025-05-02T01:30:00Z", NO_MATCH),
        ("date_placed__gte", "2025-05-02T01:30:00Z", MATCH),
        ("date_placed__lt", "2025-05-02T01:30:00Z", NO_MATCH),
        ("date_placed__lte", "2025-05-01T23:30:00-02:00", MATCH),
    ],
)
def test_date_time_bounds_compare_instants(name, query, verdict):
    assert oracle.evaluate(name, query, request()) is verdict


def test_an_unreadable_bound_is_unknown():
    assert oracle.evaluate("date_placed__gt", "yesterday", request()) is UNKNOWN
    assert oracle.evaluate("date_placed__date__gt", "2025-13-45", request()) is UNKNOWN


def test_a_naive_time_is_read_as_utc():
    assert oracle.parse_datetime("2025-05-01T09:00:00") == datetime(2025, 5, 1, 9, tzinfo=UTC)
    assert oracle.parse_datetime("not a date") is None
    assert oracle.parse_datetime(None) is None


# --- ids, status, channel, plan status ----------------------------------------------------------


def test_pk_in_status_and_order_id_are_exact():
    obj = request()
    assert oracle.evaluate("pk__in", "1,7,9", obj) is MATCH
    assert oracle.evaluate("pk__in", "1,9", obj) is NO_MATCH
    assert oracle.evaluate("pk__in", "a,b", obj) is UNKNOWN
    assert oracle.evaluate("status", "waiting", obj) is MATCH
    assert oracle.evaluate("status", "Waiting", obj) is NO_MATCH
    assert oracle.evaluate("order_id", "700", obj) is MATCH
    assert oracle.evaluate("order_id", "70", obj) is NO_MATCH


def test_channel_is_the_customers_or_the_requests():
    assert oracle.evaluate("channel", "1", request()) is MATCH
    moved = request(customer__channel=2)
    assert oracle.evaluate("channel", "2", moved) is UNKNOWN
    assert oracle.evaluate("channel", "3", moved) is NO_MATCH


@pytest.mark.parametrize("value", contract.CANCELLATION_PLAN_STATUSES)
def test_cancellation_plan_status_is_never_decided(value):
    # the plan status is in no response, so no object can be judged on it
    assert oracle.evaluate("cancellation_plan_status", value, request()) is UNKNOWN


# --- queries of several filters -----------------------------------------------------------------


def test_a_query_matches_only_where_every_filter_does():
    obj = request()
    assert oracle.evaluate_all({"pk__in": "7", "number": "ord-1001a"}, obj) is MATCH
    assert oracle.evaluate_all({"pk__in": "7", "number": "web"}, obj) is NO_MATCH
    # one NO_MATCH decides, whatever else is unknown
    assert oracle.evaluate_all({"number": "ORD", "status": "rejected"}, obj) is NO_MATCH
    assert oracle.evaluate_all({"number": "ORD", "status": "waiting"}, obj) is UNKNOWN
    # paging parameters are no filters
    assert oracle.evaluate_all({"status": "waiting", "limit": "2", "page": "9"}, obj) is MATCH


def test_values_of_reads_every_source_of_a_filter():
    obj = request()
    assert oracle.values_of("tracking_number", obj) == ["TRK-ORDER", "TRK-RETURN"]
    assert oracle.values_of("channel", obj) == [1, 1]
    assert oracle.values_of("cancellation_plan_status", obj) == []
    assert oracle.values_of("easy_return_code", request(easy_return=None)) == []
