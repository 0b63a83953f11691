"""Is there room for a download? Checked before the first byte is written.

`free_bytes` is the single seam through which the free-disk figure enters; tests replace it
(see tests/support/clirun.py) to fake a full disk without a tmpfs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from citadel_cli.errors import HostError
from citadel_cli.sizes import format_size

# Kept free beyond the download itself: room for logs, lockfiles and the engine's own caches,
# so a pull never fills the disk the services write to.
SAFETY_MARGIN = 1 << 30


def existing_ancestor(path: Path) -> Path:
    """The nearest folder that exists: where the download would land once folders are created."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    """Bytes free for an unprivileged writer on the filesystem holding `path`."""
    return shutil.disk_usage(existing_ancestor(path)).free


def ensure_free(path: Path, needed: int, *, what: str) -> None:
    """HostError when `needed` bytes plus the margin do not fit below `path`."""
    free = free_bytes(path)
    if needed + SAFETY_MARGIN > free:
        raise HostError(
            f"not enough disk for {what}: needs {format_size(needed)} plus a {format_size(SAFETY_MARGIN)} margin, "
            f"{format_size(free)} free on {existing_ancestor(path)}",
            hint="free disk space (or move paths.opt_dir to a bigger disk), then run the same command again")
