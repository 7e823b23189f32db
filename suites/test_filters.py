"""List filters: each documented query parameter returns exactly the requests it describes.

The suite creates its own requests (the module's ``population``), scopes every query to them with
``pk__in`` so other data on a shared target cannot interfere, and asks ``conformance.oracle``
which of them each query must return and must not: an unsound result (a request that cannot
match) or an incomplete one (a request that must match, missing) fails; where the documentation
leaves the meaning open, every reasonable reading is accepted and the one followed is observed.
"""

from __future__ import annotations

import pytest

from conformance import checks, contract, oracle

pytestmark = pytest.mark.writes


def _swapcase(value):
    return value.swapcase() if isinstance(value, str) else value


def _values(filter_, population):
    """Query values for ``filter_`` drawn from the created requests (and their case variants)."""
    first = population[0]
    get = oracle._get
    paths = {
        "number": ("order_item", "order", "number"),
        "sku": ("order_item", "product", "sku"),
        "customer_first_name": ("customer", "first_name"),
        "customer_last_name": ("customer", "last_name"),
        "customer_email": ("customer", "email"),
        "easy_return_code": ("easy_return", "code"),
        "order_id": ("order_item", "order", "pk"),
        "channel": ("customer", "channel"),
    }
    name = filter_.name
    if name == "status":
        return ["waiting", "rejected"]
    if name == "cancellation_plan_status":
        return list(contract.CANCELLATION_PLAN_STATUSES)
    if name == "tracking_number":
        # one of an order's and one of an easy return's: whichever the target reads, one of the
        # two queries must find its request
        chosen = []
        for path in (
            ("order_item", "order", "tracking_number"),
            ("easy_return", "tracking_number"),
        ):
            found = [v for v in (get(p, *path) for p in population) if isinstance(v, str) and v]
            if found:
                chosen.append(_swapcase(found[0]))
        return chosen
    if name.startswith("date_placed"):
        placed = [get(p, "order_item", "order", "date_placed") for p in population]
        placed = [v for v in placed if isinstance(v, str)]
        if not placed:
            return []
        pick = sorted(placed, key=oracle.parse_datetime)[len(placed) // 2]
        if "__date__" in name:
            return [oracle.parse_datetime(pick).date().isoformat()]
        return [pick]
    values = []
    for member in (first, *population[1:]):
        value = get(member, *paths[name])
        if value not in (None, "") and value not in values:
            values.append(value)
    chosen = values[:2]
    if filter_.case_insensitive:
        chosen = [_swapcase(v) for v in chosen]
    return [str(v) for v in chosen]


FILTER_CASES = [
    pytest.param(
        f, operation, id=f"{operation}-{f.name}", marks=pytest.mark.claim(f"CR-FILTER-{f.name}")
    )
    for operation in ("list", "detailed_list")
    for f in contract.OPERATIONS[operation].filters
    if f.name != "pk__in"
]


@pytest.mark.parametrize(("filter_", "operation"), FILTER_CASES)
def test_filter_returns_exactly_the_requests_it_describes(
    api, population, filter_, operation, observe
):
    scope = [p["id"] for p in population]
    values = _values(filter_, population)
    if not values:
        pytest.skip(f"the requests created on this target carry no value for {filter_.name}")
    readings = list(oracle.READINGS[filter_.name])
    consistent = set(readings)
    for value in values:
        query = {"pk__in": ",".join(map(str, scope)), filter_.name: value}
        exchange = api.call(operation, query={**query, "limit": len(scope)})
        checks.status_code_is(exchange, 200, claim=f"CR-FILTER-{filter_.name}")
        returned = set(checks.ids_of(exchange.json))
        verdicts = {p["id"]: oracle.evaluate_all(query, p) for p in population}
        unsound = sorted(i for i in returned if verdicts.get(i) is oracle.Verdict.NO_MATCH)
        missing = sorted(
            i for i, v in verdicts.items() if v is oracle.Verdict.MATCH and i not in returned
        )
        outside = sorted(i for i in returned if i not in verdicts)
        checks.require(
            not (unsound or missing or outside),
            f"The {filter_.name} filter returns the wrong requests",
            documented=f"{filter_.description}: of {scope}, must return "
            f"{sorted(i for i, v in verdicts.items() if v is oracle.Verdict.MATCH)}, "
            f"must not return "
            f"{sorted(i for i, v in verdicts.items() if v is oracle.Verdict.NO_MATCH)}",
            received=f"returned {sorted(returned)}"
            + (f"; should not match {unsound}" if unsound else "")
            + (f"; missing {missing}" if missing else "")
            + (f"; outside pk__in {outside}" if outside else ""),
            claim=f"CR-FILTER-{filter_.name}",
            exchange=exchange,
        )
        if not any(v is oracle.Verdict.NO_MATCH for v in verdicts.values()):
            observe(
                "filters not fully exercised",
                f"{filter_.name}={value!r}: every created request matches, exclusion unchecked",
            )
        # Every query of the filter must agree with one and the same reasonable reading: a
        # target may read "case-insensitive" as exact or as contains, but not switch between
        # them, nor follow none (a case-sensitive match follows none).
        kept = [p for p in population if p["id"] in returned]
        dropped = [p for p in population if p["id"] not in returned]
        consistent &= set(oracle.readings_followed(filter_.name, value, kept, dropped))
        checks.require(
            bool(consistent),
            f"The {filter_.name} filter follows no reasonable reading of the documentation",
            documented=f"{filter_.description}, read as one of: {', '.join(readings)}",
            received=f"for {value!r} returned {sorted(returned)} of {scope}; no single reading "
            "explains every answer",
            claim=f"CR-FILTER-{filter_.name}",
            exchange=exchange,
        )
    if len(readings) > 1 and operation == "detailed_list":
        observe("filter readings", f"{filter_.name}: consistent with {sorted(consistent)}")


@pytest.mark.claim("CR-FILTER-pk__in")
@pytest.mark.parametrize("operation", ["list", "detailed_list"])
def test_pk_in_returns_exactly_the_listed_ids(api, population, operation):
    scope = [p["id"] for p in population]
    for chosen in (scope[:1], scope[1:4], scope):
        exchange = api.call(operation, query={"pk__in": chosen, "limit": len(scope)})
        checks.status_code_is(exchange, 200, claim="CR-FILTER-pk__in")
        others = [i for i in scope if i not in chosen]
        checks.membership_is(
            exchange,
            present=chosen,
            absent=others,
            claim="CR-FILTER-pk__in",
            title="pk__in returns other requests than those listed",
        )
        checks.require(
            exchange.json["count"] == len(chosen),
            "pk__in count differs from the ids listed",
            documented=f"count {len(chosen)}",
            received=f"count {exchange.json['count']}",
            claim="CR-FILTER-pk__in",
            exchange=exchange,
        )


SOUND_CASES = [
    pytest.param(f, id=f.name, marks=pytest.mark.claim(f"CR-FILTER-{f.name}"))
    for f in contract.OPERATIONS["detailed_list"].filters
    if f.name not in ("pk__in", "cancellation_plan_status")
]


@pytest.mark.parametrize("filter_", SOUND_CASES)
def test_filter_alone_returns_nothing_it_excludes(api, population, filter_):
    """Unscoped: the first page of the filtered detailed list holds no request the filter
    excludes, whatever else the target holds."""
    for value in _values(filter_, population):
        query = {filter_.name: value}
        exchange = api.detailed_list(**query, limit=50)
        checks.status_code_is(exchange, 200, claim=f"CR-FILTER-{filter_.name}")
        wrong = [
            item.get("id")
            for item in exchange.json["results"]
            if oracle.evaluate_all(query, item) is oracle.Verdict.NO_MATCH
        ]
        checks.require(
            not wrong,
            f"The {filter_.name} filter returns requests it excludes",
            documented=f"{filter_.description} = {value!r} on every result",
            received=f"requests {wrong} do not match",
            claim=f"CR-FILTER-{filter_.name}",
            exchange=exchange,
        )
