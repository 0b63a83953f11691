"""Config backups: atomic, pruned, and never half-written — not by a SIGKILL, not by a full disk."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citadel_cli.errors import HostError
from citadel_cli.maintenance import backup
from citadel_cli.maintenance.backup import create_backup, list_backups
from citadel_cli.maintenance.models import Status
from citadel_cli.maintenance.runner import run_job

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def config_dir(root: Path, big_mb: int = 0) -> Path:
    etc = root / "etc"
    (etc / "env").mkdir(parents=True)
    (etc / "config.yaml").write_text("profile: local\n")
    (etc / "env" / "tiny.env").write_text("HF_TOKEN=secret\n")
    for i in range(big_mb):  # incompressible, so the archive is as big as the data
        (etc / f"blob-{i:03}.bin").write_bytes(os.urandom(1 << 20))
    return etc


def test_backups_are_complete_archives_and_the_last_n_are_kept(tmp_path):
    etc, dest = config_dir(tmp_path), tmp_path / "backups"
    for day in range(4):
        result = create_backup(etc, dest, keep=3, now=T0 + timedelta(days=day))
    assert [p.name for p in list_backups(dest)] == result.kept and len(result.kept) == 3
    assert result.pruned == ["config-20260101T000000000000Z.tar.gz"]
    with tarfile.open(result.path) as tar:
        assert sorted(tar.getnames()) == ["etc/config.yaml", "etc/env/tiny.env"]
    assert oct(result.path.stat().st_mode & 0o777) == oct(0o600)  # it holds secrets
    assert sorted(os.listdir(dest)) == sorted(result.kept)


def test_the_weekly_job_backs_up_the_config_dir(job_ctx):
    job_ctx.paths.config_file.parent.mkdir(parents=True)
    job_ctx.paths.config_file.write_text("profile: local\n")
    result = run_job(backup.backup_job, job_ctx)
    assert result.status is Status.ok and len(list_backups(job_ctx.paths.backups)) == 1


CHILD = """
import sys
from datetime import datetime, UTC
from pathlib import Path
from citadel_cli.maintenance.backup import create_backup
create_backup(Path(sys.argv[1]), Path(sys.argv[2]), 5, datetime.now(UTC),
              progress=lambda name: print(name, flush=True))
print("done", flush=True)
"""


@pytest.mark.timeout(120)
def test_a_backup_killed_midway_leaves_earlier_backups_and_no_partial_file(tmp_path):
    etc, dest = config_dir(tmp_path, big_mb=40), tmp_path / "backups"
    earlier = create_backup(etc.parent / "etc" / "env", dest, keep=5, now=T0).path
    before = earlier.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(etc), str(dest)], stdout=subprocess.PIPE, text=True)
    first = child.stdout.readline()  # the archive is being written now: one file in, dozens to go
    assert first and first.strip() != "done"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert os.listdir(dest) == [earlier.name]  # no partial file, visible or hidden
    assert earlier.read_bytes() == before
    # The next run is not disturbed by the killed one.
    assert len(list_backups(dest)) == 1
    create_backup(tmp_path / "etc" / "env", dest, keep=5, now=T0 + timedelta(days=1))
    assert len(list_backups(dest)) == 2


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 2 MiB tmpfs when this host lets us mount one (root with CAP_SYS_ADMIN), else None."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_backup(tmp_path, tiny_filesystem, monkeypatch):
    small = config_dir(tmp_path / "small-src")
    big = config_dir(tmp_path / "big-src", big_mb=4)
    dest = (tiny_filesystem or tmp_path) / "backups"
    old = create_backup(small, dest, keep=1, now=T0).path
    if tiny_filesystem is None:  # no mount here: fail the archive's flush to disk as a full disk would
        def full(*args):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(backup.os, "fsync", full)
    with pytest.raises(HostError) as caught:
        create_backup(big, dest, keep=1, now=T0 + timedelta(days=1))
    assert "no space left" in caught.value.message and caught.value.hint
    assert os.listdir(dest) == [old.name]  # the old one kept (keep=1 prunes only after success)
    with tarfile.open(old) as tar:
        assert "etc/config.yaml" in tar.getnames()
