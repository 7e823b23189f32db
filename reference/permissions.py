"""Channel-scoped access: a key sees only channels it holds a grant for.

A channel without a grant is answered 404, exactly like an unknown channel, so a key cannot
probe which channel ids exist.  A read-only grant gets DRF's 403 on every unsafe method.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from reference.models import ChannelGrant


class ChannelAccess(permissions.BasePermission):
    """Authenticated, holds a grant for the path's channel, and may write if writing."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user is None:
            return False  # DRF turns this into 401 because an authenticator exists
        grant = (
            ChannelGrant.objects.select_related("channel")
            .filter(api_key=request.user, channel_id=view.kwargs.get("channel_id"))
            .first()
        )
        if grant is None:
            raise exceptions.NotFound()
        view.channel = grant.channel
        return request.method in permissions.SAFE_METHODS or grant.can_write
