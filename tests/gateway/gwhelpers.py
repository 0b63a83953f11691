"""Gateway test helpers: simulator backends (real processes), a gateway served by uvicorn in a thread
of the test process (so tests can read its live state), and a tiny raw upstream for byte-exact
checks. Every port is picked free at run time."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import httpx
import uvicorn

from citadel_cli.sim.testing import free_port
from gateway.app import create_app
from gateway.settings import BackendSettings, GatewaySettings
from tests.support.poll import poll as wait_for  # noqa: F401 - the gateway tests import it from here


class RunningGateway:
    def __init__(self, app, port: int, server: uvicorn.Server) -> None:
        self.app, self.port, self.server = app, port, server
        self.url = f"http://127.0.0.1:{port}"

    @property
    def state(self):
        return self.app.state.gateway

    def backend(self, model: str, index: int = 0):
        return self.state.router.backend(model, index)


@contextlib.contextmanager
def running_gateway(settings: GatewaySettings) -> Iterator[RunningGateway]:
    port = free_port()
    settings = settings.model_copy(update={"port": port, "host": "127.0.0.1"})
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, loop="asyncio", http="httptools",
                            log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 15, "gateway start")
        yield RunningGateway(app, port, server)
    finally:
        server.should_exit = True
        thread.join(15)


def backends(**models: list[str]) -> dict[str, tuple[BackendSettings, ...]]:
    return {m: tuple(BackendSettings(url=u) for u in urls) for m, urls in models.items()}


def set_faults(base_url: str, **faults) -> None:
    httpx.post(f"{base_url}/sim/faults", json=faults, timeout=5).raise_for_status()


def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


class RawUpstream:
    """Answers every POST with a fixed SSE byte sequence, written in the given pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        if head.startswith(b"GET"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                         b"Connection: close\r\n\r\n")
            for piece in self.pieces:
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await writer.drain()
                await asyncio.sleep(0.01)
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()
        server.close()

    def __enter__(self) -> RawUpstream:
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
