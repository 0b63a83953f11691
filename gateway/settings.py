"""Everything the gateway needs to run, in one frozen model.

Built either from a citadel config (`settings_from_config`) or from the environment variables
operators expect (`GatewaySettings.from_env`); the environment wins over the config so a unit's
EnvironmentFile can override one value without editing YAML. This module is the only place that
reads the gateway's environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the gateway runs without the CLI; the config is only read when given
    from citadel_cli.config import CitadelConfig

Strategy = Literal["least_outstanding", "round_robin", "weighted"]
# Complete settings as JSON: how `serve` hands them to uvicorn's worker processes.
SETTINGS_ENV = "CITADEL_GATEWAY_SETTINGS"


class BackendSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str = Field(description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11400.")
    weight: float = Field(1.0, gt=0, description="Share of traffic under the weighted strategy.")


class GatewaySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Bind address.")
    port: int = Field(8000, ge=1, le=65535, description="Listen port.")
    default_model: str | None = Field(None, description="Model used when a request names none.")
    models: dict[str, tuple[BackendSettings, ...]] = Field(default_factory=dict, description="Backends per model.")
    routing: Strategy = Field("least_outstanding", description="How a backend of a model is chosen.")
    aliases: dict[str, str] = Field(default_factory=dict, description="Extra model names -> model key.")
    fallbacks: dict[str, str] = Field(default_factory=dict, description="Model -> model used when it is down.")
    health_interval_s: float = Field(30.0, gt=0, description="Seconds between active health checks.")
    health_timeout_s: float = Field(5.0, gt=0, description="Timeout of one health check.")
    breaker_failures: int = Field(5, ge=1, description="Consecutive failures that open a backend's breaker.")
    breaker_open_s: float = Field(60.0, gt=0, description="Seconds open before one half-open probe.")
    request_timeout_s: float = Field(30.0, gt=0, description="Total timeout (streams: idle timeout).")
    connect_timeout_s: float = Field(10.0, gt=0, description="Connect timeout to a backend.")
    retries: int = Field(3, ge=0, description="Retries before any byte reached the client.")
    backoff_base_s: float = Field(0.1, ge=0, description="First retry delay; doubles each retry, with jitter.")
    max_concurrent: int = Field(100, gt=0, description="Requests in flight across all models (then 429).")
    per_model_concurrent: dict[str, int] = Field(default_factory=dict, description="Per-model cap (then 429).")
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0, description="Largest accepted request body.")
    rate_limit_rpm: int = Field(600, ge=0, description="Requests per minute per API key (0 = unlimited).")
    rate_limit_burst: int = Field(60, ge=0, description="Requests a key may make at once above the rate.")
    auth: bool = Field(False, description="Require an API key.")
    keys_db: Path | None = Field(None, description="SQLite file of API keys (citadel-llm keys ...).")
    admin_key: str | None = Field(None, repr=False, description="Key for /admin; unset = loopback clients only.")
    workers: int = Field(1, ge=1, description="Server processes.")
    drain_timeout_s: float = Field(30.0, ge=0, description="How long shutdown waits for in-flight requests.")
    log_level: str = Field("info", description="Log level of the gateway's loggers.")
    access_log: bool = Field(True, description="One JSON line per request on the gateway.access logger.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, base: GatewaySettings | None = None
                 ) -> GatewaySettings:
        """`base` (or the defaults) with every variable of ENV_VARS that is set applied on top."""
        environ = os.environ if environ is None else environ
        data: dict[str, Any] = base.model_dump() if base else {}
        for name, (field, parse) in ENV_VARS.items():
            if environ.get(name):
                data[field] = parse(environ[name])
        return cls.model_validate(data)

    def model_names(self) -> list[str]:
        return list(self.models)


def parse_backends(value: str) -> dict[str, tuple[BackendSettings, ...]]:
    """`m1=http://a:1,m1=http://b:2,m2=http://c:3` -> backends per model (a repeated model adds a
    replica). One string so a single environment variable describes the whole fleet."""
    out: dict[str, list[BackendSettings]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        model, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise ValueError(f"GATEWAY_BACKENDS entry {item!r} is not model=http://host:port")
        out.setdefault(model.strip(), []).append(BackendSettings(url=url.strip().rstrip("/")))
    return {k: tuple(v) for k, v in out.items()}


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _pairs(value: str) -> dict[str, str]:
    """`a=b,c=d` -> {a: b, c: d}."""
    return dict(p.split("=", 1) for p in value.split(",") if "=" in p)


# Variable -> (field, parser). The first six are the names operators already use with vLLM fleets.
ENV_VARS: dict[str, tuple[str, Any]] = {
    "GATEWAY_HOST": ("host", str),
    "GATEWAY_PORT": ("port", int),
    "DEFAULT_MODEL": ("default_model", str),
    "REQUEST_TIMEOUT": ("request_timeout_s", float),
    "MAX_CONCURRENT_REQUESTS": ("max_concurrent", int),
    "LOG_LEVEL": ("log_level", str.lower),
    "CONNECT_TIMEOUT": ("connect_timeout_s", float),
    "HEALTH_CHECK_INTERVAL": ("health_interval_s", float),
    "MAX_RETRIES": ("retries", int),
    "ROUTING_STRATEGY": ("routing", str),
    "GATEWAY_BACKENDS": ("models", parse_backends),
    "GATEWAY_ALIASES": ("aliases", _pairs),
    "GATEWAY_FALLBACKS": ("fallbacks", _pairs),
    "GATEWAY_AUTH": ("auth", _bool),
    "GATEWAY_KEYS_DB": ("keys_db", Path),
    "GATEWAY_ADMIN_KEY": ("admin_key", str),
    "GATEWAY_WORKERS": ("workers", int),
    "GATEWAY_ACCESS_LOG": ("access_log", _bool),
    "RATE_LIMIT_RPM": ("rate_limit_rpm", int),
    "RATE_LIMIT_BURST": ("rate_limit_burst", int),
}


def _loopback(host: str) -> str:
    # An engine bound to every address is reached on loopback from the gateway on the same host.
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def settings_from_config(config: CitadelConfig, keys_db: Path | None = None) -> GatewaySettings:
    """The gateway of a citadel deployment: every enabled model at http://{host}:{port}, plus the
    extra backends of `gateway.backends`; limits, resilience and auth from `gateway`."""
    from citadel_cli.fleet.backends import fleet_urls  # a `hosts` section says where each model runs

    gw = config.gateway
    models: dict[str, tuple[BackendSettings, ...]] = {}
    for spec in config.enabled_models():
        urls = [f"http://{_loopback(spec.host)}:{spec.port}", *gw.backends.get(spec.key, ())]
        urls = fleet_urls(config, spec.key, urls)
        models[spec.key] = tuple(BackendSettings(url=u.rstrip("/")) for u in urls)
    return GatewaySettings(
        host=gw.host, port=gw.port, default_model=gw.default_model, models=models,
        routing=gw.routing.value, aliases=dict(gw.aliases), fallbacks=dict(gw.fallbacks),
        health_interval_s=gw.health_interval_s, breaker_failures=gw.breaker.failures,
        breaker_open_s=gw.breaker.open_s, request_timeout_s=gw.request_timeout_s,
        connect_timeout_s=gw.connect_timeout_s, retries=gw.retries, backoff_base_s=gw.backoff_base_s,
        max_concurrent=gw.max_concurrent, per_model_concurrent=dict(gw.per_model_concurrent),
        max_body_bytes=int(gw.max_body_bytes), rate_limit_rpm=gw.rate_limit.rpm,
        rate_limit_burst=gw.rate_limit.burst, auth=gw.auth, keys_db=keys_db,
        workers=gw.workers, drain_timeout_s=gw.drain_timeout_s,
    )


def settings_from_environment(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    """What `python -m gateway` runs: the citadel config named by CITADEL_CONFIG (when set), then
    the environment variables on top."""
    environ = os.environ if environ is None else environ
    if environ.get(SETTINGS_ENV):
        return GatewaySettings.model_validate_json(environ[SETTINGS_ENV])
    base = None
    if environ.get("CITADEL_CONFIG"):
        from citadel_cli.config_loader import load_config
        from citadel_cli.paths import Paths

        config = load_config(environ=environ).config
        base = settings_from_config(config, keys_db=Paths(config.paths).keys_db)
    return GatewaySettings.from_env(environ, base)
