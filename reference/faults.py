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

# Name -> the regression it stands for.  Grouped by category (see ``CATEGORIES``); the eight
# original names predate the ``category_what`` convention and are kept for compatibility.
FAULTS: dict[str, str] = {
    # shape
    "flat_missing_status": "flat responses lack the status field",
    "shape_flat_missing_id": "flat responses lack the id field",
    "shape_flat_missing_created_date": "flat responses lack the created_date field",
    "shape_order_item_as_string": "flat responses carry order_item as a string",
    "shape_bad_created_date": "flat responses carry created_date as a non-ISO date",
    "shape_bad_uuid": "flat responses carry a uuid that is not in hyphenated form",
    "shape_status_pending": "responses answer status 'pending', outside the documented set",
    "shape_detailed_flattened": "the detailed object carries order_item as an id",
    "shape_list_missing_count": "the list envelope lacks count",
    "shape_customer_email_number": "the detailed customer.email is a number",
    "shape_order_number_int": "the detailed order_item.order.number is an integer",
    # status codes
    "create_returns_200": "create answers 200 instead of 201",
    "status_delete_200_with_body": "DELETE answers 200 with the deleted object instead of 204",
    "status_reject_201": "reject answers 201 instead of 200",
    "status_create_missing_field_500": "create without a required field answers 500",
    "status_unknown_id_200_empty": "retrieve of an unknown id answers 200 with an empty object",
    # persistence
    "delete_keeps_object": "DELETE answers 204 but keeps the object",
    "persist_patch_not_stored": "PATCH answers the new values but stores nothing",
    "persist_put_not_stored": "PUT answers the new values but stores nothing",
    "persist_reject_not_stored": "reject answers status rejected but leaves the status",
    "persist_patch_regenerates_uuid": "PATCH regenerates the read-only uuid",
    # filters and pagination
    "filter_sku_ignored": "the sku filter filters nothing",
    "filter_status_ignored": "the status filter filters nothing",
    "filter_customer_email_ignored": "the customer_email filter filters nothing",
    "filter_easy_return_code_ignored": "the easy_return_code filter filters nothing",
    "filter_order_id_ignored": "the order_id filter filters nothing",
    "filter_number_case_sensitive": "the number filter becomes case-sensitive",
    "filter_customer_last_name_case_sensitive": "the customer_last_name filter is case-sensitive",
    "filter_tracking_number_case_sensitive": "the tracking_number filter is case-sensitive",
    "filter_date_placed_gte_as_gt": "date_placed__gte excludes the boundary (behaves as __gt)",
    "filter_date_placed_date_lte_as_lt": "date_placed__date__lte excludes the day (as __lt)",
    "filter_pk_in_first_only": "pk__in uses only its first id",
    "page_repeats_item": "page 2 onward repeats the last item of the previous page",
    "page_count_off_by_one": "count is one more than the number of matching requests",
    "page_limit_ignored": "limit is ignored: pages are always 10 long",
    "page_next_missing": "next is null although a next page exists",
    "page_previous_wrong": "previous points at the page itself instead of the one before",
    # auth and isolation
    "auth_detailed_retrieve_anonymous": "detailed retrieve answers without credentials",
    "auth_list_any_key": "the list accepts any token",
    "auth_other_channel_by_id": "retrieve answers another channel's request by id",
    "auth_other_channel_in_list": "the list holds every channel's requests",
    "auth_readonly_can_patch": "a read-only key may PATCH",
    # validation
    "invalid_enum_accepted": "an unknown cancellation_type is stored",
    "invalid_body_still_creates": "a create answering 400 for a bad field still stores a request",
    "validation_quantity_zero_accepted": "quantity 0 is stored and answered",
    "validation_unknown_order_item_accepted": "create with an unknown order_item stores one",
    "validation_foreign_reason_accepted": "another channel's reason is accepted",
    "validation_patch_400_still_changes": "a PATCH answering 400 still stores its valid fields",
    # robustness
    "robust_long_description_500": "a description longer than 1000 characters answers 500",
    "robust_unicode_holder_name_500": "a non-ASCII holder_name answers 500",
    "robust_large_limit_500": "a limit above 500 answers 500",
    "robust_page_zero_500": "page=0 answers 500",
    "robust_unknown_parameter_500": "an unknown query parameter answers 500",
    "robust_html_404": "404 answers are an HTML page",
    "robust_retrieve_text_plain": "retrieve answers its JSON as text/plain",
}

_LEGACY = {
    "flat_missing_status": "shape",
    "create_returns_200": "status",
    "delete_keeps_object": "persist",
    "filter_sku_ignored": "filter",
    "filter_number_case_sensitive": "filter",
    "page_repeats_item": "page",
    "invalid_enum_accepted": "validation",
    "invalid_body_still_creates": "validation",
}
_PREFIXES = {
    "shape": "shape",
    "status": "status codes",
    "persist": "persistence",
    "filter": "filters and pagination",
    "page": "filters and pagination",
    "auth": "auth and isolation",
    "validation": "validation",
    "robust": "robustness",
}
# Fault -> the category a report groups it under.
CATEGORIES: dict[str, str] = {
    name: _PREFIXES[_LEGACY.get(name, name.split("_", 1)[0])] for name in FAULTS
}


class InjectedFault(RuntimeError):
    """What a fault raises where the regression it stands for would crash (a 500)."""


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
