"""The one place that spawns processes.

Every subprocess of the CLI goes through `Runner`, so tests can swap it and so every call
gets the same treatment: argv only (never a shell), a timeout, captured text output, and a
clear HostError when the program is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from citadel_cli.errors import HostError


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def check(self, what: str, hint: str | None = None) -> Result:
        """Self when the command succeeded, else a HostError naming it and its last stderr line."""
        if self.ok:
            return self
        last = (self.stderr.strip().splitlines() or self.stdout.strip().splitlines() or [""])[-1]
        raise HostError(f"{what} failed (exit {self.returncode}): {last}".rstrip(": "), hint=hint)


class Runner:
    """Runs argv lists. Subclass or replace in tests."""

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = 60.0,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        input_text: str | None = None,
    ) -> Result:
        argv = tuple(str(a) for a in argv)
        full_env = {**os.environ, **env} if env is not None else None
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd,
                input=input_text, check=False,
            )
        except FileNotFoundError:
            raise HostError(f"{argv[0]} is not installed or not on PATH",
                            hint=f"install the package that provides {argv[0]}") from None
        except subprocess.TimeoutExpired as exc:
            return Result(argv, 124, _text(exc.stdout), _text(exc.stderr) + f"\ntimed out after {timeout}s")
        return Result(argv, proc.returncode, proc.stdout, proc.stderr)

    def spawn_detached(
        self, argv: Sequence[str], *, log_file: Path, env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> int:
        """Start argv in a new session (its own process group), output appended to log_file; returns pid."""
        log_file.parent.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, **env} if env is not None else None
        with open(log_file, "ab", buffering=0) as log:
            try:
                proc = subprocess.Popen(
                    [str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=full_env, cwd=cwd, start_new_session=True, close_fds=True,
                )
            except FileNotFoundError:
                raise HostError(f"{argv[0]} is not installed or not on PATH") from None
        return proc.pid

    def which(self, program: str) -> str | None:
        return shutil.which(program)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
