"""PUT and PATCH (.../{id}/): "Cancellation request updated successfully".

Every body field is optional for both (documentation page); the suite sends PUT bodies whole, so
both readings of PUT (replace, or update what is sent) hold."""

from __future__ import annotations

import pytest

from conformance import checks

pytestmark = pytest.mark.writes

READ_ONLY = ("id", "uuid", "created_date")


def _later_or_equal(after, before):
    from conformance.oracle import parse_datetime

    a, b = parse_datetime(after), parse_datetime(before)
    return a is not None and b is not None and a >= b


def _check_read_only_fields(before, after, exchange):
    checks.fields_equal(
        after,
        before,
        [k for k in READ_ONLY if k in before],
        title="A read-only field changed",
        claim="CR-READONLY-FIELDS",
        exchange=exchange,
    )
    checks.require(
        _later_or_equal(after.get("modified_date"), before.get("modified_date")),
        "modified_date went backwards",
        documented=f"modified_date at or after {before.get('modified_date')}",
        received=str(after.get("modified_date")),
        claim="CR-READONLY-FIELDS",
        exchange=exchange,
    )


@pytest.mark.claim("CR-UPDATE-200", "CR-READONLY-FIELDS")
def test_put_answers_200_and_persists_every_field_sent(api, new_request, target, conformance_run):
    created = new_request()
    body = {
        "status": "waiting",
        "description": f"{conformance_run.marker} put",
        "iban": "DE89370400440532013000",
        "holder_name": "Updated Holder",
        "cancellation_type": "refund",
        "quantity": 1,
        "fully_refund_as_loyalty_money": True,
        "reason": target.reasons[-1],
        "order_item": created["order_item"],
    }
    exchange = api.update(created["id"], body)
    checks.status_code_is(exchange, 200, claim="CR-UPDATE-200")
    checks.fields_equal(
        exchange.json,
        body,
        body,
        title="PUT does not answer the values sent",
        claim="CR-UPDATE-200",
        exchange=exchange,
    )
    stored = api.retrieve(created["id"])
    checks.fields_equal(
        stored.json,
        body,
        body,
        title="PUT did not persist the values sent",
        claim="CR-UPDATE-200",
        exchange=stored,
    )
    _check_read_only_fields(created, stored.json, stored)


PATCHES = [
    pytest.param({"description": "patched description"}, id="description"),
    pytest.param({"description": None}, id="description-null"),
    pytest.param({"iban": None, "holder_name": None}, id="iban-holder-null"),
    pytest.param({"quantity": None}, id="quantity-null"),
    pytest.param({"cancellation_type": "refund"}, id="cancellation_type"),
    pytest.param({"fully_refund_as_loyalty_money": True}, id="loyalty-money"),
    pytest.param({"status": "waiting"}, id="status-waiting"),
]


@pytest.mark.claim("CR-PATCH-200", "CR-READONLY-FIELDS")
@pytest.mark.parametrize("patch", PATCHES)
def test_patch_persists_what_it_changed_and_nothing_else(api, new_request, conformance_run, patch):
    created = new_request()
    if patch.get("description"):
        # the new description keeps the run marker in front, so the sweep can still find it
        patch = {**patch, "description": f"{conformance_run.marker} {patch['description']}"}
    try:
        _patch_persists(api, created, patch)
    finally:
        if "description" in patch and not patch["description"]:
            conformance_run.remark(api, created["id"])


def _patch_persists(api, created, patch):
    exchange = api.partial_update(created["id"], patch)
    checks.status_code_is(exchange, 200, claim="CR-PATCH-200")
    checks.fields_equal(
        exchange.json,
        patch,
        patch,
        title="PATCH does not answer the values sent",
        claim="CR-PATCH-200",
        exchange=exchange,
    )
    stored = api.retrieve(created["id"])
    expected = {**created, **patch}
    untouched = expected.keys() - {"modified_date"}
    checks.fields_equal(
        stored.json,
        expected,
        untouched,
        title="PATCH did not persist exactly what it changed",
        claim="CR-PATCH-200",
        exchange=stored,
    )
    _check_read_only_fields(created, stored.json, stored)


@pytest.mark.claim("CR-READONLY-FIELDS")
def test_read_only_fields_sent_in_a_patch_do_not_change(api, new_request, conformance_run):
    created = new_request()
    sneaky = {
        "id": created["id"] + 100000,
        "uuid": "00000000-0000-4000-8000-000000000000",
        "created_date": "2001-01-01T00:00:00Z",
        "description": f"{conformance_run.marker} read-only probe",
    }
    exchange = api.partial_update(created["id"], sneaky)
    if exchange.status == 400:
        return  # refusing read-only fields outright is as good as ignoring them
    checks.status_code_is(exchange, 200, 400, claim="CR-PATCH-200")
    stored = api.retrieve(created["id"])
    _check_read_only_fields(created, stored.json, stored)


UPDATE_INVALID = [
    pytest.param({"status": "postponed"}, "status", id="status-outside-enum"),
    pytest.param({"cancellation_type": "postpone"}, "cancellation_type", id="type-outside-enum"),
    pytest.param({"quantity": 0}, "quantity", id="quantity-zero"),
    pytest.param({"quantity": "many"}, "quantity", id="quantity-text"),
    pytest.param({"reason": 2_147_483_000}, "reason", id="reason-unknown"),
    pytest.param({"order_item": 2_147_483_000}, "order_item", id="order_item-unknown"),
    pytest.param({"order_item": None}, "order_item", id="order_item-null"),
    pytest.param(
        {"fully_refund_as_loyalty_money": "maybe"},
        "fully_refund_as_loyalty_money",
        id="loyalty-not-boolean",
    ),
]


@pytest.mark.claim("CR-UPDATE-400")
@pytest.mark.parametrize("method", ["partial_update", "update"])
@pytest.mark.parametrize(("patch", "field"), UPDATE_INVALID)
def test_update_with_invalid_data_is_a_400_and_changes_nothing(
    api, new_request, method, patch, field
):
    created = new_request()
    before = api.retrieve(created["id"]).json
    body = patch if method == "partial_update" else {**_put_body(before), **patch}
    exchange = getattr(api, method)(created["id"], body)
    checks.status_code_is(exchange, 400, claim="CR-UPDATE-400")
    checks.names_the_offending_field(exchange, field, claim="CR-UPDATE-400")
    after = api.retrieve(created["id"])
    checks.fields_equal(
        after.json,
        before,
        before.keys(),
        title="A rejected update changed the request",
        claim="CR-UPDATE-400",
        exchange=after,
    )


def _put_body(flat):
    fields = (
        "status",
        "description",
        "iban",
        "holder_name",
        "cancellation_type",
        "quantity",
        "fully_refund_as_loyalty_money",
        "reason",
        "order_item",
    )
    return {k: flat[k] for k in fields if k in flat}
