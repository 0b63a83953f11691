"""What clients and the gateway rely on from an engine, asserted the same way for vLLM and the
simulator: one body, run against both (tests/system/test_vllm_real.py)."""

from __future__ import annotations

import json
import time

import httpx

MESSAGES = [{"role": "user", "content": "Hello! How are you today?"}]
TOKENS = 8
# ignore_eos: a random model may stop early; with it both engines give exact token counts.
SAMPLING = {"max_tokens": TOKENS, "ignore_eos": True, "temperature": 0}
METRIC_NAMES = (
    "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
    "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
    "vllm:time_to_first_token_seconds_count", "vllm:e2e_request_latency_seconds_count",
    "vllm:inter_token_latency_seconds_count",
)


def check_usage(usage: dict) -> None:
    assert usage["completion_tokens"] == TOKENS
    assert usage["prompt_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + TOKENS


def check_chat(client: httpx.Client, model: str) -> None:
    body = client.post("/v1/chat/completions", json={"model": model, "messages": MESSAGES, **SAMPLING}).json()
    assert body["object"] == "chat.completion" and body["model"] == model
    assert isinstance(body["id"], str) and isinstance(body["created"], int)
    choice = body["choices"][0]
    assert choice["index"] == 0 and choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["finish_reason"] == "length"
    check_usage(body["usage"])


def check_chat_stream(client: httpx.Client, model: str) -> float:
    """Returns the time to the first content chunk, ms."""
    request = {"model": model, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True},
               **SAMPLING}
    start, first = time.monotonic(), None
    events = []
    with client.stream("POST", "/v1/chat/completions", json=request) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                first = first or time.monotonic()
                events.append(line[len("data: "):])
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    with_choices = [c for c in chunks if c["choices"]]
    assert with_choices[-1]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == []
    check_usage(chunks[-1]["usage"])
    return (first - start) * 1000


def check_completion(client: httpx.Client, model: str) -> None:
    body = client.post("/v1/completions", json={"model": model, "prompt": "The quick brown fox", **SAMPLING}).json()
    assert body["object"] == "text_completion" and body["model"] == model
    assert isinstance(body["choices"][0]["text"], str) and body["choices"][0]["finish_reason"] == "length"
    check_usage(body["usage"])


def check_models_and_errors(client: httpx.Client, model: str) -> None:
    assert model in [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert client.get("/health").status_code == 200
    unknown = client.post("/v1/chat/completions", json={"model": "no-such-model", "messages": MESSAGES})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"]
    too_long = client.post("/v1/completions", json={"model": model, "prompt": "x", "max_tokens": 10**6})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["message"]


def metric(text: str, name: str, model: str) -> float:
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith(name + "{") and f'model_name="{model}"' in line:
            total += float(line.rsplit(" ", 1)[1])
            found = True
    assert found, f"{name} for {model} missing from /metrics"
    return total


def check_metrics(client: httpx.Client, model: str) -> None:
    text = client.get("/metrics").text
    for name in METRIC_NAMES:
        metric(text, name, model)
    assert metric(text, "vllm:generation_tokens_total", model) >= 3 * TOKENS
    assert metric(text, "vllm:request_success_total", model) >= 3


def exercise(base_url: str, model: str) -> dict[str, float]:
    """The whole contract; returns timings in ms."""
    timings: dict[str, float] = {}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for name, check in (("chat", check_chat), ("completion", check_completion)):
            start = time.monotonic()
            check(client, model)
            timings[f"{name}_ms"] = (time.monotonic() - start) * 1000
        timings["stream_first_chunk_ms"] = check_chat_stream(client, model)
        check_models_and_errors(client, model)
        check_metrics(client, model)
    return timings
