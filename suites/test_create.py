"""Create: POST /api/channel/{channel_id}/cancellation_requests/ (documentation: "Create a
cancellation request"; 201, 400, 401, 403)."""

from __future__ import annotations

import pytest

from conformance import checks

pytestmark = pytest.mark.writes

ECHOED = (
    "order_item",
    "reason",
    "cancellation_type",
    "description",
    "iban",
    "holder_name",
    "quantity",
)


@pytest.mark.claim("CR-CREATE-201", "CR-CREATE-ECHO")
def test_create_answers_201_with_the_values_sent_and_status_waiting(api, create_body):
    body = create_body()
    exchange = api.create(body)
    checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
    checks.fields_equal(
        exchange.json,
        body,
        ECHOED,
        title="Create does not echo the values sent",
        claim="CR-CREATE-ECHO",
        exchange=exchange,
    )
    checks.require(
        exchange.json["status"] == "waiting",
        "A new request is not waiting",
        documented="status waiting (the create example's 'rejected' is a documentation mistake)",
        received=f"status {exchange.json['status']!r}",
        claim="CR-CREATE-ECHO",
        exchange=exchange,
    )


@pytest.mark.claim("CR-CREATE-ECHO")
@pytest.mark.parametrize(
    "optional",
    [
        pytest.param(
            {"description": None, "iban": None, "holder_name": None, "quantity": None},
            id="optional-fields-null",
        ),
        pytest.param({"cancellation_type": "refund"}, id="cancellation-type-refund"),
        pytest.param(
            {"description": "İptal talebi \u2013 ünïcödé ✓ 取消"}, id="unicode-description"
        ),
    ],
)
def test_create_accepts_every_documented_form_of_the_optional_fields(
    api, create_body, conformance_run, optional
):
    body = create_body()
    marked = body["description"]
    for field, value in optional.items():
        # a description follows the run marker, so the sweep can still find the request
        body[field] = f"{marked} {value}" if field == "description" and value else value
    exchange = api.create(body)
    checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
    if body["description"] is None:
        # the marker goes back at once: the echo check reads the create's answer, not the store
        conformance_run.remark(api, exchange.json["id"])
    checks.fields_equal(
        exchange.json,
        body,
        optional,
        title="Create does not echo the values sent",
        claim="CR-CREATE-ECHO",
        exchange=exchange,
    )


@pytest.mark.claim("CR-NO-5XX", "CR-CREATE-201", "CR-CREATE-ECHO")
@pytest.mark.parametrize(
    ("field", "text"),
    [
        pytest.param("description", " ".join(["\u0130ptal"] * 300), id="long-description"),
        pytest.param(
            "holder_name",
            "Ay\u015fe Y\u0131lmaz \u00c7a\u011flar \u015e\u00fckr\u00fc \u00d6zt\u00fcrk",
            id="unicode-holder-name",
        ),
        pytest.param("iban", "TR33 0006 1005 1978 6457 8413 26", id="iban-with-spaces"),
        pytest.param("holder_name", 'O\'Brien "Jr" <&>', id="markup-characters"),
    ],
)
def test_long_and_unusual_text_is_stored_or_refused_never_a_server_error(
    api, create_body, field, text
):
    # No length or alphabet is documented for these strings: a 201 that stores them as sent
    # and a 400 that refuses them both conform; a 5xx never does. (The texts carry no outer
    # white space, which a conforming server may trim.)
    body = create_body()
    body[field] = f"{body[field]} {text}" if field == "description" else text
    exchange = api.create(body)
    checks.status_code_is(exchange, 201, 400, claim="CR-NO-5XX")
    if exchange.status == 201:
        checks.fields_equal(
            exchange.json,
            body,
            [field],
            title="Create does not echo the text sent",
            claim="CR-CREATE-ECHO",
            exchange=exchange,
        )


@pytest.mark.claim("CR-CREATE-ECHO")
def test_create_without_the_optional_fields_is_accepted(api, create_body):
    body = {
        k: v for k, v in create_body().items() if k in ("order_item", "reason", "cancellation_type")
    }
    exchange = api.create(body)
    checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
    checks.fields_equal(
        exchange.json,
        body,
        body,
        title="Create does not echo the values sent",
        claim="CR-CREATE-ECHO",
        exchange=exchange,
    )


@pytest.mark.claim("CR-CREATE-PERSISTS", "CR-RETRIEVE-200")
def test_retrieve_returns_what_create_answered(api, new_request):
    created = new_request()
    exchange = api.retrieve(created["id"])
    checks.status_code_is(exchange, 200, claim="CR-RETRIEVE-200")
    checks.fields_equal(
        exchange.json,
        created,
        created.keys() - {"modified_date"},
        title="Retrieve differs from what create answered",
        claim="CR-CREATE-PERSISTS",
        exchange=exchange,
    )


@pytest.mark.claim("CR-CREATE-PERSISTS")
def test_each_create_makes_a_new_request(api, new_request):
    first, second = new_request(), new_request()
    checks.require(
        first["id"] != second["id"]
        and (first.get("uuid") is None or first.get("uuid") != second.get("uuid")),
        "Two creates answered the same request",
        documented="each create makes a new request with its own id and uuid",
        received=f"ids {first['id']}, {second['id']}; uuids {first.get('uuid')}, "
        f"{second.get('uuid')}",
        claim="CR-CREATE-PERSISTS",
    )
