"""Thin DRF viewsets: the documented operations are DRF's mixins plus two actions.

Behaviour lives in the serializers, filters, pagination and permissions; the view only
scopes the queryset to the path's channel (so another channel's request is a 404, never
visible), picks the flat or detailed serializer, and adds ``reject``.  PUT is partial
because the documentation makes every PUT field optional.  Rejecting is allowed from
"waiting" and from "approved"; only an already rejected request refuses it (400).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from reference import context, faults
from reference.filters import CancellationRequestFilter, DetailedCancellationRequestFilter
from reference.models import CancellationRequest, CancellationRequestStatus, Channel
from reference.serializers import (
    CancellationRequestDetailedSerializer,
    CancellationRequestSerializer,
    usable_order_items,
    usable_reasons,
)

DETAILED_ACTIONS = frozenset({"detailed", "detailed_retrieve"})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus JSON 400s for what Django's request parsing raises."""
    if isinstance(exc, UnicodeError):
        # Bytes that do not decode (a header, a body) are the client's error, not ours.
        exc = exceptions.ParseError()
    return drf_exception_handler(exc, context)


class CancellationRequestViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """``/api/channel/<channel_id>/cancellation_requests/``: the nine documented operations."""

    channel: Channel
    lookup_value_converter = "int64"

    def get_queryset(self) -> QuerySet[CancellationRequest]:
        queryset = CancellationRequest.objects.filter(channel=self.channel).select_related(
            "easy_return"
        )
        if self.action in DETAILED_ACTIONS:
            queryset = queryset.select_related(
                "channel",
                "reason",
                "order_item__order__customer",
                "order_item__product",
                "order_item__price_list",
                "order_item__stock_list",
                "order_item__datasource",
                "order_item__shipping_option_group",
            ).prefetch_related("order_item__benefitapplicant_set")
        return queryset

    def get_serializer_class(self) -> type[Any]:
        if self.action in DETAILED_ACTIONS:
            return CancellationRequestDetailedSerializer
        return CancellationRequestSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "channel": getattr(self, "channel", None)}

    @property
    def filterset_class(self) -> type[Any] | None:  # type: ignore[override]
        if self.action == "list":
            return CancellationRequestFilter
        if self.action == "detailed":
            return DetailedCancellationRequestFilter
        return None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid() and faults.is_on("invalid_body_still_creates"):
            self._store_despite_errors(request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic(using=context.alias()):
            self.perform_create(serializer)
        code = status.HTTP_200_OK if faults.is_on("create_returns_200") else status.HTTP_201_CREATED
        return Response(
            serializer.data, status=code, headers=self.get_success_headers(serializer.data)
        )

    def _store_despite_errors(self, data: Any) -> None:
        """The ``invalid_body_still_creates`` regression: persist before validating."""
        item = usable_order_items(self.channel).order_by("pk").first()
        reason = usable_reasons(self.channel).order_by("pk").first()
        if item is None or reason is None:
            return
        CancellationRequest.objects.create(
            channel=self.channel,
            order_item=item,
            reason=reason,
            cancellation_type="cancel",
            description=str(data.get("description"))[:200] if isinstance(data, dict) else None,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Documented PUT bodies have only optional fields: PUT validates like PATCH.
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: CancellationRequest) -> None:
        if faults.is_on("delete_keeps_object"):
            return
        instance.delete()

    @action(detail=False, methods=["get"], url_path="detailed")
    def detailed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The detailed list (documented without a trailing slash; both are served)."""
        return self.list(request, *args, **kwargs)

    @action(detail=True, methods=["get"], url_path="detailed")
    def detailed_retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request, *args, **kwargs)

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reject a waiting or approved request; rejecting twice is not allowed."""
        with transaction.atomic(using=context.alias()):
            instance = self.get_object()
            if instance.status == CancellationRequestStatus.REJECTED:
                raise exceptions.ValidationError(
                    {api_settings.NON_FIELD_ERRORS_KEY: ["This action is not allowed."]}
                )
            instance.status = CancellationRequestStatus.REJECTED
            instance.save(update_fields=["status", "modified_date"])
        return Response(self.get_serializer(instance).data, status=status.HTTP_200_OK)
