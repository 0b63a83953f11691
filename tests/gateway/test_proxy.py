"""Routing, aliases, default model, stream passthrough and the OpenAI error format."""

from __future__ import annotations

import httpx
import pytest
from gwhelpers import RawUpstream, backends, wait_for

pytestmark = pytest.mark.integration

CHAT = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


def test_routes_by_model_alias_and_default(sims, gateway):
    a, b = sims("model-a"), sims("model-b")
    gw = gateway(models=backends(**{"model-a": [a.base_url], "model-b": [b.base_url]}),
                 aliases={"gpt-4": "model-b"}, default_model="model-a")
    for name, served in (("model-a", "model-a"), ("model-b", "model-b"), ("gpt-4", "model-b"), (None, "model-a")):
        body = {**CHAT, "model": name} if name else CHAT
        r = httpx.post(f"{gw.url}/v1/chat/completions", json=body, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["model"] == served
        assert r.headers["x-request-id"]
    ids = {m["id"] for m in httpx.get(f"{gw.url}/v1/models").json()["data"]}
    assert ids == {"model-a", "model-b", "gpt-4"}


def test_completions_and_request_id_propagated(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}))
    r = httpx.post(f"{gw.url}/v1/completions", json={"model": "model-a", "prompt": "x", "max_tokens": 2},
                   headers={"X-Request-ID": "req-123"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "req-123"


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b"[1, 2]", 400, "invalid_json"),
    (b'{"model": 5}', 400, "invalid_type"),
    (b'{"model": "nope", "messages": []}', 404, "model_not_found"),
])
def test_errors_in_openai_format(sims, gateway, body, status, code):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}))
    r = httpx.post(f"{gw.url}/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    error = r.json()["error"]
    assert error["code"] == code and error["message"] and error["type"]


def test_body_size_limit(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), max_body_bytes=1000)
    r = httpx.post(f"{gw.url}/v1/chat/completions", json={"model": "model-a", "prompt": "x" * 2000})
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_stream_bytes_pass_through_exactly(gateway):
    # Event boundaries split across writes, a comment line, CRLF endings, non-ASCII: all kept.
    pieces = [b"data: {\"a\":", b"1}\n\n", b": keep-alive\n\n", b"data: {\"b\":\"\xc3\xa9\"}\r\n\r\n",
              b"data: [DONE]\n\n"]
    with RawUpstream(pieces) as up:
        gw = gateway(models=backends(m=[up.url]))
        with httpx.stream("POST", f"{gw.url}/v1/chat/completions", json={"model": "m", "stream": True}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            received = b"".join(r.iter_raw())
    assert received == b"".join(pieces)


def test_stream_from_simulator_ends_with_done(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}))
    with httpx.stream("POST", f"{gw.url}/v1/chat/completions",
                      json={**CHAT, "model": "model-a", "stream": True}) as r:
        events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]" and len(events) >= 5


def test_status_pages_and_metrics(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}))
    wait_for(lambda: httpx.get(f"{gw.url}/ready").status_code == 200, what="ready")
    httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "model-a"})
    servers = httpx.get(f"{gw.url}/servers/status").json()["servers"]
    assert servers[0]["healthy"] is True and servers[0]["breaker"] == "closed" and servers[0]["requests"] == 1
    assert httpx.get(f"{gw.url}/models/model-a/status").json()["healthy"] is True
    assert httpx.get(f"{gw.url}/models/nope/status").status_code == 404
    assert "model-a" in httpx.get(f"{gw.url}/models/status").json()["models"]
    text = httpx.get(f"{gw.url}/metrics").text
    for name in ("llm_request_duration_seconds_bucket", "llm_requests_total", "llm_active_requests",
                 "llm_tokens_processed_total", "llm_model_health", "llm_time_to_first_token_seconds",
                 "llm_backend_breaker_state"):
        assert name in text
    assert 'le="30.0"' in text and 'endpoint="chat"' in text


def test_unhealthy_backend_leaves_models_and_ready(sims, gateway):
    from gwhelpers import set_faults

    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}))
    wait_for(lambda: httpx.get(f"{gw.url}/ready").status_code == 200, what="ready")
    set_faults(a.base_url, health_fail=True)
    wait_for(lambda: httpx.get(f"{gw.url}/ready").status_code == 503, what="not ready")
    assert httpx.get(f"{gw.url}/v1/models").json()["data"] == []
    r = httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "model-a"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "model_unavailable"


def test_drain_and_undrain(sims, gateway):
    a1, a2 = sims("model-a"), sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a1.base_url, a2.base_url]}))
    r = httpx.post(f"{gw.url}/admin/backends/model-a/0/drain", params={"wait_s": 1})
    assert r.status_code == 200 and r.json()["drained"] is True
    for _ in range(4):
        assert httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "model-a"}).status_code == 200
    assert gw.backend("model-a", 0).requests == 0 and gw.backend("model-a", 1).requests == 4
    assert httpx.post(f"{gw.url}/admin/backends/model-a/0/undrain").json()["drained"] is False
    assert httpx.post(f"{gw.url}/admin/backends/model-a/9/drain").status_code == 404


def test_admin_adds_a_checked_backend_and_removes_it_keeping_indexes(sims, gateway):
    a1, a2 = sims("model-a"), sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a1.base_url]}))
    added = httpx.post(f"{gw.url}/admin/backends/model-a", json={"url": a2.base_url})
    assert added.status_code == 200 and added.json()["index"] == 1 and added.json()["healthy"] is True
    httpx.post(f"{gw.url}/admin/backends/model-a/0/drain")
    assert httpx.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "model-a"}).status_code == 200
    assert gw.backend("model-a", 1).requests == 1
    httpx.post(f"{gw.url}/admin/backends/model-a/0/undrain")
    assert httpx.delete(f"{gw.url}/admin/backends/model-a/1").status_code == 200
    servers = httpx.get(f"{gw.url}/models/model-a/status").json()["servers"]
    assert [s["index"] for s in servers] == [0]
    assert httpx.post(f"{gw.url}/admin/backends/model-a/1/drain").status_code == 404
    bad = httpx.post(f"{gw.url}/admin/backends/model-a", json={"url": "not a url"})
    assert bad.status_code in (400, 422)
    assert httpx.post(f"{gw.url}/admin/backends/nope", json={"url": a2.base_url}).status_code == 404


def test_admin_key_required_when_set(sims, gateway):
    a = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), admin_key="adm-secret")
    assert httpx.post(f"{gw.url}/admin/backends/model-a/0/drain").status_code == 401
    ok = httpx.post(f"{gw.url}/admin/backends/model-a/0/drain", headers={"X-Admin-Key": "adm-secret"})
    assert ok.status_code == 200
