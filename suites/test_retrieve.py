"""Retrieve (GET .../{id}/) and detailed retrieve (GET .../{id}/detailed/): "Cancellation request
for given ID"; the detailed form nests the order item, reason, channel and customer."""

from __future__ import annotations

import pytest

from conformance import checks, contract

pytestmark = pytest.mark.writes

SHARED_SCALARS = contract.SHARED_SCALARS


@pytest.mark.claim("CR-RETRIEVE-200")
def test_retrieve_answers_200_with_the_request(api, new_request):
    created = new_request()
    exchange = api.retrieve(created["id"])
    checks.status_code_is(exchange, 200, claim="CR-RETRIEVE-200")
    checks.fields_equal(
        exchange.json,
        created,
        ("id", "order_item", "reason"),
        title="Retrieve answers another request",
        claim="CR-RETRIEVE-200",
        exchange=exchange,
    )


@pytest.mark.claim("CR-DETAILED-200")
def test_detailed_retrieve_agrees_with_retrieve(api, new_request):
    created = new_request()
    flat = api.retrieve(created["id"])
    detailed = api.detailed_retrieve(created["id"])
    checks.status_code_is(detailed, 200, claim="CR-DETAILED-200")
    checks.fields_equal(
        detailed.json,
        flat.json,
        SHARED_SCALARS,
        title="Detailed retrieve disagrees with retrieve",
        claim="CR-DETAILED-200",
        exchange=detailed,
    )


@pytest.mark.claim("CR-DETAILED-200")
def test_detailed_retrieve_nests_the_order_item_and_reason_created_against(
    api, new_request, target
):
    created = new_request()
    detailed = api.detailed_retrieve(created["id"]).json
    nested = {
        "order_item": (detailed.get("order_item") or {}).get("pk"),
        "reason": (detailed.get("reason") or {}).get("pk"),
    }
    checks.fields_equal(
        nested,
        created,
        nested.keys(),
        title="Detailed retrieve nests other objects than the request's",
        claim="CR-DETAILED-200",
    )
    customer_channel = (detailed.get("customer") or {}).get("channel")
    channel = (detailed.get("channel") or {}).get("id")
    checks.require(
        detailed.get("channel") is None or channel == target.channel_id,
        "Detailed retrieve nests another channel",
        documented=f"channel.id {target.channel_id}, the channel of the path",
        received=f"channel.id {channel!r} (customer.channel {customer_channel!r})",
        claim="CR-DETAILED-200",
    )


@pytest.mark.claim("CR-LIST-AGREE")
def test_list_entries_agree_with_retrieve(api, new_request):
    created = new_request()
    flat = api.retrieve(created["id"]).json
    listed = api.list(pk__in=[created["id"]])
    checks.membership_is(listed, present=[created["id"]], claim="CR-LIST-AGREE")
    entry = next(i for i in listed.json["results"] if i.get("id") == created["id"])
    checks.fields_equal(
        entry,
        flat,
        flat.keys(),
        title="List entry differs from retrieve",
        claim="CR-LIST-AGREE",
        exchange=listed,
    )
    detailed_listed = api.detailed_list(pk__in=[created["id"]])
    checks.membership_is(detailed_listed, present=[created["id"]], claim="CR-LIST-AGREE")
    detailed_entry = next(
        i for i in detailed_listed.json["results"] if i.get("id") == created["id"]
    )
    detailed = api.detailed_retrieve(created["id"]).json
    checks.fields_equal(
        detailed_entry,
        detailed,
        detailed.keys(),
        title="Detailed list entry differs from detailed retrieve",
        claim="CR-LIST-AGREE",
        exchange=detailed_listed,
    )
