"""What every check family receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from citadel_cli.checks.hostfacts import HostFacts
from citadel_cli.config import CitadelConfig, Device, EngineKind, ModelSpec
from citadel_cli.paths import Paths


@dataclass
class CheckEnv:
    config: CitadelConfig
    paths: Paths
    facts: HostFacts = field(default_factory=HostFacts)
    # ExecStartPre= mode: the model's own service is not running, so anything holding its port
    # (even an old copy of it) will make the start fail.
    pre_start: bool = False

    def device(self, spec: ModelSpec) -> Device:
        if spec.device is not Device.auto:
            return spec.device
        return Device.gpu if self.facts.gpu_present() else Device.cpu

    def runs_vllm_on_cpu(self, spec: ModelSpec) -> bool:
        return spec.engine is EngineKind.vllm and self.device(spec) is Device.cpu
