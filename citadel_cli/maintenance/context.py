"""What every maintenance job receives, built once per run; tests build it directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from citadel_cli.config import CitadelConfig
from citadel_cli.host.runner import Runner
from citadel_cli.paths import Paths


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobContext:
    config: CitadelConfig
    paths: Paths
    runner: Runner = field(default_factory=Runner)
    now: Callable[[], datetime] = utcnow
    # How long one HTTP probe may take: a wedged engine must not stall the cron run.
    http_timeout_s: float = 3.0
    # Probes of one failing engine within a run, and the seconds between them.
    watchdog_probes_per_run: int = 3
    probe_interval_s: float = 2.0
    # How long the watchdog waits for a restarted engine to answer /health again.
    recover_timeout_s: float = 120.0
    config_file: Path | None = None  # handed to supervised services so a restart loads the same config
    manager_factory: Callable[[], Any] | None = None  # tests inject; default: the lifecycle's ServiceManager
    _manager: Any = None

    @property
    def state_dir(self) -> Path:  # the maintenance's own state between runs
        return self.paths.state / "maintenance"

    @property
    def reports_dir(self) -> Path:
        return self.paths.reports / "maintenance"

    def service_manager(self) -> Any:
        """The ServiceManager of the configured backend, created on first use."""
        if self._manager is None:
            if self.manager_factory is not None:
                self._manager = self.manager_factory()
            else:
                from citadel_cli.host.service_manager import get_service_manager

                self._manager = get_service_manager(self.config, self.paths, self.runner,
                                                    config_file=self.config_file)
        return self._manager
