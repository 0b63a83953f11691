"""`citadel-llm uninstall`: removes what the install manifest says install created, nothing else.

Runtime leftovers of our services (logs, pid files, caches, the engine venv) go too. Operator
data — models, backups, reports, API keys, a config edited since install — stays unless --purge.
Directories go only when empty, so a file that is not ours keeps its directory (and is reported).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.errors import NotFoundError
from citadel_cli.host.runner import Runner
from citadel_cli.install.files import desired_dirs
from citadel_cli.install.manifest import Manifest, load_manifest, manifest_path, sha256
from citadel_cli.install.plan import Step, systemd_running
from citadel_cli.install.schedule import timer_name
from citadel_cli.install.users import staging
from citadel_cli.paths import Paths
from citadel_cli.services import GATEWAY_UNIT, TARGET
from citadel_cli.units import ROUTINES


class Removal(BaseModel):
    path: Path  # staged
    host_path: Path
    what: str  # file | tree | dir
    note: str | None = None


class UninstallPlan(BaseModel):
    root: Path
    purge: bool
    remove: list[Removal]
    keep: list[Removal]
    steps: list[Step]


class UninstallResult(BaseModel):
    root: Path
    removed: int
    kept: list[Removal]
    steps: list[Step]


def plan_uninstall(paths: Paths, purge: bool = False) -> UninstallPlan:
    if not manifest_path(paths).is_file():
        raise NotFoundError(f"nothing to uninstall: no install manifest at {manifest_path(paths)}",
                            hint="citadel-llm only removes what `citadel-llm install` recorded there")
    manifest = load_manifest(paths)
    remove, keep = _files(paths, manifest, purge)
    remove += [_removal(paths, p, "tree") for p in _trees(paths, manifest, purge) if p.exists()]
    remove.append(_removal(paths, manifest_path(paths), "file"))
    # Deepest first, so a parent is tried after its children.
    for path in sorted(_our_dirs(paths, manifest), key=lambda p: len(p.parts), reverse=True):
        remove.append(_removal(paths, path, "dir"))
    return UninstallPlan(root=paths.root, purge=purge, remove=remove, keep=keep, steps=_steps(paths))


def _removal(paths: Paths, path: Path, what: str, note: str | None = None) -> Removal:
    return Removal(path=path, host_path=paths.host_path(path), what=what, note=note)


def _files(paths: Paths, manifest: Manifest, purge: bool) -> tuple[list[Removal], list[Removal]]:
    remove, keep = [], []
    for path, digest in manifest.staged_files(paths).items():
        if not path.exists():
            continue
        if path == paths.config_file and not purge and sha256(path.read_bytes()) != digest:
            keep.append(_removal(paths, path, "file", "edited since install; --purge removes it"))
        else:
            remove.append(_removal(paths, path, "file"))
    if purge and paths.keys_db.exists():
        remove.append(_removal(paths, paths.keys_db, "file", "API keys"))
    return remove, keep


def _our_dirs(paths: Paths, manifest: Manifest) -> set[Path]:
    """What the manifest recorded, plus citadel's own directories (an earlier uninstall may have kept
    them for the models inside, so a reinstall found them already there)."""
    own = {d.path for d in desired_dirs(paths) if not d.system and d.path.is_dir()}
    return set(manifest.staged_dirs(paths)) | own


def _trees(paths: Paths, manifest: Manifest, purge: bool) -> list[Path]:
    """Directories whose whole content is ours to delete: runtime state always, data with --purge."""
    ours = _our_dirs(paths, manifest)
    runtime = [paths.logs, paths.run, paths.locks, paths.state / "cache"]
    trees = [p for p in runtime if p in ours]
    if manifest.venv:
        trees.append(paths.venv)
    if purge:
        trees += [p for p in (paths.models, paths.backups, paths.reports) if p in ours]
    return trees


def _steps(paths: Paths) -> list[Step]:
    if staging(paths):
        return [Step(name="stop and disable units", action="skip", detail=f"staging under {paths.root}")]
    if not systemd_running():
        return [Step(name="stop and disable units", action="skip", detail="PID 1 is not systemd")]
    return [Step(name="stop and disable units", action="run", detail=f"systemctl disable --now {TARGET} …"),
            Step(name="daemon-reload", action="run", detail="after the unit files are gone")]


def apply_uninstall(plan: UninstallPlan, runner: Runner) -> UninstallResult:
    steps = []
    for step in plan.steps:
        if step.name == "stop and disable units" and step.action == "run":
            units = [TARGET, GATEWAY_UNIT, "citadel-llm@*.service", *(timer_name(r) for r in ROUTINES)]
            # Units may already be gone or never enabled: the removal below must happen regardless.
            runner.run(["systemctl", "disable", "--now", *units])
            steps.append(step.model_copy(update={"action": "done"}))
    removed, kept = 0, list(plan.keep)
    for item in plan.remove:
        if _remove(item):
            removed += 1
        elif item.what == "dir" and item.path.exists():
            kept.append(item.model_copy(update={"note": "not empty: holds files install did not create"}))
    for step in plan.steps:
        if step.name == "daemon-reload" and step.action == "run":
            runner.run(["systemctl", "daemon-reload"]).check("systemctl daemon-reload")
            steps.append(step.model_copy(update={"action": "done"}))
    return UninstallResult(root=plan.root, removed=removed, kept=kept, steps=steps or plan.steps)


def _remove(item: Removal) -> bool:
    path = item.path
    if item.what == "tree":
        shutil.rmtree(path, ignore_errors=False) if path.is_dir() else path.unlink(missing_ok=True)
        return True
    if item.what == "file":
        path.unlink(missing_ok=True)
        return True
    try:
        path.rmdir()
    except FileNotFoundError:
        return False
    except OSError:
        return False  # not empty: reported as kept
    return True
