"""Tables for `engine argv` and `wait-ready`."""

from __future__ import annotations

from rich.table import Table

from citadel_cli.render import table


def launch_table(launch) -> list[Table]:  # launch: citadel_cli.engine.Launch
    head = table(f"Engine {launch.key}", ("setting", "value"),
                 [("engine", launch.engine.value), ("device", launch.device.value)])
    env = table("Environment", ("variable", "value"), sorted(launch.env.items()))
    argv = table("Command", ("#", "argument"), list(enumerate(launch.argv)))
    return [head, env, argv]


def ready_line(result) -> str:  # result: citadel_cli.readiness.ReadyResult
    if result.ready:
        return (f"{result.model} is ready at {result.base_url} after {result.seconds:.1f} s "
                f"(first token {result.first_token_ms:.0f} ms)")
    return f"{result.model} not ready at {result.base_url} after {result.seconds:.1f} s: {result.error}"
