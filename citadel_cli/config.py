"""The deployment, declared once: every default of the reference deployment lives here.

Everything is a frozen pydantic model with a description per field. YAML and CITADEL_*
environment variables override these defaults (see config_loader.py); nothing else in the
code base carries a literal port, path or limit.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from citadel_cli.sizes import ByteSize

# systemd instance names and served-model names: what survives a unit name, a URL and a file name.
MODEL_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
Port = Annotated[int, Field(ge=1, le=65535)]


class FieldConflict(ValueError):
    """A cross-field error that knows which field to blame, so the loader can name its line."""

    def __init__(self, message: str, loc: tuple[str, ...]) -> None:
        super().__init__(message)
        self.loc = loc


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Profile(StrEnum):
    production = "production"
    local = "local"


class EngineKind(StrEnum):
    vllm = "vllm"
    sim = "sim"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"


class Backend(StrEnum):
    auto = "auto"
    systemd = "systemd"
    supervisor = "supervisor"


class RoutingStrategy(StrEnum):
    least_outstanding = "least_outstanding"
    round_robin = "round_robin"
    weighted = "weighted"


class PathsConfig(Strict):
    """Where everything lives on the host. All absolute paths are staged under `root`."""

    root: Path = Field(Path("/"), description="Prefix for every path below; '/' on a real host.")
    opt_dir: Path = Field(Path("/opt/citadel"), description="Models, engine venv, backups, reports.")
    etc_dir: Path = Field(Path("/etc/citadel-llm"), description="Config, per-model env files, keys.")
    log_dir: Path = Field(Path("/var/log/citadel-llm"), description="Log files of every service.")
    state_dir: Path = Field(Path("/var/lib/citadel-llm"), description="Pid files, locks, run state.")
    systemd_dir: Path = Field(Path("/etc/systemd/system"), description="Where unit files are installed.")
    cron_dir: Path = Field(Path("/etc/cron.d"), description="Where the cron schedule is installed.")
    logrotate_dir: Path = Field(Path("/etc/logrotate.d"), description="Where the logrotate file goes.")

    @field_validator("opt_dir", "etc_dir", "log_dir", "state_dir", "systemd_dir", "cron_dir", "logrotate_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"must be an absolute path, got {str(value)!r}")
        return value


class SimSettings(Strict):
    """Latencies of the built-in simulator engine (used when engine = sim)."""

    ttft_ms: float = Field(50.0, ge=0, description="Time to first token, milliseconds.")
    itl_ms: float = Field(10.0, ge=0, description="Inter-token latency, milliseconds.")


class ModelSpec(Strict):
    """One model server: what to serve, where, and within which limits."""

    key: str = Field(description="Model key: unit instance name and served model name.")
    repo: str = Field(description="Hugging Face repository id.")
    revision: str = Field("main", description="Branch, tag or commit to pull.")
    port: Port = Field(description="Port of the engine's OpenAI-compatible server.")
    host: str = Field("127.0.0.1", description="Bind address of the engine (the gateway is the public door).")
    context_length: int = Field(gt=0, description="Maximum model length in tokens (vLLM --max-model-len).")
    max_num_batched_tokens: int = Field(gt=0, description="vLLM --max-num-batched-tokens.")
    max_num_seqs: int = Field(gt=0, description="vLLM --max-num-seqs: sequences served at once.")
    memory: ByteSize = Field(description="Memory budget of the unit (MemoryMax=), e.g. '90G'.")
    cpus: int = Field(gt=0, description="CPU cores budget (CPUQuota=, OpenMP threads on CPU hosts).")
    p95_ms: float = Field(gt=0, description="Target p95 end-to-end latency, milliseconds.")
    rpm: float = Field(gt=0, description="Target requests per minute.")
    concurrency: int = Field(10, gt=0, description="Target concurrent requests the model must hold.")
    engine: EngineKind = Field(EngineKind.vllm, description="vllm (production) or sim (simulator).")
    device: Device = Field(Device.auto, description="cpu, gpu, or auto (gpu when one is visible).")
    dtype: str = Field("auto", description="vLLM --dtype.")
    tensor_parallel_size: int = Field(1, ge=1, description="GPUs per model (GPU hosts).")
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1, description="vLLM GPU memory fraction.")
    kv_cache: ByteSize | None = Field(None, description="Explicit KV-cache size on CPU hosts; default derived.")
    weights_dir: Path | None = Field(None, description="Serve weights from here instead of the models dir.")
    extra_args: tuple[str, ...] = Field((), description="Extra vLLM server arguments, appended as given.")
    enabled: bool = Field(True, description="Disabled models are kept in config but never started.")
    sim: SimSettings = Field(default_factory=SimSettings, description="Simulator latencies.")

    @field_validator("key")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        if not MODEL_KEY_RE.match(value):
            raise ValueError(
                f"{value!r} is not a valid model key: use lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit, at most 63 characters"
            )
        return value

    @field_validator("repo")
    @classmethod
    def _valid_repo(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$", value):
            raise ValueError(f"{value!r} is not a Hugging Face repo id like 'owner/name'")
        return value


class BreakerSpec(Strict):
    failures: int = Field(5, ge=1, description="Consecutive failures that open a backend's breaker.")
    open_s: float = Field(60.0, gt=0, description="Seconds a breaker stays open before one half-open probe.")


class RateLimitSpec(Strict):
    rpm: int = Field(600, ge=0, description="Requests per minute per API key (0 = unlimited).")
    burst: int = Field(60, ge=0, description="Requests a key may make at once above the steady rate.")


class GatewaySpec(Strict):
    """The OpenAI-compatible gateway in front of every model."""

    host: str = Field("0.0.0.0", description="Bind address.")
    port: Port = Field(8000, description="Listen port.")
    memory: ByteSize = Field("2G", description="Memory budget of the gateway unit.")
    cpus: int = Field(4, gt=0, description="CPU cores budget of the gateway unit.")
    default_model: str = Field("mixtral-8x7b", description="Model used when a request names none.")
    routing: RoutingStrategy = Field(RoutingStrategy.least_outstanding, description="Backend choice.")
    health_interval_s: float = Field(30.0, gt=0, description="Seconds between active health checks.")
    breaker: BreakerSpec = Field(default_factory=BreakerSpec, description="Per-backend circuit breaker.")
    request_timeout_s: float = Field(30.0, gt=0, description="Total timeout of one upstream request.")
    connect_timeout_s: float = Field(10.0, gt=0, description="Connect timeout to an upstream.")
    retries: int = Field(3, ge=0, description="Retries before any byte reached the client.")
    backoff_base_s: float = Field(0.1, ge=0, description="First retry delay; doubles each retry, with jitter.")
    max_concurrent: int = Field(100, gt=0, description="Requests in flight across all models (then 429).")
    per_model_concurrent: dict[str, int] = Field(default_factory=dict, description="Per-model cap (then 429).")
    max_body_bytes: ByteSize = Field("4M", description="Largest accepted request body.")
    rate_limit: RateLimitSpec = Field(default_factory=RateLimitSpec, description="Per-key rate limit.")
    auth: bool = Field(True, description="Require an API key (off for a local deployment).")
    aliases: dict[str, str] = Field(default_factory=dict, description="Extra model names -> model key.")
    fallbacks: dict[str, str] = Field(default_factory=dict, description="Model -> model used when it is down.")
    backends: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Extra backend base URLs per model (replicas, other hosts)."
    )
    allowed_networks: tuple[str, ...] = Field(
        ("localhost", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
        description="Addresses the gateway may exchange traffic with (systemd IPAddressAllow=): its "
        "clients, the engines and extra backends. Add 'any' to serve the public internet.",
    )
    workers: int = Field(1, ge=1, description="Gateway server processes.")
    drain_timeout_s: float = Field(30.0, ge=0, description="How long stop waits for in-flight requests.")


class MaintenanceSpec(Strict):
    log_compress_days: int = Field(7, ge=1, description="Compress logs older than this.")
    log_retention_days: int = Field(30, ge=1, description="Delete logs older than this.")
    report_retention_days: int = Field(90, ge=1, description="Delete reports older than this.")
    backup_count: int = Field(8, ge=1, description="Config backups kept.")
    key_unused_days: int = Field(90, ge=1, description="Flag API keys unused this long.")
    watchdog_failures: int = Field(3, ge=1, description="Failed health probes before the watchdog restarts.")
    daily: str = Field("*-*-* 03:15:00", description="systemd OnCalendar of the daily run.")
    weekly: str = Field("Sun *-*-* 04:15:00", description="systemd OnCalendar of the weekly run.")
    monthly: str = Field("*-*-01 05:15:00", description="systemd OnCalendar of the monthly run.")


class ServiceSpec(Strict):
    user: str = Field("citadel", description="System user the services run as.")
    group: str = Field("citadel", description="System group of that user.")
    backend: Backend = Field(Backend.auto, description="systemd, supervisor, or auto (systemd when PID 1 is).")
    stop_timeout_s: float = Field(30.0, gt=0, description="SIGTERM, then SIGKILL after this long.")
    ready_timeout_s: float = Field(900.0, gt=0, description="Deadline for a model to answer after start.")
    python: Path | None = Field(None, description="Interpreter that runs citadel-llm in the services "
                                "(default: the engine venv's python when it exists, else this one).")


class HostSpec(Strict):
    """One server of a fleet (`citadel-llm fleet`): how to reach it over SSH and which models it runs."""

    name: str = Field(description="Inventory name of the host (unique).")
    address: str = Field(description="Address the controller's SSH and the gateway reach the host at.")
    ssh_user: str = Field("root", description="SSH user Ansible logs in as.")
    ssh_port: Port = Field(22, description="SSH port.")
    ssh_key: Path | None = Field(None, description="Private key for SSH (default: ssh's own choice).")
    python: str | None = Field(None, description="Python interpreter Ansible uses on the host (default: found).")
    models: tuple[str, ...] = Field(description="Keys of the models this host runs (a key on several "
                                    "hosts makes replicas the gateway balances and fails over across).")
    gateway: bool = Field(False, description="This host runs the fleet's gateway (default: the first host).")
    citadel: str = Field("citadel-llm", description="The citadel-llm command on the host.")
    config_path: Path = Field(Path("/etc/citadel-llm/config.yaml"),
                              description="Where the host's own config file is written.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment of citadel-llm on the host.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Config sections merged into this "
                                      "host's config (e.g. paths, service, or models.<key>.port).")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not MODEL_KEY_RE.match(value):
            raise ValueError(f"{value!r} is not a valid host name: lowercase letters, digits, '.', '_' or '-'")
        return value

    @field_validator("overrides")
    @classmethod
    def _known_sections(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Sections are checked here; their contents when the fleet builds the host's config.
        allowed = {"profile", "paths", "service", "models", "gateway", "maintenance"}
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise ValueError(f"unknown section(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
        return value


def _reference_models() -> dict[str, ModelSpec]:
    rows = [
        # key, repo, port, context, batched tokens, seqs, memory, cpus, p95 ms, rpm
        ("mixtral-8x7b", "mistralai/Mixtral-8x7B-Instruct-v0.1", 11400, 32768, 8192, 256, "90G", 8, 3000, 50),
        ("hermes-2", "NousResearch/Hermes-2-Pro-Mistral-7B", 11401, 8192, 4096, 128, "15G", 4, 2500, 80),
        ("openchat-3.5", "openchat/openchat-3.5-0106", 11402, 8192, 2048, 64, "8G", 4, 1500, 120),
        ("phi-3-mini", "microsoft/Phi-3-mini-4k-instruct", 11403, 4096, 1024, 32, "4G", 2, 750, 200),
    ]
    fields = ("key", "repo", "port", "context_length", "max_num_batched_tokens", "max_num_seqs",
              "memory", "cpus", "p95_ms", "rpm")
    return {row[0]: ModelSpec(**dict(zip(fields, row, strict=True))) for row in rows}


class CitadelConfig(Strict):
    """The whole deployment."""

    profile: Profile = Field(Profile.production, description="production (systemd, /opt) or local (user dir).")
    paths: PathsConfig = Field(default_factory=PathsConfig, description="File locations.")
    service: ServiceSpec = Field(default_factory=ServiceSpec, description="How services are supervised.")
    models: dict[str, ModelSpec] = Field(default_factory=_reference_models, description="Models by key.")
    gateway: GatewaySpec = Field(default_factory=GatewaySpec, description="The gateway.")
    maintenance: MaintenanceSpec = Field(default_factory=MaintenanceSpec, description="Routines.")
    hosts: tuple[HostSpec, ...] = Field((), description="Fleet hosts (`citadel-llm fleet`); empty: one host.")

    @model_validator(mode="before")
    @classmethod
    def _fill_model_keys(cls, data: object) -> object:
        # In YAML a model's key is its mapping key; copy it in so each ModelSpec knows its name.
        if isinstance(data, dict) and isinstance(data.get("models"), dict):
            models = {}
            for key, spec in data["models"].items():
                if isinstance(spec, dict):
                    spec = {**spec, "key": spec.get("key", key)}
                models[key] = spec
            data = {**data, "models": models}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> CitadelConfig:
        for key, spec in self.models.items():
            if spec.key != key:
                raise FieldConflict(f"model {key!r} declares key {spec.key!r}; they must match",
                                    ("models", key, "key"))
        self._check_ports()
        self._check_model_names()
        self._check_hosts()
        return self

    def _check_hosts(self) -> None:
        names: set[str] = set()
        endpoints: set[tuple[str, int]] = set()
        for index, host in enumerate(self.hosts):
            if host.name in names:
                raise FieldConflict(f"host name {host.name!r} is used twice", ("hosts", index, "name"))
            if (host.address, host.ssh_port) in endpoints:
                raise FieldConflict(f"{host.address}:{host.ssh_port} is declared by two hosts",
                                    ("hosts", index, "address"))
            names.add(host.name)
            endpoints.add((host.address, host.ssh_port))
            if not host.models:  # `deploy` with no model names would start every model there
                raise FieldConflict(f"host {host.name!r} runs no model", ("hosts", index, "models"))
            for key in host.models:
                if key not in self.models:
                    raise FieldConflict(f"host {host.name!r} runs unknown model {key!r}", ("hosts", index, "models"))
        if sum(h.gateway for h in self.hosts) > 1:
            raise FieldConflict("more than one host is marked gateway: true", ("hosts",))

    def gateway_host(self) -> HostSpec | None:
        """The host that runs the fleet's gateway: the one marked, else the first."""
        return next((h for h in self.hosts if h.gateway), self.hosts[0] if self.hosts else None)

    def _check_ports(self) -> None:
        seen: dict[int, str] = {}
        owners = [(f"models.{k}.port", m.port) for k, m in self.models.items()]
        owners.append(("gateway.port", self.gateway.port))
        for owner, port in owners:
            if port in seen:
                raise FieldConflict(f"port {port} is used twice: by {seen[port]} and by {owner}",
                                    tuple(owner.split(".")))
            seen[port] = owner

    def _check_model_names(self) -> None:
        known = set(self.models)
        names = known | set(self.gateway.aliases)
        if self.gateway.default_model not in names:
            raise FieldConflict(f"default model {self.gateway.default_model!r} is not a configured model",
                                ("gateway", "default_model"))
        for alias, target in self.gateway.aliases.items():
            if target not in known:
                raise FieldConflict(f"alias {alias!r} points to unknown model {target!r}",
                                    ("gateway", "aliases", alias))
        for source, target in self.gateway.fallbacks.items():
            if source not in known or target not in known:
                raise FieldConflict(f"fallback {source} -> {target}: both must be configured models",
                                    ("gateway", "fallbacks", source))
        for section in ("per_model_concurrent", "backends"):
            for model in getattr(self.gateway, section):
                if model not in known:
                    raise FieldConflict(f"unknown model {model!r}", ("gateway", section, model))

    def enabled_models(self) -> list[ModelSpec]:
        return [m for m in self.models.values() if m.enabled]

    def model(self, key: str) -> ModelSpec:
        """The model with this key (or alias); NotFoundError naming the known ones otherwise."""
        from citadel_cli.errors import NotFoundError

        key = self.gateway.aliases.get(key, key)
        if key not in self.models:
            known = ", ".join(self.models) or "none"
            raise NotFoundError(f"no model {key!r} in the config (known: {known})",
                                hint="run `citadel-llm models list` to see the configured models")
        return self.models[key]

    def select(self, keys: list[str] | None) -> list[ModelSpec]:
        """The named models, or every enabled one when none is named."""
        return [self.model(k) for k in keys] if keys else self.enabled_models()

