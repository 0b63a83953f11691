"""Load the config: built-in defaults <- profile <- YAML file <- CITADEL_* environment.

Invalid input is refused with one message naming the file, the line and the field (or the
environment variable) at fault. Model entries merge into the reference models by key; a
model set to `null` in YAML is removed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from citadel_cli.config import CitadelConfig, FieldConflict, Profile
from citadel_cli.errors import ConfigError
from citadel_cli.paths import CONFIG_FILE_NAME, under

ENV_PREFIX = "CITADEL_"
SYSTEM_CONFIG = Path("/etc/citadel-llm") / CONFIG_FILE_NAME
# Variables that steer loading itself rather than override a field.
_LOADER_VARS = {"CITADEL_CONFIG", "CITADEL_ROOT", "CITADEL_PROFILE"}


@dataclass
class LoadedConfig:
    config: CitadelConfig
    source: Path | None  # the YAML file used, if any
    env_overrides: dict[str, str] = field(default_factory=dict)  # dotted field -> variable name


def local_state_dir(environ: Mapping[str, str]) -> Path:
    """Where the local profile keeps everything: $XDG_STATE_HOME/citadel-llm."""
    base = environ.get("XDG_STATE_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".local/state")
    return Path(base) / "citadel-llm"


def profile_defaults(profile: Profile, environ: Mapping[str, str]) -> dict[str, Any]:
    """What a profile changes from the reference (production) defaults."""
    if profile is not Profile.local:
        return {}
    base = local_state_dir(environ)
    return {
        "profile": "local",
        "paths": {
            "opt_dir": str(base / "opt"), "etc_dir": str(base / "etc"), "log_dir": str(base / "log"),
            "state_dir": str(base / "state"), "systemd_dir": str(base / "systemd"),
            "cron_dir": str(base / "cron.d"), "logrotate_dir": str(base / "logrotate.d"),
        },
        # Services run as whoever deploys: no system user to create, no root needed.
        "service": {"backend": "supervisor", "ready_timeout_s": 300, **_current_user()},
        "gateway": {"host": "127.0.0.1", "auth": False},
    }


def _current_user() -> dict[str, str]:
    import grp
    import pwd

    entry = pwd.getpwuid(os.getuid())
    return {"user": entry.pw_name, "group": grp.getgrgid(entry.pw_gid).gr_name}


def find_config_file(explicit: Path | None, root: Path, environ: Mapping[str, str]) -> Path | None:
    """--config, else CITADEL_CONFIG, else the system file, else the local profile's file, if present."""
    if explicit is None and environ.get("CITADEL_CONFIG"):
        explicit = Path(environ["CITADEL_CONFIG"])
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist",
                              hint="create one with `citadel-llm config init`")
        return explicit.absolute()  # services started from other directories are handed this path
    for candidate in (under(root, SYSTEM_CONFIG), local_state_dir(environ) / "etc" / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(
    config_file: Path | None = None,
    root: Path | None = None,
    profile: Profile | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    environ = os.environ if environ is None else environ
    root = root or Path(environ.get("CITADEL_ROOT") or "/")
    source = find_config_file(config_file, root, environ)
    doc = _read_yaml(source) if source else None
    file_data = _yaml_data(doc, source)
    env_data, env_names = env_overrides(environ)
    chosen = profile or environ.get("CITADEL_PROFILE") or env_data.get("profile") or file_data.get("profile")
    data = {"models": reference_model_data()}
    data = deep_merge(data, profile_defaults(_profile(chosen), environ))
    data = deep_merge(data, file_data)
    data = deep_merge(data, env_data)
    if chosen:
        data["profile"] = str(chosen)
    if root != Path("/"):
        data = deep_merge(data, {"paths": {"root": str(root)}})
    try:
        config = CitadelConfig.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, source, doc, env_names) from None
    return LoadedConfig(config=config, source=source, env_overrides=env_names)


def _profile(value: object) -> Profile:
    try:
        return Profile(str(value)) if value else Profile.production
    except ValueError:
        raise ConfigError(f"unknown profile {value!r}", hint="use 'production' or 'local'") from None


def reference_model_data() -> dict[str, Any]:
    """The reference models as plain data, so YAML entries merge into them field by field."""
    defaults = CitadelConfig.model_fields["models"].default_factory()
    return {key: spec.model_dump(mode="json", exclude_defaults=True) for key, spec in defaults.items()}


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` into `base`, recursively for mappings; `null` drops the entry (a model, or a
    field back to its default)."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


# --- YAML with line numbers ------------------------------------------------------------------


def _read_yaml(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: invalid YAML: {problem}", hint="fix the syntax and run "
                          f"`citadel-llm config validate {path}`") from None


def _yaml_data(doc: yaml.Node | None, source: Path | None) -> dict[str, Any]:
    if doc is None:
        return {}
    data = yaml.SafeLoader(  # construct from the composed node: one parse, lines kept in `doc`
        ""
    ).construct_document(doc)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the config must be a mapping of sections (models:, gateway:, ...)")
    return data


def _line_of(doc: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest YAML node along `loc`."""
    node, line = doc, None
    for part in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]  # list items (hosts:) are addressed by index
            line = node.start_mark.line + 1
            continue
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if str(key_node.value) == str(part):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


# --- environment overrides -------------------------------------------------------------------


def _env_key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def env_overrides(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """CITADEL_GATEWAY__PORT=9000 -> {"gateway": {"port": 9000}}; values read as YAML scalars.

    A path segment matches a field or model key case-insensitively with '-' and '.' read as '_',
    so CITADEL_MODELS__HERMES_2__PORT reaches models.hermes-2.port. Only variables whose first
    segment names a config section count; a typo below a section (CITADEL_GATEWAY__PROT) is an error.
    """
    data: dict[str, Any] = {}
    names: dict[str, str] = {}
    model_keys = {_env_key(k): k for k in CitadelConfig.model_fields["models"].default_factory()}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _LOADER_VARS:
            continue
        parts = [p for p in name[len(ENV_PREFIX):].split("__") if p]
        if not parts or parts[0].lower() not in CitadelConfig.model_fields:
            continue  # not a config section (CITADEL_API_KEY and friends belong to other tools)
        path = [p.lower() for p in parts]
        if path[0] == "models" and len(path) > 1:
            path[1] = model_keys.get(parts[1].upper(), parts[1].lower().replace("_", "-"))
        try:
            value = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            value = raw
        cursor = data
        for segment in path[:-1]:
            cursor = cursor.setdefault(segment, {})
        cursor[path[-1]] = value
        names[".".join(path)] = name
    return data, names


# --- one clear message -----------------------------------------------------------------------


def _config_error(
    exc: ValidationError, source: Path | None, doc: yaml.Node | None, env_names: dict[str, str]
) -> ConfigError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldConflict):
        loc = cause.loc
    dotted = ".".join(str(p) for p in loc)
    message = _explain(err, cause)
    env_var = next((v for k, v in env_names.items() if dotted == k or dotted.startswith(k + ".")), None)
    if env_var:
        where = f"environment variable {env_var}"
    elif source is not None:
        line = _line_of(doc, loc)
        where = f"{source}:{line}" if line else str(source)
    else:
        where = "built-in defaults"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    field_text = f"{dotted}: " if dotted else ""
    return ConfigError(f"{where}: {field_text}{message}{more}",
                       hint="fix it, then check with `citadel-llm config validate FILE`")


def _explain(err: dict[str, Any], cause: object) -> str:
    if isinstance(cause, ValueError):
        return str(cause)
    if err["type"] == "extra_forbidden":
        return "unknown key (check its spelling; `citadel-llm config show` lists every key)"
    if err["type"] == "missing":
        return "required field is missing"
    return f"{err['msg']} (got {err.get('input')!r})"
