"""Validate instances against the JSON Schemas in ``schemas/``, lax or strict.

The schema files are the single written form of the contract; the strict variant (no undocumented
properties) is derived from them here rather than written twice. It lives beside the lax one under
its own base URI (``.../schemas/strict/``), so the relative ``$ref``s between files resolve to the
strict siblings without rewriting a single reference. ``unevaluatedProperties: false`` is added to
every object shape except the mixins (files only ever applied through ``allOf``): on a mixin it
would see only the mixin's own properties and reject those of the object that includes it.

Files are read on first use, never at import. Errors come back as plain records with a JSONPath-like
``path`` so a report can say where a response broke without the caller knowing jsonschema.

jsonschema walks a large detailed object at a few hundred per second, too slow to validate every
response of a long suite. So each schema is also compiled into nested closures that only answer
"valid or not" for the keywords these files use; a valid instance (the usual case) returns at once,
and only an invalid one is handed to jsonschema, which stays the authority for the error list. A
schema using a keyword the compiler does not know is never compiled, and a test checks that both
agree on every example and every derived invalid instance.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "BASE_URI",
    "SCHEMA_DIR",
    "STRICT_BASE_URI",
    "SchemaError",
    "schema",
    "shapes",
    "validate",
]

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
BASE_URI = "https://cancellation-contract.invalid/schemas/"
STRICT_BASE_URI = BASE_URI + "strict/"
# Files in SCHEMA_DIR that are not JSON Schemas.
_NOT_SCHEMAS = frozenset({"openapi"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_VALUE_REPR = 60


@dataclass(frozen=True)
class SchemaError:
    """One way an instance breaks its schema: where, what, and which schema keyword said so."""

    path: str
    message: str
    schema_path: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def shapes() -> list[str]:
    """Every schema file's name without ``.json``: the shapes ``validate`` accepts."""
    return sorted(_documents())


def schema(shape: str, strict: bool = False) -> dict[str, Any]:
    """A copy of the schema of ``shape`` (the derived strict variant if ``strict``)."""
    documents = _strict_documents() if strict else _documents()
    try:
        return copy.deepcopy(documents[shape])
    except KeyError:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(shapes())}") from None


def validate(shape: str, instance: Any, *, strict: bool = False) -> list[SchemaError]:
    """Every error of ``instance`` against ``shape``, sorted by path; empty when it conforms."""
    validator = _validator(shape, strict)
    check = _fast_check(shape, strict)
    if check is not None and check(instance):
        return []
    errors = {e for error in validator.iter_errors(instance) for e in _convert(error)}
    return sorted(errors, key=lambda e: (e.path, e.schema_path, e.message))


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    documents = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        if path.stem in _NOT_SCHEMAS:
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        expected = BASE_URI + path.name
        if document.get("$id") != expected:
            raise ValueError(f"{path}: $id must be {expected!r}")
        documents[path.stem] = document
    return documents


def _mixins(documents: Mapping[str, dict[str, Any]]) -> frozenset[str]:
    """Files referenced from an ``allOf``: property sets that other objects include."""
    found: set[str] = set()
    for document in documents.values():
        for node in _subschemas(document):
            for member in node.get("allOf", ()):
                ref = member.get("$ref", "")
                if ref.endswith(".json") and "/" not in ref:
                    found.add(ref.removesuffix(".json"))
    return frozenset(found)


@functools.cache
def _strict_documents() -> dict[str, dict[str, Any]]:
    documents = _documents()
    mixins = _mixins(documents)
    strict = {}
    for shape, document in documents.items():
        derived = copy.deepcopy(document)
        derived["$id"] = STRICT_BASE_URI + shape + ".json"
        for node in _subschemas(derived):
            if node is derived and shape in mixins:
                continue
            if "properties" in node or "allOf" in node:
                node["unevaluatedProperties"] = False
        strict[shape] = derived
    return strict


def _subschemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside ``node`` (itself included), in document order."""
    if not isinstance(node, dict):
        return
    yield node
    for keyword in ("properties", "$defs"):
        for child in node.get(keyword, {}).values():
            yield from _subschemas(child)
    for keyword in ("items", "additionalProperties", "not"):
        yield from _subschemas(node.get(keyword))
    for keyword in ("allOf", "anyOf", "oneOf"):
        for child in node.get(keyword, ()):
            yield from _subschemas(child)


@functools.cache
def _registry() -> Registry:
    resources = [
        (document["$id"], Resource.from_contents(document, default_specification=DRAFT202012))
        for documents in (_documents(), _strict_documents())
        for document in documents.values()
    ]
    return Registry().with_resources(resources).crawl()


@functools.cache
def _validator(shape: str, strict: bool) -> Draft202012Validator:
    documents = _strict_documents() if strict else _documents()
    if shape not in documents:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(shapes())}")
    return Draft202012Validator(
        documents[shape],
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _json_path(parts: Iterator[str | int] | Any) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part)}]"
    return path


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_VALUE_REPR else text[: _MAX_VALUE_REPR - 3] + "..."


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _convert(error: ValidationError) -> Iterator[SchemaError]:
    path = list(error.absolute_path)
    schema_path = "/".join(str(part) for part in error.absolute_schema_path)
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "required":
        # One record per missing property, placed where the property should have been.
        for name in expected:
            if isinstance(value, dict) and name not in value:
                yield SchemaError(
                    _json_path([*path, name]), "required property is missing", schema_path
                )
        return
    if keyword == "type":
        types = expected if isinstance(expected, list) else [expected]
        message = f"expected {' or '.join(types)}, got {json_type(value)}"
    elif keyword == "enum":
        message = f"{_short(value)} is not one of {', '.join(map(_short, expected))}"
    elif keyword == "format":
        message = f"{_short(value)} is not a valid {expected}"
    elif keyword == "pattern":
        message = f"{_short(value)} does not match {expected}"
    elif keyword == "unevaluatedProperties":
        message = error.message.replace("Unevaluated properties", "Undocumented properties")
    elif keyword in ("anyOf", "oneOf"):
        message = f"matches none of the {len(expected)} documented alternatives"
    else:
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    yield SchemaError(_json_path(path), message, schema_path)


# The fast path: a closure per schema node answering "valid?" only.

Check = Callable[[Any], bool]


class _Unsupported(Exception):
    """A keyword the compiler does not implement: the shape is left to jsonschema alone."""


_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "readOnly", "default", "examples"}
)
_TYPES: dict[str, Check] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


@functools.cache
def _fast_check(shape: str, strict: bool) -> Check | None:
    documents = _strict_documents() if strict else _documents()
    by_uri = {d["$id"]: d for docs in (_documents(), _strict_documents()) for d in docs.values()}
    try:
        return _Compiler(by_uri).compile(documents[shape], documents[shape]["$id"])
    except _Unsupported:
        return None


class _Compiler:
    """Turns a schema node into a Check; ``$ref``s are followed by URI and compiled once."""

    def __init__(self, documents: Mapping[str, dict[str, Any]]) -> None:
        self._documents = documents
        self._compiled: dict[str, Check] = {}

    def _ref(self, uri: str) -> Check:
        if uri not in self._compiled:
            if uri not in self._documents:
                raise _Unsupported(uri)
            # A forward placeholder would be needed for recursive schemas; these files have none.
            self._compiled[uri] = self.compile(self._documents[uri], uri)
        return self._compiled[uri]

    def evaluated(self, node: dict[str, Any], base: str) -> set[str] | None:
        """Property names ``node`` evaluates on success (None: all of them)."""
        if "additionalProperties" in node:
            return None
        names = set(node.get("properties", ()))
        members = list(node.get("allOf", ()))
        if "$ref" in node:
            members.append({"$ref": node["$ref"]})
        for member in members:
            if "$ref" in member:
                uri = urljoin(base, member["$ref"])
                inner = self.evaluated(self._documents[uri], uri)
            else:
                inner = self.evaluated(member, base)
            if inner is None:
                return None
            names |= inner
        return names

    def compile(self, node: dict[str, Any], base: str) -> Check:
        base = node.get("$id", base)
        checks: list[Check] = []
        for keyword, value in node.items():
            if keyword in _ANNOTATIONS:
                continue
            checks.append(self._keyword(keyword, value, node, base))
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def _keyword(self, keyword: str, value: Any, node: dict[str, Any], base: str) -> Check:
        if keyword == "$ref":
            uri = urljoin(base, value)
            return lambda v: self._ref(uri)(v)
        if keyword == "type":
            tests = [_TYPES[t] for t in ([value] if isinstance(value, str) else value)]
            return lambda v: any(test(v) for test in tests)
        if keyword == "properties":
            props = [(name, self.compile(sub, base)) for name, sub in value.items()]
            return lambda v: (
                not isinstance(v, dict) or all(check(v[name]) for name, check in props if name in v)
            )
        if keyword == "required":
            names = tuple(value)
            return lambda v: not isinstance(v, dict) or all(name in v for name in names)
        if keyword == "additionalProperties":
            known = frozenset(node.get("properties", ()))
            item = self.compile(value, base) if isinstance(value, dict) else (lambda _: value)
            return lambda v: (
                not isinstance(v, dict) or all(item(x) for k, x in v.items() if k not in known)
            )
        if keyword == "unevaluatedProperties" and value is False:
            names = self.evaluated(node, base)
            if names is None:
                return lambda v: True
            allowed = frozenset(names)
            return lambda v: not isinstance(v, dict) or allowed.issuperset(v)
        if keyword == "items" and isinstance(value, dict):
            item = self.compile(value, base)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if keyword in ("allOf", "anyOf"):
            members = [self.compile(sub, base) for sub in value]
            combine = all if keyword == "allOf" else any
            return lambda v: combine(member(v) for member in members)
        if keyword == "enum":
            # Only string enums are written here; anything else would need JSON equality rules.
            if not all(isinstance(option, str) for option in value):
                raise _Unsupported(keyword)
            options = frozenset(value)
            return lambda v: isinstance(v, str) and v in options
        if keyword == "format":
            conforms = Draft202012Validator.FORMAT_CHECKER.conforms
            return lambda v: conforms(v, value)
        if keyword == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if keyword == "minimum":
            return lambda v: not _TYPES["number"](v) or v >= value
        if keyword == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        raise _Unsupported(keyword)
