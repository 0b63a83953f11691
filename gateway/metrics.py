"""Prometheus metrics with the spec's names, in a registry owned by the app (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from gateway.breaker import STATE_VALUE
from gateway.routing import Router

DURATION_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30)
TTFT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.duration = Histogram("llm_request_duration_seconds", "End-to-end request time at the gateway.",
                                  ["model", "endpoint"], buckets=DURATION_BUCKETS, registry=r)
        self.requests = Counter("llm_requests_total", "Requests by model, status and endpoint.",
                                ["model", "status", "endpoint"], registry=r)
        self.active = Gauge("llm_active_requests", "Requests in flight at the gateway.", registry=r)
        self.tokens = Counter("llm_tokens_processed_total", "Tokens reported by backends' usage.",
                              ["model"], registry=r)
        self.health = Gauge("llm_model_health", "1 when the model has a routable backend.", ["model"], registry=r)
        self.ttft = Histogram("llm_time_to_first_token_seconds", "Time to the first streamed chunk.",
                              ["model"], buckets=TTFT_BUCKETS, registry=r)
        self.breaker = Gauge("llm_backend_breaker_state", "Breaker per backend: 0 closed, 1 half-open, 2 open.",
                             ["model", "backend"], registry=r)
        self.backend_up = Gauge("llm_backend_health", "Last active health check per backend (1 ok).",
                                ["model", "backend"], registry=r)
        self.upstream_errors = Counter("llm_upstream_errors_total", "Failed upstream attempts.",
                                       ["model", "kind"], registry=r)
        self.retries = Counter("llm_retries_total", "Upstream attempts retried.", ["model"], registry=r)
        # Labelled children are looked up once per label set: `labels()` is the costly part.
        self._children: dict[tuple, object] = {}

    def observe(self, model: str, endpoint: str, status: int, seconds: float) -> None:
        key = (model, endpoint, status)
        pair = self._children.get(key)
        if pair is None:
            pair = self._children[key] = (self.duration.labels(model, endpoint),
                                          self.requests.labels(model, str(status), endpoint))
        pair[0].observe(seconds)
        pair[1].inc()

    def add_tokens(self, model: str, count: int) -> None:
        self.tokens.labels(model).inc(count)

    def refresh(self, router: Router) -> None:
        """Gauges that mirror router state, set when /metrics is scraped."""
        for model, pool in router.pools.items():
            self.health.labels(model).set(1 if pool.healthy() else 0)
        for b in router.backends():
            self.breaker.labels(b.model, b.url).set(STATE_VALUE[b.breaker.state])
            self.backend_up.labels(b.model, b.url).set(0 if b.healthy is False else 1)

    def render(self, router: Router) -> bytes:
        self.refresh(router)
        return generate_latest(self.registry)
