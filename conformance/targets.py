"""Target environments: a TOML table in, a frozen ``Target`` out, or one plain error.

The target is data, never code, so the same suite runs against the embedded reference server, a
sandbox or a replay. Every mistake in the file is caught here, before a request is sent, and
reported as one sentence naming the file, the target, the field and the fix: a typo in a sandbox
description must not turn into a hundred failing tests.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

EMBEDDED = "embedded"

_KEYS = {
    "base_url",
    "api_key_env",
    "auth_scheme",
    "channel_id",
    "other_channel_id",
    "readonly_api_key_env",
    "order_items",
    "reasons",
    "read_only",
    "timeout_s",
    "max_rps",
    "scrub_headers",
    "scrub_patterns",
    "foreign_reasons",
}


class TargetError(Exception):
    """A target description that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Target:
    """Where the suite sends its requests, and what it may use there.

    Keys themselves are never held here, only the names of the variables holding them, so a
    ``Target`` can be printed into a report or a log as it is.
    """

    name: str
    source: str
    base_url: str
    api_key_env: str | None = None
    auth_scheme: str = "Token"
    channel_id: int | None = None
    other_channel_id: int | None = None
    readonly_api_key_env: str | None = None
    order_items: tuple[int, ...] = ()
    reasons: tuple[int, ...] = ()
    # optional: reasons that exist but are not usable in channel_id (another channel's)
    foreign_reasons: tuple[int, ...] = ()
    read_only: bool = False
    timeout_s: float = 10.0
    max_rps: float = 20.0
    # more than the key to keep out of cassettes: header names, and regular expressions
    scrub_headers: tuple[str, ...] = ()
    scrub_patterns: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        return self.base_url == EMBEDDED

    def bound(self, **facts: Any) -> Target:
        """This target with the facts an embedded server reported filled in."""
        return replace(self, **facts)

    def facts(self) -> dict[str, Any]:
        """The ids the suite works with, as plain data for ``bound``: what an xdist worker is
        handed and what a recording keeps of its target (never a key)."""
        return {
            "channel_id": self.channel_id,
            "other_channel_id": self.other_channel_id,
            "order_items": list(self.order_items),
            "reasons": list(self.reasons),
            "foreign_reasons": list(self.foreign_reasons),
        }


@dataclass(frozen=True)
class Credentials:
    """The keys a run uses; kept apart from ``Target`` so they never reach a report."""

    api_key: str
    readonly_api_key: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return "Credentials(***)"


def table(name: str, values: Mapping[str, Any]) -> str:
    """``values`` as the ``[targets.NAME]`` table of a targets file: how the project's tests and
    benchmarks describe a server they started (strings, numbers, booleans and lists of them)."""
    lines = [f"[targets.{name}]", *(f"{key} = {_toml(value)}" for key, value in values.items())]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string takes JSON's escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return repr(value)


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every way a key may be written where it leaks: as is, URL-encoded (path and form
    style) and JSON-escaped; longest first, so a key that contains another is replaced whole."""
    forms = set()
    for secret in secrets:
        if secret:
            encoded = {quote(secret), quote(secret, safe=""), quote_plus(secret)}
            # some encoders write the escapes in lower case (%2b)
            encoded |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), e) for e in encoded}
            escaped = json.dumps(secret)[1:-1]
            # some JSON encoders escape the slash too
            forms |= {secret, *encoded, escaped, escaped.replace("/", "\\/")}
    return tuple(sorted(forms, key=len, reverse=True))


def load(path: str | os.PathLike[str], name: str) -> Target:
    """Read target ``name`` from the TOML file at ``path``."""
    path = Path(path)
    where = f"{path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetError(
            f"targets file {where} does not exist; create it or pass --targets-file PATH"
        ) from None
    except OSError as exc:
        raise TargetError(f"targets file {where} cannot be read: {exc.strerror}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"targets file {where} is not valid TOML: {exc}") from None
    tables = document.get("targets")
    if not isinstance(tables, Mapping) or not tables:
        raise TargetError(f"targets file {where} has no [targets.NAME] table")
    if name not in tables:
        known = ", ".join(sorted(tables))
        raise TargetError(
            f"target '{name}' is not defined in {where} (defined: {known}); "
            f"pass --target with one of those or add a [targets.{name}] table"
        )
    table = tables[name]
    if not isinstance(table, Mapping):
        raise TargetError(f"[targets.{name}] in {where} must be a table")
    return _parse(name, where, table)


def _parse(name: str, where: str, table: Mapping[str, Any]) -> Target:
    def fail(key: str, problem: str) -> TargetError:
        return TargetError(f"{where}, [targets.{name}], {key}: {problem}")

    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, sorted(_KEYS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {sorted(_KEYS)}"
            raise fail(key, f"unknown key{hint}")

    base_url = table.get("base_url")
    if not isinstance(base_url, str) or not base_url:
        raise fail("base_url", 'required: an http(s) URL, or "embedded" for the reference server')
    if base_url != EMBEDDED:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail("base_url", f"'{base_url}' is not an http:// or https:// URL")
        base_url = base_url.rstrip("/")

    values: dict[str, Any] = {"base_url": base_url}
    for key in ("api_key_env", "readonly_api_key_env", "auth_scheme"):
        if key in table:
            if not isinstance(table[key], str):
                raise fail(key, "must be a string")
            values[key] = table[key].strip() if key == "auth_scheme" else table[key]
    for key in ("channel_id", "other_channel_id"):
        if key in table:
            values[key] = _integer(table[key], lambda p, k=key: fail(k, p))
    for key in ("order_items", "reasons", "foreign_reasons"):
        if key in table:
            items = table[key]
            if not isinstance(items, list) or not items:
                raise fail(key, "must be a non-empty list of integers")
            values[key] = tuple(_integer(v, lambda p, k=key: fail(k, p)) for v in items)
    for key in ("scrub_headers", "scrub_patterns"):
        if key in table:
            items = table[key]
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise fail(key, "must be a list of strings")
            if key == "scrub_patterns":
                for pattern in items:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise fail(key, f"'{pattern}' is not a regular expression: {exc}") from None
            values[key] = tuple(items)
    if "read_only" in table:
        if not isinstance(table["read_only"], bool):
            raise fail("read_only", "must be true or false")
        values["read_only"] = table["read_only"]
    for key, low in (("timeout_s", 0.0), ("max_rps", 0.0)):
        if key in table:
            number = table[key]
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise fail(key, "must be a number")
            if not math.isfinite(number) or number < low or (key == "timeout_s" and number == 0):
                raise fail(
                    key, "must be a positive number" + (" (0: no pacing)" * (key == "max_rps"))
                )
            values[key] = float(number)

    if base_url != EMBEDDED:
        for key in ("api_key_env", "channel_id", "order_items", "reasons"):
            if key not in values:
                raise fail(key, "required for a remote target")
    return Target(name=name, source=where, **values)


# Words that mark a production environment in a target's name or host; a run that matches refuses
# writes unless --allow-writes is given, since a sandbox named by mistake costs nothing and
# production named by mistake costs real cancellation requests.
PRODUCTION_PATTERNS = (r"prod", r"production", r"live")


def looks_like_production(
    target: Target, patterns: Iterable[str] = PRODUCTION_PATTERNS
) -> str | None:
    """The pattern by which ``target`` looks like production, or None."""
    if target.embedded:
        return None
    host = urlsplit(target.base_url).hostname or ""
    words = re.split(r"[^a-z0-9]+", f"{target.name} {host}".lower())
    for pattern in patterns:
        if any(re.fullmatch(pattern, word) for word in words if word):
            return pattern
    return None


def _integer(value: Any, fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"{value!r} is not an integer")
    if value < 1:
        raise fail(f"{value} is not a positive id")
    return value


def credentials(target: Target, environ: Mapping[str, str] = os.environ) -> Credentials:
    """Read the keys a remote target names from the environment."""
    api_key = _key(target, "api_key_env", environ)
    readonly = None
    if target.readonly_api_key_env:
        readonly = _key(target, "readonly_api_key_env", environ)
    return Credentials(api_key, readonly, secrets=tuple(k for k in (api_key, readonly) if k))


def _key(target: Target, field_name: str, environ: Mapping[str, str]) -> str:
    variable = getattr(target, field_name)
    value = environ.get(variable, "").strip()
    if not value:
        state = "is empty" if variable in environ else "is not set"
        raise TargetError(
            f"{target.source}, [targets.{target.name}], {field_name}: the environment variable "
            f"{variable} {state}; export {variable}=<your API key> and run again"
        )
    return value
