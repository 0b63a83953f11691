"""The services of a deployment — one engine per enabled model, then the gateway — and exactly
what each one runs. The systemd units and the supervisor backend both start these argv lists,
so the two backends cannot drift apart.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.errors import NotFoundError
from citadel_cli.paths import Paths

GATEWAY = "gateway"
TARGET = "citadel-llm.target"


class ServiceKind(StrEnum):
    engine = "engine"
    gateway = "gateway"


class ServiceDef(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # the model key, or "gateway"
    kind: ServiceKind
    unit: str  # systemd unit name
    host: str
    port: int
    argv: list[str]  # what ExecStart= runs (and what the supervisor spawns)
    env_file: Path | None  # EnvironmentFile= (engines)
    log_file: Path  # where the supervisor backend writes output
    memory: int  # bytes (MemoryMax=)
    cpus: int  # cores (CPUQuota=)

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"


def engine_unit(key: str) -> str:
    return f"citadel-llm@{key}.service"


GATEWAY_UNIT = "citadel-llm-gateway.service"


def service_python(config: CitadelConfig, paths: Paths) -> Path:
    """The interpreter the services run citadel-llm with."""
    if config.service.python:
        return config.service.python
    venv_python = paths.venv / "bin" / "python"
    return paths.host_path(venv_python) if venv_python.exists() else Path(sys.executable)


def engine_service(spec: ModelSpec, config: CitadelConfig, paths: Paths) -> ServiceDef:
    python = str(service_python(config, paths))
    return ServiceDef(
        name=spec.key, kind=ServiceKind.engine, unit=engine_unit(spec.key), host=spec.host, port=spec.port,
        argv=[python, "-m", "citadel_cli", "engine", "run", spec.key],
        env_file=paths.env_file(spec.key), log_file=paths.log_file(spec.key),
        memory=spec.memory, cpus=spec.cpus,
    )


def gateway_service(config: CitadelConfig, paths: Paths) -> ServiceDef:
    python = str(service_python(config, paths))
    gw = config.gateway
    return ServiceDef(
        name=GATEWAY, kind=ServiceKind.gateway, unit=GATEWAY_UNIT, host=gw.host, port=gw.port,
        argv=[python, "-m", "citadel_cli", "gateway", "run"], env_file=paths.env_file(GATEWAY),
        log_file=paths.log_file(GATEWAY), memory=gw.memory, cpus=gw.cpus,
    )


def all_services(config: CitadelConfig, paths: Paths) -> list[ServiceDef]:
    """Every enabled model's engine, then the gateway (start order)."""
    engines = [engine_service(spec, config, paths) for spec in config.enabled_models()]
    return [*engines, gateway_service(config, paths)]


def resolve_targets(config: CitadelConfig, paths: Paths, targets: list[str] | None) -> list[ServiceDef]:
    """Targets as typed on the command line: model keys (or aliases), 'gateway', 'all' (default)."""
    if not targets or "all" in targets:
        return all_services(config, paths)
    chosen: list[ServiceDef] = []
    for target in targets:
        if target == GATEWAY:
            chosen.append(gateway_service(config, paths))
            continue
        try:
            spec = config.model(target)
        except NotFoundError:
            raise NotFoundError(f"no service {target!r}",
                                hint=f"use a model key ({', '.join(config.models)}), 'gateway' or 'all'") from None
        chosen.append(engine_service(spec, config, paths))
    return chosen
