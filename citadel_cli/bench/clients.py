"""HTTP clients of the load generator, behind one small interface; aiohttp is the default.

Chosen by measurement (benchmarks/loadgen_ceiling.py, ../shared/peers/RESULTS.md): on these
2-core hosts httpx.AsyncClient's pool collapses as concurrency rises, aiohttp keeps up, and a
load generator that is slower than the server measures itself. httpx stays selectable so the
ceiling benchmark can keep showing the difference.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Record:
    """One request as the client saw it; times are perf_counter seconds."""

    start: float
    end: float = 0.0
    ttft: float | None = None  # seconds from start to the first token chunk
    last: float = 0.0
    itls: list[float] = field(default_factory=list)
    chunks: int = 0  # token chunks seen (one token each on vLLM)
    completion_tokens: int | None = None  # from usage, when the server sends it
    prompt_tokens: int | None = None
    done: bool = False
    error: str | None = None

    @property
    def output_tokens(self) -> int:
        return self.completion_tokens if self.completion_tokens is not None else self.chunks

    def token(self, now: float) -> None:
        if self.ttft is None:
            self.ttft = now - self.start
        else:
            self.itls.append(now - self.last)
        self.last = now
        self.chunks += 1


def feed_sse(line: bytes, rec: Record) -> None:
    """One line of an OpenAI SSE stream: token chunks are token events, usage gives exact counts."""
    if not line.startswith(b"data:"):
        return
    data = line[5:].strip()
    if data == b"[DONE]":
        rec.done = True
        return
    obj = json.loads(data)
    if "error" in obj:
        rec.error = "stream_error"
        return
    _usage(obj, rec)
    for choice in obj.get("choices") or ():
        if is_token(choice):
            rec.token(time.perf_counter())


def is_token(choice: dict) -> bool:
    """Whether a streamed choice carries a generated token.

    vLLM sends one chunk per token, and a token whose text it holds back (half a UTF-8
    character, a stop string being matched) comes as empty content: still a token, so it
    counts, or ITL would be measured over too few gaps (+20-35 % on the tiny model). What
    does not count: the opening role-only chunk, and an empty delta that only carries the
    finish reason (OpenAI's last chunk)."""
    if "text" in choice:  # completions
        return True
    delta = choice.get("delta") or {}
    if "role" in delta:
        return any(value for key, value in delta.items() if key != "role")
    return any(value is not None for value in delta.values())


def feed_full(body: bytes, rec: Record) -> None:
    """A whole (non-streamed) response: no TTFT, tokens from usage."""
    obj = json.loads(body)
    _usage(obj, rec)
    rec.done = bool(obj.get("choices"))


def _usage(obj: dict, rec: Record) -> None:
    usage = obj.get("usage")
    if usage:
        rec.prompt_tokens = usage.get("prompt_tokens")
        rec.completion_tokens = usage.get("completion_tokens")


def finish(rec: Record, stream: bool) -> None:
    rec.end = time.perf_counter()
    if rec.error is None and not rec.done:
        rec.error = "incomplete_stream" if stream else "bad_response"


class AiohttpClient:
    name = "aiohttp"

    def __init__(self, headers: dict[str, str], limit: int, timeout_s: float) -> None:
        import aiohttp

        self._errors = aiohttp
        connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, headers=headers,
                                             timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def post(self, url: str, body: bytes, stream: bool, rec: Record) -> None:
        try:
            async with self.session.post(url, data=body) as resp:
                if resp.status != 200:
                    await resp.read()
                    rec.error = f"http_{resp.status}"
                elif stream:
                    async for line in resp.content:
                        feed_sse(line, rec)
                else:
                    feed_full(await resp.read(), rec)
        except TimeoutError:
            rec.error = "timeout"
        except self._errors.ClientConnectorError:
            rec.error = "connect"
        except (self._errors.ServerDisconnectedError, self._errors.ClientPayloadError):
            rec.error = "disconnect"
        except self._errors.ClientError as exc:
            rec.error = f"client:{type(exc).__name__}"
        except ValueError:
            rec.error = "bad_response"  # not JSON where JSON was promised
        finish(rec, stream)

    async def close(self) -> None:
        await self.session.close()


class HttpxClient:
    name = "httpx"

    def __init__(self, headers: dict[str, str], limit: int, timeout_s: float) -> None:
        import httpx

        self._errors = httpx
        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        self.client = httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout_s)

    async def post(self, url: str, body: bytes, stream: bool, rec: Record) -> None:
        errors = self._errors
        try:
            async with self.client.stream("POST", url, content=body) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    rec.error = f"http_{resp.status_code}"
                elif stream:
                    async for line in resp.aiter_lines():
                        feed_sse(line.encode(), rec)
                else:
                    feed_full(await resp.aread(), rec)
        except errors.TimeoutException:
            rec.error = "timeout"
        except errors.ConnectError:
            rec.error = "connect"
        except errors.RemoteProtocolError:
            rec.error = "disconnect"
        except errors.HTTPError as exc:
            rec.error = f"client:{type(exc).__name__}"
        except ValueError:
            rec.error = "bad_response"
        finish(rec, stream)

    async def close(self) -> None:
        await self.client.aclose()


CLIENTS = {"aiohttp": AiohttpClient, "httpx": HttpxClient}


def client_version(name: str) -> str:
    from importlib.metadata import version

    return f"{name} {version(name)}"
