"""Tables for `config show` and `models list`."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from citadel_cli.config import CitadelConfig
from citadel_cli.render import table
from citadel_cli.sizes import format_size


def models_table(config: CitadelConfig) -> Table:
    rows = [
        (m.key, m.repo, m.port, m.context_length, m.max_num_batched_tokens, m.max_num_seqs,
         format_size(m.memory), m.cpus, f"{m.p95_ms:g} ms", f"{m.rpm:g}", m.engine.value,
         "yes" if m.enabled else "no")
        for m in config.models.values()
    ]
    cols = ("model", "repo", "port", "context", "batched tok", "seqs", "memory", "cores", "p95",
            "rpm", "engine", "enabled")
    return table("Models", cols, rows)


def config_tables(config: CitadelConfig, source: Path | None) -> list:
    gw = config.gateway
    gateway = table("Gateway", ("setting", "value"), [
        ("listen", f"{gw.host}:{gw.port}"),
        ("default model", gw.default_model),
        ("routing", gw.routing.value),
        ("health interval", f"{gw.health_interval_s:g} s"),
        ("breaker", f"{gw.breaker.failures} failures / {gw.breaker.open_s:g} s"),
        ("timeouts", f"request {gw.request_timeout_s:g} s, connect {gw.connect_timeout_s:g} s"),
        ("retries", gw.retries),
        ("max concurrent", gw.max_concurrent),
        ("auth", "on" if gw.auth else "off"),
        ("memory / cores", f"{format_size(gw.memory)} / {gw.cpus}"),
    ])
    p = config.paths
    paths = table("Paths", ("what", "where"), [
        ("root", p.root), ("opt", p.opt_dir), ("etc", p.etc_dir), ("logs", p.log_dir), ("state", p.state_dir),
    ])
    header = f"profile: {config.profile.value}   config: {source or 'built-in defaults'}"
    return [header, models_table(config), gateway, paths]
