"""Each registered fault changes the behaviour it names, and only when switched on.

Faulty servers are started in-process (each ``start()`` has its own database and fault
set); one test goes through ``spawn()`` and one through ``$REFERENCE_FAULTS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

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

    def json(self, suffix: str = "", **params):
        return self.get(suffix, **params).json()

    def post(self, suffix: str = "", **json) -> requests.Response:
        return self.http.post(self.base + suffix, json=json)

    def create(self, **fields) -> dict:
        response = self.post(**self.body(**fields))
        assert response.status_code in (200, 201), response.text
        return response.json()

    def count(self, **params) -> int:
        return self.json(limit=1000, **params)["count"]

    def seeded(self, request_id: int, *path: str):
        """A value of a seeded request's detailed object."""
        value = self.json(f"{request_id}/detailed/")
        for key in path:
            value = value[key]
        return value


# Seed facts the probes lean on (reference.seed): requests 1-14 are the main channel's,
# 15-18 the other channel's; reason 4 belongs to the other channel only; request 1's
# customer last name, request 7's order number and request 4's tracking number have no case
# twin.
OTHER_CHANNELS_REQUEST = 15
FOREIGN_REASON = 4


def _not_iso(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return True
    return False


def _ignored(param: str, *path: str):
    """Probe: filtering on a seeded value leaves the list whole."""
    return lambda api: api.count(**{param: api.seeded(1, *path)}) == api.count()


def _case_sensitive(param: str, request_id: int, *path: str):
    """Probe: the value with its case swapped finds nothing."""
    return lambda api: api.count(**{param: api.seeded(request_id, *path).swapcase()}) == 0


def _patched_not_stored(method: str):
    def probe(api: Api) -> bool:
        made = api.create(description="before")
        answer = api.http.request(method, f"{api.base}{made['id']}/", json={"description": "after"})
        return answer.json()["description"] == "after" and (
            api.json(f"{made['id']}/")["description"] == "before"
        )

    return probe


def _deleted_then_found(api: Api) -> bool:
    made = api.create()
    api.http.delete(f"{api.base}{made['id']}/")
    return api.get(f"{made['id']}/").status_code == 200


def _deleted(api: Api) -> requests.Response:
    return api.http.delete(f"{api.base}{api.create()['id']}/")


def _rejected(api: Api) -> tuple[requests.Response, int]:
    made = api.create()
    return api.http.post(f"{api.base}{made['id']}/reject/"), made["id"]


def _patch_400_changes(api: Api) -> bool:
    made = api.create(description="before")
    body = {"description": "after", "quantity": 0}
    answer = api.http.patch(f"{api.base}{made['id']}/", json=body)
    return answer.status_code == 400 and api.json(f"{made['id']}/")["description"] == "after"


def _next_page_repeats(api: Api) -> bool:
    first = [r["id"] for r in api.json(limit=5, page=1)["results"]]
    second = [r["id"] for r in api.json(limit=5, page=2)["results"]]
    return second[0] == first[-1]


def _readonly_patch(api: Api) -> bool:
    headers = {"Authorization": f"Token {api.facts.readonly_api_key}"}
    answer = requests.patch(f"{api.base}1/", json={"description": "ro"}, headers=headers)
    return answer.status_code == 200


def _content_type(api: Api, suffix: str) -> str:
    return api.get(suffix).headers["Content-Type"]


# Fault -> a probe that is true when the regression shows.  Each probe runs on a clean server
# (must be false) and on a server with only that fault (must be true).
PROBES: dict[str, Callable[[Api], bool]] = {
    # shape
    "flat_missing_status": lambda api: "status" not in api.json("1/"),
    "shape_flat_missing_id": lambda api: "id" not in api.json("1/"),
    "shape_flat_missing_created_date": lambda api: "created_date" not in api.json("1/"),
    "shape_order_item_as_string": lambda api: isinstance(api.json("1/")["order_item"], str),
    "shape_bad_created_date": lambda api: _not_iso(api.json("1/")["created_date"]),
    "shape_bad_uuid": lambda api: "-" not in api.json("1/")["uuid"],
    "shape_status_pending": lambda api: api.create()["status"] == "pending",
    "shape_detailed_flattened": lambda api: isinstance(api.json("1/detailed/")["order_item"], int),
    "shape_list_missing_count": lambda api: "count" not in api.json(),
    "shape_customer_email_number": lambda api: (
        not isinstance(api.seeded(1, "customer", "email"), str)
    ),
    "shape_order_number_int": lambda api: isinstance(
        api.seeded(1, "order_item", "order", "number"), int
    ),
    # status codes
    "create_returns_200": lambda api: api.post(**api.body()).status_code == 200,
    "status_delete_200_with_body": lambda api: (
        (answer := _deleted(api)).status_code == 200 and bool(answer.content)
    ),
    "status_reject_201": lambda api: _rejected(api)[0].status_code == 201,
    "status_create_missing_field_500": lambda api: (
        api.post(order_item=api.facts.order_items[-1], cancellation_type="cancel").status_code
        == 500
    ),
    "status_unknown_id_200_empty": lambda api: api.get("999999/").status_code == 200,
    # persistence
    "delete_keeps_object": lambda api: _deleted_then_found(api),
    "persist_patch_not_stored": _patched_not_stored("PATCH"),
    "persist_put_not_stored": _patched_not_stored("PUT"),
    "persist_reject_not_stored": lambda api: (
        (answer := _rejected(api))[0].json()["status"] == "rejected"
        and api.json(f"{answer[1]}/")["status"] != "rejected"
    ),
    "persist_patch_regenerates_uuid": lambda api: (
        (made := api.create())["uuid"]
        != api.http.patch(f"{api.base}{made['id']}/", json={"description": "x"}).json()["uuid"]
    ),
    # filters and pagination
    "filter_sku_ignored": _ignored("sku", "order_item", "product", "sku"),
    "filter_status_ignored": lambda api: api.count(status="rejected") == api.count(),
    "filter_customer_email_ignored": _ignored("customer_email", "customer", "email"),
    "filter_easy_return_code_ignored": _ignored("easy_return_code", "easy_return", "code"),
    "filter_order_id_ignored": _ignored("order_id", "order_item", "order", "pk"),
    "filter_number_case_sensitive": _case_sensitive("number", 7, "order_item", "order", "number"),
    "filter_customer_last_name_case_sensitive": _case_sensitive(
        "customer_last_name", 1, "customer", "last_name"
    ),
    "filter_tracking_number_case_sensitive": _case_sensitive(
        "tracking_number", 4, "order_item", "order", "tracking_number"
    ),
    "filter_date_placed_gte_as_gt": lambda api: (
        api.count(pk__in=1, date_placed__gte=api.seeded(1, "order_item", "order", "date_placed"))
        == 0
    ),
    "filter_date_placed_date_lte_as_lt": lambda api: (
        api.count(
            pk__in=1,
            date_placed__date__lte=api.seeded(1, "order_item", "order", "date_placed")[:10],
        )
        == 0
    ),
    "filter_pk_in_first_only": lambda api: api.count(pk__in="1,2,3") == 1,
    "page_repeats_item": _next_page_repeats,
    "page_count_off_by_one": lambda api: api.count(pk__in="1,2,3") == 4,
    "page_limit_ignored": lambda api: len(api.json(limit=3)["results"]) != 3,
    "page_next_missing": lambda api: api.json(limit=2)["next"] is None,
    "page_previous_wrong": lambda api: "page=3" in api.json(limit=2, page=3)["previous"],
    # auth and isolation
    "auth_detailed_retrieve_anonymous": lambda api: requests.get(f"{api.base}1/detailed/").ok,
    "auth_list_any_key": lambda api: (
        requests.get(api.base, headers={"Authorization": "Token not-a-key"}).ok
    ),
    "auth_other_channel_by_id": lambda api: api.get(f"{OTHER_CHANNELS_REQUEST}/").ok,
    "auth_other_channel_in_list": lambda api: api.count(pk__in=OTHER_CHANNELS_REQUEST) == 1,
    "auth_readonly_can_patch": _readonly_patch,
    # validation
    "invalid_enum_accepted": lambda api: (
        api.post(**api.body(cancellation_type="exchange")).status_code == 201
    ),
    "invalid_body_still_creates": lambda api: (
        (before := api.count()) is not None
        and api.post(**api.body(quantity=0)).status_code == 400
        and api.count() == before + 1
    ),
    "validation_quantity_zero_accepted": lambda api: (
        (answer := api.post(**api.body(quantity=0))).status_code == 201
        and answer.json()["quantity"] == 0
    ),
    "validation_unknown_order_item_accepted": lambda api: (
        api.post(**api.body(order_item=999999)).status_code == 201
    ),
    "validation_foreign_reason_accepted": lambda api: (
        api.post(**api.body(reason=FOREIGN_REASON)).status_code == 201
    ),
    "validation_patch_400_still_changes": _patch_400_changes,
    # robustness
    "robust_long_description_500": lambda api: (
        api.post(**api.body(description="x" * 1001)).status_code == 500
    ),
    "robust_unicode_holder_name_500": lambda api: (
        api.post(**api.body(holder_name="Ay\u015fe Y\u0131lmaz")).status_code == 500
    ),
    "robust_large_limit_500": lambda api: api.get(limit=501).status_code == 500,
    "robust_page_zero_500": lambda api: api.get(page=0).status_code == 500,
    "robust_unknown_parameter_500": lambda api: api.get(colour="red").status_code == 500,
    "robust_html_404": lambda api: _content_type(api, "999999/").startswith("text/html"),
    "robust_retrieve_text_plain": lambda api: _content_type(api, "1/").startswith("text/plain"),
}


@pytest.fixture
def faulty(request) -> Iterator[Api]:
    """A server with the fault named by the test's ``fault`` parameter."""
    with start(faults=[request.param]) as server:
        yield Api(server.facts)


@pytest.fixture(scope="module")
def clean() -> Iterator[Api]:
    with start() as server:
        yield Api(server.facts)


def test_every_fault_has_a_probe_and_a_category():
    assert set(PROBES) == set(faults.FAULTS)
    assert set(faults.CATEGORIES) == set(faults.FAULTS)
    assert len(set(faults.CATEGORIES.values())) == 7


@pytest.mark.parametrize("faulty", list(PROBES), indirect=True, ids=list(PROBES))
def test_a_fault_shows_only_when_switched_on(faulty, clean, request):
    # Given the probe for the fault, When it runs on a clean and on a faulty server,
    # Then only the faulty server shows the regression.
    probe = PROBES[request.node.callspec.params["faulty"]]
    assert not probe(clean)
    assert probe(faulty)


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
