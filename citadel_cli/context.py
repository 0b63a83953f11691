"""What every command receives: global options, the config (loaded on first use), paths, output."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import typer

from citadel_cli.config import CitadelConfig, Profile
from citadel_cli.host.runner import Runner
from citadel_cli.paths import Paths
from citadel_cli.render import Output


@dataclass
class AppContext:
    config_file: Path | None = None
    root: Path | None = None
    profile: Profile | None = None
    json_mode: bool = False
    verbosity: int = 0
    debug: bool = False
    runner: Runner = field(default_factory=Runner)

    @cached_property
    def loaded(self):  # -> LoadedConfig; imported lazily so --help never parses YAML
        from citadel_cli.config_loader import load_config

        return load_config(self.config_file, self.root, self.profile)

    @property
    def config(self) -> CitadelConfig:
        return self.loaded.config

    @cached_property
    def paths(self) -> Paths:
        return Paths(self.config.paths)

    @cached_property
    def out(self) -> Output:
        return Output(json_mode=self.json_mode, verbosity=self.verbosity)

    def with_profile(self, profile: Profile | None) -> AppContext:
        """This context, loaded under another profile (commands with their own --profile)."""
        if profile is None or profile == self.profile:
            return self
        return AppContext(self.config_file, self.root, profile, self.json_mode, self.verbosity,
                          self.debug, self.runner)


def app_context(ctx: typer.Context, json_mode: bool = False) -> AppContext:
    """The AppContext set up by the root callback; a command's own --json switches JSON on."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    app: AppContext = root.obj
    if json_mode and not app.json_mode:
        app.json_mode = True
        app.__dict__.pop("out", None)  # rebuild Output in JSON mode
    return app
