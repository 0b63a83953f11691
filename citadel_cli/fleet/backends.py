"""Where the gateway finds each model when the config has a `hosts` section.

Kept free of Ansible and I/O: the gateway's settings_from_config calls `fleet_urls` for every
model, and the fleet's drain steps use `backend_indexes` so both agree on the backend order.
"""

from __future__ import annotations

from collections.abc import Sequence

from citadel_cli.config import CitadelConfig, HostSpec


def host_model_port(config: CitadelConfig, host: HostSpec, key: str) -> int:
    """The model's port on this host: its per-host override, else the model's own port."""
    override = (host.overrides.get("models") or {}).get(key) or {}
    return int(override.get("port", config.models[key].port))


def host_model_url(config: CitadelConfig, host: HostSpec, key: str) -> str:
    return f"http://{_url_host(host.address)}:{host_model_port(config, host, key)}"


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address  # IPv6 literals need brackets in URLs


def hosts_backends(config: CitadelConfig) -> dict[str, list[tuple[str, str]]]:
    """Model key -> [(host name, base URL)] in host order (the gateway's backend order)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for host in config.hosts:
        for key in host.models:
            out.setdefault(key, []).append((host.name, host_model_url(config, host, key)))
    return out


def fleet_urls(config: CitadelConfig, key: str, urls: Sequence[str]) -> list[str]:
    """The gateway's backend URLs of one model: `urls` (this host's engine plus gateway.backends)
    when there is no hosts section; else every host that runs the model, then gateway.backends."""
    if not config.hosts:
        return list(urls)
    on_hosts = [url for _host, url in hosts_backends(config).get(key, [])]
    return on_hosts + list(config.gateway.backends.get(key, ()))


def backend_indexes(config: CitadelConfig, host_name: str) -> list[dict[str, object]]:
    """(model, index) of every gateway backend on this host: what to drain before touching it."""
    return [{"model": key, "index": index}
            for key, entries in hosts_backends(config).items()
            for index, (name, _url) in enumerate(entries) if name == host_name]
