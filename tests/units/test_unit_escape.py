"""The renderer against hostile values: refused with the field named, or escaped so that systemd
reads back exactly the value (no new directive, no specifier, no variable)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citadel_cli.errors import CitadelError, ConfigError
from citadel_cli.install.files import render_env_files
from citadel_cli.install.schedule import ScheduleKind, on_calendar_to_cron, render_schedule
from citadel_cli.units import env_line, exec_word, render_units, systemd_escape, systemd_unescape, unit_path

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HOSTILE = st.text(alphabet=st.sampled_from(list("ab/ -%$\\\"'\n\r\t\x00;=[]#é")), min_size=1, max_size=12)


def _unquote_exec(word: str) -> str:
    """How systemd reads one ExecStart= word back (quotes, C escapes, then %% and $$)."""
    if word.startswith('"'):
        body, out, i = word[1:-1], [], 0
        while i < len(body):
            if body[i] == "\\":
                i += 1
            out.append(body[i])
            i += 1
        word = "".join(out)
    return word.replace("%%", "%").replace("$$", "$")


@FAST
@given(st.text(min_size=0, max_size=20))
def test_exec_word_reads_back_or_refuses(value: str) -> None:
    try:
        word = exec_word("field", value)
    except ConfigError as exc:
        assert "field" in exc.message
        return
    assert "\n" not in word and "\r" not in word and "\x00" not in word
    assert _unquote_exec(word) == value


@FAST
@given(HOSTILE)
def test_unit_path_refuses_every_unsafe_character(tail: str) -> None:
    value = "/opt/" + tail
    try:
        out = unit_path("paths.opt_dir", value)
    except ConfigError as exc:
        assert exc.message.startswith("paths.opt_dir:")
        return
    assert out == value and not any(c in out for c in " \t\n\r\x00%$\\\"';")


@FAST
@given(st.text(max_size=20))
def test_env_line_is_one_line(value: str) -> None:
    try:
        line = env_line("env", "NAME", value)
    except ConfigError:
        assert any(ord(c) < 32 or ord(c) == 127 for c in value)
        return
    assert "\n" not in line and line.startswith("NAME=")


@pytest.mark.parametrize(("field", "overrides"), [
    ("service.user", {"service": {"user": "root\nExecStartPre=/bin/sh"}}),
    ("service.group", {"service": {"group": "a b"}}),
    ("service.python", {"service": {"python": "/usr/bin/py%n"}}),
    ("service.python", {"service": {"python": "/usr/bin/python\nUser=root"}}),
    ("paths", {"paths": {"state_dir": "/var/lib/x\rReadWritePaths=/"}}),
    ("paths", {"paths": {"log_dir": "/var/log/a b"}}),
    ("gateway.allowed_networks", {"gateway": {"allowed_networks": ["10.0.0.0/8\nIPAddressAllow=any"]}}),
])
def test_hostile_config_is_refused_naming_the_field(stage: Path, field: str, overrides: dict) -> None:
    config, paths = make_config(stage, **overrides)
    with pytest.raises(CitadelError) as err:
        render_units(config, paths)
        render_env_files(config, paths)
    assert field in err.value.message
    assert err.value.exit_code == 2


@FAST
@given(st.text(alphabet=st.sampled_from(list("0123456789*-: SunMo.\n%")), min_size=1, max_size=24))
def test_hostile_calendar_never_injects(stage: Path, calendar: str) -> None:
    config, paths = make_config(stage, maintenance={"daily": calendar})
    try:
        files = render_schedule(config, paths, ScheduleKind.timers)
    except ConfigError as exc:
        assert "maintenance.daily" in exc.message
        return
    timer = files[paths.systemd / "citadel-llm-maintenance-daily.timer"]
    assert timer.count("\n[") == 3 and timer.count("OnCalendar=") == 1 and "%" not in timer


def test_oncalendar_to_cron() -> None:
    assert on_calendar_to_cron("f", "*-*-* 03:15:00") == "15 3 * * *"
    assert on_calendar_to_cron("f", "Sun *-*-* 04:15:00") == "15 4 * * 0"
    assert on_calendar_to_cron("f", "Mon..Fri *-*-01 05:07") == "7 5 1 * 1-5"
    with pytest.raises(ConfigError, match="cron cannot express"):
        on_calendar_to_cron("f", "*-*-* 03:15:30")


SYSTEMD_ESCAPE = shutil.which("systemd-escape")


@pytest.mark.skipif(SYSTEMD_ESCAPE is None, reason="systemd-escape is not installed")
@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                        min_size=1, max_size=10), min_size=1, max_size=20))
def test_systemd_escape_matches_the_real_tool(values: list[str]) -> None:
    # One process per batch of values: systemd-escape prints them space-separated (spaces are escaped).
    real = subprocess.run([SYSTEMD_ESCAPE, "--", *values], capture_output=True, text=True, check=True).stdout.split()
    assert [systemd_escape(v) for v in values] == real
    assert [systemd_unescape(systemd_escape(v)) for v in values] == values


def test_instance_names_needing_escapes_are_refused(stage: Path) -> None:
    from citadel_cli.units import instance_name

    assert instance_name("models.phi-3-mini.key", "phi-3-mini") == "phi-3-mini"
    with pytest.raises(ConfigError, match=r"a\\x20b"):
        instance_name("models.x.key", "a b")
