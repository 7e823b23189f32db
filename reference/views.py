"""Thin DRF viewsets: the documented operations are DRF's mixins plus two actions.

Behaviour lives in the serializers, filters, pagination and permissions; the view only
scopes the queryset to the path's channel (so another channel's request is a 404, never
visible), picks the flat or detailed serializer, and adds ``reject``.  PUT is partial
because the documentation makes every PUT field optional.  Rejecting is allowed from
"waiting" and from "approved"; only an already rejected request refuses it (400).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
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
    ENTITY_FIELDS,
    CancellationRequestDetailedSerializer,
    CancellationRequestSerializer,
    usable_order_items,
    usable_reasons,
)

DETAILED_ACTIONS = frozenset({"detailed", "detailed_retrieve"})
DETAILED_HIDDEN = ("created_date", "modified_date", "uuid", *ENTITY_FIELDS)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus JSON 400s for what Django's request parsing raises."""
    if isinstance(exc, UnicodeError):
        # Bytes that do not decode (a header, a body) are the client's error, not ours.
        exc = exceptions.ParseError()
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 404 and faults.is_on("robust_html_404"):
        return HttpResponse(  # type: ignore[return-value]
            "<html><body><h1>Not Found</h1></body></html>", status=404, content_type="text/html"
        )
    return response


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
        # No joins: what a request nests comes from the server's memo (see serializers).
        queryset = CancellationRequest.objects.filter(channel=self.channel)
        if (self.action == "retrieve" and faults.is_on("auth_other_channel_by_id")) or (
            self.action in ("list", "detailed") and faults.is_on("auth_other_channel_in_list")
        ):
            queryset = CancellationRequest.objects.all()
        if self.action in DETAILED_ACTIONS:
            # Columns the detailed object does not show (JSON ones are costly to decode).
            queryset = queryset.defer(*DETAILED_HIDDEN)
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
        required = ("order_item", "reason", "cancellation_type")
        if (
            isinstance(request.data, dict)
            and not all(name in request.data for name in required)
            and faults.is_on("status_create_missing_field_500")
        ):
            raise faults.InjectedFault("KeyError on a required field")
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

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            response = super().retrieve(request, *args, **kwargs)
        except (Http404, exceptions.NotFound):
            if faults.is_on("status_unknown_id_200_empty"):
                return Response({}, status=status.HTTP_200_OK)
            raise
        if self.action == "retrieve" and faults.is_on("robust_retrieve_text_plain"):
            response.content_type = "text/plain; charset=utf-8"
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Documented PUT bodies have only optional fields: PUT validates like PATCH.
        return self._update(request, unstored_fault="persist_put_not_stored")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, unstored_fault="persist_patch_not_stored")

    def _update(self, request: Request, *, unstored_fault: str) -> Response:
        """DRF's UpdateModelMixin.update, partial, with the places update faults live."""
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        patching = request.method == "PATCH"
        if not serializer.is_valid():
            if patching and faults.is_on("validation_patch_400_still_changes"):
                self._store_valid_fields(serializer, instance)
            raise exceptions.ValidationError(serializer.errors)
        if faults.is_on(unstored_fault):
            # Answers what it would have stored.
            for name, value in serializer.validated_data.items():
                setattr(instance, name, value)
            return Response(self.get_serializer(instance).data)
        if patching and faults.is_on("persist_patch_regenerates_uuid"):
            serializer.save(uuid=uuid.uuid4())
        else:
            self.perform_update(serializer)
        return Response(serializer.data)

    @staticmethod
    def _store_valid_fields(serializer: Any, instance: CancellationRequest) -> None:
        """The ``validation_patch_400_still_changes`` regression: save field by field."""
        data = serializer.initial_data if isinstance(serializer.initial_data, dict) else {}
        for name, value in data.items():
            field = serializer.fields.get(name)
            if field is None or field.read_only or name in serializer.errors:
                continue
            setattr(instance, field.source, field.run_validation(value))
        instance.save()

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if faults.is_on("status_delete_200_with_body"):
            instance = self.get_object()
            body = self.get_serializer(instance).data
            self.perform_destroy(instance)
            return Response(body, status=status.HTTP_200_OK)
        return super().destroy(request, *args, **kwargs)

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
            if not faults.is_on("persist_reject_not_stored"):
                instance.save(update_fields=["status", "modified_date"])
        code = status.HTTP_201_CREATED if faults.is_on("status_reject_201") else status.HTTP_200_OK
        return Response(self.get_serializer(instance).data, status=code)
