"""Breaker, failover, fallback, retries only before the first byte, mid-stream death, timeouts."""

from __future__ import annotations

import httpx
import pytest
from gwhelpers import backends, dead_url, set_faults, wait_for

pytestmark = pytest.mark.integration

CHAT = {"model": "model-a", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


def post(gw, body=CHAT, **kw) -> httpx.Response:
    return httpx.post(f"{gw.url}/v1/chat/completions", json=body, timeout=10, **kw)


def test_breaker_opens_then_half_open_probe_closes_it(sims, gateway):
    a = sims("model-a", "--error-rate", "1", "--error-status", "500")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), retries=0, breaker_failures=5, breaker_open_s=0.5,
                 health_interval_s=60)
    for _ in range(5):
        assert post(gw).status_code == 500  # passed through; each one counts
    assert gw.backend("model-a").breaker.state == "open"
    r = post(gw)
    assert r.status_code == 503 and r.json()["error"]["code"] == "model_unavailable"  # at once, no backend call
    set_faults(a.base_url, error_rate=0)
    wait_for(lambda: gw.backend("model-a").breaker.available(), 5, "open period over")
    assert post(gw).status_code == 200  # the half-open probe
    assert gw.backend("model-a").breaker.state == "closed"


def test_failed_probe_reopens(sims, gateway):
    a = sims("model-a", "--error-rate", "1", "--error-status", "500")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), retries=0, breaker_failures=2, breaker_open_s=0.3,
                 health_interval_s=60)
    post(gw), post(gw)
    assert gw.backend("model-a").breaker.state == "open"
    wait_for(lambda: gw.backend("model-a").breaker.available(), 5, "open period over")
    assert post(gw).status_code == 500
    assert gw.backend("model-a").breaker.state == "open"


def test_failover_to_another_replica_on_connect_error_and_503(sims, gateway):
    good = sims("model-a")
    busy = sims("model-a", "--error-rate", "1", "--error-status", "503")
    gw = gateway(models=backends(**{"model-a": [dead_url(), busy.base_url, good.base_url]}),
                 health_interval_s=60, retries=3)
    for _ in range(3):
        assert post(gw).status_code == 200
    assert gw.backend("model-a", 2).requests == 3


def test_fallback_model_when_every_backend_is_down(sims, gateway):
    b = sims("model-b")
    gw = gateway(models=backends(**{"model-a": [dead_url()], "model-b": [b.base_url]}),
                 fallbacks={"model-a": "model-b"}, health_interval_s=60)
    r = post(gw)
    assert r.status_code == 200 and r.json()["model"] == "model-b"


def test_nothing_healthy_is_503_at_once(gateway):
    gw = gateway(models=backends(**{"model-a": [dead_url()]}), retries=2)
    wait_for(lambda: gw.backend("model-a").healthy is False, 5, "health check")
    r = post(gw)
    assert r.status_code == 503 and r.headers["retry-after"]
    assert gw.backend("model-a").requests == 0


def test_retries_exhausted_is_502(gateway):
    gw = gateway(models=backends(**{"model-a": [dead_url()]}), retries=1, health_interval_s=60)
    wait_for(lambda: gw.backend("model-a").healthy is False, 5, "health check")
    gw.backend("model-a").healthy = None  # as if it died after the last health check
    r = post(gw)
    assert gw.backend("model-a").failures == 2  # first try and one retry
    assert r.status_code == 502 and r.json()["error"]["type"] == "api_error"


def test_mid_stream_death_sends_error_event_and_no_done_and_no_retry(sims, gateway):
    dying = sims("model-a", "--die-after-chunks", "3")
    spare = sims("model-a")
    gw = gateway(models=backends(**{"model-a": [dying.base_url, spare.base_url]}), routing="round_robin",
                 health_interval_s=60)
    gw.state.router.pools["model-a"]._next = -1  # round robin starts at backend 0: the dying one
    with httpx.stream("POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True, "max_tokens": 10},
                      timeout=10) as r:
        assert r.status_code == 200
        events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert '"error"' in events[-1]
    assert "data: [DONE]" not in events
    assert gw.backend("model-a", 1).requests == 0  # no retry once bytes reached the client
    assert gw.backend("model-a", 0).failures == 1


def test_hung_backend_times_out(sims, gateway):
    a = sims("model-a", "--hang")
    gw = gateway(models=backends(**{"model-a": [a.base_url]}), request_timeout_s=0.5, retries=0,
                 health_interval_s=60)
    r = post(gw)
    assert r.status_code == 504
    set_faults(a.base_url, hang=False)
