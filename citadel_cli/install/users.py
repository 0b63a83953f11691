"""The dedicated system user the services run as (useradd through the Runner)."""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.config import CitadelConfig
from citadel_cli.host.runner import Runner
from citadel_cli.paths import Paths

NOLOGIN = "/usr/sbin/nologin"


class UserStep(BaseModel):
    action: str  # create | exists | skip
    detail: str
    commands: list[list[str]] = []


def staging(paths: Paths) -> bool:
    return paths.root != Path("/")


def is_root() -> bool:
    return os.geteuid() == 0


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def plan_user(config: CitadelConfig, paths: Paths) -> UserStep:
    user, group = config.service.user, config.service.group
    if staging(paths):
        return UserStep(action="skip", detail=f"staging under {paths.root}: create user {user} on the host itself")
    if user_exists(user):
        return UserStep(action="exists", detail=f"system user {user} exists")
    if not is_root():
        return UserStep(action="skip", detail=f"not root: cannot create system user {user} (rerun as root)")
    commands = [] if group_exists(group) else [["groupadd", "--system", group]]
    # Home is the state dir (the units' HOME); no login shell, no home skeleton.
    commands.append(["useradd", "--system", "--gid", group, "--home-dir", str(paths.state),
                     "--no-create-home", "--shell", NOLOGIN, user])
    return UserStep(action="create", detail=f"create system user {user} (group {group})", commands=commands)


def ensure_user(step: UserStep, runner: Runner) -> None:
    for argv in step.commands:
        runner.run(argv).check(argv[0], hint="create the user by hand, then rerun `citadel-llm install`")


def service_ids(user: str, group: str) -> tuple[int, int] | None:
    """uid and gid of the service user and group, when both exist."""
    try:
        return pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
    except KeyError:
        return None
