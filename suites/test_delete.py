"""DELETE (.../{id}/): "Cancellation request deleted successfully", 204 with no content; after
which the request "does not exist" (404) for every id operation and is in no list."""

from __future__ import annotations

import pytest

from conformance import checks

pytestmark = pytest.mark.writes


@pytest.mark.claim("CR-DELETE-204")
def test_delete_answers_204_with_no_content(api, new_request):
    created = new_request()
    exchange = api.delete(created["id"])
    checks.status_code_is(exchange, 204, claim="CR-DELETE-204")
    checks.body_is_empty(exchange, claim="CR-DELETE-204")


@pytest.mark.claim("CR-DELETE-GONE", "CR-404")
@pytest.mark.parametrize(
    ("operation", "body"),
    [
        pytest.param("retrieve", None, id="retrieve"),
        pytest.param("detailed_retrieve", None, id="detailed_retrieve"),
        pytest.param("update", {"description": "after delete"}, id="update"),
        pytest.param("partial_update", {"description": "after delete"}, id="partial_update"),
        pytest.param("reject", None, id="reject"),
        pytest.param("delete", None, id="delete"),
    ],
)
def test_a_deleted_request_is_404_for_every_id_operation(api, gone_id, operation, body):
    exchange = api.call(operation, id=gone_id, json_body=body)
    checks.status_code_is(exchange, 404, claim="CR-DELETE-GONE")


@pytest.mark.claim("CR-DELETE-GONE")
@pytest.mark.parametrize("operation", ["list", "detailed_list"])
def test_a_deleted_request_is_in_no_list(api, new_request, operation):
    kept, deleted = new_request(), new_request()
    checks.status_code_is(api.delete(deleted["id"]), 204, claim="CR-DELETE-204")
    exchange = api.call(operation, query={"pk__in": [kept["id"], deleted["id"]]})
    checks.membership_is(
        exchange,
        present=[kept["id"]],
        absent=[deleted["id"]],
        claim="CR-DELETE-GONE",
        title="A deleted request is still listed",
    )
