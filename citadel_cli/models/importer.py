"""`models import`: adopt a folder that already holds a model (copied or linked) and lock it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.config import CitadelConfig
from citadel_cli.errors import NotFoundError, UsageError
from citadel_cli.fsutil import disk_error
from citadel_cli.models.disk import ensure_free
from citadel_cli.models.lockfile import lock_directory, model_files, read_lockfile, write_lockfile
from citadel_cli.models.staging import install_staged, new_staging, pull_lock
from citadel_cli.paths import Paths


class Imported(BaseModel):
    key: str
    path: str
    source_dir: str
    linked: bool
    files: int
    size: int


def import_model(config: CitadelConfig, paths: Paths, key: str, source: Path, link: bool = False) -> Imported:
    spec = config.model(key)
    source = source.expanduser().resolve()
    files = _source_files(source)
    target = paths.model_dir(spec.key)
    if not link:
        ensure_free(paths.models, sum((source / f).stat().st_size for f in files), what=f"importing {key}")
    with pull_lock(paths, spec.key):
        stage = new_staging(paths, spec.key)
        for rel in files:
            _place(source / rel, stage / rel, link)
        lock = lock_directory(stage, repo=spec.repo, revision=spec.revision, commit=None, source="import",
                              known_sha256=_known_hashes(source, files))
        write_lockfile(stage, lock)
        install_staged(stage, target)
    return Imported(key=spec.key, path=str(target), source_dir=str(source), linked=link, files=len(files),
                    size=lock.total_size)


def _source_files(source: Path) -> list[str]:
    if not source.is_dir():
        raise NotFoundError(f"{source} is not a folder", hint="pass the folder that holds config.json")
    files = model_files(source)
    if "config.json" not in files:
        raise UsageError(f"{source} has no config.json: not a model folder",
                         hint="point at the folder with config.json, the tokenizer files and the weights")
    return files


def _known_hashes(source: Path, files: list[str]) -> dict[str, str]:
    """Hashes from the source's own lockfile when its sizes still match, so a big import is not re-hashed."""
    lock = read_lockfile(source)
    if lock is None:
        return {}
    by_path = {f.path: f for f in lock.files}
    return {rel: by_path[rel].sha256 for rel in files
            if rel in by_path and (source / rel).stat().st_size == by_path[rel].size}


def _place(src: Path, dst: Path, link: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        if link:
            os.symlink(src, dst)
        else:
            shutil.copyfile(src, dst)
    except OSError as exc:
        raise disk_error(exc, dst) from None

