"""Create with bad data: the documentation promises a 400 ("Required field(s) are missing, data
is invalid, or the action is not allowed") and, by its nature, that nothing is stored."""

from __future__ import annotations

import pytest

from conformance import checks

pytestmark = pytest.mark.writes

REQUIRED = ("order_item", "reason", "cancellation_type")
# an id no sandbox is likely to hold; a 400 is documented for a non-existent object
UNKNOWN_ID = 2_147_483_000


@pytest.mark.claim("CR-CREATE-REQUIRED", "CR-NO-EFFECT-ON-400")
@pytest.mark.parametrize("field", REQUIRED)
def test_create_without_a_required_field_is_a_400_naming_it(
    api, create_body, nothing_created, field
):
    body = create_body()
    del body[field]
    with nothing_created(body["description"]):
        exchange = api.create(body)
        checks.status_code_is(exchange, 400, claim="CR-CREATE-REQUIRED")
        checks.names_the_offending_field(exchange, field, claim="CR-CREATE-REQUIRED")


INVALID = [
    pytest.param("cancellation_type", "postpone", id="cancellation_type-outside-enum"),
    pytest.param("cancellation_type", None, id="cancellation_type-null"),
    pytest.param("cancellation_type", 1, id="cancellation_type-number"),
    pytest.param("order_item", "abc", id="order_item-text"),
    pytest.param("order_item", None, id="order_item-null"),
    pytest.param("order_item", {"pk": 1}, id="order_item-object"),
    pytest.param("order_item", UNKNOWN_ID, id="order_item-unknown"),
    pytest.param("reason", "abc", id="reason-text"),
    pytest.param("reason", None, id="reason-null"),
    pytest.param("reason", [1], id="reason-list"),
    pytest.param("reason", UNKNOWN_ID, id="reason-unknown"),
    pytest.param("quantity", 0, id="quantity-zero"),
    pytest.param("quantity", -1, id="quantity-negative"),
    pytest.param("quantity", "many", id="quantity-text"),
    pytest.param("iban", {"number": "x"}, id="iban-object"),
    pytest.param("holder_name", ["x"], id="holder_name-list"),
]


@pytest.mark.claim("CR-CREATE-INVALID", "CR-NO-EFFECT-ON-400")
@pytest.mark.parametrize(("field", "value"), INVALID)
def test_create_with_an_invalid_value_is_a_400_and_stores_nothing(
    api, create_body, nothing_created, field, value
):
    body = create_body(**{field: value})
    with nothing_created(body["description"]):
        exchange = api.create(body)
        checks.status_code_is(exchange, 400, claim="CR-CREATE-INVALID")
        checks.names_the_offending_field(exchange, field, claim="CR-CREATE-INVALID")


@pytest.mark.claim("CR-CREATE-INVALID", "CR-NO-EFFECT-ON-400")
def test_create_with_another_channels_order_item_is_a_400_and_stores_nothing(
    api, foreign_order_items, create_body, nothing_created
):
    if not foreign_order_items:
        pytest.skip("the other channel shows no order item of its own to borrow")
    body = create_body(order_item=foreign_order_items[0])
    with nothing_created(body["description"]):
        exchange = api.create(body)
        checks.status_code_is(exchange, 400, claim="CR-CREATE-INVALID")
        checks.names_the_offending_field(exchange, "order_item", claim="CR-CREATE-INVALID")


@pytest.mark.claim("CR-CREATE-INVALID", "CR-NO-EFFECT-ON-400")
def test_create_with_another_channels_reason_is_a_400_and_stores_nothing(
    api, target, create_body, nothing_created
):
    if not target.foreign_reasons:
        pytest.skip("the target lists no foreign_reasons (reasons of another channel)")
    for reason in target.foreign_reasons:
        body = create_body(reason=reason)
        with nothing_created(body["description"]):
            exchange = api.create(body)
            checks.status_code_is(exchange, 400, claim="CR-CREATE-INVALID")
            checks.names_the_offending_field(exchange, "reason", claim="CR-CREATE-INVALID")


@pytest.mark.claim("CR-CREATE-INVALID", "CR-NO-5XX")
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"order_item": 1,', id="truncated-json"),
        pytest.param(b"not json at all", id="not-json"),
        pytest.param(b"[]", id="json-array"),
        pytest.param(b'"a string"', id="json-string"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b"", id="empty-body"),
    ],
)
def test_create_with_a_body_that_is_not_a_json_object_is_a_400(api, raw):
    exchange = api.call("create", raw_body=raw)
    checks.status_code_is(exchange, 400, claim="CR-CREATE-INVALID")
