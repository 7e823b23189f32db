"""The reference server's answers validate against the schemas written from the documentation,
lax and strict: the reference carries every documented field and no undocumented one."""

from __future__ import annotations

import pytest

from conformance import contract, schemas


@pytest.fixture
def answers(http, url, new_request, facts):
    """One answer per (operation, documented status) the reference can be made to give."""
    created = new_request(description="schema probe", quantity=1)
    spare = new_request()
    rid = created["id"]
    anonymous = {"Authorization": ""}
    out = {
        ("create", 201): created,
        ("list", 200): http.get(url("?limit=3")).json(),
        ("detailed_list", 200): http.get(url("detailed?limit=3")).json(),
        ("retrieve", 200): http.get(url(f"{rid}/")).json(),
        ("detailed_retrieve", 200): http.get(url(f"{rid}/detailed/")).json(),
        ("update", 200): http.put(url(f"{rid}/"), json={"description": "put"}).json(),
        ("partial_update", 200): http.patch(url(f"{rid}/"), json={"quantity": None}).json(),
        ("reject", 200): http.post(url(f"{rid}/reject/")).json(),
        ("reject", 400): http.post(url(f"{rid}/reject/")).json(),
        ("create", 400): http.post(url(), json={"reason": "x"}).json(),
        ("list", 400): http.get(url("?status=postponed")).json(),
        ("list", 401): http.get(url(), headers=anonymous).json(),
        ("retrieve", 404): http.get(url("999999999/")).json(),
        ("delete", 404): http.delete(url("999999999/")).json(),
    }
    http.delete(url(f"{spare['id']}/"))
    return out


def test_every_answer_validates_against_its_documented_schema(answers):
    for (operation, status), body in answers.items():
        shape = contract.OPERATIONS[operation].responses[status]
        assert schemas.validate(shape, body) == [], (operation, status)


def test_the_reference_sends_no_undocumented_field(answers):
    for (operation, status), body in answers.items():
        if status >= 400:
            continue  # error bodies are open by nature (field names are the request's)
        shape = contract.OPERATIONS[operation].responses[status]
        assert schemas.validate(shape, body, strict=True) == [], (operation, status)
