"""Where each configured model's weights live, and what state they are in (for list/verify/rm)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.errors import CitadelError, HostError, UsageError
from citadel_cli.models.lockfile import LOCKFILE_NAME, read_lockfile
from citadel_cli.models.verify import VerifyResult, verify_model_dir
from citadel_cli.paths import Paths, under

STAGING_DIR = ".staging"  # below the models dir: same filesystem, so moving into place is a rename


class ModelState(BaseModel):
    key: str
    repo: str
    revision: str = Field(description="Configured revision.")
    enabled: bool
    path: str = Field(description="Folder the engine serves.")
    on_disk: int = Field(description="Bytes in the folder (0 when absent).")
    locked_revision: str | None = Field(description="Revision recorded in the lockfile.")
    commit: str | None = Field(description="Commit recorded in the lockfile.")
    source: str | None = Field(description="hub, import or tiny (from the lockfile).")
    state: str = Field(description="verified, damaged, unlocked or absent (quick check: names and sizes).")


class ModelVerify(BaseModel):
    key: str
    path: str
    deep: bool
    result: VerifyResult


def model_path(spec: ModelSpec, paths: Paths) -> Path:
    """The folder the engine serves: weights_dir when configured, else the model's folder."""
    if spec.weights_dir is not None:
        return under(paths.root, spec.weights_dir) if spec.weights_dir.is_absolute() else spec.weights_dir
    return paths.model_dir(spec.key)


def staging_dir(paths: Paths, key: str) -> Path:
    return paths.models / STAGING_DIR / key


def dir_size(folder: Path) -> int:
    total = 0
    for current, _dirs, files in os.walk(folder, followlinks=True):
        for name in files:
            try:
                total += (Path(current) / name).stat().st_size
            except FileNotFoundError:
                continue  # a dangling link or a file removed while we walk: not on disk
    return total


def model_state(spec: ModelSpec, paths: Paths) -> ModelState:
    folder = model_path(spec, paths)
    try:
        lock = read_lockfile(folder)
    except CitadelError:
        lock = None
    if not folder.is_dir():
        state = "absent"
    elif lock is None:
        state = "unlocked"
    else:
        state = "verified" if verify_model_dir(folder).ok else "damaged"
    return ModelState(
        key=spec.key, repo=spec.repo, revision=spec.revision, enabled=spec.enabled, path=str(folder),
        on_disk=dir_size(folder) if folder.is_dir() else 0,
        locked_revision=lock.revision if lock else None, commit=lock.commit if lock else None,
        source=lock.source if lock else None, state=state)


def list_models(config: CitadelConfig, paths: Paths) -> list[ModelState]:
    return [model_state(spec, paths) for spec in config.models.values()]


def verify_models(config: CitadelConfig, paths: Paths, targets: list[str] | None, deep: bool) -> list[ModelVerify]:
    """Verify configured models by key, or any folder given as a path (an argument with a '/')."""
    reports = []
    for target in targets or [m.key for m in config.enabled_models()]:
        if "/" in target:
            folder, key = Path(target), Path(target).name
        else:
            spec = config.model(target)
            folder, key = model_path(spec, paths), spec.key
        reports.append(ModelVerify(key=key, path=str(folder), deep=deep, result=verify_model_dir(folder, deep)))
    return reports


def verify_failure(reports: list[ModelVerify]) -> CitadelError | None:
    """One error summing up the failed models, or None when all passed."""
    failed = [r for r in reports if not r.result.ok]
    if not failed:
        return None
    names = ", ".join(r.key for r in failed)
    keys = " ".join(r.key for r in failed if "/" not in r.key)
    return CitadelError(f"{len(failed)} of {len(reports)} model(s) failed verification: {names}",
                        hint=f"re-download with `citadel-llm models pull {keys}`".rstrip())


class Removed(BaseModel):
    key: str
    path: str
    removed: bool
    freed: int


def remove_model(config: CitadelConfig, paths: Paths, key: str, confirmed: bool) -> Removed:
    """Delete the model's folder (and its staging leftovers); a linked import keeps its source."""
    spec = config.model(key)
    folder = paths.model_dir(spec.key)
    if not confirmed:
        raise UsageError(f"removing {folder} needs confirmation", hint=f"citadel-llm models rm {key} --yes")
    if not folder.exists() and not staging_dir(paths, spec.key).exists():
        return Removed(key=spec.key, path=str(folder), removed=False, freed=0)
    freed = dir_size(folder) if folder.is_dir() and not folder.is_symlink() else 0
    for target in (folder, staging_dir(paths, spec.key)):
        _remove_tree(target)
    return Removed(key=spec.key, path=str(folder), removed=True, freed=freed)


def _remove_tree(target: Path) -> None:
    try:
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            # Drop the lockfile first: a crash mid-way then leaves an unlocked folder, never a "verified" half.
            (target / LOCKFILE_NAME).unlink(missing_ok=True)
            shutil.rmtree(target)
    except OSError as exc:
        raise HostError(f"cannot remove {target}: {exc.strerror or exc}") from None
