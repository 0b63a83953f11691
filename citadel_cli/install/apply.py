"""Carries out an InstallPlan: user, directories, files (atomically), manifest, engine venv, systemd."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.host.runner import Runner
from citadel_cli.install.files import Owner
from citadel_cli.install.manifest import Manifest, load_manifest, manifest_path, save_manifest, sha256
from citadel_cli.install.plan import Action, DirPlan, FilePlan, InstallPlan, Step
from citadel_cli.install.schedule import timer_name
from citadel_cli.install.users import ensure_user, service_ids
from citadel_cli.paths import Paths
from citadel_cli.units import ROUTINES


class InstallResult(BaseModel):
    root: Path
    created: int
    updated: int
    removed: int
    unchanged: int
    steps: list[Step]
    manifest: Path


def apply_install(plan: InstallPlan, runner: Runner, paths: Paths) -> InstallResult:
    """Apply `plan` (from plan_install with the same paths); returns what was done."""
    if plan.user_step.action == "create":
        ensure_user(plan.user_step, runner)
    owners = _owner_ids(plan)
    manifest = load_manifest(paths)
    try:
        for item in plan.dirs:
            _apply_dir(item, owners, manifest)
        for item in plan.files:
            _apply_file(item, owners, manifest)
    except OSError as exc:
        from citadel_cli.fsutil import disk_error

        save_manifest(paths, manifest)  # what was made so far stays known to uninstall
        raise disk_error(exc, Path(exc.filename or plan.root)) from None
    save_manifest(paths, manifest)
    steps = [_run_step(step, plan, runner, paths, manifest) for step in plan.steps]
    save_manifest(paths, manifest)
    count = {a: sum(f.action is a for f in plan.files) for a in Action}
    return InstallResult(root=plan.root, created=count[Action.create], updated=count[Action.update],
                         removed=count[Action.remove], unchanged=count[Action.unchanged], steps=steps,
                         manifest=manifest_path(paths))


def _owner_ids(plan: InstallPlan) -> dict[Owner, tuple[int, int]] | None:
    """uid/gid per Owner, or None when owners are left alone (staging, or not root)."""
    if not plan.chown:
        return None
    ids = service_ids(plan.user, plan.group)
    if ids is None:
        return None
    uid, gid = ids
    return {Owner.root: (0, 0), Owner.service: (uid, gid), Owner.group: (0, gid)}


def _chown(path: Path, owner: Owner, owners: dict[Owner, tuple[int, int]] | None) -> None:
    if owners is not None:
        uid, gid = owners[owner]
        os.chown(path, uid, gid)


def _apply_dir(item: DirPlan, owners: dict[Owner, tuple[int, int]] | None, manifest: Manifest) -> None:
    if item.action is Action.unchanged:
        return
    mode = int(item.mode, 8)
    if item.action is Action.create:
        item.path.mkdir(mode=mode)
        host = str(item.host_path)
        if host not in manifest.dirs:
            manifest.dirs.append(host)
    item.path.chmod(mode)  # mkdir's mode is filtered by the umask; the plan's mode is exact
    _chown(item.path, item.owner, owners)


def _apply_file(item: FilePlan, owners: dict[Owner, tuple[int, int]] | None, manifest: Manifest) -> None:
    from citadel_cli.fsutil import atomic_write

    host = str(item.host_path)
    if item.action is Action.remove:
        item.path.unlink(missing_ok=True)
        manifest.files.pop(host, None)
        return
    if item.action is Action.unchanged:
        if item.note is None:  # identical content is ours; a kept operator file stays theirs
            manifest.files[host] = sha256(item.content)
        return
    atomic_write(item.path, item.content, mode=int(item.mode, 8))
    _chown(item.path, item.owner, owners)
    manifest.files[host] = sha256(item.content)


def _run_step(step: Step, plan: InstallPlan, runner: Runner, paths: Paths, manifest: Manifest) -> Step:
    if step.action != "run":
        return step
    if step.name == "engine venv":
        from citadel_cli.engine_venv import ensure_engine_venv

        existed = paths.venv.exists()
        result = ensure_engine_venv(paths.venv, runner)
        manifest.venv = manifest.venv or not existed  # root-owned: the services only run it
        return step.model_copy(update={"action": "done", "detail": f"vLLM {result.vllm_version} in {result.venv}"})
    if step.name == "daemon-reload":
        runner.run(["systemctl", "daemon-reload"]).check("systemctl daemon-reload")
    elif step.name == "enable timers":
        timers = [timer_name(r) for r in ROUTINES]
        runner.run(["systemctl", "enable", "--now", *timers]).check("enabling the maintenance timers")
    return step.model_copy(update={"action": "done"})
