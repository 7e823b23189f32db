"""PageNumberPagination with ``page`` and ``limit``, on both lists."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

LISTS = pytest.mark.parametrize("suffix", ["", "detailed"], ids=["list", "detailed"])


@LISTS
def test_default_limit_is_ten(http, url, suffix):
    body = http.get(url(suffix)).json()
    assert body["count"] > 10
    assert len(body["results"]) == 10
    assert body["previous"] is None


@LISTS
def test_pages_partition_the_collection(http, url, suffix):
    everything = [r["id"] for r in http.get(url(suffix), params={"limit": 1000}).json()["results"]]
    pages: list[int] = []
    page_url = url(suffix) + "?limit=4"
    while page_url:
        body = http.get(page_url).json()
        pages.extend(r["id"] for r in body["results"])
        page_url = body["next"]
    assert pages == everything
    assert everything == sorted(everything)


@LISTS
def test_next_and_previous_are_absolute(http, url, facts, suffix):
    body = http.get(url(suffix), params={"limit": 3, "page": 2}).json()
    for link in (body["next"], body["previous"]):
        assert link.startswith(facts.base_url + "/api/channel/")
    assert parse_qs(urlsplit(body["next"]).query)["page"] == ["3"]
    assert parse_qs(urlsplit(body["next"]).query)["limit"] == ["3"]


@LISTS
def test_last_page_has_no_next(http, url, suffix):
    count = http.get(url(suffix)).json()["count"]
    pages = -(-count // 5)
    body = http.get(url(suffix), params={"limit": 5, "page": pages}).json()
    assert body["next"] is None
    assert len(body["results"]) == count - 5 * (pages - 1)


@LISTS
def test_page_past_the_end_is_invalid_page(http, url, suffix):
    response = http.get(url(suffix), params={"page": 10_000})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


@LISTS
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("page", "0"),
        ("page", "-1"),
        ("page", "x"),
        ("page", "1.5"),
        ("page", ""),
        ("limit", "0"),
        ("limit", "-5"),
        ("limit", "ten"),
        ("limit", "2.5"),
        ("limit", ""),
    ],
)
def test_bad_page_or_limit_is_400(http, url, suffix, param, value):
    response = http.get(url(suffix), params={param: value})
    assert response.status_code == 400
    assert param in response.json()


@LISTS
def test_huge_limit_is_capped(http, url, suffix):
    response = http.get(url(suffix), params={"limit": 10**30})
    assert response.status_code == 200
    assert len(response.json()["results"]) == response.json()["count"]


def test_huge_page_is_past_the_end(http, url):
    assert http.get(url(), params={"page": 10**30}).status_code == 404
