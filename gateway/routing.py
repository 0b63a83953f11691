"""Which backend serves a request: model name -> model key (aliases, default) -> one backend.

A backend is routable when it is not drained, its last health check did not fail and its
breaker lets a request through. Among those, the strategy picks: least outstanding requests
(default), round robin, or weighted (smooth weighted round robin, as nginx does it).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from gateway.breaker import CircuitBreaker
from gateway.settings import GatewaySettings


class Backend:
    """One upstream server of one model, with the live state the router and status pages read."""

    __slots__ = ("model", "index", "url", "weight", "breaker", "outstanding", "healthy", "drained",
                 "last_error", "latency_s", "current_weight", "requests", "failures", "netloc", "retired")

    def __init__(self, model: str, index: int, url: str, weight: float, breaker: CircuitBreaker) -> None:
        self.model = model
        self.index = index
        self.url = url
        self.netloc = urlsplit(url).netloc
        self.weight = weight
        self.breaker = breaker
        self.outstanding = 0
        self.healthy: bool | None = None  # None until the first health check answers
        self.drained = False
        self.retired = False  # removed through /admin; kept in place so other backends keep their index
        self.last_error: str | None = None
        self.latency_s: float | None = None  # of the last health check
        self.current_weight = 0.0
        self.requests = 0
        self.failures = 0

    def routable(self) -> bool:
        return not self.drained and not self.retired and self.healthy is not False and self.breaker.available()

    def status(self) -> dict[str, object]:
        return {
            "model": self.model, "index": self.index, "url": self.url, "healthy": self.healthy,
            "drained": self.drained, "breaker": self.breaker.state.value,
            "consecutive_failures": self.breaker.failures, "in_flight": self.outstanding,
            "latency_ms": None if self.latency_s is None else round(self.latency_s * 1000, 2),
            "requests": self.requests, "failures": self.failures, "last_error": self.last_error,
        }


class ModelPool:
    def __init__(self, model: str, backends: list[Backend], strategy: str) -> None:
        self.model = model
        self.backends = backends
        self.strategy = strategy
        self._next = 0

    def healthy(self) -> bool:
        return any(b.routable() for b in self.backends)

    def pick(self, exclude: Iterable[Backend] = ()) -> Backend | None:
        """A routable backend not in `exclude` (falling back to excluded ones: a retry may go
        to the same single replica), or None when none is routable."""
        candidates = [b for b in self.backends if b.routable()]
        fresh = [b for b in candidates if b not in exclude] or candidates
        if not fresh:
            return None
        if len(fresh) == 1:
            return fresh[0]
        if self.strategy == "round_robin":
            self._next += 1
            return fresh[self._next % len(fresh)]
        if self.strategy == "weighted":
            return _smooth_weighted(fresh)
        return min(fresh, key=_load)


def _load(backend: Backend) -> float:
    return backend.outstanding / backend.weight


def _smooth_weighted(backends: list[Backend]) -> Backend:
    total = 0.0
    for b in backends:
        b.current_weight += b.weight
        total += b.weight
    best = max(backends, key=lambda b: b.current_weight)
    best.current_weight -= total
    return best


class Router:
    def __init__(self, settings: GatewaySettings) -> None:
        self.aliases = dict(settings.aliases)
        self.default_model = settings.default_model
        self.fallbacks = dict(settings.fallbacks)
        self.pools: dict[str, ModelPool] = {}
        for model, specs in settings.models.items():
            backends = [Backend(model, i, s.url, s.weight,
                                CircuitBreaker(settings.breaker_failures, settings.breaker_open_s))
                        for i, s in enumerate(specs)]
            self.pools[model] = ModelPool(model, backends, settings.routing)

    def resolve(self, name: str | None) -> str | None:
        """The model key a requested name means, or None when nothing by that name is served."""
        if not name:
            name = self.default_model
            if not name:
                return None
        key = self.aliases.get(name, name)
        return key if key in self.pools else None

    def fallback(self, model: str) -> str | None:
        target = self.fallbacks.get(model)
        return target if target in self.pools and target != model else None

    def backends(self) -> list[Backend]:
        return [b for pool in self.pools.values() for b in pool.backends if not b.retired]

    def backend(self, model: str, index: int) -> Backend | None:
        pool = self.pools.get(model)
        found = pool.backends[index] if pool and 0 <= index < len(pool.backends) else None
        return None if found is None or found.retired else found

    def add_backend(self, model: str, url: str, settings: GatewaySettings) -> Backend:
        """A new server of `model` (a temporary replica during a rolling restart, say); it is not
        routed to until a health check passes."""
        pool = self.pools[model]
        backend = Backend(model, len(pool.backends), url.rstrip("/"), 1.0,
                          CircuitBreaker(settings.breaker_failures, settings.breaker_open_s))
        backend.healthy = False
        pool.backends.append(backend)
        return backend

    def visible_models(self) -> list[tuple[str, str]]:
        """(name, model key) of every name a client may use now: models with a routable backend,
        and the aliases that point to them."""
        up = {m for m, pool in self.pools.items() if pool.healthy()}
        names = [(m, m) for m in self.pools if m in up]
        names += [(a, k) for a, k in self.aliases.items() if k in up and a not in self.pools]
        return names
