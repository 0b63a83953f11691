"""The port a service will bind: free, or held by that very service already running."""

from __future__ import annotations

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok
from citadel_cli.checks.hostfacts import Listener


def check_port(env: CheckEnv, name: str, host: str, port: int, markers: list[list[str]],
               model: str | None = None) -> Finding:
    """`markers`: argv pieces that identify our own service (e.g. engine run KEY)."""
    where = f"{host}:{port}"
    if env.facts.port_free(host, port):
        return ok("port", f"{where} is free", model)
    listener = env.facts.listener(port)
    if listener is None or listener.pid is None:
        return fail("port", f"{where} is in use by a process this user cannot see",
                    f"run `ss -ltnp 'sport = :{port}'` as root to find it, stop it, or move {name} to a free port",
                    model)
    command = " ".join(listener.cmdlines[0]) if listener.cmdlines else "?"
    if is_ours(listener, markers):
        if not env.pre_start:
            return ok("port", f"{where} is held by our running service (pid {listener.pid})", model)
        # Before start the service is not running: this is a leftover copy and the start would fail.
        return fail("port", f"{where} is held by a leftover copy of this service (pid {listener.pid}: "
                    f"{command[:120]})", f"stop it: `citadel-llm stop {model or 'gateway'}` or `kill "
                    f"{listener.pid}`", model)
    return fail("port", f"{where} is held by pid {listener.pid}: {command[:120]}",
                f"stop that process, or move {name} to a free port", model)


def is_ours(listener: Listener, markers: list[list[str]]) -> bool:
    """The listener or one of its parents runs citadel_cli with a marker in its argv (vLLM's
    server is a child of our `engine run KEY`, or carries --served-model-name KEY itself)."""
    for argv in listener.cmdlines:
        joined = " ".join(argv)
        if ("citadel_cli" in joined or "citadel-llm" in joined) and any(_contains(argv, m) for m in markers):
            return True
    return False


def _contains(argv: list[str], marker: list[str]) -> bool:
    size = len(marker)
    return any(argv[i:i + size] == marker for i in range(len(argv) - size + 1))


def engine_markers(key: str) -> list[list[str]]:
    return [["engine", "run", key], ["--served-model-name", key]]


GATEWAY_MARKERS = [["gateway", "run"]]
