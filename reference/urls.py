"""Router registration, plus the two things a router cannot express.

Ids go through a 64-bit-bounded converter, so an id SQLite cannot store is "no such URL"
(404) rather than an overflow deep in the ORM.  The detailed list is documented without a
trailing slash while every other path has one: both spellings are served.  Django's own
error pages are replaced with JSON so no answer is ever HTML.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, register_converter
from rest_framework.routers import SimpleRouter

from reference.views import CancellationRequestViewSet


class Int64Converter:
    """A positive decimal integer that fits a signed 64-bit column."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > 2**63 - 1:
            raise ValueError(value)  # the resolver treats this as "does not match"
        return number

    def to_url(self, value: Any) -> str:
        return str(value)


register_converter(Int64Converter, "int64")

PREFIX = "api/channel/<int64:channel_id>/cancellation_requests"

router = SimpleRouter(use_regex_path=False)
router.register(PREFIX, CancellationRequestViewSet, basename="cancellation-request")


def _detailed_without_slash(patterns: list[URLPattern]) -> URLPattern:
    detailed = next(p for p in patterns if p.name == "cancellation-request-detailed")
    return path(f"{PREFIX}/detailed", detailed.callback, name="cancellation-request-detailed-bare")


urlpatterns = [*router.urls, _detailed_without_slash(router.urls)]


def _json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(400, "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(403, "You do not have permission to perform this action.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(404, "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(500, "A server error occurred.")


handler400 = bad_request
handler403 = permission_denied
handler404 = not_found
handler500 = server_error
