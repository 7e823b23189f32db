"""Authorization: every operation answers 401 "Unauthorized Access" without credentials or with a
wrong key; a key without write permission gets 403 on create ("Forbidden") and changes nothing;
paths are scoped by channel, so a channel's request is invisible through another channel."""

from __future__ import annotations

import pytest

from conformance import checks, contract

ID_OPERATIONS = [name for name, op in contract.OPERATIONS.items() if "{id}" in op.path]
BODIES = {"update": {"description": "x"}, "partial_update": {"description": "x"}}


OPERATIONS = [
    pytest.param(name, marks=[pytest.mark.writes] if op.writes else [], id=name)
    for name, op in contract.OPERATIONS.items()
]


@pytest.fixture
def existing_id(request, conformance_run, api):
    """A real id, so a 401 cannot be mistaken for a 404."""
    if not conformance_run.writes_refused:
        return request.getfixturevalue("new_request")()["id"]
    results = api.list(limit=1).json["results"]
    if not results:
        pytest.skip("the read-only target lists no request to address")
    return results[0]["id"]


@pytest.mark.claim("CR-401")
@pytest.mark.parametrize("key", ["no-credentials", "wrong-key"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_answers_401_without_valid_credentials(
    request, operation, key, create_body, anonymous_api, wrong_key_api
):
    client = anonymous_api if key == "no-credentials" else wrong_key_api
    op = contract.OPERATIONS[operation]
    request_id = request.getfixturevalue("existing_id") if "{id}" in op.path else None
    body = create_body() if operation == "create" else BODIES.get(operation)
    exchange = client.call(operation, id=request_id, json_body=body)
    checks.status_code_is(exchange, 401, claim="CR-401")


@pytest.mark.claim("CR-401")
@pytest.mark.writes
def test_a_request_is_unchanged_by_writes_without_credentials(api, anonymous_api, new_request):
    created = new_request()
    before = api.retrieve(created["id"]).json
    for operation in ("partial_update", "reject", "delete"):
        anonymous_api.call(operation, id=created["id"], json_body=BODIES.get(operation))
    after = api.retrieve(created["id"])
    checks.status_code_is(after, 200, claim="CR-401")
    checks.fields_equal(
        after.json,
        before,
        before.keys(),
        title="An unauthenticated write took effect",
        claim="CR-401",
        exchange=after,
    )


@pytest.mark.claim("CR-CREATE-403", "CR-NO-EFFECT-ON-400")
@pytest.mark.writes
def test_create_with_a_read_only_key_is_403_and_stores_nothing(
    readonly_api, create_body, nothing_created
):
    body = create_body()
    with nothing_created(body["description"]):
        exchange = readonly_api.create(body)
        checks.status_code_is(exchange, 403, claim="CR-CREATE-403")


@pytest.mark.claim("CR-READONLY-KEY")
@pytest.mark.writes
@pytest.mark.parametrize("operation", ["update", "partial_update", "reject", "delete"])
def test_other_writes_with_a_read_only_key_are_refused_and_change_nothing(
    api, readonly_api, new_request, operation
):
    created = new_request()
    before = api.retrieve(created["id"]).json
    exchange = readonly_api.call(operation, id=created["id"], json_body=BODIES.get(operation))
    # only create documents its 403; for the others any refusal conforms, a success does not
    checks.status_code_is(exchange, 401, 403, 404, claim="CR-READONLY-KEY")
    after = api.retrieve(created["id"])
    checks.fields_equal(
        after.json,
        before,
        before.keys(),
        title="A read-only key changed the request",
        claim="CR-READONLY-KEY",
        exchange=after,
    )


@pytest.mark.claim("CR-ISOLATION")
@pytest.mark.writes
@pytest.mark.parametrize("operation", ID_OPERATIONS)
def test_a_request_is_404_through_another_channel(api, other_channel_api, new_request, operation):
    created = new_request()
    before = api.retrieve(created["id"]).json
    exchange = other_channel_api.call(operation, id=created["id"], json_body=BODIES.get(operation))
    # "does not exist" there (404), or, for a key that may only read that channel, refused (403)
    checks.status_code_is(exchange, 403, 404, claim="CR-ISOLATION")
    after = api.retrieve(created["id"])
    checks.status_code_is(after, 200, claim="CR-ISOLATION")
    checks.fields_equal(
        after.json,
        before,
        before.keys(),
        title="A request changed through another channel",
        claim="CR-ISOLATION",
        exchange=after,
    )


@pytest.mark.claim("CR-ISOLATION")
@pytest.mark.writes
@pytest.mark.parametrize("operation", ["list", "detailed_list"])
def test_a_request_is_absent_from_another_channels_lists(other_channel_api, new_request, operation):
    created = new_request()
    exchange = other_channel_api.call(operation, query={"pk__in": [created["id"]]})
    checks.status_code_is(exchange, 200, 403, claim="CR-ISOLATION")
    if exchange.status == 403:
        return
    checks.membership_is(
        exchange,
        absent=[created["id"]],
        claim="CR-ISOLATION",
        title="A request is listed through another channel",
    )


@pytest.mark.claim("CR-ISOLATION")
def test_the_detailed_list_holds_only_the_paths_channel(api, target):
    # only the detailed items show their channel; the flat list is covered by pk__in checks
    exchange = api.detailed_list(limit=50)
    channels = {
        (item.get("channel") or {}).get("id")
        for item in exchange.json["results"]
        if isinstance(item.get("channel"), dict)
    }
    checks.require(
        channels <= {target.channel_id},
        "A list holds another channel's requests",
        documented=f"only requests of channel {target.channel_id}",
        received=f"channels {sorted(channels, key=str)}",
        claim="CR-ISOLATION",
        exchange=exchange,
    )
