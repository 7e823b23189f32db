"""Channel-scoped access: a key sees only channels it holds a grant for.

A channel without a grant is answered 404, exactly like an unknown channel, so a key cannot
probe which channel ids exist.  A read-only grant gets DRF's 403 on every unsafe method.
Grants never change while a server runs, so a found one is memoised per server.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from reference import context, faults
from reference.models import Channel, ChannelGrant


class ChannelAccess(permissions.BasePermission):
    """Authenticated, holds a grant for the path's channel, and may write if writing."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user is None:
            if view.action == "detailed_retrieve" and faults.is_on(
                "auth_detailed_retrieve_anonymous"
            ):
                channel = Channel.objects.filter(pk=view.kwargs.get("channel_id")).first()
                if channel is None:
                    raise exceptions.NotFound()
                view.channel = channel
                return True
            return False  # DRF turns this into 401 because an authenticator exists
        memo_key = ("grant", request.user.pk, view.kwargs.get("channel_id"))
        memo = context.memo()
        grant = memo.get(memo_key)
        if grant is None:
            grant = (
                ChannelGrant.objects.select_related("channel")
                .filter(api_key=request.user, channel_id=memo_key[2])
                .first()
            )
        if grant is None:
            raise exceptions.NotFound()
        memo[memo_key] = grant
        view.channel = grant.channel
        if request.method == "PATCH" and faults.is_on("auth_readonly_can_patch"):
            return True
        return request.method in permissions.SAFE_METHODS or grant.can_write
