"""Directories: present, owned and moded so the user the services run as can use them.

Read from the mode bits, not by trying: the checks usually run as root, for whom every write
succeeds, while the engine runs as the service user.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.config import Backend

READ, WRITE = "read", "write"
_BITS = {READ: (stat.S_IRUSR | stat.S_IXUSR, stat.S_IRGRP | stat.S_IXGRP, stat.S_IROTH | stat.S_IXOTH),
         WRITE: (stat.S_IWUSR | stat.S_IXUSR, stat.S_IWGRP | stat.S_IXGRP, stat.S_IWOTH | stat.S_IXOTH)}


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gids: frozenset[int]


def service_user(env: CheckEnv) -> ServiceUser | str:
    """Who the services run as: the configured user under systemd, else whoever starts them.
    A string names a configured user that does not exist."""
    backend = env.config.service.backend
    systemd = backend is Backend.systemd or (backend is Backend.auto and env.facts.systemd_running())
    try:
        entry = pwd.getpwnam(env.config.service.user) if systemd else pwd.getpwuid(os.geteuid())
    except KeyError:
        return env.config.service.user
    groups = os.getgrouplist(entry.pw_name, entry.pw_gid)
    return ServiceUser(entry.pw_name, entry.pw_uid, frozenset(groups))


def allowed(mode: int, owner: int, group: int, user: ServiceUser, access: str) -> bool:
    if user.uid == 0:
        return True  # root passes permission bits (only a read-only mount would stop it)
    bits = _BITS[access]
    need = bits[0] if owner == user.uid else bits[1] if group in user.gids else bits[2]
    return mode & need == need


def required_dirs(env: CheckEnv) -> list[tuple[str, Path, str]]:
    """(name, path, access the services need). Weights are only read; logs and state are written
    (the engine keeps VLLM_CACHE_ROOT under state)."""
    p = env.paths
    dirs = [("models", p.models, READ), ("etc", p.etc, READ), ("state", p.state, WRITE), ("logs", p.logs, WRITE)]
    if not env.pre_start:
        dirs += [("backups", p.backups, WRITE), ("reports", p.reports, WRITE)]
    return dirs


def check_dirs(env: CheckEnv) -> list[Finding]:
    user = service_user(env)
    if isinstance(user, str):
        return [fail("dirs.user", f"service user {user!r} does not exist",
                     "run `citadel-llm install` (creates it), or set service.user to an existing user")]
    return [_one_dir(name, path, access, user) for name, path, access in required_dirs(env)]


def _one_dir(name: str, path: Path, access: str, user: ServiceUser) -> Finding:
    fid = f"dirs.{name}"
    try:
        st = path.stat()
    except FileNotFoundError:
        return fail(fid, f"{path} does not exist", "run `citadel-llm install` (creates every directory)")
    if not stat.S_ISDIR(st.st_mode):
        return fail(fid, f"{path} is not a directory", "move it away and run `citadel-llm install`")
    owner = _name(pwd.getpwuid, st.st_uid)
    group = _name(grp.getgrgid, st.st_gid)
    found = f"{path} {stat.filemode(st.st_mode)} {owner}:{group}"
    if not allowed(st.st_mode, st.st_uid, st.st_gid, user, access):
        bits = "u+rwx" if access == WRITE else "u+rx"
        return fail(fid, f"{found}: user {user.name} cannot {access} it",
                    f"chown {user.name} {path} && chmod {bits} {path} (or rerun `citadel-llm install`)")
    if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
        return warn(fid, f"{found}: writable by every user", f"chmod o-w {path}")
    return ok(fid, f"{found}: {user.name} can {access}")


def _name(lookup, ident: int) -> str:  # noqa: ANN001 - pwd.getpwuid or grp.getgrgid
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)  # an id without a name (files from another system): show the number
