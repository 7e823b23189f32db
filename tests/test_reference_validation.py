"""Request validation: every rule answers 400 (or 415) in a DRF shape, never 500."""

from __future__ import annotations

import json

import pytest

GOOD_KEYS = ("order_item", "reason", "cancellation_type")


def good_body(facts) -> dict:
    return {
        "order_item": facts.order_items[-1],
        "reason": facts.reasons[0],
        "cancellation_type": "cancel",
    }


FIELD_CASES = [
    ("missing-order-item", {"order_item": ...}, "order_item"),
    ("missing-reason", {"reason": ...}, "reason"),
    ("missing-type", {"cancellation_type": ...}, "cancellation_type"),
    ("unknown-type", {"cancellation_type": "exchange"}, "cancellation_type"),
    ("null-type", {"cancellation_type": None}, "cancellation_type"),
    ("quantity-zero", {"quantity": 0}, "quantity"),
    ("quantity-negative", {"quantity": -3}, "quantity"),
    ("quantity-bool", {"quantity": True}, "quantity"),
    ("quantity-text", {"quantity": "many"}, "quantity"),
    ("quantity-huge", {"quantity": 2**64}, "quantity"),
    ("order-item-unknown", {"order_item": 987654}, "order_item"),
    ("order-item-huge", {"order_item": 2**64}, "order_item"),
    ("order-item-negative", {"order_item": -1}, "order_item"),
    ("order-item-bool", {"order_item": True}, "order_item"),
    ("order-item-float", {"order_item": 1.5}, "order_item"),
    ("order-item-object", {"order_item": {"pk": 1}}, "order_item"),
    ("reason-unknown", {"reason": 987654}, "reason"),
    ("reason-huge", {"reason": -(2**70)}, "reason"),
    ("reason-inactive", {"reason": 5}, "reason"),
    ("reason-other-channel", {"reason": 4}, "reason"),
    ("description-nul", {"description": "a\x00b"}, "description"),
    ("description-surrogate", {"description": "\ud800"}, "description"),
    ("holder-surrogate", {"holder_name": "x\udfff"}, "holder_name"),
    ("iban-list", {"iban": ["TR"]}, "iban"),
    ("loyalty-text", {"fully_refund_as_loyalty_money": "perhaps"}, "fully_refund_as_loyalty_money"),
]


@pytest.mark.parametrize(("case", "change", "field"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_create_rejects_bad_field(http, url, facts, case, change, field):
    body = good_body(facts)
    for key, value in change.items():
        if value is ...:
            del body[key]
        else:
            body[key] = value
    before = http.get(url()).json()["count"]
    response = http.post(url(), json=body)
    assert response.status_code == 400, response.text
    errors = response.json()
    assert field in errors
    assert all(isinstance(message, str) for message in errors[field])
    assert http.get(url()).json()["count"] == before


@pytest.mark.parametrize(
    ("case", "change", "field"),
    [c for c in FIELD_CASES if not c[0].startswith("missing")],
    ids=[c[0] for c in FIELD_CASES if not c[0].startswith("missing")],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_rejects_bad_field(http, url, new_request, method, case, change, field):
    created = new_request()
    response = http.request(method, url(f"{created['id']}/"), json=change)
    assert response.status_code == 400, response.text
    assert field in response.json()
    assert http.get(url(f"{created['id']}/")).json() == created


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_rejects_unknown_status(http, url, new_request, method):
    created = new_request()
    response = http.request(method, url(f"{created['id']}/"), json={"status": "completed"})
    assert response.status_code == 400
    assert "status" in response.json()


RAW_BODIES = [
    ("malformed", "{bad json", "application/json", 400, "detail"),
    ("truncated", '{"order_item": 1', "application/json", 400, "detail"),
    ("array", "[1, 2]", "application/json", 400, "non_field_errors"),
    ("string", '"text"', "application/json", 400, "non_field_errors"),
    ("number", "42", "application/json", 400, "non_field_errors"),
    ("null", "null", "application/json", 400, "non_field_errors"),
    ("not-utf8", b"\xff\xfe{}", "application/json", 400, "detail"),
    ("nan", '{"quantity": NaN}', "application/json", 400, "detail"),
    ("form", "order_item=1", "application/x-www-form-urlencoded", 415, "detail"),
    ("text", "hello", "text/plain", 415, "detail"),
    ("xml", "<a/>", "application/xml", 415, "detail"),
]


@pytest.mark.parametrize(
    ("case", "data", "content_type", "status", "key"), RAW_BODIES, ids=[c[0] for c in RAW_BODIES]
)
@pytest.mark.parametrize(("method", "suffix"), [("POST", ""), ("PUT", "1/"), ("PATCH", "1/")])
def test_unparseable_bodies_are_client_errors(
    http, url, method, suffix, case, data, content_type, status, key
):
    response = http.request(method, url(suffix), data=data, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert key in response.json()


def test_huge_body_is_a_client_error(http, url, facts):
    body = {**good_body(facts), "description": "x" * 2_000_000}
    response = http.post(url(), data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
