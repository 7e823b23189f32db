"""``python -m reference``: serve until SIGINT/SIGTERM, announcing itself in one line.

The line is the whole interface for a parent process (``reference.server.spawn`` parses it),
so nothing else is printed on stdout.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from reference import faults
from reference.server import start


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--db", help="SQLite file to (re)create; default: a temporary file")
    parser.add_argument("--api-key", default="reference-key")
    parser.add_argument("--readonly-api-key", help="default: <api-key>-readonly")
    parser.add_argument(
        "--faults", default="", help=f"comma-separated, from: {', '.join(sorted(faults.FAULTS))}"
    )
    args = parser.parse_args(argv)
    try:
        args.fault_names = sorted(faults.resolve(faults.split(args.faults)))
    except faults.UnknownFaultError as exc:
        parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    server = start(
        port=args.port,
        api_key=args.api_key,
        readonly_api_key=args.readonly_api_key,
        faults=args.fault_names,
        db=args.db,
    )
    try:
        print(server.facts.line(), flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
