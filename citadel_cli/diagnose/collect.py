"""Runs every collector at once (threads: the work is waiting on sockets, files and /proc) and
gathers their answers into one Facts model."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import Facts


def _collectors() -> dict[str, Callable[[DiagnoseEnv], Any]]:
    from citadel_cli.diagnose.facts import (
        api_probe,
        connectivity,
        files,
        logs,
        metrics,
        ports,
        resources,
        services,
        system,
    )

    # Facts field -> collector.
    return {"system": system.collect, "resources": resources.collect, "ports": ports.collect,
            "services": services.collect, "logs": logs.collect, "health": connectivity.health,
            "completions": api_probe.collect, "files": files.collect, "engine_metrics": metrics.engines,
            "gateway_metrics": metrics.gateway}


def collect_facts(env: DiagnoseEnv) -> Facts:
    collectors = _collectors()
    with ThreadPoolExecutor(max_workers=len(collectors)) as pool:
        futures = {name: pool.submit(_timed, fn, env) for name, fn in collectors.items()}
        answers = {name: future.result() for name, future in futures.items()}
    facts = Facts()
    for name, (value, ms, error) in answers.items():
        facts.timings_ms[name] = ms
        if error is not None:
            facts.collector_errors[name] = error
        elif value is not None:
            setattr(facts, name, value)
    return facts


def _timed(fn: Callable[[DiagnoseEnv], Any], env: DiagnoseEnv) -> tuple[Any, float, str | None]:
    start = time.monotonic()
    try:
        value, error = fn(env), None
    except Exception as exc:  # noqa: BLE001 - diagnose is what runs when things are broken: one
        # collector's bug or an unexpected host error must cost its own facts, not the whole report
        # (it becomes a warn finding naming the collector and the error).
        value, error = None, f"{type(exc).__name__}: {exc}"
    return value, round((time.monotonic() - start) * 1000, 1), error
