"""Hypothesis throws junk at every operation; the server must never answer 5xx or non-JSON.

Junk means malformed and non-object JSON, wrong types, huge integers, NUL, lone surrogates
and other unicode, odd content types, odd query strings, and unknown or huge ids.  A
private server takes the abuse, so the session server's data stays intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.server import RunningServer, start

EXAMPLES = 300
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

FIELDS = [
    "order_item",
    "reason",
    "description",
    "cancellation_type",
    "status",
    "iban",
    "holder_name",
    "quantity",
    "fully_refund_as_loyalty_money",
    "easy_return",
    "id",
    "uuid",
    "attributes",
]
PARAMS = [
    "page",
    "limit",
    "pk__in",
    "status",
    "number",
    "date_placed",
    "date_placed__gte",
    "date_placed__gt",
    "date_placed__lt",
    "date_placed__lte",
    "date_placed__date__gt",
    "date_placed__date__gte",
    "date_placed__date__lt",
    "date_placed__date__lte",
    "sku",
    "channel",
    "customer_first_name",
    "customer_last_name",
    "customer_email",
    "order_id",
    "cancellation_plan_status",
    "easy_return_code",
    "tracking_number",
]

huge_ints = st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40])
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=20),
    st.sampled_from(["\x00", "\ud800", "a\udfffb", "💥" * 100, "x" * 5000, "", " ", "null"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
    st.sampled_from(["cancel", "refund", "waiting", "approved", "rejected", "1", "-1"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12,
)
objects = st.dictionaries(st.sampled_from(FIELDS) | nasty_text, json_values, max_size=8)


def encode_json(value: object) -> bytes:
    # allow_nan gives NaN/Infinity, which is not JSON; surrogatepass keeps lone surrogates.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    objects.map(encode_json),
    json_values.map(encode_json),
    st.binary(max_size=200),
    st.sampled_from([b"", b"{", b"[", b'{"a":', b"\xff\xfe", b"{}" * 1000, b'{"quantity": 1e999}']),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
    ]
)


def url_text(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


param_values = st.one_of(
    nasty_text, st.integers().map(str), huge_ints.map(str), json_values.map(str)
)
queries = st.dictionaries(st.sampled_from(PARAMS) | nasty_text, param_values, max_size=5).map(
    lambda q: "&".join(f"{url_text(k)}={url_text(v)}" for k, v in q.items())
)
ids = st.one_of(
    st.integers(min_value=1, max_value=40).map(str),
    st.integers().map(str),
    huge_ints.map(str),
    nasty_text.map(url_text),
)


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[RunningServer, requests.Session]]:
    with start() as server, requests.Session() as session:
        yield server, session


AUTH = st.sampled_from(["main", "readonly", "wrong", "none"])


def send(target, method: str, path: str, auth: str, body: bytes | None = None, ctype: str = ""):
    server, session = target
    facts = server.facts
    headers = {
        "main": {"Authorization": f"Token {facts.api_key}"},
        "readonly": {"Authorization": f"Token {facts.readonly_api_key}"},
        "wrong": {"Authorization": "Token not-a-key"},
        "none": {},
    }[auth]
    if ctype:
        headers["Content-Type"] = ctype
    response = session.request(
        method, facts.base_url + path, data=body, headers=headers, timeout=10
    )
    assert response.status_code < 500, (method, path, body, response.text)
    if response.status_code != 204:
        assert response.headers["Content-Type"].startswith("application/json"), response.text
        response.json()
    return response


def collection(target, channel: str | None = None) -> str:
    facts = target[0].facts
    return f"/api/channel/{channel or facts.channel_id}/cancellation_requests/"


channels = st.one_of(st.none(), st.sampled_from(["1", "2", "3", "0", str(2**63), str(2**64)]))


@FUZZ
@given(query=queries, auth=AUTH, channel=channels)
def test_list_never_5xx(target, query, auth, channel):
    send(target, "GET", f"{collection(target, channel)}?{query}", auth)


@FUZZ
@given(query=queries, auth=AUTH, slash=st.booleans())
def test_detailed_list_never_5xx(target, query, auth, slash):
    send(target, "GET", f"{collection(target)}detailed{'/' if slash else ''}?{query}", auth)


@FUZZ
@given(body=bodies, ctype=content_types, auth=AUTH, query=queries)
def test_create_never_5xx(target, body, ctype, auth, query):
    send(target, "POST", f"{collection(target)}?{query}", auth, body, ctype)


@FUZZ
@given(pk=ids, auth=AUTH, query=queries)
def test_retrieve_never_5xx(target, pk, auth, query):
    send(target, "GET", f"{collection(target)}{pk}/?{query}", auth)


@FUZZ
@given(pk=ids, auth=AUTH)
def test_detailed_retrieve_never_5xx(target, pk, auth):
    send(target, "GET", f"{collection(target)}{pk}/detailed/", auth)


@FUZZ
@given(pk=ids, body=bodies, ctype=content_types, auth=AUTH)
def test_put_never_5xx(target, pk, body, ctype, auth):
    send(target, "PUT", f"{collection(target)}{pk}/", auth, body, ctype)


@FUZZ
@given(pk=ids, body=bodies, ctype=content_types, auth=AUTH)
def test_patch_never_5xx(target, pk, body, ctype, auth):
    send(target, "PATCH", f"{collection(target)}{pk}/", auth, body, ctype)


@FUZZ
@given(pk=ids, auth=AUTH, body=st.none() | bodies)
def test_delete_never_5xx(target, pk, auth, body):
    send(target, "DELETE", f"{collection(target)}{pk}/", auth, body, "application/json")


@FUZZ
@given(pk=ids, auth=AUTH, body=st.none() | bodies, ctype=content_types)
def test_reject_never_5xx(target, pk, auth, body, ctype):
    send(target, "POST", f"{collection(target)}{pk}/reject/", auth, body, ctype)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]),
    path=st.lists(nasty_text.map(url_text) | ids, max_size=6).map("/".join),
    auth=AUTH,
)
def test_any_path_and_method_never_5xx(target, method, path, auth):
    server, session = target
    facts = server.facts
    for prefix in ("/", collection(target)):
        response = session.request(
            method,
            f"{facts.base_url}{prefix}{path}",
            headers={"Authorization": f"Token {facts.api_key}"},
        )
        assert response.status_code < 500, (method, prefix + path, response.text)
