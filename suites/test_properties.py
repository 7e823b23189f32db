"""Properties: the documented promises, for any body, any filter combination and any page size.

The other suites check one chosen example per promise; here hypothesis draws the examples from the
request-body schemas and from the data the suite created (``conformance.strategies``), and shrinks
a failure to the smallest body or query that still breaks the promise. Each example creates what it
needs and deletes it before the next, so examples do not see each other; what a failed example
leaves is deleted by the plugin when the test ends. How many examples run is the hypothesis
profile's choice (``--hypothesis-profile``), never this module's.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import checks, contract, oracle, strategies
from conformance.targets import Target

pytestmark = pytest.mark.writes

UPDATES = ["update", "partial_update"]
LISTS = ["list", "detailed_list"]
# A walk that has not ended after this many pages is going round in circles.
MAX_PAGES = 60
_observed: set[tuple[str, str]] = set()


def _observe_once(run: Any, kind: str, text: str) -> None:
    """An observation per distinct finding, not one per example."""
    if (kind, text) not in _observed:
        _observed.add((kind, text))
        run.observe(kind, text)


def holds_the_values(
    actual: dict[str, Any], expected: dict[str, Any], keys: Any, *, title: str, claim: str, exchange
) -> None:
    """Each named field the body sent holds the value sent."""
    sent = [k for k in keys if k in expected]
    checks.fields_equal(actual, expected, sent, title=title, claim=claim, exchange=exchange)


def _delete(api, request_id: Any) -> None:
    if isinstance(request_id, int):
        api.delete(request_id)


# --- valid bodies ----------------------------------------------------------------------------


@pytest.mark.claim("CR-CREATE-201", "CR-CREATE-ECHO", "CR-CREATE-PERSISTS")
@given(data=st.data())
def test_any_valid_create_body_is_created_as_sent(api, target, conformance_run, data):
    body = data.draw(strategies.create_bodies(target, conformance_run.marker), label="body")
    exchange = api.create(body)
    created = exchange.json if exchange.status < 300 else {}
    try:
        checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
        holds_the_values(
            created,
            {**body, "status": "waiting"},
            (*body, "status"),
            title="Create does not answer the values sent",
            claim="CR-CREATE-ECHO",
            exchange=exchange,
        )
        stored = api.retrieve(created["id"])
        checks.status_code_is(stored, 200, claim="CR-CREATE-PERSISTS")
        checks.fields_equal(
            stored.json,
            created,
            created,
            title="Retrieve does not return what create answered",
            claim="CR-CREATE-PERSISTS",
            exchange=stored,
        )
    finally:
        _delete(api, created.get("id"))


@pytest.mark.claim("CR-UPDATE-200", "CR-PATCH-200", "CR-READONLY-FIELDS", "CR-NO-EFFECT-ON-400")
@pytest.mark.parametrize("operation", UPDATES)
@given(data=st.data())
def test_any_valid_update_body_is_persisted_and_nothing_else_changes(
    api, target, conformance_run, operation, data
):
    claim = "CR-UPDATE-200" if operation == "update" else "CR-PATCH-200"
    created = api.create(conformance_run.valid_create_body())
    checks.status_code_is(created, 201, claim="CR-CREATE-201")
    before = created.json
    try:
        body = data.draw(
            strategies.VALID_BODIES[operation](target, conformance_run.marker), label="body"
        )
        exchange = api.call(operation, id=before["id"], json_body=body)
        stored = api.retrieve(before["id"])
        if exchange.status == 400 and body.get("status", before["status"]) != before["status"]:
            # A change of status may be "an action not allowed" (400); then nothing may change.
            _observe_once(
                conformance_run,
                "status changes",
                f"{operation} {before['status']} -> {body['status']} answers 400",
            )
            holds_the_values(
                stored.json,
                before,
                before.keys() - {"modified_date"},
                title="A refused update changed the request",
                claim="CR-NO-EFFECT-ON-400",
                exchange=stored,
            )
            return
        checks.status_code_is(exchange, 200, claim=claim)
        holds_the_values(
            exchange.json,
            body,
            body,
            title=f"{operation} does not answer the values sent",
            claim=claim,
            exchange=exchange,
        )
        # PATCH changes what it sends and nothing else; PUT sends every field.
        expected = {**before, **body}
        holds_the_values(
            stored.json,
            expected,
            expected.keys() - {"modified_date", "easy_return"},
            title=f"{operation} did not persist exactly the values sent",
            claim=claim,
            exchange=stored,
        )
        read_only_fields_kept(before, stored.json, stored)
    finally:
        _delete(api, before["id"])


def read_only_fields_kept(before: dict[str, Any], after: dict[str, Any], exchange) -> None:
    """id, uuid and created_date never change; modified_date never goes back."""
    checks.fields_equal(
        after,
        before,
        [k for k in ("id", "uuid", "created_date") if k in before],
        title="A read-only field changed",
        claim="CR-READONLY-FIELDS",
        exchange=exchange,
    )
    was, now = (oracle.parse_datetime(x.get("modified_date")) for x in (before, after))
    checks.require(
        was is not None and now is not None and now >= was,
        "modified_date went backwards",
        documented=f"modified_date at or after {before.get('modified_date')}",
        received=str(after.get("modified_date")),
        claim="CR-READONLY-FIELDS",
        exchange=exchange,
    )


# --- invalid bodies --------------------------------------------------------------------------


def _tagged(invalid: strategies.InvalidBody, marker: str, tag: str) -> strategies.InvalidBody:
    """The body with a description unique to this example, so what it stored can be found."""
    body = invalid.body
    if not (isinstance(body, dict) and isinstance(body.get("description"), str)):
        return invalid
    description = body["description"]
    if not description.startswith(marker):
        return invalid
    body = {**body, "description": tag + description[len(marker) :]}
    return strategies.InvalidBody(invalid.rule, invalid.field, body, invalid.raw)


def stores_nothing(api, run, send) -> None:
    """Between two creates, no request carrying the example's tag was stored by ``send``."""
    tag = f"{run.marker} #{run.next_index()}."
    before = api.create(run.valid_create_body())
    checks.status_code_is(before, 201, claim="CR-CREATE-201")
    try:
        send(tag)
    finally:
        after = api.create(run.valid_create_body())
        _delete(api, before.json["id"])
        if after.status < 300:
            _delete(api, after.json["id"])
    checks.status_code_is(after, 201, claim="CR-CREATE-201")
    between = list(range(before.json["id"] + 1, after.json["id"]))[:200]
    if not between:
        return
    listed = api.list(pk__in=between, limit=len(between))
    stored = [
        item.get("id")
        for item in listed.json.get("results", [])
        if str(item.get("description") or "").startswith(tag)
    ]
    for request_id in stored:
        _delete(api, request_id)
    checks.require(
        not stored,
        "A request answered with an error was stored anyway",
        documented="a 400 creates nothing",
        received=f"request(s) {stored} carry the rejected body's description",
        claim="CR-NO-EFFECT-ON-400",
        exchange=listed,
    )


def _rules(operation: str) -> list:
    """One case per rule a body of ``operation`` can break, each with its claim: every rule gets
    its share of examples, and its own row in the report."""
    cases = []
    every = {"foreign_order_items": (0,), "foreign_reasons": (0,)}  # skipped later if unknown
    for rule in strategies.applicable_rules(operation, **every):
        if operation != "create":
            claim = "CR-UPDATE-400"
        else:
            claim = "CR-CREATE-REQUIRED" if rule == strategies.REQUIRED else "CR-CREATE-INVALID"
        slug = rule.replace("'s", "").replace(" ", "-")
        marks = pytest.mark.claim(claim, "CR-NO-EFFECT-ON-400")
        cases.append(pytest.param(rule, claim, id=slug, marks=marks))
    return cases


def _foreign(rule: str, target: Target, foreign_order_items: tuple[int, ...]) -> None:
    if rule == strategies.FOREIGN_OBJECT and not (foreign_order_items or target.foreign_reasons):
        pytest.skip(
            "no order item or reason of another channel is known (other_channel_id and its "
            "requests, foreign_reasons)"
        )


@pytest.mark.parametrize(("rule", "claim"), _rules("create"))
@given(data=st.data())
def test_any_invalid_create_body_is_a_400_naming_the_field_and_stores_nothing(
    api, target, conformance_run, foreign_order_items, rule, claim, data
):
    _foreign(rule, target, foreign_order_items)
    invalid = data.draw(
        strategies.invalid_bodies(
            "create",
            target,
            conformance_run.marker,
            foreign_order_items=foreign_order_items,
            rule=rule,
        ),
        label="invalid",
    )

    def send(tag: str) -> None:
        sent = _tagged(invalid, conformance_run.marker, tag)
        exchange = api.call("create", raw_body=sent.content)
        if exchange.status < 300:
            _delete(api, (exchange.json or {}).get("id"))
        checks.status_code_is(exchange, 400, claim=claim)
        checks.names_the_offending_field(exchange, sent.field, claim=claim)

    stores_nothing(api, conformance_run, send)


@pytest.mark.parametrize(("rule", "claim"), _rules("update"))
@pytest.mark.parametrize("operation", UPDATES)
@given(data=st.data())
def test_any_invalid_update_body_is_a_400_naming_the_field_and_changes_nothing(
    api, target, conformance_run, foreign_order_items, operation, rule, claim, data
):
    _foreign(rule, target, foreign_order_items)
    created = api.create(conformance_run.valid_create_body())
    checks.status_code_is(created, 201, claim="CR-CREATE-201")
    request_id = created.json["id"]
    try:
        invalid = data.draw(
            strategies.invalid_bodies(
                operation,
                target,
                conformance_run.marker,
                foreign_order_items=foreign_order_items,
                rule=rule,
            ),
            label="invalid",
        )
        before = api.retrieve(request_id).json
        exchange = api.call(operation, id=request_id, raw_body=invalid.content)
        checks.status_code_is(exchange, 400, claim="CR-UPDATE-400")
        checks.names_the_offending_field(exchange, invalid.field, claim="CR-UPDATE-400")
        after = api.retrieve(request_id)
        checks.fields_equal(
            after.json,
            before,
            before.keys(),
            title="A rejected update changed the request",
            claim="CR-NO-EFFECT-ON-400",
            exchange=after,
        )
    finally:
        _delete(api, request_id)


# --- filters and pages -----------------------------------------------------------------------


def walk(api, operation: str, params: dict[str, Any]) -> list:
    """The exchanges of page 1 and of every page ``next`` leads to."""
    pages = api.pages(operation, params, most=MAX_PAGES)
    checks.status_code_is(pages[0], 200, claim="CR-LIST-200")
    for page in pages[1:]:
        checks.status_code_is(page, 200, claim="CR-PAGINATION")
    return pages


def _blame(query: dict[str, str], obj: dict[str, Any], verdict: oracle.Verdict) -> str:
    """The claim of the first filter that alone gives ``verdict`` for ``obj``."""
    for name, value in query.items():
        if name != "pk__in" and oracle.evaluate(name, value, obj) is verdict:
            return f"CR-FILTER-{name}"
    return "CR-FILTER-pk__in"


class Population(tuple):
    """The module's created requests (detailed), shown by their ids: hypothesis prints every
    argument of a failing test, and six detailed objects would bury the example."""

    def __repr__(self) -> str:
        return f"<requests {[member['id'] for member in self]} created for this module>"


@pytest.fixture(scope="module")
def created(population) -> Population:
    return Population(population)


# Every documented filter leads combinations of its own on the detailed list (others join at
# random), so each gets its share of examples and its claim its own row; the detailed list is
# judged on the objects it answers. The flat list, whose items the oracle cannot judge alone,
# gets its own filter (date_placed) and combinations of any (lead None).
FILTER_CASES = [
    pytest.param(
        operation,
        name,
        id=f"{operation}-{name or 'any'}",
        marks=pytest.mark.claim(f"CR-FILTER-{name or 'pk__in'}", "CR-PAGINATION"),
    )
    for operation, names in (
        (
            "detailed_list",
            [f.name for f in contract.OPERATIONS["detailed_list"].filters if f.name != "pk__in"],
        ),
        ("list", [f.name for f in contract.FILTERS if f.list_only]),
    )
    for name in [*names, None]
]


@pytest.mark.parametrize(("operation", "lead"), FILTER_CASES)
@given(data=st.data())
def test_any_filter_combination_returns_exactly_the_matching_requests(
    api, created, operation, lead, data
):
    population = created
    query = data.draw(strategies.filter_queries(operation, population, lead=lead), label="query")
    known = {member["id"]: member for member in population}
    scope = {int(i) for i in query.filters["pk__in"].split(",")}
    pages = walk(api, operation, {**query.filters, "limit": query.limit})
    seen: list[Any] = []
    for page in pages:
        for item in page.json["results"]:
            seen.append(item.get("id"))
            # the detailed list answers the object itself; the flat one is judged by its details
            judged = item if operation == "detailed_list" else known.get(item.get("id"), {})
            in_scope = item.get("id") in scope
            verdict = oracle.evaluate_all(query.filters, judged) if in_scope else None
            checks.require(
                in_scope and verdict is not oracle.Verdict.NO_MATCH,
                "A filtered list returns a request its filters exclude",
                documented=f"only requests matching {query.filters}",
                received=f"request {item.get('id')}"
                + ("" if in_scope else " outside pk__in")
                + f" on page {pages.index(page) + 1}",
                claim=_blame(query.filters, judged, oracle.Verdict.NO_MATCH)
                if in_scope
                else "CR-FILTER-pk__in",
                exchange=page,
            )
    checks.require(
        len(seen) == len(set(seen)) and all(p.json["count"] == len(seen) for p in pages),
        "Filtered pages do not hold what count says",
        documented="count = the number of requests over the pages, each once",
        received=f"counts {[p.json['count'] for p in pages]}, ids {seen}",
        claim="CR-PAGINATION",
        exchange=pages[-1],
    )
    must = [
        i
        for i in sorted(scope)
        if oracle.evaluate_all(query.filters, known[i]) is oracle.Verdict.MATCH
    ]
    missing = [i for i in must if i not in seen]
    if missing:
        raise checks.ContractViolation(
            "A filtered list misses a request its filters describe",
            documented=f"requests {must} (they match {query.filters})",
            received=f"ids {seen} over {len(pages)} page(s); missing {missing}",
            claim=_localise(api, operation, query.filters, known[missing[0]]),
            exchange=pages[-1],
        )
    if query.page is not None:
        page_holds_what_the_walk_found(api, operation, query, pages)


def _localise(api, operation: str, query: dict[str, str], obj: dict[str, Any]) -> str:
    """The filter that, alone with pk__in, drops ``obj``: asked only once something is missing."""
    for name, value in query.items():
        if name == "pk__in" or oracle.evaluate(name, value, obj) is not oracle.Verdict.MATCH:
            continue
        alone = api.call(operation, query={"pk__in": obj["id"], name: value, "limit": 1})
        if alone.status == 200 and obj["id"] not in checks.ids_of(alone.json):
            return f"CR-FILTER-{name}"
    return "CR-FILTER-pk__in"


def page_holds_what_the_walk_found(api, operation: str, query, pages: list) -> None:
    """``page=N`` is the N-th page ``next`` led to; past the end it is empty or refused."""
    exchange = api.call(operation, query=query.params)
    if query.page <= len(pages):
        walked = checks.ids_of(pages[query.page - 1].json)
        checks.status_code_is(exchange, 200, claim="CR-PAGINATION")
        checks.require(
            checks.ids_of(exchange.json) == walked,
            "page=N is not the page next leads to",
            documented=f"page {query.page} holds {walked}",
            received=f"{checks.ids_of(exchange.json)}",
            claim="CR-PAGINATION",
            exchange=exchange,
        )
        return
    # Which answer is undocumented: 404 (the framework's), 400, or an empty page all conform.
    checks.status_code_is(exchange, 200, 400, 404, claim="CR-PAGINATION")
    if exchange.status == 200:
        checks.require(
            not exchange.json["results"],
            "A page past the end holds items",
            documented="no results past the last page",
            received=f"ids {checks.ids_of(exchange.json)}",
            claim="CR-PAGINATION",
            exchange=exchange,
        )


@pytest.mark.claim("CR-PAGINATION", "CR-NO-5XX")
@pytest.mark.parametrize("operation", LISTS)
@given(data=st.data())
def test_any_limit_pages_through_count_requests_once_and_back(api, created, operation, data):
    scope = [member["id"] for member in created]
    limit = data.draw(st.integers(1, len(scope) + 1), label="limit")
    pages = walk(api, operation, {"pk__in": scope, "limit": limit})
    checks.pages_hold_count_items_once(pages, scope, limit)
    # previous walks the same pages back to page 1
    checks.previous_walks_the_pages_back(pages, api.pages_back(operation, pages[-1]))
