"""Rendered units against the real systemd tools: `verify` silent, `security` exposure held at target."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import analyze, exposure, make_config, needs_systemd_analyze, write

from citadel_cli.install.schedule import ScheduleKind, render_schedule, timer_name
from citadel_cli.services import GATEWAY_UNIT, TARGET, engine_service, gateway_service
from citadel_cli.units import ROUTINES, render_units

ENGINE_MAX = 1.5
GATEWAY_MAX = 1.0

pytestmark = needs_systemd_analyze


def _render_all(stage: Path, **overrides: object):
    config, paths = make_config(stage, **overrides)
    write(render_units(config, paths))
    write(render_schedule(config, paths, ScheduleKind.timers))
    return config, paths


def _instances(config) -> list[str]:
    return [f"citadel-llm@{key}.service" for key in config.models]


def test_every_unit_verifies_with_empty_stderr(stage: Path) -> None:
    config, paths = _render_all(stage)
    units = [*_instances(config), GATEWAY_UNIT, TARGET,
             *(f"citadel-llm-maintenance@{r}.service" for r in ROUTINES), *(timer_name(r) for r in ROUTINES)]
    result = analyze("verify", *units, cwd=paths.systemd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_security_exposure_at_target(stage: Path) -> None:
    config, paths = _render_all(stage)
    scores = {unit: exposure(unit, paths.systemd) for unit in [*_instances(config), GATEWAY_UNIT]}
    scores["citadel-llm-maintenance@daily.service"] = exposure("citadel-llm-maintenance@daily.service", paths.systemd)
    print("\nsystemd-analyze security --offline=yes exposure:")
    for unit, score in scores.items():
        print(f"  {unit:45} {score:.1f}")
    for unit in _instances(config):
        assert scores[unit] <= ENGINE_MAX, unit
    assert scores[GATEWAY_UNIT] <= GATEWAY_MAX
    # The threshold on systemd's own 0-100 scale agrees with the parsed figure.
    assert analyze("security", "--offline=yes", f"--threshold={int(GATEWAY_MAX * 10)}", GATEWAY_UNIT,
                   cwd=paths.systemd).returncode == 0


def test_gpu_model_drops_private_devices_only_for_itself(stage: Path) -> None:
    config, paths = _render_all(stage, models={"phi-3-mini": {"device": "gpu"}})
    dropin = (paths.systemd / "citadel-llm@phi-3-mini.service.d" / "limits.conf").read_text()
    assert "PrivateDevices=no" in dropin
    assert "PrivateDevices" not in (paths.systemd / "citadel-llm@hermes-2.service.d" / "limits.conf").read_text()
    score = exposure("citadel-llm@phi-3-mini.service", paths.systemd)
    print(f"\nGPU engine exposure: {score:.1f}")
    assert score <= ENGINE_MAX


def test_units_are_rendered_from_the_service_defs(stage: Path) -> None:
    config, paths = make_config(stage)
    files = render_units(config, paths)
    template = files[paths.systemd / "citadel-llm@.service"]
    spec = config.models["phi-3-mini"]
    engine = engine_service(spec, config, paths)
    assert "ExecStart=" + " ".join(engine.argv[:-1]) + " %i\n" in template
    assert f"EnvironmentFile={paths.host_path(paths.env_dir)}/%i.env\n" in template
    assert str(stage) not in "".join(files.values()), "units must hold host paths, not the staging root"
    dropin = files[paths.systemd / f"{engine.unit}.d" / "limits.conf"]
    assert f"MemoryMax={engine.memory}\n" in dropin and f"CPUQuota={engine.cpus * 100}%\n" in dropin
    gateway = files[paths.systemd / GATEWAY_UNIT]
    assert "ExecStart=" + " ".join(gateway_service(config, paths).argv) + "\n" in gateway
    assert "MemoryDenyWriteExecute=yes" in gateway and "MemoryDenyWriteExecute" not in template
    target = files[paths.systemd / TARGET]
    assert all(f"citadel-llm@{k}.service" in target for k in config.models)


def test_target_wants_only_enabled_models(stage: Path) -> None:
    config, paths = make_config(stage, models={"hermes-2": {"enabled": False}})
    files = render_units(config, paths)
    target = files[paths.systemd / TARGET]
    assert "citadel-llm@hermes-2.service" not in target and GATEWAY_UNIT in target
    assert "citadel-llm@hermes-2.service" not in files[paths.systemd / GATEWAY_UNIT]
    # Its drop-in still exists, so `start hermes-2` by name keeps its limits.
    assert paths.systemd / "citadel-llm@hermes-2.service.d" / "limits.conf" in files


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_timers_use_the_configured_calendar(stage: Path, kind: str) -> None:
    config, paths = make_config(stage)
    files = render_schedule(config, paths, ScheduleKind.timers)
    timer = files[paths.systemd / timer_name(kind)]
    assert f"OnCalendar={getattr(config.maintenance, kind)}\n" in timer
    assert f"Unit=citadel-llm-maintenance@{kind}.service" in timer
    result = analyze("calendar", getattr(config.maintenance, kind), cwd=stage)
    assert result.returncode == 0, result.stderr
