"""Everything install puts on a host, as data: the directories (with modes and owners) and the
files (with their text). Rendering only; plan.py compares this with the disk.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.install.schedule import ScheduleKind, render_schedule
from citadel_cli.paths import Paths
from citadel_cli.services import GATEWAY
from citadel_cli.units import LOGROTATE_FILE, env_line, identifier, render_template, render_units, unit_path


class Owner(StrEnum):
    root = "root"  # root:root
    service = "service"  # the service user and group: the services write here
    group = "group"  # root:<service group>: the services read, only root writes


class Kind(StrEnum):
    unit = "unit"
    env = "env"
    config = "config"
    logrotate = "logrotate"
    schedule = "schedule"


class DesiredDir(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path  # staged
    mode: int
    owner: Owner
    system: bool = False  # the OS's own directory (/etc/systemd/system …): created if missing, never altered


class DesiredFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path  # staged
    kind: Kind
    content: str
    mode: int
    owner: Owner
    keep_existing: bool = False  # the operator's config: written once, never replaced


def desired_dirs(paths: Paths) -> list[DesiredDir]:
    """Parents before children; system directories (systemd, cron, logrotate) only when missing."""
    service, group, root = Owner.service, Owner.group, Owner.root
    table = [
        (paths.opt, 0o755, root), (paths.models, 0o750, service), (paths.backups, 0o750, service),
        (paths.reports, 0o750, service),
        # Config and env files may hold tokens: the services read them, nobody else does.
        (paths.etc, 0o750, group), (paths.env_dir, 0o750, group), (paths.keys_dir, 0o700, service),
        (paths.logs, 0o750, service), (paths.state, 0o750, service), (paths.run, 0o750, service),
        (paths.locks, 0o750, service), (cache_dir(paths), 0o750, service),
    ]
    dirs = [DesiredDir(path=p, mode=m, owner=o) for p, m, o in table]
    return dirs + [DesiredDir(path=p, mode=0o755, owner=root, system=True)
                   for p in (paths.systemd, paths.cron, paths.logrotate)]


def cache_dir(paths: Paths) -> Path:
    return paths.state / "cache"


def desired_files(config: CitadelConfig, paths: Paths, schedule: ScheduleKind) -> list[DesiredFile]:
    files = [DesiredFile(path=paths.config_file, kind=Kind.config, content=installed_config_text(config),
                         mode=0o640, owner=Owner.group, keep_existing=True)]
    files += [DesiredFile(path=p, kind=Kind.env, content=t, mode=0o640, owner=Owner.group)
              for p, t in render_env_files(config, paths).items()]
    files += [DesiredFile(path=p, kind=Kind.unit, content=t, mode=0o644, owner=Owner.root)
              for p, t in render_units(config, paths).items()]
    files.append(DesiredFile(path=paths.logrotate / LOGROTATE_FILE, kind=Kind.logrotate,
                             content=render_logrotate(config, paths), mode=0o644, owner=Owner.root))
    files += [DesiredFile(path=p, kind=Kind.schedule, content=t, mode=0o644, owner=Owner.root)
              for p, t in render_schedule(config, paths, schedule).items()]
    return files


def installed_config_text(config: CitadelConfig) -> str:
    """The effective config as the host will read it: without the staging root."""
    from citadel_cli.config_template import render_config_yaml

    unstaged = config.model_copy(update={"paths": config.paths.model_copy(update={"root": Path("/")})})
    return render_config_yaml(unstaged)


# --- env files ------------------------------------------------------------------------------


def _base_env(config: CitadelConfig, paths: Paths) -> dict[str, str]:
    state = paths.host_path(paths.state)
    return {
        # ProtectHome= hides /home: caches go to the state dir the units may write.
        "HOME": str(state),
        "XDG_CACHE_HOME": str(paths.host_path(cache_dir(paths))),
        "CITADEL_CONFIG": str(paths.host_path(paths.config_file)),
    }


def engine_env(spec: ModelSpec, config: CitadelConfig, paths: Paths) -> dict[str, str]:
    """The engine's own launch environment (engine.build_launch), host paths, plus where the config is."""
    from citadel_cli.engine import build_launch

    launch_env = {name: _unstage(paths, value) for name, value in build_launch(spec, config, paths).env.items()}
    return {**launch_env, **_base_env(config, paths)}


def _unstage(paths: Paths, value: str) -> str:
    # build_launch speaks staged paths (it runs where it is called); units need what the host sees.
    root = str(paths.root)
    if paths.root != Path("/") and (value == root or value.startswith(root + "/")):
        return str(paths.host_path(Path(value)))
    return value


def env_file_text(name: str, env: dict[str, str]) -> str:
    lines = [env_line(f"env file of {name}", key, value) for key, value in sorted(env.items())]
    return render_template("service.env", name=name, lines=lines)


def render_env_files(config: CitadelConfig, paths: Paths) -> dict[Path, str]:
    """One env file per configured model (disabled ones too: they may be started by name) and the gateway's."""
    files = {paths.env_file(spec.key): env_file_text(spec.key, engine_env(spec, config, paths))
             for spec in config.models.values()}
    files[paths.env_file(GATEWAY)] = env_file_text(GATEWAY, _base_env(config, paths))
    return files


def render_logrotate(config: CitadelConfig, paths: Paths) -> str:
    logs = unit_path("paths.log_dir", paths.host_path(paths.logs))
    return render_template("citadel-llm.logrotate", log_glob=f"{logs}/*.log",
                   rotate=config.maintenance.log_retention_days,
                   user=identifier("service.user", config.service.user),
                   group=identifier("service.group", config.service.group))
