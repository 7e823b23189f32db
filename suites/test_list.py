"""List (GET .../) and detailed list (GET .../detailed): "List of cancellation requests", in the
paginated envelope count / next / previous / results; ``limit`` (default 10) and ``page``
(default 1), both at least 1."""

from __future__ import annotations

import pytest

from conformance import checks

LISTS = ["list", "detailed_list"]


@pytest.mark.claim("CR-LIST-200", "CR-PAGINATION")
@pytest.mark.parametrize("operation", LISTS)
def test_list_answers_the_envelope_with_at_most_ten_results_by_default(api, operation):
    exchange = api.call(operation)
    checks.status_code_is(exchange, 200, claim="CR-LIST-200")
    page = exchange.json
    results = page["results"]
    checks.require(
        len(results) <= 10 and page["count"] >= len(results),
        "The default page is not limited to 10",
        documented="limit defaults to 10; count counts at least the page",
        received=f"{len(results)} results, count {page['count']}",
        claim="CR-PAGINATION",
        exchange=exchange,
    )
    if page["count"] > 10:
        checks.require(
            len(results) == 10 and page["next"] is not None,
            "A first page that is not full, or has no next",
            documented="10 results and a next link when count exceeds 10",
            received=f"{len(results)} results, next {page['next']!r}",
            claim="CR-PAGINATION",
            exchange=exchange,
        )
    checks.require(
        page["previous"] is None,
        "The first page has a previous link",
        documented="previous null on page 1",
        received=repr(page["previous"]),
        claim="CR-PAGINATION",
        exchange=exchange,
    )


@pytest.mark.claim("CR-PAGINATION")
@pytest.mark.writes
@pytest.mark.parametrize("limit", [1, 2, 5])
@pytest.mark.parametrize("operation", LISTS)
def test_walking_next_visits_count_items_once_in_full_pages(api, population, operation, limit):
    scope = [p["id"] for p in population]
    pages = api.pages(operation, {"pk__in": scope, "limit": limit})
    checks.pages_hold_count_items_once(pages, scope, limit)


@pytest.mark.claim("CR-PAGINATION")
@pytest.mark.writes
@pytest.mark.parametrize("operation", LISTS)
def test_page_selects_the_page_next_leads_to_and_previous_leads_back(api, population, operation):
    scope = [p["id"] for p in population]
    if len(scope) < 3:
        pytest.skip("fewer than three requests created: no second page")
    first = api.call(operation, query={"pk__in": scope, "limit": 2})
    checks.require(
        first.json.get("next") is not None,
        "Page 1 of several has no next link",
        documented="a next URL",
        received="null",
        claim="CR-PAGINATION",
        exchange=first,
    )
    by_next = api.follow(operation, first.json["next"], first)
    by_page = api.call(operation, query={"pk__in": scope, "limit": 2, "page": 2})
    checks.require(
        checks.ids_of(by_next.json) == checks.ids_of(by_page.json),
        "next does not lead to page 2",
        documented="next of page 1 is page 2",
        received=f"next holds {checks.ids_of(by_next.json)}, page=2 holds "
        f"{checks.ids_of(by_page.json)}",
        claim="CR-PAGINATION",
        exchange=by_next,
    )
    back = by_page.json["previous"]
    checks.require(
        back is not None,
        "Page 2 has no previous link",
        documented="a previous URL",
        received="null",
        claim="CR-PAGINATION",
        exchange=by_page,
    )
    previous = api.follow(operation, back, by_page)
    checks.require(
        checks.ids_of(previous.json) == checks.ids_of(first.json),
        "previous does not lead back to page 1",
        documented=f"page 1 {checks.ids_of(first.json)}",
        received=f"{checks.ids_of(previous.json)}",
        claim="CR-PAGINATION",
        exchange=previous,
    )


@pytest.mark.claim("CR-PAGINATION")
@pytest.mark.writes
@pytest.mark.parametrize("operation", LISTS)
def test_walking_previous_from_the_last_page_visits_the_same_pages_backwards(
    api, population, operation
):
    scope = [p["id"] for p in population]
    forward = api.pages(operation, {"pk__in": scope, "limit": 2})
    checks.previous_walks_the_pages_back(forward, api.pages_back(operation, forward[-1]))


@pytest.mark.claim("CR-PAGINATION", "CR-NO-5XX")
@pytest.mark.writes
@pytest.mark.parametrize("operation", LISTS)
def test_a_page_past_the_end_is_refused_or_empty(api, population, operation, observe):
    scope = [p["id"] for p in population]
    exchange = api.call(operation, query={"pk__in": scope, "limit": 2, "page": 99})
    # Which answer is not documented: 404 (the framework's), 400, or an empty page all conform.
    checks.status_code_is(exchange, 200, 400, 404, claim="CR-PAGINATION")
    if exchange.status == 200:
        checks.membership_is(
            exchange, absent=scope, claim="CR-PAGINATION", title="A page past the end holds items"
        )
    observe("page past the end", f"{operation} answers {exchange.status}")


@pytest.mark.claim("CR-LIST-AGREE")
@pytest.mark.writes
def test_both_lists_hold_the_same_requests_for_the_same_query(api, population):
    scope = [p["id"] for p in population]
    query = {"pk__in": scope, "status": "waiting", "limit": len(scope)}
    flat, detailed = api.list(**query), api.detailed_list(**query)
    checks.require(
        sorted(checks.ids_of(flat.json)) == sorted(checks.ids_of(detailed.json))
        and flat.json["count"] == detailed.json["count"],
        "The two lists disagree",
        documented="the same members and count for the same query",
        received=f"list {sorted(checks.ids_of(flat.json))} (count {flat.json['count']}), "
        f"detailed {sorted(checks.ids_of(detailed.json))} (count {detailed.json['count']})",
        claim="CR-LIST-AGREE",
        exchange=detailed,
    )


BAD_QUERIES = [
    pytest.param({"limit": 0}, id="limit-zero"),
    pytest.param({"limit": -5}, id="limit-negative"),
    pytest.param({"limit": "ten"}, id="limit-text"),
    pytest.param({"limit": 100000}, id="limit-huge"),
    # a page that cannot exist is refused as invalid (400) or not found (404, the framework's)
    pytest.param({"page": 0}, id="page-zero"),
    pytest.param({"page": "first"}, id="page-text"),
    pytest.param({"page": 99999999999999999999}, id="page-beyond-64-bits"),
    pytest.param({"pk__in": "a,b"}, id="pk__in-text"),
    pytest.param({"pk__in": "99999999999999999999999"}, id="pk__in-beyond-64-bits"),
    pytest.param({"status": "postponed"}, id="status-outside-enum"),
    pytest.param({"cancellation_plan_status": "postponed"}, id="plan-status-outside-enum"),
    pytest.param({"date_placed__gte": "yesterday"}, id="date-time-text"),
    pytest.param({"date_placed__date__lt": "2025-13-45"}, id="date-impossible"),
    pytest.param({"order_id": "abc"}, id="order_id-text"),
    pytest.param({"channel": "abc"}, id="channel-text"),
    pytest.param({"number": "x" * 5000}, id="number-long"),
    pytest.param({"sku": "\u0130\u0131\u00df\U0001f600"}, id="sku-unicode"),
    pytest.param({"customer_email": "not an email"}, id="email-malformed"),
    pytest.param({"unknown_parameter": "1"}, id="unknown-parameter"),
]


@pytest.mark.claim("CR-LIST-BAD-QUERY", "CR-NO-5XX")
@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("operation", LISTS)
def test_an_invalid_query_value_is_a_400_or_ignored(api, operation, query, observe):
    exchange = api.call(operation, query=query)
    allowed = (200, 400, 404) if "page" in query else (200, 400)
    checks.status_code_is(exchange, *allowed, claim="CR-LIST-BAD-QUERY")
    observe("invalid query values", f"{operation} {query!r:.60} answers {exchange.status}")
