"""The simulator as a raw ASGI app: routing, latencies, queueing and faults.

Token i of a reply is due at admission + ttft + i * itl; each sleep aims at that absolute time so
scheduling delays do not add up over a long reply (the configured latencies are kept exactly).
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from citadel_cli.sim import protocol
from citadel_cli.sim.protocol import BadRequest, GenRequest
from citadel_cli.sim.state import SIM_VERSION, SimOptions, SimState

JSON = [(b"content-type", b"application/json")]
TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
METRICS = [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")]
SSE = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


class ConnectionDropped(Exception):
    """Raised after a response started: uvicorn then closes the socket without finishing the body."""


async def read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def respond(send, status: int, body: bytes, headers=JSON) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


class SimApp:
    def __init__(self, options: SimOptions) -> None:
        self.state = SimState(options)
        self.options = options
        self.routes = {
            ("GET", "/health"): self.health,
            ("GET", "/ping"): self.health,
            ("POST", "/ping"): self.health,
            ("GET", "/version"): self.version,
            ("GET", "/load"): self.load,
            ("GET", "/metrics"): self.metrics,
            ("GET", "/v1/models"): self.models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/completions"): self.completion,
            ("POST", "/v1/embeddings"): self.embeddings,
        }

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        if scope["type"] != "http":
            return None
        method, path = scope["method"], scope["path"]
        if path == "/sim/faults":  # always answers: it is how a test ends a hang
            return await self.faults(method, receive, send)
        await self.state.unhung.wait()
        handler = self.routes.get((method, path))
        if handler is None:
            status = 405 if any(p == path for _, p in self.routes) else 404
            return await respond(send, status, protocol.error_body(status, f"{method} {path} is not served"))
        try:
            return await handler(receive, send)
        except ConnectionDropped:
            # Returning with the body unfinished makes uvicorn close the socket: the client sees a
            # truncated response, as when a real engine dies mid-stream (one log line, no traceback).
            return None

    # --- small routes
    async def health(self, receive, send) -> None:
        if self.state.faults.health_fail:
            return await respond(send, 503, b"", TEXT)
        await respond(send, 200, b"", TEXT)

    async def version(self, receive, send) -> None:
        await respond(send, 200, json.dumps({"version": SIM_VERSION}).encode())

    async def load(self, receive, send) -> None:
        metrics = self.state.metrics
        await respond(send, 200, json.dumps({"server_load": metrics.running + metrics.waiting}).encode())

    async def metrics(self, receive, send) -> None:
        await respond(send, 200, self.state.metrics.render(self.options.max_num_seqs).encode(), METRICS)

    async def models(self, receive, send) -> None:
        card = {"id": self.options.model, "object": "model", "created": int(self.state.started),
                "owned_by": "vllm", "root": self.options.model, "parent": None,
                "max_model_len": self.options.max_model_len, "permission": []}
        await respond(send, 200, json.dumps({"object": "list", "data": [card]}).encode())

    async def faults(self, method: str, receive, send) -> None:
        if method == "POST":
            try:
                update = json.loads(await read_body(receive) or b"{}")
                self.state.apply_faults(update if isinstance(update, dict) else {"_": update})
            except ValueError as exc:  # bad JSON or a pydantic ValidationError
                return await respond(send, 400, protocol.error_body(400, f"bad faults: {exc}"))
        await respond(send, 200, self.state.faults.model_dump_json().encode())

    async def embeddings(self, receive, send) -> None:
        try:
            body = protocol.embeddings(await read_body(receive), self.options.model, self.options.embedding_dim)
        except BadRequest as exc:
            return await respond(send, exc.status, protocol.error_body(exc.status, exc.message, exc.param))
        await respond(send, 200, body)

    # --- generation
    async def chat(self, receive, send) -> None:
        await self.generate(receive, send, chat=True)

    async def completion(self, receive, send) -> None:
        await self.generate(receive, send, chat=False)

    async def generate(self, receive, send, chat: bool) -> None:
        state, options = self.state, self.options
        raw = await read_body(receive)
        try:
            req = protocol.parse_generation(raw, chat, options.model, options.default_tokens,
                                            options.max_model_len, state.next_id())
        except BadRequest as exc:
            return await respond(send, exc.status, protocol.error_body(exc.status, exc.message, exc.param))
        faults = state.faults
        if faults.error_rate and random.random() < faults.error_rate:
            status = faults.error_status
            return await respond(send, status, protocol.error_body(status, "simulated failure (sim fault knob)"))
        arrived = time.monotonic()
        metrics = state.metrics
        metrics.waiting += 1
        try:
            await state.slots.acquire()
        finally:
            metrics.waiting -= 1
        metrics.running += 1
        try:
            admitted = time.monotonic()
            metrics.queue.observe(admitted - arrived)
            if req.stream:
                await self.stream(req, send, admitted)
            else:
                await self.whole(req, send, admitted)
            self.record(req, admitted)
        finally:
            metrics.running -= 1
            state.slots.release()

    async def whole(self, req: GenRequest, send, admitted: float) -> None:
        ttft, itl = self.state.ttft_s, self.state.itl_s
        await sleep_until(admitted + ttft + itl * (req.tokens - 1))
        await self.state.unhung.wait()
        body = protocol.full_response(req)
        cut = self.state.faults.die_after_chunks
        if cut is not None:  # half a body, then the socket closes
            await send({"type": "http.response.start", "status": 200,
                        "headers": [*JSON, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise ConnectionDropped("simulated connection drop (die_after_chunks)")
        await respond(send, 200, body)

    async def stream(self, req: GenRequest, send, admitted: float) -> None:
        state = self.state
        ttft, itl = state.ttft_s, state.itl_s
        cut = state.faults.die_after_chunks
        await send({"type": "http.response.start", "status": 200, "headers": SSE})
        sent = 0
        for index in range(req.tokens):
            await sleep_until(admitted + ttft + itl * index)
            if not state.unhung.is_set():
                await state.unhung.wait()
            if index == 0 and req.chat:
                # As vLLM: the role chunk goes out with the first token, not before it (a client
                # that times its first chunk, like `vllm bench serve`, would see TTFT ~0 otherwise).
                await send({"type": "http.response.body", "body": protocol.role_chunk(req), "more_body": True})
                sent += 1
            if cut is not None and sent >= cut:
                raise ConnectionDropped("simulated connection drop (die_after_chunks)")
            await send({"type": "http.response.body", "body": protocol.token_chunk(req, index), "more_body": True})
            sent += 1
        tail = (protocol.usage_chunk(req) + protocol.DONE) if req.include_usage else protocol.DONE
        await send({"type": "http.response.body", "body": tail})

    def record(self, req: GenRequest, admitted: float) -> None:
        """Metrics as vLLM counts them: latencies the configuration implies, measured from admission."""
        metrics, now = self.state.metrics, time.monotonic()
        ttft, itl = self.state.ttft_s, self.state.itl_s
        metrics.prompt_tokens += req.prompt_tokens
        metrics.generation_tokens += req.tokens
        metrics.success[req.finish_reason] += 1
        metrics.ttft.observe(ttft)
        for _ in range(req.tokens - 1):
            metrics.itl.observe(itl)
        metrics.tpot.observe(itl)
        metrics.e2e.observe(now - admitted)


def create_app(options: SimOptions) -> SimApp:
    return SimApp(options)
