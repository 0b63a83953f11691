"""Fast unit tests of the gateway's pieces (no network)."""

from __future__ import annotations

from collections import Counter

import pytest

from citadel_cli.config_loader import load_config
from gateway.breaker import CircuitBreaker
from gateway.forward import _count_tokens
from gateway.limits import Concurrency, RateLimiter
from gateway.routing import Router
from gateway.settings import BackendSettings, GatewaySettings, parse_backends, settings_from_config


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_cycle():
    clock = Clock()
    breaker = CircuitBreaker(failures=3, open_s=60, clock=clock)
    for _ in range(2):
        breaker.failure()
    assert breaker.state == "closed" and breaker.acquire()
    breaker.success()  # consecutive: a success resets the count
    for _ in range(3):
        breaker.failure()
    assert breaker.state == "open" and not breaker.acquire() and breaker.retry_in() == 60
    clock.now += 60
    assert breaker.acquire() and breaker.state == "half_open"
    assert not breaker.acquire()  # one probe at a time
    breaker.failure()
    assert breaker.state == "open"
    clock.now += 60
    assert breaker.acquire()
    breaker.success()
    assert breaker.state == "closed" and breaker.acquire()


def test_concurrency_global_and_per_model():
    limits = Concurrency(global_cap=3, per_model={"a": 1})
    assert limits.enter("a") and not limits.enter("a")
    assert limits.enter("b") and limits.enter("b") and not limits.enter("b")
    limits.leave("a")
    assert limits.enter("a")


def test_rate_limiter_burst_then_steady_rate():
    clock = Clock()
    rate = RateLimiter(rpm=60, burst=2, clock=clock)
    assert rate.take("k") == 0 and rate.take("k") == 0
    assert rate.take("k") == pytest.approx(1.0)
    assert rate.take("other") == 0  # per key
    clock.now += 1
    assert rate.take("k") == 0


def _router(strategy: str, weights=(1.0, 1.0)) -> Router:
    backends = tuple(BackendSettings(url=f"http://h{i}:1", weight=w) for i, w in enumerate(weights))
    return Router(GatewaySettings(models={"m": backends}, routing=strategy, aliases={"x": "m"}, default_model="m",
                                  fallbacks={}))


def test_least_outstanding_round_robin_weighted():
    router = _router("least_outstanding")
    pool = router.pools["m"]
    pool.backends[0].outstanding = 3
    assert pool.pick() is pool.backends[1]
    rr = _router("round_robin").pools["m"]
    assert {rr.pick().index for _ in range(4)} == {0, 1}
    weighted = _router("weighted", (3.0, 1.0)).pools["m"]
    assert Counter(weighted.pick().index for _ in range(8)) == {0: 6, 1: 2}


def test_routing_skips_drained_unhealthy_and_open():
    router = _router("least_outstanding")
    pool = router.pools["m"]
    pool.backends[0].drained = True
    assert pool.pick() is pool.backends[1]
    pool.backends[1].healthy = False
    assert pool.pick() is None and not pool.healthy()
    assert router.resolve("x") == "m" and router.resolve(None) == "m" and router.resolve("nope") is None


def test_settings_from_env_and_backends_string():
    settings = GatewaySettings.from_env({
        "GATEWAY_HOST": "0.0.0.0", "GATEWAY_PORT": "9000", "DEFAULT_MODEL": "a", "REQUEST_TIMEOUT": "5",
        "MAX_CONCURRENT_REQUESTS": "7", "LOG_LEVEL": "DEBUG", "GATEWAY_AUTH": "true",
        "GATEWAY_BACKENDS": "a=http://127.0.0.1:1,a=http://127.0.0.1:2/,b=http://h:3"})
    assert (settings.host, settings.port, settings.default_model, settings.request_timeout_s,
            settings.max_concurrent, settings.log_level, settings.auth) == ("0.0.0.0", 9000, "a", 5.0, 7, "debug", True)
    assert [b.url for b in settings.models["a"]] == ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    with pytest.raises(ValueError):
        parse_backends("a=ftp://x")


def test_settings_from_citadel_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("models:\n  hermes-2: {enabled: false}\n"
                    "gateway: {backends: {phi-3-mini: ['http://10.0.0.2:11403']}, aliases: {gpt: phi-3-mini}}\n")
    config = load_config(path, environ={}).config
    settings = settings_from_config(config, keys_db=tmp_path / "k.db")
    assert "hermes-2" not in settings.models
    assert [b.url for b in settings.models["phi-3-mini"]] == ["http://127.0.0.1:11403", "http://10.0.0.2:11403"]
    assert settings.default_model == "mixtral-8x7b" and settings.aliases == {"gpt": "phi-3-mini"}
    assert settings.breaker_failures == 5 and settings.breaker_open_s == 60 and settings.max_concurrent == 100
    assert GatewaySettings.from_env({"GATEWAY_PORT": "8100"}, settings).port == 8100


def test_count_tokens_without_parsing():
    assert _count_tokens(b'{"usage":{"prompt_tokens":8,"total_tokens": 24}}') == 24
    assert _count_tokens(b'{"x":1}') == 0
