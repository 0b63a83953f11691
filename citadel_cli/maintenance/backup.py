"""Config backups: the config dir (config, env files, keys) as a tar.gz, the last N kept.

Written so that no crash or full disk ever leaves a partial backup or touches an earlier one:
the archive is built in an unnamed O_TMPFILE file in the backups dir (a SIGKILL midway leaves
nothing, the kernel frees it), fsynced, then linked in under its final name and the dir fsynced.
Where O_TMPFILE is missing, a hidden temp file plays that part (temp, fsync, rename) and the next
run sweeps any such temp left by a killed run. Older backups are pruned only after the new one is safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import tarfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.errors import NotFoundError
from citadel_cli.fsutil import disk_error
from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status

PREFIX = "config-"
SUFFIX = ".tar.gz"
TEMP_PREFIX = ".config-"  # hidden: never listed as a backup
AT_FDCWD = -100  # <fcntl.h>, for linkat(2)
AT_EMPTY_PATH = 0x1000


class BackupResult(BaseModel):
    path: Path
    size_bytes: int
    files: int
    pruned: list[str]
    kept: list[str]


def list_backups(backups_dir: Path) -> list[Path]:
    """Complete backups, oldest first (the timestamped names sort by age)."""
    if not backups_dir.is_dir():
        return []
    return sorted(p for p in backups_dir.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX))


def _link_unnamed(fd: int, target: Path) -> None:
    """Give an O_TMPFILE file a name: through /proc, else linkat(AT_EMPTY_PATH) (some kernels
    and sandboxes refuse the /proc route with EXDEV; the second needs CAP_DAC_READ_SEARCH)."""
    try:
        os.link(f"/proc/self/fd/{fd}", target, follow_symlinks=True)
        return
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOENT, errno.EPERM, errno.EACCES):
            raise
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.linkat(fd, b"", AT_FDCWD, os.fsencode(target), AT_EMPTY_PATH) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(target))


def _unnamed_works(directory: Path) -> bool:
    """Whether this directory takes O_TMPFILE files and lets us link them (probed on an empty one)."""
    probe = directory / f"{TEMP_PREFIX}probe-{os.getpid()}.tmp"
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except (OSError, AttributeError):
        return False
    try:
        _link_unnamed(fd, probe)
        probe.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _open_temp(directory: Path) -> tuple[int, Path | None]:
    """An unnamed file in `directory` (path None), or a hidden named one where that cannot work."""
    if _unnamed_works(directory):
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600), None
    name = directory / f"{TEMP_PREFIX}{os.getpid()}.tmp"
    return os.open(name, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600), name


def _publish(fd: int, temp: Path | None, target: Path) -> None:
    """Give the finished temp file its final name (never replacing an existing backup)."""
    if temp is None:
        _link_unnamed(fd, target)
    else:
        os.rename(temp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_archive(fd: int, source: Path, progress: Callable[[str], None] | None) -> int:
    count = 0
    with os.fdopen(fd, "wb", closefd=False) as raw:
        with tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for path in sorted(source.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(source.parent)), recursive=False)
                    count += 1
                    if progress:
                        progress(str(path))
        raw.flush()
        os.fsync(fd)
    return count


def create_backup(source: Path, backups_dir: Path, keep: int, now: datetime,
                  progress: Callable[[str], None] | None = None) -> BackupResult:
    """Archive `source` into backups_dir atomically, then keep the newest `keep` backups."""
    if not source.is_dir():
        raise NotFoundError(f"nothing to back up: {source} does not exist",
                            hint="run `citadel-llm install` or `citadel-llm config init` first")
    target = backups_dir / f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}{SUFFIX}"
    try:
        backups_dir.mkdir(parents=True, exist_ok=True)
        _sweep_temps(backups_dir)
        fd, temp = _open_temp(backups_dir)
    except OSError as exc:
        raise disk_error(exc, target) from None
    try:
        files = _write_archive(fd, source, progress)
        _publish(fd, temp, target)
    except OSError as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise disk_error(exc, target) from None
    finally:
        os.close(fd)
    pruned = prune(backups_dir, keep)
    return BackupResult(path=target, size_bytes=target.stat().st_size, files=files, pruned=pruned,
                        kept=[p.name for p in list_backups(backups_dir)])


def _sweep_temps(backups_dir: Path) -> None:
    """Temp files left by a run killed where O_TMPFILE was missing (the lock says none is live)."""
    for stale in backups_dir.glob(f"{TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def prune(backups_dir: Path, keep: int) -> list[str]:
    backups = list_backups(backups_dir)
    doomed = backups[:-keep] if keep else backups
    for path in doomed:
        path.unlink()
    return [p.name for p in doomed]


def backup_job(ctx: JobContext) -> JobResult:
    spec = ctx.config.maintenance
    result = create_backup(ctx.paths.etc, ctx.paths.backups, spec.backup_count, ctx.now())
    summary = (f"{result.path.name}: {result.files} files, {result.size_bytes} bytes; "
               f"{len(result.kept)} kept, {len(result.pruned)} pruned")
    return JobResult(name="backup", status=Status.ok, summary=summary, details=result.model_dump(mode="json"))


backup_job.job_name = "backup"
