"""The simulator over real sockets: vLLM's routes and shapes, latencies, queueing, faults, metrics."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from citadel_cli.sim.testing import running_sim

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello there"}]}


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_sim("m", tmp_path_factory.mktemp("sim"), "--ttft-ms", "40", "--itl-ms", "10",
                     "--max-num-seqs", "2") as process:
        yield process


@pytest.fixture
def client(sim):
    with httpx.Client(base_url=sim.base_url, timeout=10) as c:
        yield c
        c.post("/sim/faults", json={"error_rate": 0, "hang": False, "die_after_chunks": None, "health_fail": False})


def sse_events(response: httpx.Response) -> list[str]:
    return [line[len("data: "):] for line in response.iter_lines() if line.startswith("data: ")]


def test_models_health_version(client):
    assert client.get("/health").status_code == 200
    assert client.get("/v1/models").json()["data"][0]["id"] == "m"
    assert "version" in client.get("/version").json()


def test_chat_default_16_tokens_and_usage(client):
    body = client.post("/v1/chat/completions", json=CHAT).json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["usage"]["completion_tokens"] == 16
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 16


def test_completion_max_tokens(client):
    body = client.post("/v1/completions", json={"model": "m", "prompt": "x", "max_tokens": 3}).json()
    assert body["object"] == "text_completion"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


def test_stream_with_usage_ends_with_done(client):
    req = {**CHAT, "stream": True, "max_tokens": 5, "stream_options": {"include_usage": True}}
    with client.stream("POST", "/v1/chat/completions", json=req) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[-1]["usage"]["completion_tokens"] == 5 and chunks[-1]["choices"] == []
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "The quick brown fox jumps"


def test_latency_follows_settings(client):
    start = time.monotonic()
    client.post("/v1/completions", json={"model": "m", "prompt": "x", "max_tokens": 11})
    elapsed = time.monotonic() - start
    assert 0.14 <= elapsed < 1.0  # 40 ms + 10 * 10 ms; generous upper bound on a shared box


def test_errors_in_openai_format(client):
    unknown = client.post("/v1/chat/completions", json={**CHAT, "model": "nope"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 404
    bad = client.post("/v1/completions", json={"model": "m", "prompt": "x", "max_tokens": 10**6})
    assert bad.status_code == 400 and "maximum context length" in bad.json()["error"]["message"]
    assert client.post("/v1/chat/completions", content=b"{not json").status_code == 400


def test_embeddings(client):
    body = client.post("/v1/embeddings", json={"model": "m", "input": ["a", "b"]}).json()
    assert len(body["data"]) == 2 and len(body["data"][0]["embedding"]) == 64


def test_queues_beyond_max_num_seqs(sim, client):
    # 4 requests of ~0.3 s with 2 slots: two waves, and the metrics see the waiting ones.
    req = {"model": "m", "prompt": "x", "max_tokens": 27}
    with ThreadPoolExecutor(4) as pool:
        start = time.monotonic()
        futures = [pool.submit(httpx.post, f"{sim.base_url}/v1/completions", json=req, timeout=10)
                   for _ in range(4)]
        waiting = _poll_metric(client, "vllm:num_requests_waiting", lambda v: v >= 1)
        assert all(f.result().status_code == 200 for f in futures)
        elapsed = time.monotonic() - start
    assert waiting >= 1
    assert elapsed >= 0.58


def _poll_metric(client, name: str, predicate, deadline_s: float = 2.0) -> float:
    deadline, value = time.monotonic() + deadline_s, 0.0
    while time.monotonic() < deadline:
        value = metric(client.get("/metrics").text, name)
        if predicate(value):
            return value
    return value


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_count_tokens(client):
    before = metric(client.get("/metrics").text, "vllm:generation_tokens_total")
    client.post("/v1/completions", json={"model": "m", "prompt": "x", "max_tokens": 7})
    text = client.get("/metrics").text
    assert metric(text, "vllm:generation_tokens_total") == before + 7
    for name in ("vllm:time_to_first_token_seconds_count", "vllm:e2e_request_latency_seconds_count",
                 "vllm:inter_token_latency_seconds_count", "vllm:prompt_tokens_total",
                 "vllm:kv_cache_usage_perc", "vllm:num_requests_running"):
        metric(text, name)
    assert 'model_name="m"' in text


def test_error_rate_fault(client):
    assert client.post("/sim/faults", json={"error_rate": 1.0, "error_status": 503}).json()["error_rate"] == 1.0
    response = client.post("/v1/completions", json={"model": "m", "prompt": "x"})
    assert response.status_code == 503 and "error" in response.json()
    assert client.get("/sim/faults").json()["error_status"] == 503


def test_health_fail_fault(client):
    client.post("/sim/faults", json={"health_fail": True})
    assert client.get("/health").status_code == 503


def test_bad_fault_is_400(client):
    assert client.post("/sim/faults", json={"error_rate": 2}).status_code == 400
    assert client.post("/sim/faults", json={"bogus": 1}).status_code == 400


def test_hang_stops_every_route_until_cleared(sim, client):
    client.post("/sim/faults", json={"hang": True})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sim.base_url}/health", timeout=0.3)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.get, f"{sim.base_url}/v1/models", timeout=10)
        time.sleep(0.1)  # let the request arrive while hung (the assertion below is on its outcome)
        client.post("/sim/faults", json={"hang": False})
        assert pending.result().status_code == 200


def test_die_after_chunks_drops_stream(client):
    client.post("/sim/faults", json={"die_after_chunks": 3})
    req = {**CHAT, "stream": True, "max_tokens": 10}
    events: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError), client.stream("POST", "/v1/chat/completions", json=req) as r:
        for line in r.iter_lines():
            events.append(line)
    data = [e for e in events if e.startswith("data: ")]
    assert len(data) == 3 and "data: [DONE]" not in data


def test_die_after_chunks_truncates_plain_response(client):
    client.post("/sim/faults", json={"die_after_chunks": 0})
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/completions", json={"model": "m", "prompt": "x"})


def test_flags_at_start(tmp_path):
    with running_sim("f", tmp_path, "--error-rate", "1", "--error-status", "429", "--health-fail") as sim:
        assert httpx.get(f"{sim.base_url}/health").status_code == 503
        assert httpx.post(f"{sim.base_url}/v1/completions", json={"model": "f", "prompt": "x"}).status_code == 429
