"""Hypothesis strategies derived from schemas/ and the target's own data, and the run profiles.

Request bodies are drawn by walking the request-body schema files themselves (``from_schema``: a
small walker over the part of JSON Schema those files use), so a generator cannot drift from the
validator that reads the same file; a keyword the walker does not know is an error, never silently
ignored. hypothesis-jsonschema would do the walking, but its last release (0.23.1) fails on object
schemas with optional properties under hypothesis 6.170.10 and later, and holding the whole suite
to an older hypothesis for three flat schemas is the worse trade.

What the documents leave open or say elsewhere is not guessed by the walker: it is written once,
in ``refinements`` (the target's own ids, the run marker, bounds a conforming target may impose),
each with its reason. Invalid bodies are valid ones with exactly one rule broken, labelled with
the rule and the field a 400 should name, and never a value a conforming server may coerce.

Profiles: ``quick`` for CI, ``thorough`` for release validation, ``deterministic`` (derandomized,
no example database) whenever cassettes are recorded or replayed, so the same requests are
generated again. Deadlines are off: every example waits on the network.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from conformance import contract, oracle, schemas

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from conformance.targets import Target

_COMMON = {
    "deadline": None,
    # explain re-runs a shrunk failure many times to annotate it; over the network that costs
    # more than the shrinking itself, and the steps and the violation already say what broke
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}

# stateful_step_count bounds one life-cycle sequence; failures shrink far below it anyway.
PROFILES: dict[str, dict] = {
    "quick": {"max_examples": 15, "stateful_step_count": 10, **_COMMON},
    "thorough": {"max_examples": 200, "stateful_step_count": 25, **_COMMON},
    "deterministic": {
        "max_examples": 15,
        "stateful_step_count": 10,
        "derandomize": True,
        "database": None,
        **_COMMON,
    },
}

for _name, _values in PROFILES.items():
    settings.register_profile(_name, **_values)


def load_profile(name: str) -> None:
    settings.load_profile(name)


# --- text ---------------------------------------------------------------------------------------

# Any character a JSON string carries as it is: the utf-8 codec leaves out lone surrogates, and
# NUL goes too, since no text column of a SQL database stores it (DRF refuses it for that reason).
_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
# Characters that break naive escaping, trimming, collation or byte counting.
EDGE_CHARACTERS = (
    '"\\/\b\f\n\r\t\x01\x1f\x7f'
    "\u00a0\u00ad\u00df\u0130\u0131\u0301\u200b\u200d\u200e\u200f\u2028\u2029\ufeff\ufffd"
    "\U0001f600\U0001f1f9\U0001f1f7\U00010348"
)
_SHORT = 40


def texts(max_size: int) -> SearchStrategy[str]:
    """Short unicode text, text of edge characters, and (room permitting) long repetitive text."""
    short = st.text(_CHARACTERS, max_size=min(max_size, _SHORT))
    edgy = st.text(st.sampled_from(EDGE_CHARACTERS) | _CHARACTERS, max_size=min(max_size, 12))
    if max_size <= _SHORT:
        return short | edgy
    return short | edgy | _long_texts(max_size)


# Values are built in composites rather than by map or builds throughout: hypothesis prints a
# mapped value as the call that made it, and a falsifying example must show the value itself.
@st.composite
def _long_texts(draw: st.DrawFn, max_size: int) -> str:
    # Repeating a short piece reaches the size limit without paying for random bytes.
    piece = draw(st.text(_CHARACTERS, min_size=1, max_size=8))
    size = draw(st.integers(_SHORT, max_size))
    return (piece * (size // len(piece) + 1))[:size]


# --- bodies from the schema files ---------------------------------------------------------------

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "readOnly", "examples"}
)
_KNOWN = _ANNOTATIONS | {
    "$ref",
    "type",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "properties",
    "required",
}
LONG_TEXT = 2000


def resolve(node: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with a ``$ref`` to a sibling file replaced by that file's schema."""
    if "$ref" not in node:
        return dict(node)
    extra = set(node) - _ANNOTATIONS - {"$ref"}
    if extra:
        raise ValueError(f"$ref beside {sorted(extra)} is not supported by the walker")
    return resolve(schemas.schema(node["$ref"].removesuffix(".json")))


def types_of(node: Mapping[str, Any]) -> list[str]:
    """The JSON types a (resolved) schema node allows."""
    kind = resolve(node).get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def from_node(
    node: Mapping[str, Any], refined: SearchStrategy[Any] | None = None, *, null: bool = True
) -> SearchStrategy[Any]:
    """Values valid against one schema node; ``refined`` draws the non-null ones instead."""
    node = resolve(node)
    unknown = set(node) - _KNOWN
    if unknown:
        raise ValueError(f"the schema walker does not know {sorted(unknown)}")
    kinds = types_of(node)
    if "enum" in node:
        values = st.sampled_from(node["enum"])
        return st.none() | values if "null" in kinds and null else values
    branches: list[SearchStrategy[Any]] = []
    for kind in kinds:
        if kind == "null":
            if null:
                branches.insert(0, st.none())
        elif refined is not None:
            branches.append(refined)
        elif kind == "integer":
            branches.append(st.integers(node.get("minimum"), node.get("maximum")))
        elif kind == "boolean":
            branches.append(st.booleans())
        elif kind == "string":
            size = node.get("maxLength", LONG_TEXT)
            branches.append(texts(size).filter(lambda s: len(s) >= node.get("minLength", 0)))
        else:
            raise ValueError(f"the schema walker does not generate {kind!r} values")
    return st.one_of(branches)


def from_schema(
    shape: str,
    refine: Mapping[str, SearchStrategy[Any]] | None = None,
    *,
    present: Iterable[str] = (),
    every_property: bool = False,
    non_null: Iterable[str] = (),
) -> SearchStrategy[dict[str, Any]]:
    """Objects valid against ``schemas/<shape>.json``; ``refine`` draws a property's non-null
    values instead of the walker, ``present`` (or ``every_property``) forces optional ones in,
    ``non_null`` keeps nullable ones from being null."""
    document = resolve(schemas.schema(shape))
    if types_of(document) != ["object"]:
        raise ValueError(f"{shape} is not an object schema")
    refine = refine or {}
    unknown = set(document) - _KNOWN
    if unknown:
        raise ValueError(f"the schema walker does not know {sorted(unknown)}")
    properties = document.get("properties", {})
    forced = set(document.get("required", ())) | set(present)
    if every_property:
        forced |= set(properties)
    non_null = set(non_null)
    strategies = {
        name: from_node(node, refine.get(name), null=name not in non_null)
        for name, node in properties.items()
    }
    # in the schema's order, not the set's: hash order varies between runs, and replays must
    # draw the same bodies again
    required = {name: value for name, value in strategies.items() if name in forced}
    optional = {name: value for name, value in strategies.items() if name not in forced}
    return st.fixed_dictionaries(required, optional=optional)


@functools.cache
def quantity_minimum() -> int:
    """The request bodies document no minimum for quantity, the response does: a request can only
    store what its response may show (docs/discrepancies.md). Read on use, never at import."""
    return resolve(schemas.schema(contract.FLAT)["properties"]["quantity"])["minimum"]


# The documented OrderItem has no quantity: an order item is one unit, so 1 is the only quantity
# every target must accept; more may rightly be refused as "data is invalid".
QUANTITY_MAXIMUM = 1
# No maxLength is documented (facts 2.1), but a conforming target may bound a name column, so
# names stay short; description is free text.
HOLDER_NAME_MAX_LENGTH = 100


def marked_descriptions(marker: str) -> SearchStrategy[str]:
    """Descriptions that start with the run marker, so a sweep finds what this run left."""
    return _prefixed(marker, texts(LONG_TEXT))


@st.composite
def _prefixed(draw: st.DrawFn, prefix: str, tails: SearchStrategy[str]) -> str:
    return f"{prefix} {draw(tails)}"


# Checksum-valid IBANs of several countries: a target may check the format, and nothing documents
# that any string is an IBAN (D30); odd text is sent by the suite's own 201-or-400 tests instead.
IBANS = (
    "TR330006100519786457841326",
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
)


@st.composite
def holder_names(draw: st.DrawFn) -> str:
    """Names as people have them: one to four words of letters, any alphabet, never blank."""
    letters = st.characters(categories=("Lu", "Ll", "Lt", "Lo"))
    words = draw(st.lists(st.text(letters, min_size=1, max_size=12), min_size=1, max_size=4))
    return " ".join(words)[:HOLDER_NAME_MAX_LENGTH]


def refinements(target: Target, marker: str) -> dict[str, SearchStrategy[Any]]:
    """What the body schemas cannot know: the target's ids, the marker, documented bounds."""
    return {
        "order_item": st.sampled_from(target.order_items),
        "reason": st.sampled_from(target.reasons),
        "description": marked_descriptions(marker),
        "iban": st.sampled_from(IBANS),
        "holder_name": holder_names(),
        "quantity": st.integers(quantity_minimum(), QUANTITY_MAXIMUM),
    }


def create_bodies(target: Target, marker: str) -> SearchStrategy[dict[str, Any]]:
    """Create bodies every conforming target accepts; the description always carries the marker."""
    marked = ("description",)
    return from_schema("create_body", refinements(target, marker), present=marked, non_null=marked)


def update_bodies(target: Target, marker: str) -> SearchStrategy[dict[str, Any]]:
    """PUT bodies with every documented field (so both readings of PUT agree on the result); the
    description keeps the marker, so the sweep still finds an updated request."""
    marked = ("description",)
    return from_schema(
        "update_body", refinements(target, marker), every_property=True, non_null=marked
    )


def patch_bodies(target: Target, marker: str) -> SearchStrategy[dict[str, Any]]:
    """PATCH bodies: any subset of the documented fields, the empty one included; a description
    they set carries the marker (a null one is sent by the example tests, which put it back)."""
    return from_schema("patch_body", refinements(target, marker), non_null=("description",))


VALID_BODIES: dict[str, Callable[[Target, str], SearchStrategy[dict[str, Any]]]] = {
    "create": create_bodies,
    "update": update_bodies,
    "partial_update": patch_bodies,
}


# --- invalid bodies -----------------------------------------------------------------------------

REQUIRED = "required field missing"
WRONG_TYPE = "wrong JSON type"
OUTSIDE_ENUM = "value outside the enum"
BELOW_MINIMUM = "below the minimum"
NULL = "null where not nullable"
NO_SUCH_OBJECT = "reference to an object that does not exist"
FOREIGN_OBJECT = "reference to another channel's object"
NOT_AN_OBJECT = "body is not a JSON object"
MALFORMED = "malformed JSON"
RULES = (
    REQUIRED,
    WRONG_TYPE,
    OUTSIDE_ENUM,
    BELOW_MINIMUM,
    NULL,
    NO_SUCH_OBJECT,
    FOREIGN_OBJECT,
    NOT_AN_OBJECT,
    MALFORMED,
)
# The field a 400 about the body as a whole names (DRF's key; "detail" is accepted too).
WHOLE_BODY = "non_field_errors"
# Ids related fields take; a value of another channel or none at all is "does not exist".
RELATIONS = ("order_item", "reason")
# Integers no sandbox is likely to hold yet inside 32 bits, so a target's integer column cannot
# overflow into a 5xx that would hide the 400 under test.
NO_SUCH_ID = st.integers(2_000_000_000, 2**31 - 1)

# Values of a wrong JSON type that a conforming server must still refuse. Left out on purpose,
# because DRF (Omnitron's framework) legitimately coerces them: numeric strings and integral
# floats for integers, numbers for strings, "true"/"1"/"yes"... and 0/1 for booleans.
_CONTAINERS = st.lists(st.integers() | st.text(max_size=3), max_size=2) | st.dictionaries(
    st.text(max_size=3), st.integers(), max_size=2
)
_WORDS = st.text(string.ascii_letters, min_size=2, max_size=8)
_BOOLEAN_WORDS = frozenset(
    {"true", "false", "yes", "no", "on", "off", "null", "none", "nan", "inf", "infinity"}
)
_WRONG_FOR: dict[str, SearchStrategy[Any]] = {
    "integer": _WORDS | _CONTAINERS | st.booleans(),
    "string": _CONTAINERS | st.booleans(),
    "enum": st.integers() | st.booleans() | _CONTAINERS,
    "boolean": _CONTAINERS | _WORDS.filter(lambda w: w.lower() not in _BOOLEAN_WORDS),
}
# A fractional number is no integer, but DRF's related fields look it up truncated (1.5 -> 1),
# so only plain integer fields get one.
_FRACTIONS = st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: not x.is_integer())
# Enums whose documented value list was not readable: a value outside the seen ones may be real.
OPEN_ENUMS = {"status": "facts 1.2: waiting, approved, rejected seen; completed etc. unverified"}


@dataclass(frozen=True)
class InvalidBody:
    """A request body breaking one documented rule, and the field a 400 for it should name."""

    rule: str
    field: str
    body: Any = None
    raw: bytes | None = None

    @property
    def content(self) -> bytes:
        """The bytes to send (a JSON ``null`` body is sent as ``null``, not as no body)."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False).encode()


def _wrong_types(name: str, node: Mapping[str, Any]) -> SearchStrategy[Any]:
    node = resolve(node)
    kinds = [k for k in types_of(node) if k != "null"]
    if "enum" in node:
        return _WRONG_FOR["enum"]
    options = [_WRONG_FOR[k] for k in kinds]
    if "integer" in kinds and name not in RELATIONS:
        options.append(_FRACTIONS)
    return st.one_of(options)


def _outside(enum: Sequence[str]) -> SearchStrategy[str]:
    # Case and surrounding blanks are left alone: the documents do not say the enum is strict.
    known = {value.casefold() for value in enum}
    return st.text(_CHARACTERS, max_size=12).filter(lambda v: v.strip().casefold() not in known)


def invalid_bodies(
    operation: str,
    target: Target,
    marker: str,
    *,
    foreign_order_items: Sequence[int] = (),
    rule: str | None = None,
) -> SearchStrategy[InvalidBody]:
    """Bodies for ``operation`` (create, update, partial_update) that break exactly one rule
    (``rule``, or any that applies)."""
    shape = contract.OPERATIONS[operation].request_shape
    assert shape is not None
    properties = resolve(schemas.schema(shape))["properties"]
    required = list(resolve(schemas.schema(shape)).get("required", ()))
    valid = VALID_BODIES[operation](target, marker)
    if operation == "partial_update":
        # a PATCH that breaks one field may carry valid others; the empty base is the smallest
        valid = st.just({}) | valid
    known_ids = {"order_item": set(target.order_items), "reason": set(target.reasons)}
    foreign = {"order_item": tuple(foreign_order_items), "reason": tuple(target.foreign_reasons)}
    # rule -> (fields it applies to, the bad values for a field); a rule with no field is left out
    per_field: dict[str, tuple[list[str], Callable[[str], SearchStrategy[Any]]]] = {
        WRONG_TYPE: (list(properties), lambda n: _wrong_types(n, properties[n])),
        OUTSIDE_ENUM: (
            [
                n
                for n, node in properties.items()
                if "enum" in resolve(node) and n not in OPEN_ENUMS
            ],
            lambda n: _outside(resolve(properties[n])["enum"]),
        ),
        BELOW_MINIMUM: (
            [n for n in properties if n == "quantity"],
            lambda n: st.integers(-(2**63), quantity_minimum() - 1),
        ),
        NULL: ([n for n, node in properties.items() if "null" not in types_of(node)], _nothing),
        NO_SUCH_OBJECT: (
            [n for n in RELATIONS if n in properties],
            lambda n: NO_SUCH_ID.filter(lambda i: i not in known_ids[n]),
        ),
        FOREIGN_OBJECT: (
            [n for n in RELATIONS if n in properties and foreign[n]],
            lambda n: st.sampled_from(list(foreign[n])),
        ),
    }
    rules = applicable_rules(
        operation,
        foreign_order_items=foreign_order_items,
        foreign_reasons=target.foreign_reasons,
    )
    if rule is not None:
        if rule not in rules:
            raise ValueError(f"{rule!r} does not apply to {operation}")
        rules = [rule]

    # A composite, not maps: the falsifying example then shows the body itself, not the lambdas
    # that built it.
    @st.composite
    def build(draw: st.DrawFn) -> InvalidBody:
        rule = draw(st.sampled_from(rules))
        fields, bad = per_field.get(rule, ((), _nothing))
        if rule == NOT_AN_OBJECT:
            # a list of (valid) bodies is what a bulk endpoint would take; this one takes one
            body = draw(
                st.none()
                | st.booleans()
                | st.integers()
                | st.text(max_size=8)
                | st.lists(valid, max_size=2)
            )
            return InvalidBody(rule, WHOLE_BODY, body)
        base = draw(valid)
        if rule == MALFORMED:
            text = json.dumps(base, ensure_ascii=False)
            # a proper prefix of an object's text never closes it, so it never parses
            cut = text[: draw(st.integers(1, max(1, len(text) - 1)))].encode()
            return InvalidBody(rule, WHOLE_BODY, raw=draw(st.sampled_from([cut, *NOT_JSON])))
        if rule == REQUIRED:
            name = draw(st.sampled_from(required))
            return InvalidBody(rule, name, {k: v for k, v in base.items() if k != name})
        name = draw(st.sampled_from(fields))
        return InvalidBody(rule, name, {**base, name: draw(bad(name))})

    return build()


def _nothing(name: str) -> SearchStrategy[None]:
    return st.none()


def applicable_rules(
    operation: str, *, foreign_order_items: Sequence[int] = (), foreign_reasons: Sequence[int] = ()
) -> list[str]:
    """The rules a body of ``operation`` can break, in ``RULES`` order; an object of another
    channel only where one is known, of a relation the body has."""
    shape = contract.OPERATIONS[operation].request_shape
    assert shape is not None
    document = resolve(schemas.schema(shape))
    properties = document["properties"]
    applies = {
        REQUIRED: bool(document.get("required")),
        WRONG_TYPE: bool(properties),
        OUTSIDE_ENUM: any(
            "enum" in resolve(node) and name not in OPEN_ENUMS for name, node in properties.items()
        ),
        BELOW_MINIMUM: "quantity" in properties,
        NULL: any("null" not in types_of(node) for node in properties.values()),
        NO_SUCH_OBJECT: any(name in properties for name in RELATIONS),
        FOREIGN_OBJECT: (bool(foreign_order_items) and "order_item" in properties)
        or (bool(foreign_reasons) and "reason" in properties),
        NOT_AN_OBJECT: True,
        MALFORMED: True,
    }
    return [rule for rule in RULES if applies[rule]]


# Texts no JSON parser accepts.
NOT_JSON = (
    b"not json at all",
    b"{'order_item': 1}",
    b'{"order_item": 1,}',
    b'{"order_item" 1}',
    b"{\xff\xfe}",
    b"[1, 2",
)


# --- filter queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterQuery:
    """Documented list filters with values, scoped to ``pk__in``, and the page to ask for."""

    filters: dict[str, str]
    limit: int
    page: int | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The query string parameters, page included when one was chosen."""
        extra = {"page": self.page} if self.page is not None else {}
        return {**self.filters, "limit": self.limit, **extra}


@st.composite
def _variants(draw: st.DrawFn, found: Sequence[str]) -> str:
    """A value as found, with its case changed, or a part of it (exact vs contains readings)."""
    value = draw(st.sampled_from(found))
    if draw(st.integers(0, 3)) == 0:
        a, b = sorted(draw(st.integers(0, len(value) - 1)) for _ in range(2))
        value = value[a : b + 1]
    return draw(st.sampled_from([value, value.swapcase(), value.upper(), value.lower()]))


def _plain(value: str) -> bool:
    # Surrounding blanks and empty values are left alone: whether a filter trims them or ignores
    # an empty value is nowhere documented, and a form field trims by default.
    return bool(value) and value == value.strip()


@st.composite
def _datetime_texts(draw: st.DrawFn, moments: Sequence[datetime]) -> str:
    """Moments on and around ``moments`` (or anywhere), written in one offset or another."""
    if moments and draw(st.booleans()):
        moment = draw(st.sampled_from(moments)) + draw(st.sampled_from((timedelta(0), *_DELTAS)))
    else:
        moment = draw(_ANY_MOMENT)
    shown = moment.astimezone(timezone(timedelta(hours=draw(st.sampled_from(_OFFSETS)))))
    text = shown.isoformat()
    return text.replace("+00:00", "Z") if draw(st.booleans()) else text


@st.composite
def _date_texts(draw: st.DrawFn, days: Sequence[date]) -> str:
    """Days on and next to ``days`` (or anywhere)."""
    if days and draw(st.booleans()):
        day = draw(st.sampled_from(days)) + timedelta(days=draw(st.sampled_from((0, -1, 1))))
    else:
        day = draw(st.dates(date(2000, 1, 1), date(2035, 12, 31)))
    return day.isoformat()


@st.composite
def _int_texts(draw: st.DrawFn, found: Sequence[int]) -> str:
    if found and draw(st.booleans()):
        return str(draw(st.sampled_from(found)))
    return str(draw(st.integers(0, 2**31 - 1)))


_DELTAS = tuple(
    timedelta(**{unit: sign * amount})
    for unit, amount in (("microseconds", 1), ("seconds", 1), ("hours", 1), ("days", 1))
    for sign in (-1, 1)
)
_OFFSETS = (0, 3, -5, 14, -12)
_ANY_MOMENT = st.datetimes(datetime(2000, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC))


def filter_values(filter_: contract.Filter, population: Sequence[Mapping[str, Any]]):
    """Values for one filter: drawn from the created requests, their variants, and at random."""
    found = []
    for member in population:
        for value in oracle.values_of(filter_.name, member):
            if value not in found:
                found.append(value)
    kind = filter_.kind
    if kind == "enum":
        return st.sampled_from(filter_.enum)
    if kind == "int":
        return _int_texts([v for v in found if isinstance(v, int) and not isinstance(v, bool)])
    if kind in ("str", "email"):
        texts_found = [v for v in found if isinstance(v, str) and v]
        random = st.emails() if kind == "email" else st.text(_CHARACTERS, min_size=1, max_size=16)
        drawn = random
        if texts_found:
            # twice as likely as random text: values that exist are where filters go wrong
            found_text = _variants(texts_found)
            drawn = found_text | found_text | random
        return drawn.filter(_plain)
    moments = sorted(m for m in map(oracle.parse_datetime, found) if m is not None)
    if kind == "date_time":
        return _datetime_texts(moments)
    if kind == "date":
        # the day in the offset the target answers in and in UTC: the two __date readings
        return _date_texts(
            sorted({m.date() for m in moments} | {m.astimezone(UTC).date() for m in moments})
        )
    raise ValueError(f"no values for filter kind {kind!r}")


def filter_queries(
    operation: str,
    population: Sequence[Mapping[str, Any]],
    *,
    lead: str | None = None,
    max_filters: int = 3,
) -> SearchStrategy[FilterQuery]:
    """Combinations of an operation's documented filters, scoped by ``pk__in`` to the population;
    ``lead`` names a filter every combination holds (so each filter gets its share of examples)."""
    documented = [f for f in contract.OPERATIONS[operation].filters if f.name != "pk__in"]
    ids = [member["id"] for member in population]
    leading = [f for f in documented if f.name == lead]
    if lead is not None and not leading:
        raise ValueError(f"{operation} documents no filter {lead!r}")
    others = [f for f in documented if f.name != lead]

    @st.composite
    def build(draw: st.DrawFn) -> FilterQuery:
        chosen = leading + draw(
            st.lists(
                st.sampled_from(others),
                max_size=max_filters - len(leading),
                unique_by=lambda f: f.name,
            )
        )
        scope = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        filters = {"pk__in": ",".join(map(str, scope))}
        # values mostly from the requests in scope, where they can both find and exclude
        in_scope = [member for member in population if member["id"] in scope]
        for filter_ in chosen:
            source = draw(st.sampled_from([in_scope, in_scope, population]))
            filters[filter_.name] = draw(filter_values(filter_, source))
        limit = draw(st.integers(1, len(ids) + 1))
        page = draw(st.none() | st.integers(1, len(ids) + 2))
        return FilterQuery(filters, limit, page)

    return build()
