"""Read-only facts about processes and ports, from psutil (no subprocesses)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Usage:
    rss_bytes: int
    cpu_percent: float


def alive(pid: int | None, create_time: float | None = None) -> bool:
    """The process exists, is not a zombie, and (when given) started at `create_time`,
    so a pid reused by an unrelated process is not mistaken for ours."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return create_time is None or abs(proc.create_time() - create_time) < 0.05
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None


def group_members(pgid: int, exclude: int | None = None) -> list[int]:
    """Live processes whose process group is `pgid`."""
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        if proc.info["pid"] == exclude or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(proc.info["pid"]) == pgid:
                found.append(proc.info["pid"])
    return found


def descendants(pid: int) -> list[int]:
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def live(pids: list[int]) -> list[int]:
    return [pid for pid in pids if alive(pid)]


def signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def wait_gone(pids: list[int], deadline_s: float) -> list[int]:
    """Poll until every pid is gone or the deadline passes; returns the survivors."""
    end = time.monotonic() + deadline_s
    remaining = live(pids)
    while remaining and time.monotonic() < end:
        _gone, alive_procs = psutil.wait_procs(_procs(remaining), timeout=min(0.1, deadline_s))
        remaining = live([p.pid for p in alive_procs])
    return remaining


def _procs(pids: list[int]) -> list[psutil.Process]:
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            procs.append(psutil.Process(pid))
    return procs


def tree_usage(pids: list[int], sample_s: float = 0.2) -> dict[int, Usage]:
    """RSS and CPU of each pid together with its children (vLLM runs worker processes).

    CPU is measured over one shared `sample_s` window for all pids at once.
    """
    trees = {pid: _procs([pid]) + _children(pid) for pid in pids}
    for procs in trees.values():
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.cpu_percent(None)  # primes the counter; the next call measures from here
    if trees:
        time.sleep(sample_s)  # a measurement window, not a wait for a condition
    return {pid: _sum_usage(procs) for pid, procs in trees.items()}


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _sum_usage(procs: list[psutil.Process]) -> Usage:
    rss, cpu = 0, 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            rss += proc.memory_info().rss
            cpu += proc.cpu_percent(None)
    return Usage(rss, round(cpu, 1))


def port_owner(port: int) -> int | None:
    """Pid listening on TCP `port` (None when free, or when the owner is not visible to us)."""
    try:
        conns = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return conn.pid or -1
    return None


def process_name(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline()[:4]) or psutil.Process(pid).name()
    except psutil.Error:
        return "?"
