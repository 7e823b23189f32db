"""Requests per second of the reference server for three typical calls, against an in-process
``start()``, over one keep-alive ``requests.Session`` and over a new connection per request.
Prints figures; asserts nothing.

Client and server share this process, so ``cpu ms/req`` (process CPU time per request, both
sides) is the figure to compare across runs on a busy machine; req/s also shows stalls
(a delayed-ACK wait would cap a row near 25 req/s whatever the CPU cost).

Run: ``python bench/bench_reference.py [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import requests

from reference.server import start


def rate(call: Callable[[], requests.Response], seconds: float) -> tuple[float, float, int]:
    """Calls per second and CPU ms per call over ``seconds`` (after a warm-up), and the count."""
    for _ in range(20):
        call()
    count, began, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - began) < seconds:
        call().raise_for_status()
        count += 1
    return count / elapsed, (time.process_time() - cpu) * 1000 / count, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per call")
    args = parser.parse_args()
    with start() as server, requests.Session() as http:
        http.trust_env = False  # measure the server, not requests reading the environment
        facts = server.facts
        auth = {"Authorization": f"Token {facts.api_key}"}
        http.headers.update(auth)
        base = f"{facts.base_url}/api/channel/{facts.channel_id}/cancellation_requests/"
        body = {
            "order_item": facts.order_items[-1],
            "reason": facts.reasons[0],
            "cancellation_type": "cancel",
        }
        calls = {
            "retrieve (GET {id}/)": lambda: http.get(base + "1/"),
            "create (POST /)": lambda: http.post(base, json=body),
            "detailed list, limit=20": lambda: http.get(base + "detailed", params={"limit": 20}),
            # Connection: close, so each call pays a TCP handshake and a server thread.
            "retrieve, new connection": lambda: requests.get(
                base + "1/", headers={**auth, "Connection": "close"}
            ),
            "create, new connection": lambda: requests.post(
                base, json=body, headers={**auth, "Connection": "close"}
            ),
        }
        for name, call in calls.items():
            per_second, cpu_ms, count = rate(call, args.seconds)
            print(f"{name:<28} {per_second:8.1f} req/s  {cpu_ms:6.2f} cpu ms/req  ({count})")


if __name__ == "__main__":
    main()
