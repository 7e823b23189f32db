"""Build ``schemas/openapi.json`` (OpenAPI 3.1) from the contract table and the schema files.

Nothing in it is written by hand: operations, paths, status codes and filters come from
``conformance.contract``, bodies from the JSON Schema files, so the document cannot drift from what
the suite checks. The files are bundled into ``components/schemas`` (``$id``/``$schema`` dropped,
relative ``$ref``s rewritten to ``#/components/schemas/<name>``) because peer tools such as
Schemathesis and Prism load an OpenAPI document standalone. The output is deterministic (sorted
keys, trailing newline) so ``--check`` can compare it byte for byte with the committed file.

Run ``python -m conformance.openapi`` to rewrite it, ``--check`` to fail when it is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conformance import contract, schemas

OPENAPI_PATH = schemas.SCHEMA_DIR / "openapi.json"
_TITLE = "Akinon Omnitron SalesChannelCancellationRequests (as documented)"
_COMPONENT = "#/components/schemas/"
_DROPPED = ("$id", "$schema")

_FILTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "int_list": {"type": "array", "items": {"type": "integer"}},
    "str": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "date_time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
}
_PAGINATION = (
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Indicates the number of rows on the current page.",
        "schema": {"type": "integer", "minimum": 1, "default": 10},
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Specifies the page number of the current dataset",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
)
_PATH_PARAMS = {
    "channel_id": "The channel ID of the resource.",
    "id": "Unique identifier of the resource",
}


def _rewrite(node: Any) -> Any:
    """A schema node with file references turned into component references."""
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "$ref" and isinstance(value, str) and value.endswith(".json"):
            result[key] = _COMPONENT + Path(value).stem
        else:
            result[key] = _rewrite(value)
    return result


def _filter_parameter(spec: contract.Filter) -> dict[str, Any]:
    if spec.kind == "enum":
        schema: dict[str, Any] = {"type": "string", "enum": list(spec.enum)}
    else:
        schema = dict(_FILTER_SCHEMAS[spec.kind])
    parameter: dict[str, Any] = {
        "name": spec.name,
        "in": "query",
        "required": False,
        "description": spec.description,
        "schema": schema,
    }
    if spec.kind == "int_list":
        # "comma-separated list of integers": ?pk__in=1,2,3
        parameter.update(style="form", explode=False)
    return parameter


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "schema": {"type": "integer"},
        }
        for name, description in _PATH_PARAMS.items()
        if "{" + name + "}" in path
    ]


def _operation(op: contract.Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for code in sorted(op.responses):
        shape = op.responses[code]
        response: dict[str, Any] = {"description": op.descriptions.get(code, "")}
        if shape is not None:
            response["content"] = {"application/json": {"schema": {"$ref": _COMPONENT + shape}}}
        responses[str(code)] = response
    operation: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "parameters": _path_parameters(op.path),
        "responses": responses,
        "security": [{"Token": []}],
    }
    if op.paginated:
        operation["parameters"] += [*_PAGINATION, *map(_filter_parameter, op.filters)]
    if op.request_shape is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _COMPONENT + op.request_shape}}},
        }
    return operation


def build() -> dict[str, Any]:
    """The OpenAPI document for every operation of ``contract.OPERATIONS``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in contract.OPERATIONS.values():
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _TITLE,
            "version": "1.0.0",
            "description": (
                "Built by `python -m conformance.openapi` from conformance/contract.py and "
                "schemas/*.json; documentation contradictions are in docs/discrepancies.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {shape: _rewrite(schemas.schema(shape)) for shape in schemas.shapes()},
            "securitySchemes": {
                "Token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The value is `Token <api key>`.",
                }
            },
        },
        "security": [{"Token": []}],
    }


def render(document: dict[str, Any]) -> str:
    """The document as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(prog="python -m conformance.openapi", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file on disk is out of date"
    )
    parser.add_argument("--output", type=Path, default=OPENAPI_PATH, help="file to write")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output} is out of date: run python -m conformance.openapi", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
