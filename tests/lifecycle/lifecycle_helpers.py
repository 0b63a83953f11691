"""Helpers of the lifecycle tests: free ports, stand-in services."""

from __future__ import annotations

import socket
import sys

from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef, ServiceKind


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stand_in(paths: Paths, name: str, argv: list[str], port: int | None = None) -> ServiceDef:
    """A ServiceDef that runs a plain command instead of an engine."""
    return ServiceDef(name=name, kind=ServiceKind.engine, unit=f"citadel-llm@{name}.service", host="127.0.0.1",
                      port=port or free_port(), argv=argv, env_file=paths.env_file(name),
                      log_file=paths.log_file(name), memory=1 << 30, cpus=1)


def http_server(paths: Paths, name: str) -> ServiceDef:
    port = free_port()
    return stand_in(paths, name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], port)
