"""What a deploy or `down` runs on: the right config for the profile, written first when the
local profile has none yet."""

from __future__ import annotations

import dataclasses
import os
import shutil

from pydantic import BaseModel

from citadel_cli.config import Profile
from citadel_cli.context import AppContext
from citadel_cli.errors import UsageError


def deploy_context(app: AppContext, profile: Profile | None) -> AppContext:
    """The context a deploy runs with. `--profile local` uses (and on first use writes) the local
    profile's own config file, never the host's /etc one."""
    if profile is not Profile.local or app.config_file is not None:
        return app.with_profile(profile)
    from citadel_cli.deploy.local import choose_local_engine, local_config_path, tiny_model_dir, write_local_config

    path = local_config_path()
    if not path.is_file():
        write_local_config(path, choose_local_engine(), tiny_model_dir())
    # replace() builds a new context: none of the original's cached config, paths or output.
    return dataclasses.replace(app, config_file=path, profile=Profile.local)


class DownResult(BaseModel):
    stopped: list[str]
    removed: list[str]
    ok: bool


def take_down(app: AppContext, keep_data: bool = False) -> DownResult:
    """Stop every service of a local deployment, then remove its state directory."""
    from citadel_cli import lifecycle
    from citadel_cli.config_loader import local_state_dir

    if app.config.profile is not Profile.local:
        raise UsageError("`down` removes a local deployment only",
                         hint="on a production host use `citadel-llm stop` and `citadel-llm uninstall`")
    result = lifecycle.stop_services(app.config, app.paths, None, manager=lifecycle.manager_for(app))
    stopped = [s.name for s in result.services if s.ok]
    removed: list[str] = []
    if result.ok and not keep_data:
        base = local_state_dir(os.environ)
        if base.exists():
            shutil.rmtree(base)
            removed.append(str(base))
    return DownResult(stopped=stopped, removed=removed, ok=result.ok)

