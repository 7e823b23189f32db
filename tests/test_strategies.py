"""The generators keep their promises: valid bodies validate against the very schema files the
client checks with, each invalid body breaks exactly the rule it is labelled with (and never with
a value a conforming server may coerce), and filter queries use documented parameters only."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conformance import contract, oracle, schemas, strategies
from conformance.targets import Target

TARGET = Target(
    name="unit",
    source="tests",
    base_url="embedded",
    order_items=(11, 12, 13),
    reasons=(1, 2),
    foreign_reasons=(7, 8),
)
MARKER = "cancellation-contract run unit"
FOREIGN = (901, 902)
SHAPES = {"create": "create_body", "update": "update_body", "partial_update": "patch_body"}
EXAMPLES = Path(__file__).resolve().parent.parent / "schemas" / "examples"
# Unit tests of generators: no network, so a few hundred examples cost little.
FAST = settings(
    max_examples=60,
    suppress_health_check=list(HealthCheck),
    deadline=None,
    database=None,
    derandomize=True,
)


def _drawn(strategy, count: int = 200) -> list:
    """``count`` values of ``strategy``, without the shrinking ``find`` would spend time on."""
    values = []

    @settings(FAST, max_examples=count, phases=[Phase.generate])
    @given(value=strategy)
    def collect(value):
        values.append(value)

    collect()
    return values


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- valid bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", list(SHAPES))
@FAST
@given(data=st.data())
def test_valid_bodies_validate_against_their_request_schema(operation, data):
    body = data.draw(strategies.VALID_BODIES[operation](TARGET, MARKER))
    assert schemas.validate(SHAPES[operation], body) == []
    assert body.get("order_item", 11) in TARGET.order_items
    assert body.get("reason", 1) in TARGET.reasons
    quantity = body.get("quantity")
    assert quantity is None or quantity >= strategies.quantity_minimum()
    # every string travels as JSON as it is: no lone surrogate, no NUL
    for text in _strings(body):
        text.encode("utf-8")
        assert "\x00" not in text


@FAST
@given(body=strategies.create_bodies(TARGET, MARKER))
def test_every_valid_create_body_carries_the_run_marker(body):
    assert isinstance(body["description"], str)
    assert body["description"].startswith(MARKER)


@FAST
@given(body=strategies.update_bodies(TARGET, MARKER))
def test_put_bodies_send_every_documented_field(body):
    assert body.keys() == schemas.schema("update_body")["properties"].keys()


def test_valid_bodies_reach_nulls_absences_unicode_and_long_text():
    # Given the create strategy, when drawing from it, then each kind of edge value turns up
    bodies = _drawn(strategies.create_bodies(TARGET, MARKER))
    assert any(b.get("iban", "") is None for b in bodies)
    assert any("holder_name" not in b for b in bodies)
    assert any(any(ord(c) > 0xFFFF for c in b["description"]) for b in bodies)
    assert any(len(b["description"]) > 500 for b in bodies)
    tails = [b["description"][len(MARKER) :] for b in bodies]
    assert any(any(c in strategies.EDGE_CHARACTERS for c in tail) for tail in tails)


def test_the_walker_refuses_keywords_it_does_not_know():
    # a generator that silently ignored "pattern" would drift from the validator
    with pytest.raises(ValueError, match="pattern"):
        strategies.from_node({"type": "string", "pattern": "^a"})
    with pytest.raises(ValueError, match="array"):
        strategies.from_node({"type": "array"})


@FAST
@given(value=strategies.from_node({"type": ["integer", "null"], "minimum": 3, "maximum": 5}))
def test_the_walker_honours_type_lists_and_bounds(value):
    assert value is None or 3 <= value <= 5


# --- invalid bodies ----------------------------------------------------------------------------


def _invalid(operation):
    return strategies.invalid_bodies(operation, TARGET, MARKER, foreign_order_items=FOREIGN)


SCHEMA_RULES = {
    strategies.REQUIRED,
    strategies.WRONG_TYPE,
    strategies.OUTSIDE_ENUM,
    strategies.NULL,
    strategies.NOT_AN_OBJECT,
}
# What DRF legitimately turns into a valid value: never labelled invalid.
NUMERIC = re.compile(r"^\s*[-+]?\d+(\.0*)?\s*$")
BOOLEAN_WORDS = {"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n", "null"}


@pytest.mark.parametrize("operation", list(SHAPES))
@FAST
@given(data=st.data())
def test_invalid_bodies_break_the_rule_they_are_labelled_with(operation, data):
    invalid = data.draw(_invalid(operation))
    shape = SHAPES[operation]
    properties = schemas.schema(shape)["properties"]
    if invalid.rule == strategies.MALFORMED:
        with pytest.raises(ValueError):
            json.loads(invalid.content)
        assert invalid.field == strategies.WHOLE_BODY
        return
    assert json.loads(invalid.content) == invalid.body
    errors = schemas.validate(shape, invalid.body)
    if invalid.rule in SCHEMA_RULES:
        where = "$" if invalid.rule == strategies.NOT_AN_OBJECT else f"$.{invalid.field}"
        assert {e.path for e in errors} == {where}, errors
    else:
        assert errors == []  # a semantic rule: the schema cannot see it
    body = invalid.body
    value = body.get(invalid.field) if isinstance(body, dict) else None
    if invalid.rule == strategies.REQUIRED:
        assert invalid.field not in body
    elif invalid.rule == strategies.BELOW_MINIMUM:
        assert invalid.field == "quantity"
        assert value < strategies.quantity_minimum()
    elif invalid.rule == strategies.NO_SUCH_OBJECT:
        known = TARGET.order_items if invalid.field == "order_item" else TARGET.reasons
        assert value not in known
    elif invalid.rule == strategies.FOREIGN_OBJECT:
        assert value in (FOREIGN if invalid.field == "order_item" else TARGET.foreign_reasons)
    elif invalid.rule == strategies.NOT_AN_OBJECT:
        assert not isinstance(body, dict)
        assert invalid.field == strategies.WHOLE_BODY
    elif invalid.rule == strategies.WRONG_TYPE:
        assert not _coercible(value, strategies.resolve(properties[invalid.field]))


def _coercible(value, node):
    kinds = strategies.types_of(node)
    if "enum" in node:
        return str(value) in node["enum"]
    if "integer" in kinds:
        if isinstance(value, str) and NUMERIC.match(value):
            return True
        if isinstance(value, float) and value.is_integer():
            return True
    if "string" in kinds and isinstance(value, int | float) and not isinstance(value, bool):
        return True
    if "boolean" in kinds:
        return value in (0, 1) or (isinstance(value, str) and value.lower() in BOOLEAN_WORDS)
    return False


@pytest.mark.parametrize(
    ("operation", "rules"),
    [
        pytest.param("create", set(strategies.RULES), id="create"),
        pytest.param("update", set(strategies.RULES) - {strategies.REQUIRED}, id="update"),
        pytest.param(
            "partial_update", set(strategies.RULES) - {strategies.REQUIRED}, id="partial_update"
        ),
    ],
)
def test_every_rule_that_applies_is_generated(operation, rules):
    drawn = _drawn(_invalid(operation))
    assert {invalid.rule for invalid in drawn} == rules
    # status may hold values nobody documented (facts 1.2): only its wrong types are invalid
    assert not [i for i in drawn if i.rule == strategies.OUTSIDE_ENUM and i.field == "status"]


@pytest.mark.parametrize("operation", list(SHAPES))
def test_both_relations_get_objects_of_another_channel(operation):
    drawn = _drawn(_invalid(operation))
    foreign = {i.field for i in drawn if i.rule == strategies.FOREIGN_OBJECT}
    assert foreign == {"order_item", "reason"}


def test_a_reason_of_another_channel_is_generated_without_foreign_order_items():
    drawn = _drawn(strategies.invalid_bodies("create", TARGET, MARKER), count=100)
    assert {i.field for i in drawn if i.rule == strategies.FOREIGN_OBJECT} == {"reason"}


def test_without_objects_of_another_channel_no_body_claims_one():
    target = dataclasses.replace(TARGET, foreign_reasons=())
    drawn = _drawn(strategies.invalid_bodies("create", target, MARKER), count=100)
    assert strategies.FOREIGN_OBJECT not in {invalid.rule for invalid in drawn}
    assert strategies.FOREIGN_OBJECT not in strategies.applicable_rules("create")


# --- filter queries ----------------------------------------------------------------------------


def _population():
    """Detailed objects shaped like the documentation's example, varied like seeded data."""
    example = json.loads((EXAMPLES / "detailed_retrieve.200.json").read_text(encoding="utf-8"))
    members = []
    for n, (number, sku) in enumerate([("ORD-1001a", "SKU-Alpha"), ("ord-2", "Mug-white")]):
        member = copy.deepcopy(example)
        member["id"] = 100 + n
        member["order_item"]["order"]["number"] = number
        member["order_item"]["order"]["date_placed"] = f"2025-05-0{n + 1}T23:30:00-02:00"
        member["order_item"]["product"]["sku"] = sku
        members.append(member)
    return members


POPULATION = _population()


@pytest.mark.parametrize("operation", ["list", "detailed_list"])
@FAST
@given(data=st.data())
def test_filter_queries_use_documented_parameters_only(operation, data):
    query = data.draw(strategies.filter_queries(operation, POPULATION))
    documented = {f.name: f for f in contract.OPERATIONS[operation].filters}
    assert set(query.filters) <= set(documented)
    assert set(query.params) - set(query.filters) <= set(contract.PAGINATION_PARAMS)
    scope = [int(i) for i in query.filters["pk__in"].split(",")]
    assert scope and set(scope) <= {m["id"] for m in POPULATION}
    assert query.limit >= 1 and (query.page is None or query.page >= 1)
    for name, value in query.filters.items():
        assert isinstance(value, str) and value and value == value.strip()
        kind = documented[name].kind
        if kind == "enum":
            assert value in documented[name].enum
        elif kind == "date_time":
            assert oracle.parse_datetime(value) is not None
            assert re.search(r"(Z|[+-]\d\d:\d\d)$", value)  # never a naive time
        elif kind == "date":
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", value)
        elif kind == "int":
            int(value)


def test_a_lead_filter_is_in_every_query():
    @FAST
    @given(query=strategies.filter_queries("detailed_list", POPULATION, lead="sku"))
    def check(query):
        assert "sku" in query.filters

    check()
    with pytest.raises(ValueError, match="date_placed"):
        strategies.filter_queries("detailed_list", POPULATION, lead="date_placed")


def test_filter_values_come_from_the_population_and_its_case_variants():
    sku = next(f for f in contract.FILTERS if f.name == "sku")
    values = set(_drawn(strategies.filter_values(sku, POPULATION)))
    assert {"SKU-Alpha", "sku-alpha", "SKU-ALPHA"} <= values
    assert {v for v in values if v.lower() in "sku-alpha" and len(v) < len("sku-alpha")}
    date_lte = next(f for f in contract.FILTERS if f.name == "date_placed__date__lte")
    days = set(_drawn(strategies.filter_values(date_lte, POPULATION)))
    # both the answer's day and the UTC day of a late-evening order are tried
    assert {"2025-05-01", "2025-05-02"} <= days
