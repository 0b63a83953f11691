"""Findings about the host, the model files, the engines' load and the gateway's breakers."""

from __future__ import annotations

from citadel_cli.checks.findings import Level
from citadel_cli.config import CitadelConfig, EngineKind
from citadel_cli.diagnose.model import Diagnosis, Facts
from citadel_cli.sizes import format_size

MEMORY_LOW = 0.10  # available share of RAM below which the kernel is close to OOM-killing
DISK_LOW, DISK_FULL = 0.05, 0.01
RSS_HIGH = 0.90  # share of a unit's MemoryMax= where the next allocation may get it killed
KV_HIGH = 0.90
ERROR_RATE_HIGH, ERROR_MIN_REQUESTS = 0.05, 5


def _d(level: Level, id: str, summary: str, fix: str | None = None, model: str | None = None,
       evidence: list[str] | None = None) -> Diagnosis:
    return Diagnosis(id=id, model=model, level=level, summary=summary, fix=fix, evidence=evidence or [])


def findings(facts: Facts, config: CitadelConfig) -> list[Diagnosis]:
    return [*_cpu(facts, config), *_memory(facts), *_disks(facts), *_processes(facts, config), *_files(facts),
            *_engine_load(facts, config), *_breakers(facts), *_error_rates(facts)]


def _cpu(facts: Facts, config: CitadelConfig) -> list[Diagnosis]:
    system = facts.system
    vllm = any(m.engine is EngineKind.vllm for m in config.enabled_models())
    if system is None or not vllm or system.arch not in ("x86_64", "amd64") or "avx2" in system.cpu_flags:
        return []
    return [_d(Level.fail, "cpu.features", f"the CPU ({system.cpu_model}) has no AVX2: vLLM's CPU build "
               "needs it", "serve these models on an AVX2 (x86-64-v3) host or a GPU host")]


def _memory(facts: Facts) -> list[Diagnosis]:
    res = facts.resources
    if res is None or res.memory_available >= MEMORY_LOW * res.memory_total:
        return []
    return [_d(Level.warn, "host.memory", f"only {format_size(res.memory_available)} of "
               f"{format_size(res.memory_total)} RAM available: the OOM killer is near",
               "stop or disable a model, or lower models' kv_cache (`citadel-llm check --all` shows the fit)")]


def _disks(facts: Facts) -> list[Diagnosis]:
    found = []
    for disk in facts.resources.disks if facts.resources else []:
        share = disk.free / disk.total if disk.total else 1.0
        if share < DISK_LOW:
            level = Level.fail if share < DISK_FULL else Level.warn
            found.append(_d(level, "host.disk", f"{disk.path}: {format_size(disk.free)} free of "
                            f"{format_size(disk.total)} ({share:.1%})",
                            "free space: `citadel-llm maintenance weekly` prunes logs and downloads"))
    return found


def _processes(facts: Facts, config: CitadelConfig) -> list[Diagnosis]:
    found = []
    for proc in facts.services.processes if facts.services else []:
        if proc.budget_bytes and proc.rss_bytes > RSS_HIGH * proc.budget_bytes:
            key = "gateway" if proc.service not in config.models else f"models.{proc.service}"
            found.append(_d(Level.warn, "process.memory", f"{proc.service} uses {format_size(proc.rss_bytes)} "
                            f"of its {format_size(proc.budget_bytes)} budget", f"raise {key}.memory before it "
                            "is OOM-killed (or lower its kv_cache)", proc.service,
                            [f"pid {proc.pid}: {proc.threads} threads, {proc.children} child processes"]))
    return found


def _files(facts: Facts) -> list[Diagnosis]:
    found = []
    for files in facts.files:
        if files.ok:
            found.append(_d(Level.ok, "model.files", files.summary, model=files.model))
            continue
        found.append(_d(Level.fail, "model.files", f"model files of {files.model} are damaged: {files.summary}",
                        f"`citadel-llm models pull {files.model}` fetches only the missing or damaged files; "
                        f"then `citadel-llm restart {files.model}`", files.model, files.bad[:5]))
    return found


def _engine_load(facts: Facts, config: CitadelConfig) -> list[Diagnosis]:
    found = []
    for m in facts.engine_metrics:
        spec = config.models.get(m.model)
        if not m.ok or spec is None:
            continue
        if m.waiting is not None and m.waiting > spec.max_num_seqs:
            found.append(_d(Level.warn, "engine.queue", f"{m.waiting:.0f} requests wait, {m.running or 0:.0f} "
                            f"run (max_num_seqs {spec.max_num_seqs})", f"the engine is saturated: lower the "
                            f"load, cap gateway.per_model_concurrent.{m.model}, or add a replica "
                            f"(gateway.backends.{m.model})", m.model))
        if m.kv_cache_usage is not None and m.kv_cache_usage > KV_HIGH:
            found.append(_d(Level.warn, "engine.kv_cache", f"KV cache {m.kv_cache_usage:.0%} used",
                            f"raise models.{m.model}.kv_cache, or lower max_num_seqs / context_length", m.model))
    return found


def _breakers(facts: Facts) -> list[Diagnosis]:
    gm = facts.gateway_metrics
    found = []
    for b in gm.backends if gm else []:
        if b.breaker in ("open", "half_open", "half-open"):
            found.append(_d(Level.fail if b.breaker == "open" else Level.warn, "gateway.breaker",
                            f"the gateway's breaker for {b.url} is {b.breaker} after {b.failures} failures",
                            f"fix the backend (findings for {b.model} above); the breaker half-opens by itself "
                            "and closes on the first success", b.model,
                            [f"last error: {b.last_error}"] if b.last_error else []))
    return found


def _error_rates(facts: Facts) -> list[Diagnosis]:
    gm = facts.gateway_metrics
    found = []
    for model, total in (gm.requests if gm else {}).items():
        errors = gm.errors.get(model, 0.0)
        if total >= ERROR_MIN_REQUESTS and errors / total > ERROR_RATE_HIGH:
            found.append(_d(Level.warn, "gateway.errors", f"{errors:.0f} of {total:.0f} requests to {model} "
                            f"answered 5xx ({errors / total:.0%}) since the gateway started",
                            f"see the findings for {model}; `citadel-llm logs gateway` shows each failure", model))
    return found
