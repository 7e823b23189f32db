"""Reject (POST .../{id}/reject/, no body): "Cancellation request rejected successfully", 200 with
the request, status rejected; 400 when "the action is not allowed"."""

from __future__ import annotations

import pytest

from conformance import checks

pytestmark = pytest.mark.writes


@pytest.mark.claim("CR-REJECT-200")
def test_reject_answers_200_with_status_rejected_and_persists_it(api, new_request):
    created = new_request()
    exchange = api.reject(created["id"])
    checks.status_code_is(exchange, 200, claim="CR-REJECT-200")
    checks.fields_equal(
        exchange.json,
        {"id": created["id"], "status": "rejected"},
        ("id", "status"),
        title="Reject did not answer the rejected request",
        claim="CR-REJECT-200",
        exchange=exchange,
    )
    stored = api.retrieve(created["id"])
    checks.fields_equal(
        stored.json,
        {"status": "rejected"},
        ("status",),
        title="Reject did not persist",
        claim="CR-REJECT-200",
        exchange=stored,
    )
    unchanged = ("order_item", "reason", "cancellation_type", "description", "quantity")
    checks.fields_equal(
        stored.json,
        created,
        unchanged,
        title="Reject changed other fields",
        claim="CR-REJECT-200",
        exchange=stored,
    )


@pytest.mark.claim("CR-REJECT-AGAIN")
def test_rejecting_a_rejected_request_is_refused_or_harmless(api, new_request, observe):
    created = new_request()
    checks.status_code_is(api.reject(created["id"]), 200, claim="CR-REJECT-200")
    again = api.reject(created["id"])
    # The documentation lists 400 "the action is not allowed" but does not say that a second
    # reject is such an action: a 400 and an idempotent 200 both conform.
    checks.status_code_is(again, 200, 400, claim="CR-REJECT-AGAIN")
    observe("reject twice", f"a second reject answers {again.status}")
    stored = api.retrieve(created["id"])
    checks.fields_equal(
        stored.json,
        {"status": "rejected"},
        ("status",),
        title="A second reject changed the status",
        claim="CR-REJECT-AGAIN",
        exchange=stored,
    )
