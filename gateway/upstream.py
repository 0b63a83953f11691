"""The one upstream client: HTTP/1.1 keep-alive connections to the backends, on asyncio
protocols with httptools' C parser.

Why not httpx or aiohttp: peers/RESULTS.md measured httpx's pool collapsing at c=64, and aiohttp
still spends most of a proxy hop's CPU in its own per-request objects. A proxy needs only one
thing from a client: write these bytes, hand back status, headers and body chunks as they
arrive. This does exactly that, with one write per request and no copies of the body.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

import httptools

_MAX_BUFFER = 1 << 20  # pause reading a backend that runs ahead of a slow client by this much


class UpstreamError(Exception):
    """The backend could not be reached, or broke the response. `before_response` tells whether
    any of the response had arrived (only then is a retry safe to hide from the client)."""

    def __init__(self, message: str, before_response: bool, stale: bool = False) -> None:
        super().__init__(message)
        self.before_response = before_response
        self.stale = stale  # a reused keep-alive connection the backend had already closed


class UpstreamTimeout(UpstreamError):
    pass


class Connection(asyncio.Protocol):
    """One keep-alive connection; carries one request at a time."""

    def __init__(self, pool: HostPool) -> None:
        self.pool = pool
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reused = False
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.complete = False
        self.keep_alive = False
        self.error: UpstreamError | None = None
        self.got_bytes = False
        self.head_waiter: asyncio.Future[None] | None = None
        self.body_waiter: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.paused = False

    # --- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"bad response from backend: {exc}", before_response=self.status == 0))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.complete:
            stale = self.reused and not self.got_bytes
            self._fail(UpstreamError("backend closed the connection", before_response=self.status == 0,
                                     stale=stale))

    # --- httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self._wake_head()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _MAX_BUFFER and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake_body()

    def on_message_complete(self) -> None:
        # Asked here: once the callback returns, the parser has reset for the next message.
        self.keep_alive = self.parser.should_keep_alive()
        self.complete = True
        self._wake_body()

    # --- waking the request task
    def _wake_head(self) -> None:
        waiter, self.head_waiter = self.head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_body(self) -> None:
        waiter, self.body_waiter = self.body_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._wake_head()
        self._wake_body()

    def _on_timeout(self) -> None:
        self._fail(UpstreamTimeout("backend timed out", before_response=self.status == 0))
        self.close()

    def arm(self, seconds: float) -> None:
        """(Re)start the deadline of what is awaited next."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.loop.call_later(seconds, self._on_timeout)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    # --- used by Response
    async def wait_head(self) -> None:
        while self.status == 0 and self.error is None:
            self.head_waiter = self.loop.create_future()
            await self.head_waiter
        if self.status == 0 and self.error is not None:
            raise self.error

    async def next_chunk(self) -> bytes | None:
        """The next body chunk as received, None at the end of the body."""
        while not self.chunks:
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            self.body_waiter = self.loop.create_future()
            await self.body_waiter
        # Everything that arrived so far goes out as one piece: a backend that writes many small
        # SSE events in one burst costs one client write instead of one per event.
        chunk = self.chunks.popleft() if len(self.chunks) == 1 else b"".join(self._drain_chunks())
        self.buffered -= len(chunk)
        if self.paused and self.buffered < _MAX_BUFFER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    def _drain_chunks(self) -> list[bytes]:
        parts = list(self.chunks)
        self.chunks.clear()
        return parts

    def finish(self) -> None:
        """Done with this response: back to the pool when the exchange ended cleanly."""
        if self.timer is not None:
            self.timer.cancel()
        keep = self.complete and self.keep_alive and self.error is None and self.transport is not None
        if keep:
            self._reset()
            self.reused = True
            self.pool.release(self)
        else:
            self.close()


class Response:
    """Status and headers of a backend's answer; the body is read with `read` or `chunks`."""

    __slots__ = ("conn", "status", "headers", "timeout")

    def __init__(self, conn: Connection, timeout: float) -> None:
        self.conn = conn
        self.status = conn.status
        self.headers = conn.headers
        self.timeout = timeout

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    async def read(self) -> bytes:
        """The whole body (within the request's total deadline, already armed)."""
        parts = []
        while (chunk := await self.conn.next_chunk()) is not None:
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def next_chunk(self) -> bytes | None:
        """The next chunk of a stream; the idle deadline restarts for every chunk."""
        self.conn.arm(self.timeout)
        return await self.conn.next_chunk()

    def close(self) -> None:
        self.conn.finish()


class HostPool:
    """Idle keep-alive connections to one host:port."""

    def __init__(self, scheme: str, host: str, port: int, connect_timeout: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.host, self.port = host, port
        self.ssl = ssl.create_default_context() if scheme == "https" else None
        self.connect_timeout = connect_timeout
        self.idle: list[Connection] = []

    def release(self, conn: Connection) -> None:
        self.idle.append(conn)

    async def acquire(self) -> Connection:
        while self.idle:
            conn = self.idle.pop()
            if conn.transport is not None and not conn.transport.is_closing():
                return conn
        try:
            _, conn = await asyncio.wait_for(
                self.loop.create_connection(lambda: Connection(self), self.host, self.port, ssl=self.ssl),
                self.connect_timeout)
        except TimeoutError:
            raise UpstreamTimeout(f"connect to {self.host}:{self.port} timed out", before_response=True) from None
        except OSError as exc:
            raise UpstreamError(f"connect to {self.host}:{self.port} failed: {exc.strerror or exc}",
                                before_response=True) from None
        return conn

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


class UpstreamClient:
    """Shared by every request of the app; one HostPool per backend address."""

    def __init__(self, connect_timeout: float, request_timeout: float) -> None:
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.pools: dict[str, HostPool] = {}

    def _pool(self, base_url: str) -> HostPool:
        pool = self.pools.get(base_url)
        if pool is None:
            parts = urlsplit(base_url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            pool = self.pools[base_url] = HostPool(parts.scheme, parts.hostname or "127.0.0.1", port,
                                                   self.connect_timeout)
        return pool

    async def request(self, base_url: str, method: bytes, path: bytes, headers: bytes, body: bytes,
                      timeout: float | None = None) -> Response:
        """Send one request; returns once the status line and headers are in. `headers` are
        extra ready-made header lines, each ending in CRLF. A keep-alive connection found
        closed by the backend is replaced transparently (no byte of it was processed)."""
        pool = self._pool(base_url)
        timeout = timeout or self.request_timeout
        host = pool.host.encode() if pool.port in (80, 443) else b"%s:%d" % (pool.host.encode(), pool.port)
        head = b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n" % (
            method, path, host, len(body), headers)
        for _ in range(3):
            conn = await pool.acquire()
            conn.arm(timeout)
            conn.transport.write(head + body if len(body) < 65536 else head)
            if len(body) >= 65536:
                conn.transport.write(body)
            try:
                await conn.wait_head()
            except UpstreamError as exc:
                conn.finish()
                if exc.stale:
                    continue
                raise
            return Response(conn, timeout)
        raise UpstreamError("backend keeps closing connections", before_response=True)

    async def get(self, base_url: str, path: str, timeout: float) -> tuple[int, bytes]:
        """A small GET (health checks): status and body."""
        response = await self.request(base_url, b"GET", path.encode(), b"", b"", timeout)
        try:
            return response.status, await response.read()
        finally:
            response.close()

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools.clear()
