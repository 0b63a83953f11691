"""Everything shared by the requests of one app, created at startup and kept on `app.state`."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.accesslog import AccessLog
from gateway.auth import Authenticator
from gateway.limits import Concurrency, RateLimiter
from gateway.metrics import Metrics
from gateway.routing import Router
from gateway.settings import GatewaySettings
from gateway.upstream import UpstreamClient


@dataclass
class GatewayState:
    settings: GatewaySettings
    router: Router
    client: UpstreamClient
    auth: Authenticator
    concurrency: Concurrency
    rate: RateLimiter
    metrics: Metrics
    access: AccessLog
    draining: bool = False
    tasks: list = field(default_factory=list)

    @classmethod
    def build(cls, settings: GatewaySettings) -> GatewayState:
        """Must run inside the event loop that serves the app (the client binds to it)."""
        return cls(
            settings=settings,
            router=Router(settings),
            client=UpstreamClient(settings.connect_timeout_s, settings.request_timeout_s),
            auth=Authenticator(settings.keys_db, settings.admin_key),
            concurrency=Concurrency(settings.max_concurrent, settings.per_model_concurrent),
            rate=RateLimiter(settings.rate_limit_rpm, settings.rate_limit_burst),
            metrics=Metrics(),
            access=AccessLog(settings.access_log),
        )
