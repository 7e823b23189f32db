"""Programmatic Django settings, because the server is embedded and has no project on disk.

Django can be configured once per process, so ``configure()`` is idempotent.  Every running
server gets its own SQLite database alias (see ``reference.context``); ``default`` is a
placeholder that is never migrated.  DEBUG is off so errors look like production (JSON
handlers in ``urls.py``); APPEND_SLASH is off so a missing slash is a 404, never a redirect.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

import django
from django.conf import settings

SQLITE_OPTIONS: dict[str, Any] = {
    # Writers take the lock at BEGIN, so concurrent writers queue instead of failing with
    # "database is locked" when a deferred transaction tries to upgrade its lock.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # WAL lets readers proceed while a writer holds the lock; NORMAL skips an fsync per commit
    # (a crash may lose the last commits of a throwaway test database, nothing else).
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["reference.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["reference.permissions.ChannelAccess"],
    "DEFAULT_FILTER_BACKENDS": ["reference.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "reference.pagination.LimitPageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": ["reference.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "reference.views.exception_handler",
    # No django.contrib.auth: the key itself is the request's principal.
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    # Amounts are JSON numbers, as the documented schema types them (`number`, `decimal`).
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": "iso-8601",
    "UNICODE_JSON": True,
    "STRICT_JSON": True,
}


def placeholder_database() -> str:
    """A throwaway path for the ``default`` alias, which no server uses."""
    return os.path.join(tempfile.gettempdir(), f"reference-default-{os.getpid()}.sqlite3")


def configure() -> None:
    """Configure and set up Django once for this process."""
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="reference-server-not-secret",
        ALLOWED_HOSTS=["*"],
        APPEND_SLASH=False,
        ROOT_URLCONF="reference.urls",
        INSTALLED_APPS=["rest_framework", "django_filters", "reference"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": placeholder_database(),
                "OPTIONS": dict(SQLITE_OPTIONS),
                "CONN_MAX_AGE": None,
            }
        },
        DATABASE_ROUTERS=["reference.context.ServerDatabaseRouter"],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        TIME_ZONE="UTC",
        USE_I18N=False,
        REST_FRAMEWORK=REST_FRAMEWORK,
        LOGGING_CONFIG=None,
        # Bodies beyond this are refused with a JSON 400 instead of being parsed.
        DATA_UPLOAD_MAX_MEMORY_SIZE=1_000_000,
        MIGRATION_MODULES={"reference": "reference.migrations"},
    )
    django.setup()
    # 4xx answers are the point of a contract server; only server errors are worth a log line.
    logging.getLogger("django.request").setLevel(logging.ERROR)
