"""Schemas proven against the documentation: its examples pass; breakage derived from them fails.

Invalid instances are derived from the documentation's own examples (each required field removed,
each value's type changed, each enum value and format broken, each nested object flattened to an
integer), so a field added to a schema or an example is covered without writing a test for it. Each
is checked against the exact JSON path the error must name.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from conformance import schemas
from conformance.schemas import SchemaError, validate

EXAMPLES_DIR = schemas.SCHEMA_DIR / "examples"
INDEX: dict[str, dict[str, Any]] = json.loads((EXAMPLES_DIR / "index.json").read_text())["examples"]

# Fields whose content the documents leave free: their descendants are not derived from.
FREE_FORM: dict[str, str] = {
    "attributes": "Entity/Customer attribute map, values of any type",
    "attributes_kwargs": "Entity map, values of any type",
    "attribute_kwargs": "Customer map (singular spelling), values of any type",
    "localized_attribute_kwargs": "Customer map, values of any type",
    "conf": "channel and data source configuration, values of any type",
    "extra_field": "free-form extra data on order, order item and customer",
    "cancellation_info": "free-form order cancellation data",
    "supplier_detail": "free-form data source detail",
    "easy_return_detail": "free-form data source detail",
    "extras": "free-form data source extras",
    "schema": "free-form channel schema",
    "translations": "CancellationReason.translations: documented as an object, nothing more",
    "pickup_date": "easy return pickup date: {} in every example, content unknown",
}
# Maps of objects: their values must be objects, the values' own content is free.
LOCALIZED: dict[str, str] = {
    "localized_attributes": "Entity map of language -> text objects",
    "localized_attributes_kwargs": "Entity map of objects",
}

FLAT_REQUIRED = {
    "id",
    "order_item",
    "reason",
    "cancellation_type",
    "status",
    "created_date",
    "modified_date",
}  # facts 2.1, exactly
DETAILED_REQUIRED = {"id", "order_item", "reason", "cancellation_type", "status"}
REASON_REQUIRED = {"cancellation_type", "subject"}
PAGE_REQUIRED = {"count", "next", "previous", "results"}
CREATE_REQUIRED = {"order_item", "reason", "cancellation_type"}
# shape -> [(path regex, required property names)]; every other object requires nothing.
REQUIRED: dict[str, list[tuple[str, set[str]]]] = {
    "cancellation_request": [(r"\$", FLAT_REQUIRED)],
    "cancellation_request_page": [(r"\$", PAGE_REQUIRED), (r"\$\.results\[\d+\]", FLAT_REQUIRED)],
    "cancellation_request_detailed": [(r"\$", DETAILED_REQUIRED), (r"\$\.reason", REASON_REQUIRED)],
    "cancellation_request_detailed_page": [
        (r"\$", PAGE_REQUIRED),
        (r"\$\.results\[\d+\]", DETAILED_REQUIRED),
        (r"\$\.results\[\d+\]\.reason", REASON_REQUIRED),
    ],
    "create_body": [(r"\$", CREATE_REQUIRED)],
    "update_body": [],
    "patch_body": [],
}
# Where a cancellation request's own status sits (other "status" fields are not this enum).
REQUEST_LEVEL = re.compile(r"^\$(\.results\[\d+\])?$")
ENUM_BREAK = "not-a-member"
FORMAT_BREAKS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^\d{4}-\d\d-\d\dT"), "2025-13-45T10:27:06Z", "date-time"),
    (re.compile(r"^\d{4}-\d\d-\d\d$"), "2025-13-45", "date"),
    (re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-"), "not-a-uuid", "uuid"),
    (re.compile(r"^[^@\s]+@[^@\s]+$"), "not-an-email", "email"),
]


def _load(name: str) -> Any:
    return json.loads((EXAMPLES_DIR / name).read_text())


def _json_path(parts: list[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _set(instance: Any, parts: list[str | int], value: Any) -> Any:
    if not parts:
        return value
    result = copy.deepcopy(instance)
    node = result
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    return result


def _delete(instance: Any, parts: list[str | int]) -> Any:
    result = copy.deepcopy(instance)
    node = result
    for part in parts[:-1]:
        node = node[part]
    del node[parts[-1]]
    return result


def _parse_path(path: str) -> list[str | int]:
    return [int(i) if i else k for k, i in re.findall(r"\.(\w+)|\[(\d+)\]", path)]


def _repaired(name: str) -> Any:
    """The example, with its documented contradiction (if any) repaired."""
    instance = _load(name)
    contradiction = INDEX[name].get("contradiction")
    for path, value in (contradiction or {}).get("repair", {}).items():
        if isinstance(value, str) and value.startswith("@"):
            value = _load(value[1:] + ".json")
        instance = _set(instance, _parse_path(path), value)
    return instance


def _walk(value: Any, parts: list[str | int]) -> Iterator[tuple[list[str | int], Any]]:
    """(path, value) of everything under ``value`` that the schemas constrain."""
    yield parts, value
    children: Any = ()
    if isinstance(value, dict):
        key = parts[-1] if parts else None
        if key in FREE_FORM:
            return
        parent = parts[-2] if len(parts) > 1 else None
        if parent in LOCALIZED:
            return
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    for child_key, child in children:
        yield from _walk(child, [*parts, child_key])


def _bases() -> list[tuple[str, str, Any]]:
    """(example name, shape, repaired instance), one per distinct shape and content."""
    seen: set[tuple[str, str]] = set()
    bases = []
    for name, entry in sorted(INDEX.items()):
        instance = _repaired(name)
        key = (entry["shape"], json.dumps(instance, sort_keys=True))
        if key not in seen:
            seen.add(key)
            bases.append((name.removesuffix(".json"), entry["shape"], instance))
    return bases


def _wrong_type(value: Any) -> Any:
    if isinstance(value, dict | list):
        return 1  # a nested object (or list) flattened to an integer
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return "text"
    return True


def _required_at(shape: str, path: str) -> set[str]:
    return next((names for rx, names in REQUIRED.get(shape, ()) if re.fullmatch(rx, path)), set())


def _mutations() -> Iterator[Any]:
    for example, shape, base in _bases():
        for parts, value in _walk(base, []):
            path = _json_path(parts)
            if isinstance(value, dict):
                for key in value:
                    if key in _required_at(shape, path):
                        yield pytest.param(
                            shape,
                            _delete(base, [*parts, key]),
                            _json_path([*parts, key]),
                            id=f"{example}:remove-required:{_json_path([*parts, key])}",
                        )
            if parts and value is not None:
                yield pytest.param(
                    shape,
                    _set(base, parts, _wrong_type(value)),
                    path,
                    id=f"{example}:wrong-type:{path}",
                )
            key = parts[-1] if parts else None
            parent = _json_path(parts[:-1])
            if key == "cancellation_type" or (key == "status" and REQUEST_LEVEL.match(parent)):
                yield pytest.param(
                    shape, _set(base, parts, ENUM_BREAK), path, id=f"{example}:enum:{path}"
                )
            if key == "status" and not REQUEST_LEVEL.match(parent) and "order" in parent:
                yield pytest.param(
                    shape, _set(base, parts, "waiting"), path, id=f"{example}:order-status:{path}"
                )
            if key in ("next", "previous"):
                yield pytest.param(
                    shape, _set(base, parts, "not a uri"), path, id=f"{example}:format-uri:{path}"
                )
            if isinstance(value, str):
                for pattern, broken, fmt in FORMAT_BREAKS:
                    if pattern.match(value):
                        yield pytest.param(
                            shape,
                            _set(base, parts, broken),
                            path,
                            id=f"{example}:format-{fmt}:{path}",
                        )
                        break


def _optional_removals() -> Iterator[Any]:
    for example, shape, base in _bases():
        for parts, value in _walk(base, []):
            if not isinstance(value, dict):
                continue
            path = _json_path(parts)
            for key in sorted(set(value) - _required_at(shape, path)):
                yield pytest.param(
                    shape,
                    _delete(base, [*parts, key]),
                    id=f"{example}:remove-optional:{_json_path([*parts, key])}",
                )


def _object_paths() -> Iterator[Any]:
    for example, shape, base in _bases():
        for parts, value in _walk(base, []):
            key = parts[-1] if parts else None
            parent = parts[-2] if len(parts) > 1 else None
            maps = {*FREE_FORM, *LOCALIZED}
            if isinstance(value, dict) and key not in maps and parent not in LOCALIZED:
                path = _json_path(parts)
                yield pytest.param(shape, base, parts, id=f"{example}:extra:{path}")


# -- the documentation's examples ------------------------------------------------------------


def test_index_lists_every_example() -> None:
    on_disk = {p.name for p in EXAMPLES_DIR.glob("*.json")} - {"index.json"}
    assert on_disk == set(INDEX)
    assert {entry["shape"] for entry in INDEX.values()} <= set(schemas.shapes())


@pytest.mark.parametrize(
    "name", sorted(n for n, e in INDEX.items() if "contradiction" not in e), ids=str
)
def test_example_conforms(name: str) -> None:
    shape = INDEX[name]["shape"]
    instance = _load(name)
    assert validate(shape, instance) == []
    # The examples show only documented properties: the strict variant accepts them too.
    assert validate(shape, instance, strict=True) == []


@pytest.mark.parametrize(
    "name", sorted(n for n, e in INDEX.items() if "contradiction" in e), ids=str
)
def test_contradicting_example_fails_where_recorded(name: str) -> None:
    entry = INDEX[name]
    errors = validate(entry["shape"], _load(name))
    assert sorted({e.path for e in errors}) == sorted(entry["contradiction"]["errors"])
    # Repaired as recorded, nothing else is wrong with it.
    assert validate(entry["shape"], _repaired(name)) == []
    assert validate(entry["shape"], _repaired(name), strict=True) == []


def test_contradictions_are_recorded_in_discrepancies() -> None:
    text = (schemas.SCHEMA_DIR.parent / "docs" / "discrepancies.md").read_text()
    for entry in INDEX.values():
        if "contradiction" in entry:
            assert f"## {entry['contradiction']['discrepancy']} " in text


# -- breakage derived from them --------------------------------------------------------------


@pytest.mark.parametrize(("shape", "instance", "path"), list(_mutations()))
def test_breakage_is_rejected_at_its_path(shape: str, instance: Any, path: str) -> None:
    errors = validate(shape, instance)
    assert errors, "accepted"
    assert {e.path for e in errors} == {path}, errors


@pytest.mark.parametrize(("shape", "instance"), list(_optional_removals()))
def test_optional_property_may_be_missing(shape: str, instance: Any) -> None:
    assert validate(shape, instance) == []


@pytest.mark.parametrize(("shape", "base", "parts"), list(_object_paths()))
def test_undocumented_property_is_reported_by_strict_only(
    shape: str, base: Any, parts: list[str | int]
) -> None:
    node = base
    for part in parts:
        node = node[part]
    instance = _set(base, [*parts, "undocumented_extra"], 1)
    assert validate(shape, instance) == []
    errors = validate(shape, instance, strict=True)
    assert [e.path for e in errors] == [_json_path(parts)], errors
    assert "undocumented_extra" in errors[0].message


# -- readings the documents allow ------------------------------------------------------------


def _flat() -> dict[str, Any]:
    return _load("retrieve.200.json")


def _detailed() -> dict[str, Any]:
    return _repaired("detailed_retrieve.200.json")


ACCEPTED = {
    # no required list is documented for 401/404 bodies (D15)
    "404 without detail": ("error_detail", {}),
    "easy_return null": ("cancellation_request", _set(_flat(), ["easy_return"], None)),
    "pickup_date as date-time": (
        "cancellation_request",
        _set(_flat(), ["easy_return", "pickup_date"], "2025-05-22T10:27:06Z"),
    ),
    "pickup_date null": (
        "cancellation_request",
        _set(_flat(), ["easy_return", "pickup_date"], None),
    ),
    "quantity null": ("cancellation_request", _set(_flat(), ["quantity"], None)),
    "description null": ("cancellation_request", _set(_flat(), ["description"], None)),
    "amount as decimal string": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "order", "amount"], "13.49"),
    ),
    "order status as number": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "status"], 400),
    ),
    "order status as numeric string": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "order", "status"], "50"),
    ),
    "datasource null": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "datasource"], None),
    ),
    "category_tree as id": (
        "cancellation_request_detailed",
        _set(_detailed(), ["channel", "category_tree"], 3),
    ),
    "relative next link": (
        "cancellation_request_page",
        {
            "count": 0,
            "next": "/api/channel/5/cancellation_requests/?page=2",
            "previous": None,
            "results": [],
        },
    ),
    "last page": (
        "cancellation_request_page",
        {"count": 0, "next": None, "previous": None, "results": []},
    ),
    "create with quantity 0 (no documented minimum)": (
        "create_body",
        {"order_item": 1, "reason": 1, "cancellation_type": "cancel", "quantity": 0},
    ),
    "empty PUT body": ("update_body", {}),
    "empty PATCH body": ("patch_body", {}),
    "400 field errors": ("error_validation", {"order_item": ["This field is required."]}),
    "400 literal field": ("error_validation", {"field": ["x"], "code": "required"}),
    "400 non-field errors": (
        "error_validation",
        {"non_field_errors": ["Not allowed."], "code": "x"},
    ),
    "400 detail": ("error_validation", {"detail": "Invalid.", "code": "invalid"}),
    "400 empty (matches every branch)": ("error_validation", {}),
    "400 non_field_errors as a string (the detail branch is open)": (
        "error_validation",
        {"non_field_errors": "x"},
    ),
    "404 detail": ("error_detail", {"detail": "Not found."}),
    "401 detail and code": ("error_detail", {"detail": "Invalid token.", "code": "auth"}),
}


@pytest.mark.parametrize(("shape", "instance"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_documented_reading_is_accepted(shape: str, instance: Any) -> None:
    assert validate(shape, instance) == []


REJECTED = {
    "undocumented request status": (
        "cancellation_request",
        _set(_flat(), ["status"], "completed"),
        "$.status",
    ),
    "response quantity 0": ("cancellation_request", _set(_flat(), ["quantity"], 0), "$.quantity"),
    "id as string": ("cancellation_request", _set(_flat(), ["id"], "1"), "$.id"),
    "reason subject too long": (
        "cancellation_request_detailed",
        _set(_detailed(), ["reason", "subject"], "x" * 101),
        "$.reason.subject",
    ),
    "amount not a decimal": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "order", "amount"], "12,50"),
        "$.order_item.order.amount",
    ),
    "order item flattened": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item"], 1),
        "$.order_item",
    ),
    "order null": (
        "cancellation_request_detailed",
        _set(_detailed(), ["order_item", "order"], None),
        "$.order_item.order",
    ),
    "create without order_item": (
        "create_body",
        {"reason": 1, "cancellation_type": "cancel"},
        "$.order_item",
    ),
    "PATCH bad status": ("patch_body", {"status": "done"}, "$.status"),
    "400 code not a string": ("error_validation", {"code": 1}, "$"),
    "400 as list": ("error_validation", ["x"], "$"),
    "404 detail not a string": ("error_detail", {"detail": ["x"]}, "$.detail"),
}


@pytest.mark.parametrize(("shape", "instance", "path"), list(REJECTED.values()), ids=list(REJECTED))
def test_breakage_is_rejected(shape: str, instance: Any, path: str) -> None:
    assert {e.path for e in validate(shape, instance)} == {path}


# -- the module itself -----------------------------------------------------------------------


def test_every_file_has_its_id_and_draft() -> None:
    for shape in schemas.shapes():
        document = schemas.schema(shape)
        assert document["$id"] == f"{schemas.BASE_URI}{shape}.json"
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_strict_variant_is_derived_not_written() -> None:
    assert "unevaluatedProperties" not in json.dumps([schemas.schema(s) for s in schemas.shapes()])
    strict = schemas.schema("cancellation_request", strict=True)
    assert strict["unevaluatedProperties"] is False
    assert strict["$id"] == f"{schemas.STRICT_BASE_URI}cancellation_request.json"
    # On a mixin it would reject the properties of the object that includes it.
    assert "unevaluatedProperties" not in schemas.schema("entity", strict=True)


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_fast_path_agrees_with_jsonschema(strict: bool) -> None:
    instances = [(shape, base) for _, shape, base in _bases()]
    instances += [param.values[:2] for param in _mutations()]
    for shape, instance in instances:
        check = schemas._fast_check(shape, strict)
        assert check is not None, shape
        slow = not list(schemas._validator(shape, strict).iter_errors(instance))
        assert check(instance) is slow, (shape, instance)


def test_json_path_quotes_odd_keys() -> None:
    errors = validate("cancellation_request", _set(_flat(), ["localized_attributes"], {"a b": 1}))
    assert errors == [
        SchemaError(
            '$.localized_attributes["a b"]',
            "expected object, got integer",
            "allOf/1/properties/localized_attributes/additionalProperties/type",
        )
    ]
    errors = validate("cancellation_request", _set(_flat(), ["attributes"], []))
    assert [e.path for e in errors] == ["$.attributes"]


def test_unknown_shape_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        validate("nope", {})


def test_schema_returns_a_copy() -> None:
    schemas.schema("cancellation_request")["title"] = "changed"
    assert schemas.schema("cancellation_request")["title"] == "CancellationRequest"
