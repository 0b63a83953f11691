"""Each host's own config, derived from the fleet's config file.

Built from the file's data, not from the validated config, so each host's loader applies its
own profile defaults and the reference models exactly as it would to a hand-written file:
- the host's models bind on the host's address (the fleet's gateway reaches them there);
- the gateway host keeps every model and the `hosts` section, from which its gateway takes the
  backends of every host; the other hosts keep only their own models (`null` removes the rest);
- the host's `overrides` are merged last.
CITADEL_* variables of the controller are not carried over: a host reads its own.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from citadel_cli.config import CitadelConfig, HostSpec, Profile
from citadel_cli.errors import ConfigError

# Gateway settings that name models: a host that drops a model drops these entries too.
_MODEL_MAPS = ("aliases", "fallbacks", "per_model_concurrent", "backends")


class HostConfig(BaseModel):
    """One host's config, as data (the YAML written there) and validated."""

    model_config = {"arbitrary_types_allowed": True}

    host: HostSpec
    is_gateway: bool
    data: dict[str, Any]
    config: CitadelConfig


def read_file_data(source: Path | None) -> dict[str, Any]:
    """The fleet config file as plain data ({} when the config is all defaults)."""
    import yaml

    if source is None:
        return {}
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def host_configs(config: CitadelConfig, file_data: dict[str, Any]) -> list[HostConfig]:
    if not config.hosts:
        raise ConfigError("the config has no hosts section",
                          hint="declare the fleet's servers under `hosts:` (see `citadel-llm config show`)")
    gateway = config.gateway_host()
    return [_host_config(config, file_data, host, host is gateway) for host in config.hosts]


def _host_config(config: CitadelConfig, file_data: dict[str, Any], host: HostSpec, is_gateway: bool) -> HostConfig:
    from citadel_cli.config_loader import deep_merge

    data = {k: copy.deepcopy(v) for k, v in file_data.items() if k != "hosts"}
    data["models"] = _models(config, data.get("models") or {}, host, keep_all=is_gateway)
    if is_gateway:
        data["hosts"] = copy.deepcopy(file_data.get("hosts", []))
    else:
        data["gateway"] = _own_gateway(config, data.get("gateway") or {}, host)
    data = deep_merge(data, host.overrides)
    return HostConfig(host=host, is_gateway=is_gateway, data=data, config=_validate(host, data))


def _models(config: CitadelConfig, models: dict[str, Any], host: HostSpec, keep_all: bool) -> dict[str, Any]:
    out = dict(models)
    for key in config.models:
        if key in host.models:
            out[key] = {**(out.get(key) or {}), "host": host.address}
        elif not keep_all:
            out[key] = None  # removed on this host (also a reference model's built-in entry)
    return out


def _own_gateway(config: CitadelConfig, gateway: dict[str, Any], host: HostSpec) -> dict[str, Any]:
    """A host's local gateway knows only the host's models."""
    gateway = dict(gateway)
    for name in _MODEL_MAPS:
        if isinstance(gateway.get(name), dict):
            gateway[name] = {k: v for k, v in gateway[name].items()
                             if k in host.models and (name != "fallbacks" or v in host.models)}
    aliases = gateway.get("aliases") or {}
    aliases = {k: v for k, v in aliases.items() if v in host.models}
    if aliases or "aliases" in gateway:
        gateway["aliases"] = aliases
    if config.gateway.default_model not in host.models:
        gateway["default_model"] = host.models[0]
    return gateway


def _validate(host: HostSpec, data: dict[str, Any]) -> CitadelConfig:
    """What the host's own loader will make of `data` (with this machine's idea of its home)."""
    from citadel_cli.config_loader import deep_merge, profile_defaults, reference_model_data

    profile = Profile(str(data.get("profile", Profile.production.value)))
    merged = deep_merge({"models": reference_model_data()}, profile_defaults(profile, host.env or _home()))
    try:
        return CitadelConfig.model_validate(deep_merge(merged, data))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        raise ConfigError(f"host {host.name!r}: its config would be invalid: {where}: {cause or err['msg']}",
                          hint=f"fix the fleet config or hosts[{host.name}].overrides") from None


def _home() -> dict[str, str]:
    import os

    return {"HOME": os.environ.get("HOME", "/root")}
