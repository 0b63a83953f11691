"""The probe request of the deploy summary: time to the first streamed token of one chat."""

from __future__ import annotations

import time

from pydantic import BaseModel


class FirstToken(BaseModel):
    model: str
    ok: bool
    first_token_ms: float | None = None
    total_ms: float | None = None
    error: str | None = None


def first_token(base_url: str, model: str, api_key: str | None = None, timeout: float = 30.0) -> FirstToken:
    """Stream one short chat completion and time its first content chunk."""
    import httpx

    body = {"model": model, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8,
            "stream": True}
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    start = time.monotonic()
    first: float | None = None
    try:
        with httpx.stream("POST", f"{base_url}/v1/chat/completions", json=body, headers=headers,
                          timeout=timeout) as response:
            if response.status_code != 200:
                response.read()
                return FirstToken(model=model, ok=False, error=f"HTTP {response.status_code}: {response.text[:160]}")
            for line in response.iter_lines():
                if first is None and line.startswith("data: {"):
                    first = time.monotonic()
    except httpx.HTTPError as exc:
        return FirstToken(model=model, ok=False, error=str(exc) or type(exc).__name__)
    total = time.monotonic()
    if first is None:
        return FirstToken(model=model, ok=False, error="the stream carried no chunk")
    return FirstToken(model=model, ok=True, first_token_ms=round((first - start) * 1000, 1),
                      total_ms=round((total - start) * 1000, 1))
