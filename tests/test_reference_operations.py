"""The nine documented operations of the reference server, one by one, over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests

FLAT_FIELDS = [
    "id",
    "order_item",
    "reason",
    "description",
    "cancellation_type",
    "status",
    "iban",
    "holder_name",
    "easy_return",
    "quantity",
    "fully_refund_as_loyalty_money",
    "created_date",
    "modified_date",
    "uuid",
    "attributes",
    "attributes_kwargs",
    "localized_attributes",
    "localized_attributes_kwargs",
]
EASY_RETURN_FIELDS = {
    "id",
    "shipping_company",
    "code",
    "start_date",
    "end_date",
    "max_count",
    "status",
    "raw_request",
    "raw_response",
    "tracking_number",
    "tracking_url",
    "pickup_date",
    "created_date",
    "modified_date",
    "uuid",
}
DETAILED_FIELDS = [
    "id",
    "order_item",
    "reason",
    "description",
    "cancellation_type",
    "status",
    "iban",
    "holder_name",
    "easy_return",
    "quantity",
    "fully_refund_as_loyalty_money",
    "channel",
    "customer",
]


def is_datetime(value: str) -> bool:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


def assert_flat(body: dict) -> None:
    assert list(body) == FLAT_FIELDS
    assert isinstance(body["id"], int) and isinstance(body["order_item"], int)
    assert isinstance(body["reason"], int)
    assert body["status"] in {"waiting", "approved", "rejected"}
    assert body["cancellation_type"] in {"cancel", "refund"}
    assert is_datetime(body["created_date"]) and is_datetime(body["modified_date"])
    uuid.UUID(body["uuid"])
    for name in FLAT_FIELDS[-4:]:
        assert isinstance(body[name], dict)
    if body["easy_return"] is not None:
        assert set(body["easy_return"]) == EASY_RETURN_FIELDS


# Create ----------------------------------------------------------------------------------


def test_create_answers_201_with_a_waiting_flat_object(http, url, facts):
    body = {
        "order_item": facts.order_items[-1],
        "reason": facts.reasons[1],
        "description": "Too late",
        "cancellation_type": "refund",
        "iban": "TR330006100519786457841326",
        "holder_name": "Jane Roe",
        "quantity": 1,
    }
    response = http.post(url(), json=body)
    assert response.status_code == 201
    created = response.json()
    assert_flat(created)
    assert created["status"] == "waiting"
    assert {k: created[k] for k in body} == body
    assert http.get(url(f"{created['id']}/")).json() == created


def test_create_ignores_a_sent_status(new_request):
    assert new_request(status="approved")["status"] == "waiting"
    assert new_request(status="not-a-status")["status"] == "waiting"


def test_create_attaches_the_order_items_easy_return(http, url, facts):
    # Seed items 1, 4, 7 … (every third) have easy returns.
    item = facts.order_items[15]
    created = http.post(
        url(), json={"order_item": item, "reason": facts.reasons[0], "cancellation_type": "cancel"}
    ).json()
    assert created["easy_return"] is not None
    assert created["easy_return"]["status"] == "active"
    assert created["easy_return"]["code"]


def test_create_without_easy_return_has_null(new_request):
    assert new_request()["easy_return"] is None


# Retrieve --------------------------------------------------------------------------------


def test_retrieve_returns_the_flat_object(http, url):
    response = http.get(url("1/"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert_flat(response.json())


def test_retrieve_unknown_id_is_json_404(http, url):
    response = http.get(url("987654/"))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "suffix",
    ["abc/", "1.5/", "-1/", "99999999999999999999/", "9223372036854775808/", "1"],
    ids=["letters", "decimal", "negative", "huge", "int64-plus-one", "no-slash"],
)
def test_retrieve_bad_id_is_json_404(http, url, suffix):
    response = http.get(url(suffix))
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()


# Detailed retrieve and detailed list -----------------------------------------------------


def test_detailed_retrieve_nests_related_objects(http, url, facts):
    response = http.get(url("1/detailed/"))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == DETAILED_FIELDS
    item = body["order_item"]
    for name in ("order", "product", "price_list", "stock_list", "datasource"):
        assert isinstance(item[name], dict), name
    assert isinstance(item["benefitapplicant_set"], list)
    uuid.UUID(item["external_status"]["id"])
    assert set(item["shipping_option_group"]) >= {"pk", "amount", "tax_rate"}
    order = item["order"]
    assert isinstance(order["status"], str) and order["status"].isdigit()
    assert isinstance(item["status"], str) and item["status"].isdigit()
    assert is_datetime(order["date_placed"])
    assert isinstance(order["amount"], int | float)
    uuid.UUID(item["product"]["uuid"])
    assert body["reason"]["pk"] == http.get(url("1/")).json()["reason"]
    assert body["channel"]["id"] == facts.channel_id
    customer = body["customer"]
    assert "attribute_kwargs" in customer and "localized_attribute_kwargs" in customer
    dt.date.fromisoformat(customer["date_of_birth"])
    assert customer["pk"] == order["customer"]


@pytest.mark.parametrize("suffix", ["detailed", "detailed/"], ids=["documented", "with-slash"])
def test_detailed_list_is_served_with_and_without_slash(http, url, suffix):
    response = http.get(url(suffix))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert all(list(result) == DETAILED_FIELDS for result in body["results"])


def test_list_items_are_flat_objects(http, url):
    body = http.get(url()).json()
    assert body["results"]
    for result in body["results"]:
        assert_flat(result)


# PUT and PATCH ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_changes_only_the_sent_fields(http, url, new_request, method):
    created = new_request(description="before", quantity=1)
    response = http.request(method, url(f"{created['id']}/"), json={"description": "after"})
    assert response.status_code == 200
    updated = response.json()
    assert_flat(updated)
    assert updated["description"] == "after"
    assert updated["quantity"] == 1
    assert http.get(url(f"{created['id']}/")).json()["description"] == "after"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_can_set_every_documented_field(http, url, facts, new_request, method):
    created = new_request()
    body = {
        "status": "approved",
        "description": None,
        "iban": "GB33BUKB20201555555555",
        "holder_name": "New Holder",
        "cancellation_type": "refund",
        "quantity": None,
        "fully_refund_as_loyalty_money": True,
        "reason": facts.reasons[2],
        "order_item": facts.order_items[-2],
    }
    updated = http.request(method, url(f"{created['id']}/"), json=body).json()
    assert {k: updated[k] for k in body} == body


def test_update_to_an_item_with_easy_return_attaches_it(http, url, facts, new_request):
    created = new_request()
    updated = http.patch(url(f"{created['id']}/"), json={"order_item": facts.order_items[18]})
    assert updated.json()["easy_return"] is not None


def test_empty_put_is_allowed_and_changes_nothing(http, url, new_request):
    created = new_request()
    response = http.put(url(f"{created['id']}/"), json={})
    assert response.status_code == 200
    assert response.json()["description"] == created["description"]


# DELETE ----------------------------------------------------------------------------------


def test_delete_answers_204_empty_and_removes(http, url, new_request):
    created = new_request()
    response = http.delete(url(f"{created['id']}/"))
    assert response.status_code == 204
    assert response.content == b""
    assert http.get(url(f"{created['id']}/")).status_code == 404
    assert http.delete(url(f"{created['id']}/")).status_code == 404


# Reject ----------------------------------------------------------------------------------


def test_reject_returns_flat_object_with_rejected_status(http, url, new_request):
    created = new_request()
    response = http.post(url(f"{created['id']}/reject/"))
    assert response.status_code == 200
    assert_flat(response.json())
    assert response.json()["status"] == "rejected"
    assert http.get(url(f"{created['id']}/")).json()["status"] == "rejected"


def test_reject_twice_is_400_non_field_errors(http, url, new_request):
    created = new_request()
    http.post(url(f"{created['id']}/reject/"))
    response = http.post(url(f"{created['id']}/reject/"))
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_approved_can_be_rejected(http, url, new_request):
    created = new_request()
    http.patch(url(f"{created['id']}/"), json={"status": "approved"})
    response = http.post(url(f"{created['id']}/reject/"))
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_reject_unknown_is_404(http, url):
    assert http.post(url("987654/reject/")).status_code == 404


# Wrong methods and unknown paths ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("PUT", ""),
        ("DELETE", ""),
        ("PATCH", ""),
        ("POST", "1/"),
        ("GET", "1/reject/"),
        ("DELETE", "1/reject/"),
        ("POST", "detailed"),
        ("POST", "1/detailed/"),
    ],
    ids=lambda v: v or "collection",
)
def test_wrong_method_is_json_405(http, url, method, suffix):
    response = http.request(method, url(suffix), json={})
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    ["/", "/api/", "/api/channel/1/", "/api/channel/x/cancellation_requests/", "/nope%00"],
    ids=["root", "api", "channel", "bad-channel", "nul"],
)
def test_unknown_paths_are_json_404(http, facts, path):
    response = http.get(facts.base_url + path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"


def test_collection_without_slash_is_404_not_redirect(http, url):
    response = http.get(url().rstrip("/"), allow_redirects=False)
    assert response.status_code == 404


def test_keep_alive_reuses_the_connection(facts, url):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Token {facts.api_key}"
        first = session.get(url("1/"))
        assert first.headers.get("Connection") != "close"
        assert session.get(url("1/")).status_code == 200
