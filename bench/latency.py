"""A loopback TCP proxy that delays what the client sends, so a local server answers as if it
were a network away.

The embedded target answers in about 2 ms, which makes any live run look cheap; a sandbox is
tens of milliseconds away. Putting the whole round trip on the client-to-server direction keeps
the proxy simple and gives each request the same added wait: every chunk is passed on ``delay``
seconds after it arrived (a queue per connection, so a request sent in two chunks waits once,
as on a real network, not once per chunk).
"""

from __future__ import annotations

import asyncio
import threading
import time
from types import TracebackType
from typing import Self


class DelayingProxy:
    """``with DelayingProxy(("127.0.0.1", port), 0.025) as proxy:`` serves ``proxy.base_url``."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream = upstream
        self.delay = delay
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", 0), self._loop
        ).result(timeout=10)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        """Stop listening and end the connections a client left open."""
        if self._server is not None:
            self._server.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _connection(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter):
        server, to_server = await asyncio.open_connection(*self.upstream)
        try:
            await asyncio.gather(
                self._delayed(client, to_server),
                self._plain(server, to_client),
                return_exceptions=True,
            )
        except asyncio.CancelledError:
            pass  # the proxy is shutting down; the connection just ends
        finally:
            for writer in (to_server, to_client):
                writer.close()

    async def _delayed(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    sink.close()
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                sink.write(data)
                await sink.drain()

        delivering = asyncio.create_task(deliver())
        while True:
            data = await source.read(65536)
            queue.put_nowait((time.monotonic() + self.delay, data))
            if not data:
                break
        await delivering

    @staticmethod
    async def _plain(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
        sink.close()
