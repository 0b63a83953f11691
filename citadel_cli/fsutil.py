"""Writing files so that a crash or a full disk never leaves half a file: temp, fsync, rename."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from citadel_cli.errors import HostError


def atomic_write(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Replace `path` with `data` atomically; the old file stays intact on any failure."""
    payload = data.encode() if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise disk_error(exc, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_error(exc: OSError, path: Path) -> HostError:
    """A HostError that says plainly what an OSError while writing `path` means."""
    if exc.errno == errno.ENOSPC:
        return HostError(f"no space left on the device holding {path.parent}",
                         hint="free disk space (`citadel-llm maintenance weekly` prunes logs), then retry")
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return HostError(f"{path} is in the way: {exc.strerror}",
                         hint="move it aside (a directory belongs there), then run the command again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return HostError(f"cannot write {path}: {exc.strerror}",
                         hint="run as root, or pass --root/--profile local to write elsewhere")
    return HostError(f"cannot write {path}: {exc.strerror or exc}")
