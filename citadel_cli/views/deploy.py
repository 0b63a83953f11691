"""The deploy summary and the `down` line."""

from __future__ import annotations

from rich.text import Text

from citadel_cli.deploy.pipeline import DeployResult
from citadel_cli.deploy.rolling import RollingResult
from citadel_cli.deploy.session import DownResult
from citadel_cli.render import table


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f} ms"


def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def deploy_summary(result: DeployResult) -> list:
    steps = table("Deploy steps", ("step", "result", "time", "detail"),
                  [(s.step, "ok" if s.ok else "FAILED", _s(s.seconds), s.detail) for s in result.steps])
    models = table(f"Models ({result.profile} profile, {result.backend} backend)",
                   ("model", "engine", "state", "url", "load time", "first token"),
                   [(m.key, m.engine, m.state, m.url, _s(m.load_s), _ms(m.first_token_ms)) for m in result.models])
    parts: list = [steps, models, Text(f"engines: {result.engines}")]
    if result.dry_run:
        parts.append(Text("dry run: nothing was changed, nothing started", style="bold"))
    elif result.ok:
        parts.append(Text.assemble(("gateway: ", "bold"), (result.gateway_url or "", "green")))
        parts.append(Text(f"try it:  {result.example}"))
    return parts


def down_line(result: DownResult) -> str:
    removed = f"; removed {', '.join(result.removed)}" if result.removed else ""
    return f"stopped {len(result.stopped)} service(s){removed}"


def rolling_table(result: RollingResult):
    return table("Rolling restart", ("model", "result", "time", "surge replica", "detail"),
                 [(m.model, "ok" if m.ok else "FAILED", _s(m.seconds), "yes" if m.surge else "no", m.detail)
                  for m in result.models])
