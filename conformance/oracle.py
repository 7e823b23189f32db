"""What a filter query must return, computed from detailed objects under every reasonable reading.

The documentation names each filter and little more: "case-insensitive" may be an exact or a
substring match, ``tracking_number`` may look at the order's or the easy return's number, a
``__date`` bound may be taken in the offset the server answers in or in UTC, and
``cancellation_plan_status`` reads a value the detailed object does not show, and a
case-insensitive match may fold every letter (Python, PostgreSQL's ``UPPER``) or ASCII letters only
(SQLite's ``LIKE``), which disagree only on text beyond ASCII. So the oracle
evaluates each filter under every reading and answers MATCH only where all readings agree that an
object matches, NO_MATCH only where all agree it does not, and UNKNOWN otherwise. A check fails on
an object the target returns that is NO_MATCH (unsound) or misses one that is MATCH (incomplete),
never on UNKNOWN; which reading the target follows is recorded as an observation.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any


class Verdict(enum.Enum):
    MATCH = "match"
    NO_MATCH = "no match"
    UNKNOWN = "unknown"


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        # RFC 3339 allows a lower-case t and z
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# Each reading maps (query value, detailed object) to True/False, or None where it cannot tell.
Reading = Callable[[str, Mapping[str, Any]], bool | None]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_fold(value: str) -> str:
    return value.translate(_ASCII_LOWER)


def _text_readings(*paths: tuple[str, ...]) -> dict[str, Reading]:
    def values(obj: Mapping[str, Any]) -> list[str]:
        return [v for v in (_text(_get(obj, *p)) for p in paths) if v is not None]

    def readings(fold: Callable[[str], str]) -> tuple[Reading, Reading]:
        def exact(query: str, obj: Mapping[str, Any]) -> bool:
            return any(fold(v) == fold(query) for v in values(obj))

        def contains(query: str, obj: Mapping[str, Any]) -> bool:
            return any(fold(query) in fold(v) for v in values(obj))

        return exact, contains

    exact, contains = readings(str.casefold)
    ascii_exact, ascii_contains = readings(_ascii_fold)
    return {
        "case-insensitive exact": exact,
        "case-insensitive contains": contains,
        "ASCII case-insensitive exact": ascii_exact,
        "ASCII case-insensitive contains": ascii_contains,
    }


def _int_reading(*paths: tuple[str, ...]) -> Reading:
    def reading(query: str, obj: Mapping[str, Any]) -> bool | None:
        try:
            wanted = int(query)
        except ValueError:
            return None
        found = [_get(obj, *p) for p in paths]
        return any(isinstance(v, int) and not isinstance(v, bool) and v == wanted for v in found)

    return reading


def _date_placed(obj: Mapping[str, Any]) -> datetime | None:
    return parse_datetime(_get(obj, "order_item", "order", "date_placed"))


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _datetime_reading(lookup: str) -> Reading:
    def reading(query: str, obj: Mapping[str, Any]) -> bool | None:
        bound, placed = parse_datetime(query), _date_placed(obj)
        if bound is None or placed is None:
            return None
        return _COMPARE[lookup](placed, bound)

    return reading


def _date_readings(lookup: str) -> dict[str, Reading]:
    def in_offset_of_answer(query: str, obj: Mapping[str, Any]) -> bool | None:
        bound, placed = _parse_date(query), _date_placed(obj)
        if bound is None or placed is None:
            return None
        return _COMPARE[lookup](placed.date(), bound)

    def in_utc(query: str, obj: Mapping[str, Any]) -> bool | None:
        bound, placed = _parse_date(query), _date_placed(obj)
        if bound is None or placed is None:
            return None
        return _COMPARE[lookup](placed.astimezone(UTC).date(), bound)

    return {"date in the answer's offset": in_offset_of_answer, "date in UTC": in_utc}


def _status_reading(query: str, obj: Mapping[str, Any]) -> bool | None:
    return obj.get("status") == query


def _pk_in_reading(query: str, obj: Mapping[str, Any]) -> bool | None:
    try:
        wanted = {int(part) for part in query.split(",") if part.strip()}
    except ValueError:
        return None
    return obj.get("id") in wanted


def _unknowable(query: str, obj: Mapping[str, Any]) -> bool | None:
    return None


# Where in a detailed object each filter may look, every reading's path: the oracle judges by
# these, and the strategies draw query values from the same places (conformance.strategies).
_ORDER = ("order_item", "order")
SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "pk__in": (("id",),),
    "status": (("status",),),
    "number": ((*_ORDER, "number"),),
    "sku": (("order_item", "product", "sku"),),
    "customer_first_name": (("customer", "first_name"),),
    "customer_last_name": (("customer", "last_name"),),
    "customer_email": (("customer", "email"),),
    "easy_return_code": (("easy_return", "code"),),
    "channel": (("customer", "channel"), ("channel", "id")),
    "order_id": ((*_ORDER, "pk"),),
    "cancellation_plan_status": (),
    "tracking_number": ((*_ORDER, "tracking_number"), ("easy_return", "tracking_number")),
    **{
        name: ((*_ORDER, "date_placed"),)
        for name in (
            "date_placed",
            *(f"date_placed__{lookup}" for lookup in ("gt", "gte", "lt", "lte")),
            *(f"date_placed__date__{lookup}" for lookup in ("gt", "gte", "lt", "lte")),
        )
    },
}

READINGS: dict[str, dict[str, Reading]] = {
    "pk__in": {"id in list": _pk_in_reading},
    "status": {"exact": _status_reading},
    **{
        name: _text_readings(*SOURCES[name])
        for name in (
            "number",
            "sku",
            "customer_first_name",
            "customer_last_name",
            "customer_email",
            "easy_return_code",
        )
    },
    "channel": {
        "customer's channel": _int_reading(SOURCES["channel"][0]),
        "request's channel": _int_reading(SOURCES["channel"][1]),
    },
    "order_id": {"order pk": _int_reading(*SOURCES["order_id"])},
    # The plan status is not part of any response, so no object can be judged.
    "cancellation_plan_status": {"not observable": _unknowable},
    "date_placed": {"exact": _datetime_reading("")},
}
for _lookup in ("gt", "gte", "lt", "lte"):
    READINGS[f"date_placed__{_lookup}"] = {"date-time": _datetime_reading(_lookup)}
    READINGS[f"date_placed__date__{_lookup}"] = _date_readings(_lookup)
_ORDERS_TRACKING, _EASY_RETURNS_TRACKING = SOURCES["tracking_number"]
READINGS["tracking_number"] = {
    f"{where}, {how}": reading
    for where, paths in (
        ("order's", (_ORDERS_TRACKING,)),
        ("easy return's", (_EASY_RETURNS_TRACKING,)),
        ("order's or easy return's", (_ORDERS_TRACKING, _EASY_RETURNS_TRACKING)),
    )
    for how, reading in _text_readings(*paths).items()
}


def values_of(name: str, obj: Mapping[str, Any]) -> list[Any]:
    """The values filter ``name`` may read in ``obj`` (absent ones left out)."""
    return [v for v in (_get(obj, *path) for path in SOURCES.get(name, ())) if v is not None]


def readings_of(name: str, query: str, obj: Mapping[str, Any]) -> dict[str, bool | None]:
    """What each reading of filter ``name`` says about ``obj``."""
    return {label: reading(query, obj) for label, reading in READINGS[name].items()}


def evaluate(name: str, query: str, obj: Mapping[str, Any]) -> Verdict:
    """The verdict every reading of filter ``name`` agrees on, or UNKNOWN."""
    answers = set(readings_of(name, query, obj).values())
    if answers == {True}:
        return Verdict.MATCH
    if answers == {False}:
        return Verdict.NO_MATCH
    return Verdict.UNKNOWN


def evaluate_all(query: Mapping[str, str], obj: Mapping[str, Any]) -> Verdict:
    """The verdict for a query of several filters, which must all hold."""
    verdicts = [evaluate(name, value, obj) for name, value in query.items() if name in READINGS]
    if any(v is Verdict.NO_MATCH for v in verdicts):
        return Verdict.NO_MATCH
    if all(v is Verdict.MATCH for v in verdicts):
        return Verdict.MATCH
    return Verdict.UNKNOWN


def readings_followed(
    name: str,
    query: str,
    returned: Iterable[Mapping[str, Any]],
    withheld: Iterable[Mapping[str, Any]],
) -> list[str]:
    """The readings consistent with what the target returned and withheld (for observations)."""
    consistent = []
    for label, reading in READINGS[name].items():
        if all(reading(query, o) is not False for o in returned) and all(
            reading(query, o) is not True for o in withheld
        ):
            consistent.append(label)
    return consistent
