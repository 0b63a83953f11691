"""What diagnose collects and what it reports: pydantic models only, no behaviour."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

from citadel_cli.checks.findings import Finding, Level
from citadel_cli.host.service_manager import ServiceStatus


class Diagnosis(Finding):
    """A check Finding plus the evidence that led to it (log lines, HTTP answers, figures)."""

    evidence: list[str] = Field(default_factory=list)


class SystemFacts(BaseModel):
    os: str
    kernel: str
    arch: str
    cpu_model: str | None = None
    cpu_flags: list[str] = Field(default_factory=list, description="Only the flags vLLM cares about.")
    python: str
    versions: dict[str, str] = Field(default_factory=dict, description="citadel-llm, vLLM and libraries.")


class DiskFact(BaseModel):
    path: str
    total: int
    free: int


class ResourceFacts(BaseModel):
    cores: int
    load_1m: float | None = None
    memory_total: int
    memory_available: int
    swap_used: int = 0
    disks: list[DiskFact] = Field(default_factory=list)


class PortFact(BaseModel):
    service: str
    host: str
    port: int
    listening: bool
    pid: int | None = None
    command: str | None = None
    ours: bool | None = None  # None: nobody listens, or the owner is not visible to us


class ProcessFact(BaseModel):
    service: str
    pid: int
    rss_bytes: int
    threads: int
    children: int
    budget_bytes: int


class ServiceFacts(BaseModel):
    backend: str
    statuses: list[ServiceStatus] = Field(default_factory=list)
    processes: list[ProcessFact] = Field(default_factory=list)
    error: str | None = None


class LogHit(BaseModel):
    service: str
    signature: str  # key of logs.SIGNATURES
    line: str
    count: int = 1  # occurrences in the lines scanned


class LogFacts(BaseModel):
    scanned: dict[str, int] = Field(default_factory=dict)  # service -> lines read
    hits: list[LogHit] = Field(default_factory=list)
    # The last lines themselves go into the support bundle, not into --json (too long to read there).
    tails: dict[str, list[str]] = Field(default_factory=dict, exclude=True)
    errors: dict[str, str] = Field(default_factory=dict)


class HttpCheck(BaseModel):
    service: str
    url: str
    ok: bool
    status: int | None = None
    ms: float | None = None
    error: str | None = None
    body: dict | None = None  # /ready's per-model map


class ModelFiles(BaseModel):
    model: str
    path: str
    ok: bool
    summary: str
    bad: list[str] = Field(default_factory=list)


class EngineMetrics(BaseModel):
    model: str
    ok: bool
    running: float | None = None
    waiting: float | None = None
    kv_cache_usage: float | None = None  # 0..1
    error: str | None = None


class BackendState(BaseModel):
    model: str
    url: str
    healthy: bool | None = None
    breaker: str | None = None
    failures: int | None = None
    last_error: str | None = None


class GatewayMetrics(BaseModel):
    ok: bool
    requests: dict[str, float] = Field(default_factory=dict)  # model -> requests counted
    errors: dict[str, float] = Field(default_factory=dict)  # model -> 5xx answers counted
    backends: list[BackendState] = Field(default_factory=list)
    error: str | None = None


class Facts(BaseModel):
    system: SystemFacts | None = None
    resources: ResourceFacts | None = None
    ports: list[PortFact] = Field(default_factory=list)
    services: ServiceFacts | None = None
    logs: LogFacts | None = None
    health: list[HttpCheck] = Field(default_factory=list)  # engines' /health, gateway's /ready
    completions: list[HttpCheck] = Field(default_factory=list)  # one tiny completion per model
    files: list[ModelFiles] = Field(default_factory=list)
    engine_metrics: list[EngineMetrics] = Field(default_factory=list)
    gateway_metrics: GatewayMetrics | None = None
    collector_errors: dict[str, str] = Field(default_factory=dict)  # collector -> what went wrong
    timings_ms: dict[str, float] = Field(default_factory=dict)


_ORDER = {Level.fail: 0, Level.warn: 1, Level.ok: 2}


class DiagnoseReport(BaseModel):
    findings: list[Diagnosis]
    facts: Facts
    seconds: float

    @computed_field
    @property
    def verdict(self) -> str:
        fails, warns = self.counts["fail"], self.counts["warn"]
        if fails:
            return f"FAIL: {fails} problem(s) need fixing" + (f", {warns} warning(s)" if warns else "")
        if warns:
            return f"WARN: the deployment works, {warns} warning(s)"
        return "OK: every service is up and answering"

    @computed_field
    @property
    def ok(self) -> bool:
        return self.counts["fail"] == 0

    @computed_field
    @property
    def counts(self) -> dict[str, int]:
        return {level.value: sum(f.level is level for f in self.findings) for level in Level}


def by_severity(findings: list[Diagnosis]) -> list[Diagnosis]:
    """Failures first, then warnings, then what is fine; stable within a level."""
    return sorted(findings, key=lambda f: _ORDER[f.level])
