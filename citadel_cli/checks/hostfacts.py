"""Read-only facts about this host that the checks need: memory, CPU, disk, listeners, systemd.

One small class so a test can replace a single fact (a 24 GiB host, a CPU without AVX2) and
keep every other probe real. psutil is imported lazily: only the checks that need it pay for it.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Memory:
    total: int
    available: int


@dataclass(frozen=True)
class Listener:
    pid: int | None  # None when the owner is not visible to us (another user's process, non-root)
    cmdlines: list[list[str]]  # the listener's command line, then its parents' up to PID 1


class HostFacts:
    def memory(self) -> Memory:
        import psutil

        vm = psutil.virtual_memory()
        return Memory(total=vm.total, available=vm.available)

    def cpu_flags(self) -> set[str] | None:
        """x86 feature flags from /proc/cpuinfo; None where the file has none (not x86, not Linux)."""
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("flags"):
                return set(line.partition(":")[2].split())
        return None

    def cores(self) -> int:
        """Cores this process may run on (the cgroup/affinity view, not the machine's total)."""
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    def disk_free(self, path: Path) -> int:
        return shutil.disk_usage(existing_parent(path)).free

    def systemd_running(self) -> bool:
        # sd_booted(): the directory exists only when PID 1 is systemd.
        return Path("/run/systemd/system").is_dir()

    def gpu_present(self) -> bool:
        return Path("/dev/nvidiactl").exists()

    def port_free(self, host: str, port: int) -> bool:
        """Whether a server could bind host:port now (the way vLLM and uvicorn bind: SO_REUSEADDR)."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
        return True

    def listener(self, port: int) -> Listener | None:
        """Who listens on `port`, with the command lines of its ancestry; None if nobody visible."""
        import psutil

        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return Listener(pid=conn.pid, cmdlines=_ancestry(conn.pid))
        return None


def _ancestry(pid: int | None) -> list[list[str]]:
    import psutil

    lines: list[list[str]] = []
    try:
        proc = psutil.Process(pid) if pid else None
        while proc is not None and proc.pid > 1:
            lines.append(proc.cmdline())
            proc = proc.parent()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        pass  # the chain ends where we may not look or where a process exited meanwhile
    return lines


def existing_parent(path: Path) -> Path:
    """`path` or its nearest existing ancestor (a directory not created yet lives on that disk)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")
