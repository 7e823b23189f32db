"""Per-server state carried by the thread that serves a request.

Django is configured once per process, yet ``start()`` may run several servers in one
process (a session fixture plus a faulty one, say).  Each server therefore owns a database
alias and a fault set, and every request thread is bound to its server's state; the router
below sends ORM queries to the bound alias.  Code outside a server thread (management
commands, a bare shell) falls back to ``default``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_local = threading.local()


@dataclass(frozen=True)
class ServerState:
    """What distinguishes one running server from another in the same process."""

    alias: str
    faults: frozenset[str] = field(default_factory=frozenset)
    # Answers derived from rows no request can change (keys, grants, the seeded objects a
    # request nests), memoised for this server's lifetime; see ``memo``.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def current() -> ServerState | None:
    """The state bound to this thread, if any."""
    return getattr(_local, "state", None)


def alias() -> str:
    """The database alias of the bound server, else Django's default."""
    state = current()
    return state.alias if state else "default"


def memo() -> dict[Any, Any]:
    """The bound server's memo of immutable answers (a throwaway dict when unbound)."""
    state = current()
    return state.memo if state else {}


@contextmanager
def bound(state: ServerState) -> Iterator[None]:
    """Bind ``state`` to the current thread for the duration of the block."""
    previous = current()
    _local.state = state
    try:
        yield
    finally:
        _local.state = previous


class ServerDatabaseRouter:
    """Routes every query to the database of the server bound to the thread."""

    def _alias(self) -> str | None:
        state = current()
        return state.alias if state else None

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return self._alias()

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return self._alias()

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return True
