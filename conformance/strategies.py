"""Hypothesis strategies derived from schemas/ and the target's own data, and the run profiles.

Profiles: ``quick`` for CI, ``thorough`` for release validation, ``deterministic`` (derandomized,
no example database) whenever cassettes are recorded or replayed, so the same requests are
generated again. Deadlines are off: every example waits on the network.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
}

PROFILES: dict[str, dict] = {
    "quick": {"max_examples": 15, **_COMMON},
    "thorough": {"max_examples": 200, **_COMMON},
    "deterministic": {"max_examples": 15, "derandomize": True, "database": None, **_COMMON},
}

for _name, _values in PROFILES.items():
    settings.register_profile(_name, **_values)


def load_profile(name: str) -> None:
    settings.load_profile(name)
