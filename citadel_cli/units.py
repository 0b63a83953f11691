"""Renders the systemd units, env files, logrotate and cron files of a deployment.

Templates live in units/ (resources.units_dir()). Every value reaches a template already
validated and escaped by the helpers below, because a unit file is a line-based language: a
newline in a path is a new directive, a '%' is a specifier, a '$' in ExecStart= is a variable.
Unsafe values are refused with a ConfigError naming the config field, never silently altered.
Paths in the files are host paths (Paths.host_path), so a `--root DIR` staging renders the
units exactly as the host will read them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from citadel_cli.config import CitadelConfig, Device, ModelSpec
from citadel_cli.errors import ConfigError
from citadel_cli.paths import Paths
from citadel_cli.services import GATEWAY_UNIT, TARGET, ServiceDef, engine_service, gateway_service, service_python

ENGINE_TEMPLATE = "citadel-llm@.service"
MAINTENANCE_TEMPLATE = "citadel-llm-maintenance@.service"
ROUTINES = ("daily", "weekly", "monthly")
LIMITS_DROPIN = "limits.conf"
CRON_FILE = "citadel-llm"
LOGROTATE_FILE = "citadel-llm"
INSTANCE = "%i"  # the placeholder the template units get in place of the model key
# Restart policy: a model that fails 5 starts within 30 min (each start may take minutes of
# loading) needs a person, not a sixth try.
RESTART_S = 10
START_LIMIT_BURST = 5
START_LIMIT_INTERVAL_S = 1800
# ExecStartPre (pre-start checks) runs inside TimeoutStartSec too: leave it room beyond the load deadline.
START_MARGIN_S = 120

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PATH_FORBIDDEN = re.compile(r"[\s\"'\\%$;]")
_IDENT = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_CALENDAR = re.compile(r"^[A-Za-z0-9*:,./~ +-]+$")
_IP_SYMBOLS = frozenset({"localhost", "link-local", "multicast"})
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXEC_PLAIN = re.compile(r"^[A-Za-z0-9_@+=:,./-]+$")
_ESCAPE_KEEP = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:_.")
# Characters systemd keeps verbatim in a unit name, so `%i` hands the model key back unchanged.
_INSTANCE = re.compile(r"^[A-Za-z0-9:_.-]{1,200}$")


def unsafe_value(field: str, value: object, why: str) -> ConfigError:
    return ConfigError(f"{field}: {value!r} cannot go into a systemd unit: {why}",
                       hint=f"change {field} in the config file, then rerun `citadel-llm install`")


# --- escaping -------------------------------------------------------------------------------


def systemd_escape(text: str) -> str:
    """`systemd-escape TEXT`: '/' becomes '-', a leading '.' and every byte outside [A-Za-z0-9:_.]
    becomes \\xNN (UTF-8 bytes, lowercase hex)."""
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "/":
            out.append("-")
        elif char in _ESCAPE_KEEP and not (index == 0 and char == "."):
            out.append(char)
        else:
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def systemd_unescape(text: str) -> str:
    """The inverse of systemd_escape (what `%I` and `systemd-escape --unescape` give)."""
    raw = bytearray()
    index = 0
    while index < len(text):
        if text.startswith("\\x", index) and re.fullmatch(r"[0-9a-fA-F]{2}", text[index + 2:index + 4]):
            raw.append(int(text[index + 2:index + 4], 16))
            index += 4
            continue
        raw.extend(b"/" if text[index] == "-" else text[index].encode("utf-8", "surrogatepass"))
        index += 1
    return raw.decode("utf-8", "surrogatepass")


def instance_name(field: str, key: str) -> str:
    """The instance part of `citadel-llm@KEY.service`.

    systemd keeps [A-Za-z0-9:_.-] verbatim in unit names and `%i` returns the instance exactly as
    written, so a model key made of those characters is its own instance name (this is what
    services.engine_unit() names). systemd-escape would also rewrite '-' (as \\x2d, undone only by
    `%I`, which turns a plain '-' into '/'), so any key that needs escaping could not be passed back
    to `citadel-llm ... %i` intact: such keys are refused, with their escaped form in the message.
    """
    _plain_text(field, key)
    if not _INSTANCE.match(key) or key.startswith("."):
        raise unsafe_value(field, key, f"a model key must be usable as a unit instance name as written "
                      f"(systemd would need {systemd_escape(key)}); use [a-z0-9._-]")
    return key


def _plain_text(field: str, value: str) -> str:
    if _CONTROL.search(value):
        raise unsafe_value(field, value, "control characters (newline, CR, NUL, tab …) would start new directives")
    return value


def unit_path(field: str, path: Path | str) -> str:
    """An absolute path that goes into a directive as one bare word."""
    text = _plain_text(field, str(path))
    if not text.startswith("/"):
        raise unsafe_value(field, text, "it must be an absolute path")
    match = _PATH_FORBIDDEN.search(text)
    if match:
        what = "'%' starts a systemd specifier" if match.group() == "%" else \
            f"{match.group()!r} (whitespace, quotes, backslash, '$' or ';') would break the directive's quoting"
        raise unsafe_value(field, text, what)
    return text


def identifier(field: str, value: str) -> str:
    """A user or group name."""
    _plain_text(field, value)
    if not _IDENT.match(value):
        raise unsafe_value(field, value, "a user or group name is lowercase letters, digits, '_' or '-' (≤ 32)")
    return value


def calendar(field: str, value: str) -> str:
    """A systemd OnCalendar= expression (its characters; `systemd-analyze calendar` checks meaning)."""
    _plain_text(field, value)
    if not value.strip() or not _CALENDAR.match(value):
        raise unsafe_value(field, value, "an OnCalendar expression uses letters, digits, spaces and *:,./~+-")
    return value.strip()


def ip_allow(field: str, networks: Sequence[str]) -> str:
    """IPAddressAllow= entries (symbolic names or addresses/prefixes); '' when 'any' lifts the list."""
    import ipaddress

    if "any" in networks:
        return ""
    for entry in networks:
        _plain_text(field, entry)
        if entry in _IP_SYMBOLS:
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise unsafe_value(field, entry, "not an address, a prefix like 10.0.0.0/8, or one of "
                          + ", ".join(sorted(_IP_SYMBOLS | {"any"}))) from None
    if not networks:
        raise unsafe_value(field, networks, "an empty list would cut the gateway off; use 'any' to lift it")
    return " ".join(networks)


def exec_word(field: str, word: str) -> str:
    """One ExecStart= argument: quoted when needed, with '\\', '"', '%' and '$' escaped so systemd
    passes the exact text (no specifier or variable expansion)."""
    _plain_text(field, word)
    if word and _EXEC_PLAIN.match(word):
        return word
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def exec_line(field: str, argv: Sequence[str], key: str | None = None) -> str:
    """An ExecStart= command line; argv items equal to `key` become the instance specifier `%i`."""
    if not argv or not str(argv[0]).startswith("/"):
        raise unsafe_value(field, argv[0] if argv else "", "the program must be an absolute path")
    words = [unit_path(field, argv[0])]
    words += [INSTANCE if key is not None and item == key else exec_word(field, item) for item in argv[1:]]
    return " ".join(words)


def env_line(field: str, name: str, value: str) -> str:
    """NAME=VALUE for an EnvironmentFile=, double-quoted (systemd's parser) when not plain."""
    if not _ENV_NAME.match(name):
        raise unsafe_value(field, name, "an environment variable name is letters, digits and '_'")
    _plain_text(f"{field}.{name}", value)
    if value and _EXEC_PLAIN.match(value):
        return f"{name}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'{name}="{escaped}"'


# --- rendering ------------------------------------------------------------------------------


def _templates():  # -> jinja2.Environment; imported here so the CLI's --help never loads Jinja2
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from citadel_cli.resources import units_dir

    return Environment(loader=FileSystemLoader(str(units_dir())), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=False)


def render_template(template: str, **context: object) -> str:
    return _templates().get_template(template).render(**context)


def _host(paths: Paths, path: Path) -> Path:
    return paths.host_path(path)


def sandbox(config: CitadelConfig, paths: Paths, writable: Sequence[Path], optional: Sequence[Path] = (),
            **switches: object) -> dict[str, object]:
    """Values of units/_hardening.j2: who runs the service and the only paths it may write.
    `optional` paths are writable when they exist ('-' prefix: systemd skips a missing one
    instead of failing the start)."""
    rw = " ".join([*(unit_path("paths", _host(paths, p)) for p in writable),
                   *("-" + unit_path("paths", _host(paths, p)) for p in optional)])
    return {
        "user": identifier("service.user", config.service.user),
        "group": identifier("service.group", config.service.group),
        "state_dir": unit_path("paths.state_dir", _host(paths, paths.state)),
        "read_write_paths": rw,
        "private_devices": switches.get("private_devices", True),
        "memory_deny_write_execute": switches.get("memory_deny_write_execute", False),
        "ip_allow": switches.get("ip_allow", ""),
        "deny_resources": switches.get("deny_resources", False),
    }


def _restart(config: CitadelConfig) -> dict[str, object]:
    return {"restart_s": RESTART_S, "start_limit_burst": START_LIMIT_BURST,
            "start_limit_interval_s": START_LIMIT_INTERVAL_S,
            "stop_timeout_s": math.ceil(config.service.stop_timeout_s)}


def _cli_line(config: CitadelConfig, paths: Paths, field: str, *words: str) -> str:
    python = str(service_python(config, paths))
    return exec_line(field, [python, "-m", "citadel_cli", *words])


def engine_template(config: CitadelConfig, paths: Paths) -> str:
    """citadel-llm@.service: what every model server shares; the model key arrives as %i."""
    specs = list(config.models.values())
    if specs:  # ExecStart= is the engines' own argv (services.py), with the key turned into %i
        service = engine_service(specs[0], config, paths)
        start = exec_line("service.python", service.argv, key=service.name)
    else:
        start = _cli_line(config, paths, "service.python", "engine", "run") + " " + INSTANCE
    ready = math.ceil(config.service.ready_timeout_s)
    env_file = unit_path("paths.etc_dir", _host(paths, paths.env_dir)) + f"/{INSTANCE}.env"
    return render_template(
        ENGINE_TEMPLATE, env_file=env_file, exec_start=start,
        exec_check=_cli_line(config, paths, "service.python", "check", "--pre-start") + f" {INSTANCE}",
        exec_ready=_cli_line(config, paths, "service.python", "wait-ready") + f" {INSTANCE} --timeout {ready}",
        start_timeout_s=ready + START_MARGIN_S, **_restart(config),
        **sandbox(config, paths, [paths.state, paths.logs], ip_allow="localhost" if _localhost_only(config) else ""),
    )


def _localhost_only(config: CitadelConfig) -> bool:
    # Engines bound to loopback talk only to the gateway on this host: deny every other address.
    return all(spec.host in ("127.0.0.1", "::1", "localhost") for spec in config.models.values())


def uses_gpu(spec: ModelSpec) -> bool:
    """Whether the engine needs device nodes (PrivateDevices= off): gpu, or auto on a host with one."""
    return spec.device is Device.gpu or (spec.device is Device.auto and Path("/dev/nvidiactl").exists())


def _limits(field: str, memory: int, cpus: int) -> dict[str, str]:
    if memory <= 0 or cpus <= 0:
        raise unsafe_value(field, (memory, cpus), "memory and cpus must be positive")
    return {"memory_max": str(memory), "cpu_quota": f"{cpus * 100}%"}


def engine_dropin(service: ServiceDef, spec: ModelSpec) -> str:
    """citadel-llm@KEY.service.d/limits.conf: the per-model limits a template cannot hold."""
    key = instance_name(f"models.{spec.key}.key", service.name)
    return render_template("citadel-llm-limits.conf", key=key, private_devices=not uses_gpu(spec),
                   **_limits(f"models.{key}", service.memory, service.cpus))


def gateway_unit(config: CitadelConfig, paths: Paths) -> str:
    service = gateway_service(config, paths)
    engines = [engine_service(spec, config, paths).unit for spec in config.enabled_models()]
    for spec in config.enabled_models():
        instance_name(f"models.{spec.key}.key", spec.key)
    return render_template(
        "citadel-llm-gateway.service", engine_units=engines,
        env_file=unit_path("paths.etc_dir", _host(paths, service.env_file)),
        exec_start=exec_line("service.python", service.argv), **_restart(config),
        **_limits("gateway", service.memory, service.cpus),
        # The keys dir: API-key usage times are written back to the keys database.
        **sandbox(config, paths, [paths.state, paths.logs], [paths.keys_dir], memory_deny_write_execute=True,
                  deny_resources=True,
                         ip_allow=ip_allow("gateway.allowed_networks", config.gateway.allowed_networks)),
    )


def target_unit(config: CitadelConfig, paths: Paths) -> str:
    units = [engine_service(spec, config, paths).unit for spec in config.enabled_models()]
    return render_template("citadel-llm.target", units=[*units, GATEWAY_UNIT])


def render_units(config: CitadelConfig, paths: Paths) -> dict[Path, str]:
    """Every unit file of the services and the target, keyed by their staged path (paths.systemd/...):
    the engine template, one limits drop-in per configured model, the gateway and the target."""
    files = {paths.systemd / ENGINE_TEMPLATE: engine_template(config, paths)}
    for spec in config.models.values():
        service = engine_service(spec, config, paths)
        files[paths.systemd / f"{service.unit}.d" / LIMITS_DROPIN] = engine_dropin(service, spec)
    files[paths.systemd / GATEWAY_UNIT] = gateway_unit(config, paths)
    files[paths.systemd / TARGET] = target_unit(config, paths)
    return files
