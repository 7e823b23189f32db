"""Authentication, read-only keys, and channel isolation."""

from __future__ import annotations

import pytest
import requests

WRITES = [
    ("POST", ""),
    ("PUT", "1/"),
    ("PATCH", "1/"),
    ("DELETE", "1/"),
    ("POST", "1/reject/"),
]
READS = ["", "detailed", "1/", "1/detailed/"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Token wrong"},
        {"Authorization": "Bearer x"},
        {"Authorization": "Token"},
    ],
    ids=["none", "unknown-key", "bearer", "empty-token"],
)
@pytest.mark.parametrize("suffix", READS, ids=lambda s: s or "list")
def test_missing_or_unknown_key_is_401_detail(facts, url, headers, suffix):
    response = requests.get(url(suffix), headers=headers)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(("method", "suffix"), WRITES, ids=lambda v: v or "collection")
def test_read_only_key_gets_403_on_writes(facts, url, method, suffix):
    headers = {"Authorization": f"Token {facts.readonly_api_key}"}
    body = {"order_item": facts.order_items[0], "reason": facts.reasons[0]}
    response = requests.request(method, url(suffix), headers=headers, json=body)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_read_only_writes_leave_no_trace(http, facts, url):
    before = http.get(url("1/")).json()
    headers = {"Authorization": f"Token {facts.readonly_api_key}"}
    requests.patch(url("1/"), headers=headers, json={"description": "hacked"})
    assert http.get(url("1/")).json() == before


@pytest.mark.parametrize("channel", ["main", "other"])
@pytest.mark.parametrize("suffix", READS, ids=lambda s: s or "list")
def test_read_only_key_reads_both_channels(facts, url, channel, suffix):
    channel_id = facts.channel_id if channel == "main" else facts.other_channel_id
    first = requests.get(
        url(), params={"channel": ""}, headers={"Authorization": f"Token {facts.api_key}"}
    )
    assert first.status_code == 200
    headers = {"Authorization": f"Token {facts.readonly_api_key}"}
    listing = requests.get(url(channel=channel_id), headers=headers).json()
    some_id = listing["results"][0]["id"]
    target = suffix.replace("1/", f"{some_id}/")
    assert requests.get(url(target, channel=channel_id), headers=headers).status_code == 200


def test_main_key_writes_the_other_channel(http, facts, url):
    other_items = http.get(url("detailed", channel=facts.other_channel_id)).json()["results"]
    item = other_items[0]["order_item"]["pk"]
    reason = other_items[0]["reason"]["pk"]
    response = http.post(
        url(channel=facts.other_channel_id),
        json={"order_item": item, "reason": reason, "cancellation_type": "cancel"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "channel", [3, 999, 9223372036854775807], ids=["no-grant", "unknown", "max"]
)
@pytest.mark.parametrize("suffix", [*READS, "1/reject/"], ids=lambda s: s or "list")
def test_inaccessible_channel_is_404(http, url, channel, suffix):
    method = "POST" if suffix.endswith("reject/") else "GET"
    response = http.request(method, url(suffix, channel=channel))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def _other_channel_request_id(http, facts, url) -> int:
    return http.get(url(channel=facts.other_channel_id)).json()["results"][0]["id"]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", "{}/"),
        ("GET", "{}/detailed/"),
        ("PUT", "{}/"),
        ("PATCH", "{}/"),
        ("POST", "{}/reject/"),
    ],
    ids=["retrieve", "detailed", "put", "patch", "reject"],
)
def test_other_channels_request_is_404_through_main_path(http, facts, url, method, suffix):
    foreign = _other_channel_request_id(http, facts, url)
    response = http.request(method, url(suffix.format(foreign)), json={"description": "x"})
    assert response.status_code == 404


def test_other_channels_request_cannot_be_deleted_through_main_path(http, facts, url):
    foreign = _other_channel_request_id(http, facts, url)
    assert http.delete(url(f"{foreign}/")).status_code == 404
    assert http.get(url(f"{foreign}/", channel=facts.other_channel_id)).status_code == 200


@pytest.mark.parametrize("suffix", ["", "detailed"], ids=["list", "detailed"])
def test_lists_show_only_the_path_channel(http, facts, url, suffix):
    main = http.get(url(suffix), params={"limit": 1000}).json()["results"]
    other = http.get(url(suffix, channel=facts.other_channel_id), params={"limit": 1000}).json()
    assert main and other["results"]
    assert not {r["id"] for r in main} & {r["id"] for r in other["results"]}
    if suffix:
        assert {r["channel"]["id"] for r in main} == {facts.channel_id}


def test_other_channels_order_item_cannot_be_used_in_main(http, facts, url):
    other = http.get(url("detailed", channel=facts.other_channel_id)).json()["results"][0]
    body = {
        "order_item": other["order_item"]["pk"],
        "reason": facts.reasons[0],
        "cancellation_type": "cancel",
    }
    response = http.post(url(), json=body)
    assert response.status_code == 400
    assert "order_item" in response.json()
