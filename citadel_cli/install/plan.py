"""What `citadel-llm install` would do to this host, computed without changing anything.

`plan_install(config, paths, options) -> InstallPlan` is the programmatic entry point (deploy
calls it, then `apply.apply_install(plan, runner)`). Each file and directory gets an action:
create, update, unchanged, or remove (ours from an earlier install, no longer wanted).
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.config import CitadelConfig
from citadel_cli.install.files import DesiredDir, DesiredFile, Kind, Owner, desired_dirs, desired_files
from citadel_cli.install.manifest import load_manifest
from citadel_cli.install.schedule import ScheduleKind
from citadel_cli.install.users import UserStep, is_root, plan_user, staging, user_exists
from citadel_cli.paths import Paths


class Action(StrEnum):
    create = "create"
    update = "update"
    unchanged = "unchanged"
    remove = "remove"


class InstallOptions(BaseModel):
    schedule: ScheduleKind = Field(ScheduleKind.timers, description="Maintenance schedule: timers, cron or none.")
    engine: bool = Field(True, description="Create or repair the engine venv (vLLM).")
    diff: bool = Field(False, description="Include unified diffs of updated files in the plan.")


class DirPlan(BaseModel):
    path: Path  # staged
    host_path: Path
    action: Action
    mode: str
    owner: Owner


class FilePlan(BaseModel):
    path: Path  # staged
    host_path: Path
    kind: Kind | None  # None for a file being removed
    action: Action
    mode: str
    owner: Owner
    note: str | None = None
    diff: str | None = None
    content: str = Field("", exclude=True, repr=False)  # what apply writes; not shown


class Step(BaseModel):
    name: str
    action: str  # run | skip | exists
    detail: str


class InstallPlan(BaseModel):
    root: Path
    staging: bool
    chown: bool = Field(description="Set owners (live host, as root, with the service user present).")
    user: str
    group: str
    options: InstallOptions
    user_step: UserStep
    dirs: list[DirPlan]
    files: list[FilePlan]
    steps: list[Step]

    @property
    def changes(self) -> int:
        return sum(x.action is not Action.unchanged for x in [*self.dirs, *self.files])


def plan_install(config: CitadelConfig, paths: Paths, options: InstallOptions | None = None) -> InstallPlan:
    options = options or InstallOptions()
    user_step = plan_user(config, paths)
    wanted = desired_files(config, paths, options.schedule)
    files = [_file_plan(f, paths, options.diff) for f in wanted]
    files += _stale_files(paths, {f.path for f in files})
    units_changed = any(f.kind in (Kind.unit, Kind.schedule) or f.kind is None
                        for f in files if f.action is not Action.unchanged)
    live = not staging(paths) and is_root()
    return InstallPlan(
        root=paths.root, staging=staging(paths), user=config.service.user, group=config.service.group,
        chown=live and (user_step.action == "create" or user_exists(config.service.user)),
        options=options, user_step=user_step, dirs=_dir_plans(paths, wanted), files=files,
        steps=_steps(paths, options, units_changed),
    )


def _dir_plans(paths: Paths, files: list[DesiredFile]) -> list[DirPlan]:
    """Our directories, then missing folders that files need (drop-in dirs, and the ancestors of both
    under --root): every one install creates is recorded, so uninstall can remove it."""
    plans: list[DirPlan] = []
    seen: set[Path] = set()
    holders = [DesiredDir(path=f.path.parent, mode=0o755, owner=Owner.root, system=True) for f in files]
    for wanted in [*desired_dirs(paths), *holders]:
        for parent in [*reversed(wanted.path.parents), wanted.path]:
            if parent in seen or not _inside(parent, paths.root):
                continue
            seen.add(parent)
            if parent == wanted.path:
                plans.append(_dir(paths, wanted, _dir_action(wanted)))
            elif not parent.exists():
                plans.append(_dir(paths, DesiredDir(path=parent, mode=0o755, owner=Owner.root), Action.create))
    return [p for p in plans if p.action is not Action.unchanged or not _is_holder(p, holders)]


def _is_holder(plan: DirPlan, holders: list[DesiredDir]) -> bool:
    # An existing folder that only holds our files (e.g. /etc/systemd/system) is not worth a plan line.
    return any(h.path == plan.path for h in holders)


def _inside(path: Path, root: Path) -> bool:
    return path != root and path.is_relative_to(root) and path != Path("/")


def _dir_action(wanted: DesiredDir) -> Action:
    if not wanted.path.is_dir():
        return Action.create
    if wanted.system or (wanted.path.stat().st_mode & 0o7777) == wanted.mode:
        return Action.unchanged
    return Action.update


def _dir(paths: Paths, wanted: DesiredDir, action: Action) -> DirPlan:
    return DirPlan(path=wanted.path, host_path=paths.host_path(wanted.path), action=action,
                   mode=f"{wanted.mode:04o}", owner=wanted.owner)


def _file_plan(wanted: DesiredFile, paths: Paths, with_diff: bool) -> FilePlan:
    plan = FilePlan(path=wanted.path, host_path=paths.host_path(wanted.path), kind=wanted.kind,
                    action=Action.create, mode=f"{wanted.mode:04o}", owner=wanted.owner, content=wanted.content)
    if not wanted.path.exists():
        return plan
    if wanted.keep_existing:
        return plan.model_copy(update={"action": Action.unchanged, "note": "kept: never overwritten"})
    current = _read(wanted.path)
    mode_ok = (wanted.path.stat().st_mode & 0o7777) == wanted.mode
    if current == wanted.content and mode_ok:
        return plan.model_copy(update={"action": Action.unchanged})
    note = None if current != wanted.content else f"mode {wanted.mode:04o}"
    diff = _diff(wanted.path, current, wanted.content) if with_diff and current != wanted.content else None
    return plan.model_copy(update={"action": Action.update, "note": note, "diff": diff})


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # unreadable or binary: it will be replaced


def _diff(path: Path, old: str | None, new: str) -> str:
    lines = difflib.unified_diff((old or "").splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"{path} (now)", tofile=f"{path} (install)")
    return "".join(lines)


def _stale_files(paths: Paths, wanted: set[Path]) -> list[FilePlan]:
    """Files an earlier install wrote that this config no longer wants (a removed model, the other
    schedule kind): removed, so the host never runs both a timer and a cron line."""
    stale = []
    for path in load_manifest(paths).staged_files(paths):
        if path not in wanted and path.exists():
            stale.append(FilePlan(path=path, host_path=paths.host_path(path), kind=None, action=Action.remove,
                                  mode="", owner=Owner.root, note="no longer wanted"))
    return stale


def _steps(paths: Paths, options: InstallOptions, units_changed: bool) -> list[Step]:
    venv = paths.host_path(paths.venv)
    steps = [Step(name="engine venv", action="run", detail=f"create or repair vLLM in {venv}")
             if options.engine else Step(name="engine venv", action="skip", detail="--no-engine")]
    steps.append(_systemd_step(paths, "daemon-reload", "systemctl daemon-reload", units_changed))
    if options.schedule is ScheduleKind.timers:
        steps.append(_systemd_step(paths, "enable timers", "systemctl enable --now the maintenance timers", True))
    return steps


def _systemd_step(paths: Paths, name: str, what: str, needed: bool) -> Step:
    if staging(paths):
        return Step(name=name, action="skip", detail=f"staging under {paths.root}")
    if not systemd_running():
        return Step(name=name, action="skip", detail="PID 1 is not systemd")
    if not needed:
        return Step(name=name, action="skip", detail="no unit changed")
    return Step(name=name, action="run", detail=what)


def systemd_running() -> bool:
    """sd_booted(): PID 1 is systemd exactly when /run/systemd/system is a directory."""
    return Path("/run/systemd/system").is_dir()
