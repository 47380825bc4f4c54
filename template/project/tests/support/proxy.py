"""A TCP proxy on 127.0.0.1 that can cut or freeze every connection through it (fault tests)."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

CHUNK = 65536


class FaultProxy:
    """Forwards 127.0.0.1:`port` to `target`; `cut()` resets every open connection and `freeze()`
    holds every byte (the connections stay open, nothing arrives) until `thaw()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @contextmanager
    def running(self) -> Iterator["FaultProxy"]:
        thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        thread.start()
        self._call(self._start())
        try:
            yield self
        finally:
            self._call(self._stop())
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(timeout=10)
            self._loop.close()

    def cut(self) -> None:
        self._call(self._abort_all())

    def freeze(self) -> None:
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def thaw(self) -> None:
        self._loop.call_soon_threadsafe(self._flowing.set)

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    async def _start(self) -> None:
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._abort_all()

    async def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        await self._flowing.wait()
        try:
            server_reader, server = await asyncio.open_connection(*self._target)
        except OSError:
            client.transport.abort()
            return
        self._writers |= {client, server}
        await asyncio.gather(self._pump(client_reader, server), self._pump(server_reader, client))
        self._writers -= {client, server}

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
