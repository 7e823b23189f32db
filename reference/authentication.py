"""DRF's ``Token`` scheme over the reference server's own key table.

Subclassing ``TokenAuthentication`` keeps DRF's header parsing and its exact 401 bodies
("Invalid token.", "Authentication credentials were not provided."), while the key row
itself is the principal: there are no users, only keys with per-channel grants.  No
operation changes keys, so a found key is memoised per server (an unknown one is not: a
fuzzer would grow the memo without bound).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from reference import context, faults
from reference.models import ApiKey


class ApiKeyAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; the ``ApiKey`` is both user and auth."""

    model = ApiKey

    def authenticate_credentials(self, key: str) -> tuple[ApiKey, ApiKey]:
        # NUL or surrogates cannot be a key, and would upset the database driver.
        if "\x00" in key or any("\ud800" <= ch <= "\udfff" for ch in key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        memo = context.memo()
        api_key = memo.get(("api_key", key))
        if api_key is None:
            try:
                api_key = ApiKey.objects.get(key=key)
            except ApiKey.DoesNotExist:
                raise exceptions.AuthenticationFailed("Invalid token.") from None
            memo[("api_key", key)] = api_key
        return api_key, api_key

    def authenticate(self, request: Any) -> tuple[ApiKey, ApiKey] | None:
        try:
            return super().authenticate(request)
        except UnicodeError:
            # Header bytes that do not decode: the same answer as any other bad token.
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        except exceptions.AuthenticationFailed:
            view = request.parser_context.get("view")
            if getattr(view, "action", None) == "list" and faults.is_on("auth_list_any_key"):
                first = ApiKey.objects.order_by("pk").first()  # the seeded read-write key
                return first, first
            raise
