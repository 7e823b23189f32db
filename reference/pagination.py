"""DRF page-number pagination with the documented ``page`` and ``limit`` parameters.

DRF silently falls back to the default size on a bad ``limit`` and answers 404 to a
non-integer ``page``; the documentation types both as integers with minimum 1, so both are
validated first and a bad value is a 400 ``{param: [message]}``.  A page past the end stays
DRF's 404 ``{"detail": "Invalid page."}``.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from reference import faults


class FaultablePaginator(Paginator):
    """Django's paginator, which can be made to overlap pages (``page_repeats_item``)."""

    def page(self, number: Any) -> Page:
        page = super().page(number)
        if faults.is_on("page_repeats_item") and page.number > 1:
            bottom = (page.number - 1) * self.per_page - 1
            return self._get_page(
                self.object_list[bottom : bottom + self.per_page], page.number, self
            )
        return page


class LimitPageNumberPagination(PageNumberPagination):
    """``?page=N&limit=M`` over the usual ``count/next/previous/results`` envelope."""

    django_paginator_class = FaultablePaginator
    # Documented default of ``limit``.
    page_size = 10
    page_size_query_param = "limit"
    # Larger limits are silently capped, as DRF does, to bound one response's cost.
    max_page_size = 1000

    def _validate(self, request: Any, param: str) -> None:
        if param not in request.query_params:
            return
        field = serializers.IntegerField(min_value=1)
        try:
            field.run_validation(request.query_params[param])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({param: exc.detail}) from None

    def get_page_size(self, request: Any) -> int | None:
        if faults.is_on("page_limit_ignored"):
            return self.page_size
        return super().get_page_size(request)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        if faults.is_on("robust_page_zero_500") and request.query_params.get("page") == "0":
            raise faults.InjectedFault("page=0")
        self._validate(request, self.page_query_param)
        self._validate(request, self.page_size_query_param)
        if (
            faults.is_on("robust_large_limit_500")
            and int(request.query_params.get("limit", 0)) > 500
        ):
            raise faults.InjectedFault("limit above 500")
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        body = response.data
        if faults.is_on("page_count_off_by_one"):
            body["count"] += 1
        if faults.is_on("page_next_missing"):
            body["next"] = None
        if faults.is_on("page_previous_wrong") and body["previous"] is not None:
            url = self.request.build_absolute_uri()
            body["previous"] = replace_query_param(url, self.page_query_param, self.page.number)
        if faults.is_on("shape_list_missing_count"):
            del body["count"]
        return response
