"""One object that resolves every file location of a deployment.

All paths in the config are absolute host paths; `Paths` stages them under `root`, so a test
(or `--root DIR`) sees the whole deployment inside one directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from citadel_cli.config import PathsConfig

CONFIG_FILE_NAME = "config.yaml"


def under(root: Path, path: Path) -> Path:
    """`path` (absolute) staged below `root`."""
    return root / path.relative_to(path.anchor) if root != Path("/") else path


@dataclass(frozen=True)
class Paths:
    config: PathsConfig

    @property
    def root(self) -> Path:
        return self.config.root

    def _at(self, path: Path) -> Path:
        return under(self.config.root, path)

    # --- top-level directories
    @property
    def opt(self) -> Path:
        return self._at(self.config.opt_dir)

    @property
    def etc(self) -> Path:
        return self._at(self.config.etc_dir)

    @property
    def logs(self) -> Path:
        return self._at(self.config.log_dir)

    @property
    def state(self) -> Path:
        return self._at(self.config.state_dir)

    @property
    def systemd(self) -> Path:
        return self._at(self.config.systemd_dir)

    @property
    def cron(self) -> Path:
        return self._at(self.config.cron_dir)

    @property
    def logrotate(self) -> Path:
        return self._at(self.config.logrotate_dir)

    # --- below /opt/citadel
    @property
    def models(self) -> Path:
        return self.opt / "models"

    @property
    def venv(self) -> Path:
        return self.opt / "venv"

    @property
    def backups(self) -> Path:
        return self.opt / "backups"

    @property
    def reports(self) -> Path:
        return self.opt / "reports"

    def model_dir(self, key: str) -> Path:
        return self.models / key

    # --- below /etc/citadel-llm
    @property
    def config_file(self) -> Path:
        return self.etc / CONFIG_FILE_NAME

    @property
    def env_dir(self) -> Path:
        return self.etc / "env"

    def env_file(self, key: str) -> Path:
        return self.env_dir / f"{key}.env"

    @property
    def keys_dir(self) -> Path:
        """Its own directory: the hardened gateway may write here (SQLite's journal lives beside the
        database), and nowhere else under /etc."""
        return self.etc / "keys"

    @property
    def keys_db(self) -> Path:
        return self.keys_dir / "keys.sqlite3"

    # --- below /var/lib/citadel-llm and /var/log/citadel-llm
    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def locks(self) -> Path:
        return self.state / "locks"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def data_dirs(self) -> list[Path]:
        """Directories a deployment writes to (disk checks, install, hardening)."""
        return [self.models, self.backups, self.reports, self.logs, self.state]

    def host_path(self, path: Path) -> Path:
        """The path as the running services see it (root stripped): what goes into units."""
        if self.config.root == Path("/"):
            return path
        return Path("/") / path.relative_to(self.config.root)
