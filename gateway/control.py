"""What the `citadel-llm gateway` and `keys` commands do, as plain functions returning data.

Kept in the gateway package (imported by the commands only when they run), so the CLI module
stays thin and `--help` never imports the server stack.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from gateway.keys import KeyRecord, KeyStore

if TYPE_CHECKING:
    from citadel_cli.config import CitadelConfig
    from citadel_cli.paths import Paths


class KeyInfo(BaseModel):
    id: str
    name: str
    created: str
    last_used: str | None
    revoked: str | None


class CreatedKey(BaseModel):
    id: str
    name: str
    key: str  # shown once, to the operator who asked for it; never stored or logged


def _when(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def _info(record: KeyRecord) -> KeyInfo:
    return KeyInfo(id=record.id, name=record.name, created=_when(record.created) or "",
                   last_used=_when(record.last_used), revoked=_when(record.revoked))


def create_key(paths: Paths, name: str) -> CreatedKey:
    record, key = KeyStore(paths.keys_db).create(name)
    return CreatedKey(id=record.id, name=record.name, key=key)


def list_keys(paths: Paths) -> list[KeyInfo]:
    return [_info(r) for r in KeyStore(paths.keys_db).list()]


def revoke_key(paths: Paths, key_id: str) -> dict[str, str]:
    from citadel_cli.errors import NotFoundError

    if not KeyStore(paths.keys_db).revoke(key_id):
        raise NotFoundError(f"no live key {key_id!r}", hint="run `citadel-llm keys list` to see the keys")
    return {"revoked": key_id}


def run_gateway(config: CitadelConfig, paths: Paths, host: str | None = None, port: int | None = None) -> None:
    """Serve until stopped. The config gives the fleet; GATEWAY_* variables override it."""
    from gateway.serve import serve
    from gateway.settings import GatewaySettings, settings_from_config

    settings = GatewaySettings.from_env(base=settings_from_config(config, keys_db=paths.keys_db))
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    serve(settings.model_copy(update=overrides) if overrides else settings)


def _base_url(config: CitadelConfig, url: str | None) -> str:
    if url:
        return url.rstrip("/")
    host = config.gateway.host
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{config.gateway.port}"


def _call(method: str, config: CitadelConfig, url: str | None, path: str) -> Any:
    import httpx

    from citadel_cli.errors import CitadelError

    base = _base_url(config, url)
    try:
        response = httpx.request(method, base + path, timeout=660.0)
    except httpx.HTTPError as exc:
        raise CitadelError(f"gateway at {base} did not answer: {exc}",
                           hint="is it running? `citadel-llm status`, or pass --url") from None
    if response.status_code >= 400:
        message = response.json().get("error", {}).get("message", response.text) if response.content else ""
        raise CitadelError(f"gateway answered {response.status_code}: {message}")
    return response.json()


def gateway_get(config: CitadelConfig, url: str | None, path: str) -> Any:
    return _call("GET", config, url, path)


def gateway_post(config: CitadelConfig, url: str | None, path: str) -> Any:
    return _call("POST", config, url, path)
