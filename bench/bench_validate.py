"""Validations per second of the detailed object, the largest shape, lax and strict, on one core.

Measured on the documentation's detailed example (its order item status repaired, so the run times
the valid path every conforming response takes) and on a broken copy, which falls through the fast
check to jsonschema for the error list. Figures only, no thresholds: machines differ.
"""

from __future__ import annotations

import copy
import json
import time

from conformance import schemas

SHAPE = "cancellation_request_detailed"
SECONDS = 1.0


def _rate(instance: object, strict: bool) -> float:
    schemas.validate(SHAPE, instance, strict=strict)  # load and compile outside the clock
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        for _ in range(50):
            schemas.validate(SHAPE, instance, strict=strict)
        count += 50
    return count / elapsed


def main() -> None:
    """Print the figures."""
    example = json.loads(
        (schemas.SCHEMA_DIR / "examples" / "detailed_retrieve.200.json").read_text()
    )
    valid = copy.deepcopy(example)
    valid["order_item"]["status"] = "400"
    broken = copy.deepcopy(valid)
    broken["order_item"]["order"]["date_placed"] = "2025-13-45T10:00:00Z"
    for label, instance in (("valid", valid), ("invalid", broken)):
        for strict in (False, True):
            mode = "strict" if strict else "lax"
            print(f"{SHAPE} {label:7} {mode:6} {_rate(instance, strict):10,.0f} validations/s")


if __name__ == "__main__":
    main()
