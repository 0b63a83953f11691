"""Installing the shipped completion scripts where each shell looks for them."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.completion_gen import FILE_NAMES
from citadel_cli.errors import UsageError
from citadel_cli.fsutil import atomic_write
from citadel_cli.resources import completions_dir


class InstalledCompletion(BaseModel):
    shell: str
    path: Path
    note: str = ""


def detect_shell(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    name = Path(env.get("SHELL", "")).name
    if name not in FILE_NAMES:
        raise UsageError(f"cannot tell the shell from SHELL={env.get('SHELL', '')!r}",
                         hint="name it: `citadel-llm completions install bash|zsh|fish`")
    return name


def script_text(shell: str) -> str:
    return (completions_dir() / FILE_NAMES[str(shell)]).read_text()


def target_path(shell: str, home: Path, environ: dict[str, str]) -> tuple[Path, str]:
    data_home = Path(environ.get("XDG_DATA_HOME") or home / ".local/share")
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    if shell == "bash":
        return data_home / "bash-completion/completions" / FILE_NAMES["bash"], ""
    if shell == "zsh":
        return home / ".zfunc" / FILE_NAMES["zsh"], "add `fpath=(~/.zfunc $fpath); autoload -U compinit; " \
            "compinit` to ~/.zshrc if it is not there"
    return config_home / "fish/completions" / FILE_NAMES["fish"], ""


def install_completion(shell: str, environ: dict[str, str] | None = None) -> InstalledCompletion:
    env = dict(os.environ if environ is None else environ)
    path, note = target_path(str(shell), Path(env.get("HOME", str(Path.home()))), env)
    atomic_write(path, script_text(shell))
    return InstalledCompletion(shell=str(shell), path=path, note=note)
