"""Build a model folder beside its final place, then swap it in: a failed pull or import never
leaves a half-written model folder, and the previous weights stay served until the swap."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from citadel_cli.errors import HostError
from citadel_cli.fsutil import disk_error
from citadel_cli.models.store import staging_dir
from citadel_cli.paths import Paths


def new_staging(paths: Paths, key: str, name: str = "import") -> Path:
    """A fresh, empty build folder for `key` (leftovers of an earlier failed attempt are dropped)."""
    stage = staging_dir(paths, key) / name
    _rmtree(stage)
    return _mkdir(stage)


def keep_staging(paths: Paths, key: str, name: str) -> Path:
    """The build folder for `key`, kept across attempts so an interrupted pull can resume."""
    return _mkdir(staging_dir(paths, key) / name)


def install_staged(stage: Path, target: Path) -> None:
    """Move the finished `stage` to `target`, replacing what was there, then drop the key's staging."""
    key_staging = stage.parent
    old = key_staging / f"old-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            os.replace(target, old)
        os.replace(stage, target)
    except OSError as exc:
        raise disk_error(exc, target) from None
    _rmtree(key_staging)
    with contextlib.suppress(OSError):
        key_staging.parent.rmdir()  # .staging itself, when no other model is mid-pull


def link_or_copy(src: Path, dst: Path) -> None:
    """Reuse an unchanged file from the current folder: a hard link (no copy) when the filesystem allows."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        try:
            shutil.copyfile(src, dst)
        except OSError as exc:
            raise disk_error(exc, dst) from None


def _mkdir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_error(exc, path) from None
    return path


def _rmtree(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
        return
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise HostError(f"cannot remove {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def pull_lock(paths: Paths, key: str) -> Iterator[None]:
    """One pull or import of a model at a time: two writers would interleave bytes in one `.partial`."""
    import fcntl

    lock_file = _mkdir(paths.locks) / f"models-{key}.lock"
    with open(lock_file, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HostError(f"another pull or import of {key} is running (lock {lock_file})",
                            hint="wait for it to finish, then run the command again") from None
        yield  # the kernel drops the lock when the file closes, even if this process dies
