"""Each registered fault changes the behaviour it names, and only when switched on.

Faulty servers are started in-process (each ``start()`` has its own database and fault
set); one test goes through ``spawn()`` and one through ``$REFERENCE_FAULTS``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from reference import faults
from reference.server import RunningServer, spawn, start


class Api:
    """A tiny client over one server's main channel."""

    def __init__(self, facts) -> None:
        self.facts = facts
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Token {facts.api_key}"
        self.base = f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/"

    def body(self, **fields) -> dict:
        f = self.facts
        return {
            "order_item": f.order_items[-1],
            "reason": f.reasons[0],
            "cancellation_type": "cancel",
            **fields,
        }

    def get(self, suffix: str = "", **params) -> requests.Response:
        return self.http.get(self.base + suffix, params=params)

    def count(self) -> int:
        return self.get(limit=1000).json()["count"]


@pytest.fixture
def faulty(request) -> Iterator[Api]:
    """A server with the fault named by the test's ``fault`` parameter."""
    with start(faults=[request.param]) as server:
        yield Api(server.facts)


@pytest.fixture(scope="module")
def clean() -> Iterator[Api]:
    with start() as server:
        yield Api(server.facts)


def with_fault(name: str):
    return pytest.mark.parametrize("faulty", [name], indirect=True, ids=[name])


def test_every_fault_is_tested_here():
    tested = {
        "create_returns_200",
        "flat_missing_status",
        "filter_sku_ignored",
        "delete_keeps_object",
        "invalid_enum_accepted",
        "invalid_body_still_creates",
        "filter_number_case_sensitive",
        "page_repeats_item",
    }
    assert set(faults.FAULTS) == tested


@with_fault("create_returns_200")
def test_create_returns_200(faulty, clean):
    assert clean.http.post(clean.base, json=clean.body()).status_code == 201
    assert faulty.http.post(faulty.base, json=faulty.body()).status_code == 200


@with_fault("flat_missing_status")
def test_flat_missing_status(faulty, clean):
    assert "status" in clean.get("1/").json()
    assert "status" not in faulty.get("1/").json()
    assert all("status" not in r for r in faulty.get().json()["results"])
    assert "status" in faulty.get("1/detailed/").json()


@with_fault("filter_sku_ignored")
def test_filter_sku_ignored(faulty, clean):
    sku = clean.get("1/detailed/").json()["order_item"]["product"]["sku"]
    assert clean.get(sku=sku, limit=1000).json()["count"] < clean.count()
    assert faulty.get(sku=sku, limit=1000).json()["count"] == faulty.count()


@with_fault("delete_keeps_object")
def test_delete_keeps_object(faulty, clean):
    created = {}
    for api in (clean, faulty):
        created[api] = api.http.post(api.base, json=api.body()).json()["id"]
        assert api.http.delete(f"{api.base}{created[api]}/").status_code == 204
    assert clean.get(f"{created[clean]}/").status_code == 404
    assert faulty.get(f"{created[faulty]}/").status_code == 200


@with_fault("invalid_enum_accepted")
def test_invalid_enum_accepted(faulty, clean):
    body = clean.body(cancellation_type="exchange")
    assert clean.http.post(clean.base, json=body).status_code == 400
    response = faulty.http.post(faulty.base, json=body)
    assert response.status_code == 201
    assert faulty.get(f"{response.json()['id']}/").json()["cancellation_type"] == "exchange"


@with_fault("invalid_body_still_creates")
def test_invalid_body_still_creates(faulty, clean):
    for api in (clean, faulty):
        before = api.count()
        assert api.http.post(api.base, json=api.body(quantity=0)).status_code == 400
        grew = api.count() - before
        assert grew == (1 if api is faulty else 0)


@with_fault("filter_number_case_sensitive")
def test_filter_number_case_sensitive(faulty, clean):
    # Request 7's order number has no case twin in the seed (request 1's has).
    number = clean.get("7/detailed/").json()["order_item"]["order"]["number"]
    assert clean.get(number=number.swapcase()).json()["count"] > 0
    assert faulty.get(number=number.swapcase()).json()["count"] == 0
    assert faulty.get(number=number).json()["count"] > 0


@with_fault("page_repeats_item")
def test_page_repeats_item(faulty, clean):
    for api in (clean, faulty):
        first = [r["id"] for r in api.get(limit=5, page=1).json()["results"]]
        second = [r["id"] for r in api.get(limit=5, page=2).json()["results"]]
        if api is clean:
            assert not set(first) & set(second)
    assert second[0] == first[-1]


def test_faults_are_per_server(clean):
    with start(faults=["create_returns_200"]) as server:
        faulty = Api(server.facts)
        assert faulty.http.post(faulty.base, json=faulty.body()).status_code == 200
        assert clean.http.post(clean.base, json=clean.body()).status_code == 201


def test_spawned_server_with_a_fault():
    with spawn(faults=["create_returns_200"]) as server:
        api = Api(server.facts)
        assert api.http.post(api.base, json=api.body()).status_code == 200
    assert server.process.returncode is not None


def test_environment_variable_switches_faults_on(monkeypatch):
    monkeypatch.setenv(faults.ENV_VAR, "flat_missing_status")
    with start() as server:
        assert "status" not in Api(server.facts).get("1/").json()


@pytest.mark.parametrize("entry", [start, spawn], ids=["start", "spawn"])
def test_unknown_fault_is_an_error_naming_known_ones(entry):
    with pytest.raises(faults.UnknownFaultError, match="create_returns_200"):
        entry(faults=["nope"])


def test_start_gives_a_fresh_database_each_time(reference_server: RunningServer):
    with start() as first:
        api = Api(first.facts)
        api.http.post(api.base, json=api.body())
        grown = api.count()
    with start() as second:
        assert Api(second.facts).count() == grown - 1
