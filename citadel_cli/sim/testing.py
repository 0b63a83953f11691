"""Start a simulator process for tests and benchmarks: free port, wait until it answers, clean stop.

    with running_sim("m", tmp_path, "--ttft-ms", "5") as sim:
        httpx.get(f"{sim.base_url}/v1/models")
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from citadel_cli.host.runner import Runner


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class SimProcess:
    model: str
    port: int
    pid: int
    log_file: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wait_listening(port: int, deadline_s: float, pid: int | None = None) -> None:
    """Poll until something accepts on the port (not /health: a test may have set health_fail)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if pid is not None and _exited(pid):
            raise RuntimeError(f"simulator (pid {pid}) exited before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {deadline_s} s")


def _exited(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not our child (or already reaped)
    return done != 0


def stop(pid: int, timeout_s: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL after the timeout."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _exited(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


@contextlib.contextmanager
def running_sim(model: str, log_dir: Path, *flags: str, port: int | None = None,
                runner: Runner | None = None) -> Iterator[SimProcess]:
    port = port or free_port()
    log_file = log_dir / f"sim-{model}-{port}.log"
    argv = [sys.executable, "-m", "citadel_cli.sim", "--model", model, "--port", str(port), *flags]
    pid = (runner or Runner()).spawn_detached(argv, log_file=log_file)
    try:
        wait_listening(port, 30.0, pid)
        yield SimProcess(model=model, port=port, pid=pid, log_file=log_file)
    finally:
        stop(pid)
