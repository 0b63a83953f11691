"""Tables for `gateway status` and `keys ...`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from citadel_cli.render import table


def servers_table(status: dict[str, Any]) -> Table:
    rows = [(s["model"], s["index"], s["url"], {True: "yes", False: "no", None: "?"}[s["healthy"]],
             "yes" if s["drained"] else "", s["breaker"], s["in_flight"], s["latency_ms"], s["requests"],
             s["failures"], s["last_error"]) for s in status.get("servers", [])]
    cols = ("model", "#", "url", "healthy", "drained", "breaker", "in flight", "health ms", "requests",
            "failures", "last error")
    return table("Gateway backends", cols, rows)


def backend_line(s: dict[str, Any]) -> str:
    state = "drained" if s["drained"] else "in rotation"
    return f"{s['model']} #{s['index']} ({s['url']}): {state}, {s['in_flight']} in flight, breaker {s['breaker']}"


def keys_table(keys: list) -> Table:
    rows = [(k.id, k.name, k.created, k.last_used or "never", k.revoked or "") for k in keys]
    return table("API keys", ("id", "name", "created", "last used", "revoked"), rows)


def created_key(created: Any) -> str:
    return (f"key {created.id} ({created.name}):\n{created.key}\n"
            "Store it now: only its salted hash is kept, it cannot be shown again.")
