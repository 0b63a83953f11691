"""The one family of errors a user can cause.

Each carries what went wrong and what to run next. The CLI's root group (main.py) catches
them in one place: one `error:` line, one `hint:` line, exit 1 (2 for usage and config
errors); a traceback only with --debug. Bugs are not CitadelErrors and keep their tracebacks.
"""

from __future__ import annotations


class CitadelError(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        return [f"error: {self.message}"] + ([f"hint: {self.hint}"] if self.hint else [])


class UsageError(CitadelError):
    """Bad arguments or options: exit 2."""

    exit_code = 2


class ConfigError(UsageError):
    """The configuration is invalid: names the file, line and field; exit 2."""


class NotFoundError(CitadelError):
    """A named model, service or file does not exist."""


class HostError(CitadelError):
    """The host refused something: a port in use, a full disk, a missing permission."""
