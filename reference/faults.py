"""Named, realistic regressions that can be switched on to prove the suite catches them.

A fault is a name in ``FAULTS`` (with the behaviour it breaks) and one ``is_on(name)`` test at
the place the regression would live.  The active set belongs to the running server (see
``reference.context``), is fixed when it starts and is empty by default; adding a fault is
one dictionary entry plus one ``if faults.is_on(...)`` in the code it perturbs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from reference import context

ENV_VAR = "REFERENCE_FAULTS"

FAULTS: dict[str, str] = {
    "create_returns_200": "create answers 200 instead of 201",
    "flat_missing_status": "flat responses lack the status field",
    "filter_sku_ignored": "the sku filter filters nothing",
    "delete_keeps_object": "DELETE answers 204 but keeps the object",
    "invalid_enum_accepted": "an unknown cancellation_type is stored",
    "invalid_body_still_creates": "a create answering 400 for a bad field still stores a request",
    "filter_number_case_sensitive": "the number filter becomes case-sensitive",
    "page_repeats_item": "page 2 onward repeats the last item of the previous page",
}


class UnknownFaultError(ValueError):
    """A fault name that is not in the registry."""


def split(spec: str | None) -> list[str]:
    """Names from a comma-separated ``a,b`` string, blanks dropped."""
    return [name.strip() for name in (spec or "").split(",") if name.strip()]


def resolve(names: Iterable[str] = (), *, environ: dict[str, str] | None = None) -> frozenset[str]:
    """The validated active set: ``names`` plus those in ``$REFERENCE_FAULTS``."""
    env = os.environ if environ is None else environ
    wanted = [*names, *split(env.get(ENV_VAR))]
    unknown = sorted(set(wanted) - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(
            f"unknown fault(s) {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}"
        )
    return frozenset(wanted)


def is_on(name: str) -> bool:
    """Whether fault ``name`` is active for the server handling this request."""
    if name not in FAULTS:  # a typo here would silently disable a fault forever
        raise UnknownFaultError(f"unknown fault {name!r}")
    state = context.current()
    return state is not None and name in state.faults
