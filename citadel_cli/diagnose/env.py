"""What every collector receives: the deployment, its services and the time it may take."""

from __future__ import annotations

from dataclasses import dataclass, field

from citadel_cli.config import CitadelConfig
from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef, ServiceKind, all_services

# Short on purpose: a healthy local service answers in milliseconds, and an operator waiting on a
# hung engine learns more from "no answer within 2 s" than from a 30 s stall.
HTTP_TIMEOUT_S = 2.0
LOG_LINES = 200


@dataclass
class DiagnoseEnv:
    config: CitadelConfig
    paths: Paths
    manager: ServiceManager
    runner: Runner = field(default_factory=Runner)
    timeout_s: float = HTTP_TIMEOUT_S
    log_lines: int = LOG_LINES

    @property
    def services(self) -> list[ServiceDef]:
        return all_services(self.config, self.paths)

    @property
    def engines(self) -> list[ServiceDef]:
        return [s for s in self.services if s.kind is ServiceKind.engine]

    @property
    def gateway(self) -> ServiceDef:
        return next(s for s in self.services if s.kind is ServiceKind.gateway)
