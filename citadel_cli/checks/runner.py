"""Runs the checks for a set of models and gathers one report.

`check` (planning, operator-run) looks at everything, including all enabled models together;
`--pre-start` (the unit's ExecStartPre=) looks only at what decides whether this one model
starts now, and skips what systemd itself already guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import CheckReport, Finding, fail
from citadel_cli.checks.hostfacts import HostFacts
from citadel_cli.config import CitadelConfig, EngineKind, ModelSpec
from citadel_cli.errors import ConfigError, NotFoundError
from citadel_cli.paths import Paths


def run_checks(config: CitadelConfig, paths: Paths, models: list[ModelSpec], *, pre_start: bool = False,
               facts: HostFacts | None = None, source: Path | None = None) -> CheckReport:
    env = CheckEnv(config=config, paths=paths, facts=facts or HostFacts(), pre_start=pre_start)
    findings = _host_checks(env, models, source)
    for spec in models:
        findings += _model_checks(env, spec)
    if not pre_start:
        findings += _fleet_checks(env)
    return CheckReport(models=[m.key for m in models], pre_start=pre_start, findings=findings)


def _host_checks(env: CheckEnv, models: list[ModelSpec], source: Path | None) -> list[Finding]:
    from citadel_cli.checks import basics, cpu, dirs, disk, software

    findings = basics.check_config(env, source, models)
    findings.append(software.check_python(env))
    if any(m.engine is EngineKind.vllm for m in models):
        findings += software.check_engine(env)
    if any(env.runs_vllm_on_cpu(m) for m in models):
        findings.append(cpu.check_cpu_features(env))
    if not env.pre_start:  # under ExecStartPre= systemd is, by definition, there
        findings.append(basics.check_backend(env))
    findings += dirs.check_dirs(env)
    findings += disk.check_disk(env, models)
    return findings


def _model_checks(env: CheckEnv, spec: ModelSpec) -> list[Finding]:
    from citadel_cli.checks import cpu, files, memory, ports

    findings = files.check_model_files(env, spec)
    findings += memory.check_model_memory(env, spec)
    findings.append(ports.check_port(env, f"models.{spec.key}.port", spec.host, spec.port,
                                     ports.engine_markers(spec.key), spec.key))
    findings.append(cpu.check_cores(env, spec))
    return findings


def _fleet_checks(env: CheckEnv) -> list[Finding]:
    """Everything that will run on this host together: RAM, cores, the gateway's port."""
    from citadel_cli.checks import cpu, memory, ports

    enabled = env.config.enabled_models()
    findings = memory.check_host_total(env, enabled)
    cores = cpu.check_cores_total(env, enabled)
    findings += [cores] if cores else []
    gw = env.config.gateway
    findings.append(ports.check_port(env, "gateway.port", gw.host, gw.port, ports.GATEWAY_MARKERS))
    return findings


def check_command(load: Callable[[], tuple[CitadelConfig, Paths, Path | None]], keys: list[str] | None,
                  *, pre_start: bool = False, facts: HostFacts | None = None) -> CheckReport:
    """What `citadel-llm check` runs: an invalid config or an unknown model is a failed check
    (a fail line in the journal under ExecStartPre=), not a crash."""
    try:
        config, paths, source = load()
    except ConfigError as exc:
        return _failed(keys, pre_start, fail("config.valid", exc.message, exc.hint or "fix the config file"))
    try:
        models = config.select(keys)
    except NotFoundError as exc:
        return _failed(keys, pre_start, fail("config.model", exc.message, exc.hint or "check the model key"))
    return run_checks(config, paths, models, pre_start=pre_start, facts=facts, source=source)


def _failed(keys: list[str] | None, pre_start: bool, finding: Finding) -> CheckReport:
    return CheckReport(models=list(keys or []), pre_start=pre_start, findings=[finding])
