"""Where the bench sends its requests: the gateway, the model's own server, or any URL."""

from __future__ import annotations

from dataclasses import dataclass

from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.errors import UsageError

CHAT_PATH = "/v1/chat/completions"
# A wildcard bind address is where a server listens, not where a client connects.
_CONNECT_TO = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


@dataclass(frozen=True)
class ResolvedTarget:
    kind: str  # gateway | direct | url
    base_url: str

    @property
    def endpoint(self) -> str:
        return self.base_url + CHAT_PATH


def _http(host: str, port: int) -> str:
    host = _CONNECT_TO.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def resolve(config: CitadelConfig, model: ModelSpec, target: str) -> ResolvedTarget:
    if target == "gateway":
        return ResolvedTarget("gateway", _http(config.gateway.host, config.gateway.port))
    if target == "direct":
        return ResolvedTarget("direct", _http(model.host, model.port))
    if not target.startswith(("http://", "https://")):
        raise UsageError(f"--target {target!r} is neither gateway, direct nor a URL",
                         hint="e.g. --target gateway, --target direct or --target http://127.0.0.1:8000")
    base = target.rstrip("/")
    base = base.removesuffix(CHAT_PATH).removesuffix("/v1")
    if "@" in base.split("//", 1)[1].split("/", 1)[0]:
        raise UsageError("--target must not carry credentials", hint="pass the key with --api-key")
    return ResolvedTarget("url", base)


def headers(api_key: str | None) -> dict[str, str]:
    base = {"content-type": "application/json"}
    return {**base, "authorization": f"Bearer {api_key}"} if api_key else base
