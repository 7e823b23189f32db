"""The committed OpenAPI document is current, valid, and says what the contract table says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_spec

from conformance import contract, openapi, schemas


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The document as built now."""
    return openapi.build()


def test_committed_file_is_up_to_date(document: dict[str, Any]) -> None:
    assert openapi.OPENAPI_PATH.read_text() == openapi.render(document)
    assert openapi.main(["--check"]) == 0


def test_check_fails_on_a_stale_file(tmp_path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    assert openapi.main(["--check", "--output", str(stale)]) == 1


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate_spec(document)


def test_build_is_deterministic() -> None:
    assert openapi.render(openapi.build()) == openapi.render(openapi.build())


def test_every_operation_and_status_is_there(document: dict[str, Any]) -> None:
    for op in contract.OPERATIONS.values():
        operation = document["paths"][op.path][op.method.lower()]
        assert operation["operationId"] == op.name
        assert set(operation["responses"]) == {str(code) for code in op.responses}
        for code, shape in op.responses.items():
            response = operation["responses"][str(code)]
            if shape is None:
                assert "content" not in response
            else:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == f"#/components/schemas/{shape}"


def test_detailed_list_path_has_no_trailing_slash(document: dict[str, Any]) -> None:
    assert "/api/channel/{channel_id}/cancellation_requests/detailed" in document["paths"]


def test_list_parameters(document: dict[str, Any]) -> None:
    params = {p["name"]: p for p in document["paths"][contract.COLLECTION]["get"]["parameters"]}
    assert params["pk__in"]["style"] == "form"
    assert params["pk__in"]["explode"] is False
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["status"]["schema"]["enum"] == list(contract.REQUEST_STATUSES)
    assert params["customer_email"]["schema"]["format"] == "email"
    assert params["channel_id"]["in"] == "path"
    detailed = document["paths"][contract.DETAILED_COLLECTION]["get"]["parameters"]
    assert "date_placed" in params
    assert "date_placed" not in {p["name"] for p in detailed}


def test_components_are_standalone(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert '.json"' not in text.replace("openapi.json", "")
    assert "$id" not in text
    assert set(document["components"]["schemas"]) == set(schemas.shapes())
    token = document["components"]["securitySchemes"]["Token"]
    assert token == {**token, "type": "apiKey", "in": "header", "name": "Authorization"}
