"""Unknown ids: "The given resource or object was not found or does not exist." (404) on every
operation that takes an id."""

from __future__ import annotations

import pytest

from conformance import checks, contract

ID_OPERATIONS = [
    pytest.param(name, marks=[pytest.mark.writes] if op.writes else [], id=name)
    for name, op in contract.OPERATIONS.items()
    if "{id}" in op.path
]
BODIES = {"update": {"description": "x"}, "partial_update": {"description": "x"}}


@pytest.mark.claim("CR-404")
@pytest.mark.writes
@pytest.mark.parametrize("operation", ID_OPERATIONS)
def test_an_unknown_id_is_404(api, gone_id, operation):
    exchange = api.call(operation, id=gone_id, json_body=BODIES.get(operation))
    checks.status_code_is(exchange, 404, claim="CR-404")


@pytest.mark.claim("CR-NO-5XX")
@pytest.mark.parametrize("operation", ID_OPERATIONS)
@pytest.mark.parametrize(
    "odd_id",
    [
        pytest.param("0", id="zero"),
        pytest.param("-1", id="negative"),
        pytest.param("99999999999999999999999", id="beyond-64-bits"),
        pytest.param("abc", id="text"),
        pytest.param("%C3%A7", id="unicode"),
    ],
)
def test_an_odd_id_is_answered_without_a_server_error(api, operation, odd_id, observe):
    # The path parameter is documented as an integer; 400 ("data is invalid") and 404 both
    # describe an id that cannot exist, so either conforms. Outside the integer domain a
    # framework may answer before the API does (an HTML 404, say): only no-5xx is asked there.
    exchange = api.call(
        operation, id=odd_id, json_body=BODIES.get(operation), outside_contract=odd_id != "0"
    )
    checks.status_code_is(exchange, 400, 404, claim="CR-NO-5XX")
    observe("odd ids", f"{operation} with id {odd_id!r} answers {exchange.status}")
