"""The documented query filters as django-filter FilterSets.

django-filter validates every value through a Django form field, and DRF's filter backend
turns form errors into a 400 ``{param: [messages]}``.  The form fields are bounded where
SQLite or ``datetime`` would otherwise overflow into a 500: 64-bit integers, and date-times
whose conversion to UTC leaves ``datetime``'s range.  The detailed list documents every
filter except ``date_placed``, hence two sets.  Building a FilterSet (a deep copy of every
filter and a bound form) costs more than the rest of a list request, so the backend builds
one only when the query string names one of its filters; otherwise it could change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from reference import faults
from reference.models import (
    CancellationPlan,
    CancellationPlanStatus,
    CancellationRequest,
    CancellationRequestStatus,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
ORDER = "order_item__order"


class IntegerFilter(filters.NumberFilter):
    """An integer (not decimal) filter bounded to SQLite's 64-bit range."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class IntegerInFilter(filters.BaseInFilter, IntegerFilter):
    """Comma-separated integers."""


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-time that refuses values outside ``datetime``'s range after tz shifts."""

    def to_python(self, value: Any) -> Any:
        try:
            parsed = super().to_python(value)
            if parsed is not None:
                parsed.astimezone(dt.UTC)  # what the database adapter will do, and may overflow
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return parsed


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


def _date_placed(lookup: str, **kwargs: Any) -> DateTimeFilter:
    return DateTimeFilter(field_name=f"{ORDER}__date_placed", lookup_expr=lookup, **kwargs)


def _date_placed_date(lookup: str, **kwargs: Any) -> filters.DateFilter:
    return filters.DateFilter(
        field_name=f"{ORDER}__date_placed", lookup_expr=f"date__{lookup}", **kwargs
    )


def _iexact(field_name: str) -> filters.CharFilter:
    return filters.CharFilter(field_name=field_name, lookup_expr="iexact")


class DetailedCancellationRequestFilter(filters.FilterSet):
    """Filters of the detailed list (every documented one but ``date_placed``)."""

    pk__in = IntegerInFilter(field_name="pk", lookup_expr="in", method="filter_pk_in")
    status = filters.ChoiceFilter(choices=CancellationRequestStatus.choices, method="filter_status")
    number = filters.CharFilter(method="filter_number")
    date_placed__gte = _date_placed("gte", method="filter_date_placed_gte")
    date_placed__gt = _date_placed("gt")
    date_placed__lt = _date_placed("lt")
    date_placed__lte = _date_placed("lte")
    date_placed__date__gt = _date_placed_date("gt")
    date_placed__date__gte = _date_placed_date("gte")
    date_placed__date__lt = _date_placed_date("lt")
    date_placed__date__lte = _date_placed_date("lte", method="filter_date_placed_date_lte")
    sku = filters.CharFilter(method="filter_sku")
    # "ID of the channel the customer belongs to", not the request's channel.
    channel = IntegerFilter(field_name=f"{ORDER}__customer__channel_id")
    customer_first_name = _iexact(f"{ORDER}__customer__first_name")
    customer_last_name = filters.CharFilter(method="filter_customer_last_name")
    customer_email = filters.CharFilter(method="filter_customer_email")
    order_id = IntegerFilter(field_name=f"{ORDER}_id", method="filter_order_id")
    cancellation_plan_status = filters.ChoiceFilter(
        choices=CancellationPlanStatus.choices, method="filter_cancellation_plan_status"
    )
    easy_return_code = filters.CharFilter(method="filter_easy_return_code")
    tracking_number = filters.CharFilter(method="filter_tracking_number")

    class Meta:
        model = CancellationRequest
        fields: list[str] = []

    # Filters written as methods are those a fault can perturb (``reference.faults``).

    def filter_pk_in(self, queryset: QuerySet[Any], name: str, value: list[int]) -> QuerySet[Any]:
        if faults.is_on("filter_pk_in_first_only"):
            value = value[:1]
        return queryset.filter(pk__in=value)

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if faults.is_on("filter_status_ignored"):
            return queryset
        return queryset.filter(status=value)

    def filter_number(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        lookup = "exact" if faults.is_on("filter_number_case_sensitive") else "iexact"
        return queryset.filter(**{f"{ORDER}__number__{lookup}": value})

    def filter_date_placed_gte(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        lookup = "gt" if faults.is_on("filter_date_placed_gte_as_gt") else "gte"
        return queryset.filter(**{f"{ORDER}__date_placed__{lookup}": value})

    def filter_date_placed_date_lte(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        lookup = "lt" if faults.is_on("filter_date_placed_date_lte_as_lt") else "lte"
        return queryset.filter(**{f"{ORDER}__date_placed__date__{lookup}": value})

    def filter_sku(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if faults.is_on("filter_sku_ignored"):
            return queryset
        return queryset.filter(order_item__product__sku__iexact=value)

    def filter_customer_last_name(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        lookup = "exact" if faults.is_on("filter_customer_last_name_case_sensitive") else "iexact"
        return queryset.filter(**{f"{ORDER}__customer__last_name__{lookup}": value})

    def filter_customer_email(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        if faults.is_on("filter_customer_email_ignored"):
            return queryset
        return queryset.filter(**{f"{ORDER}__customer__email__iexact": value})

    def filter_order_id(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        if faults.is_on("filter_order_id_ignored"):
            return queryset
        return queryset.filter(**{f"{ORDER}_id": value})

    def filter_easy_return_code(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        if faults.is_on("filter_easy_return_code_ignored"):
            return queryset
        return queryset.filter(easy_return__code__iexact=value)

    def filter_cancellation_plan_status(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        # A subquery, not a join, so an item with several plans does not repeat requests.
        items = CancellationPlan.objects.filter(status=value).values("order_item_id")
        return queryset.filter(order_item_id__in=items)

    def filter_tracking_number(
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        # The order's tracking number or the attached easy return's.
        lookup = "exact" if faults.is_on("filter_tracking_number_case_sensitive") else "iexact"
        return queryset.filter(
            Q(**{f"{ORDER}__tracking_number__{lookup}": value})
            | Q(**{f"easy_return__tracking_number__{lookup}": value})
        )


class CancellationRequestFilter(DetailedCancellationRequestFilter):
    """Filters of the flat list: the detailed ones plus an exact ``date_placed``."""

    date_placed = _date_placed("exact")

    class Meta(DetailedCancellationRequestFilter.Meta):
        pass


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, skipped when no parameter names a filter of the set."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if faults.is_on("robust_unknown_parameter_500"):
            known = {*(filterset_class.base_filters if filterset_class else ()), "page", "limit"}
            if set(request.query_params) - known:
                raise faults.InjectedFault("unknown query parameter")
        if filterset_class is None or filterset_class.base_filters.keys().isdisjoint(
            request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
