"""The configuration itself, and the service backend this host can run."""

from __future__ import annotations

from pathlib import Path

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.config import Backend, ModelSpec


def check_config(env: CheckEnv, source: Path | None, specs: list[ModelSpec]) -> list[Finding]:
    config = env.config
    enabled = len(config.enabled_models())
    findings = [ok("config.valid", f"{source or 'built-in defaults'}: {len(config.models)} models, "
                   f"{enabled} enabled, {config.profile.value} profile")]
    for spec in specs:
        if not spec.enabled:
            findings.append(warn("config.enabled", "the model is disabled: its service is never started",
                                 f"set models.{spec.key}.enabled: true to run it", spec.key))
    return findings


def check_backend(env: CheckEnv) -> Finding:
    backend = env.config.service.backend
    if env.facts.systemd_running():
        if backend is Backend.supervisor:
            return ok("service.backend", "systemd is PID 1; the supervisor backend is configured")
        return ok("service.backend", "systemd is PID 1: services run as systemd units")
    if backend is Backend.systemd:
        return fail("service.backend", "service.backend is systemd but PID 1 is not systemd (a container?)",
                    "set service.backend: supervisor (or auto)")
    return ok("service.backend", "no systemd here: the supervisor backend runs the services")
