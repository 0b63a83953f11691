"""The CLI frame through the real app: version, config commands, JSON purity, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from citadel_cli.config_loader import load_config


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("citadel-llm ")


def test_config_show_json_lists_reference_ports(cli):
    result = cli("config", "show", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {k: v["port"] for k, v in data["models"].items()} == {
        "mixtral-8x7b": 11400, "hermes-2": 11401, "openchat-3.5": 11402, "phi-3-mini": 11403}
    assert data["gateway"]["port"] == 8000


def test_global_json_flag_works_before_the_command(cli):
    result = cli("--json", "models", "list")
    assert result.exit_code == 0
    assert [m["key"] for m in json.loads(result.stdout)][0] == "mixtral-8x7b"


def test_config_show_table(cli):
    result = cli("config", "show")
    assert result.exit_code == 0
    assert "mixtral-8x7b" in result.stdout and "11400" in result.stdout and "0.0.0.0:8000" in result.stdout


def test_validate_refuses_duplicate_port_with_line_and_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gateway:\n  port: 8000\nmodels:\n  hermes-2:\n    port: 11400\n")
    result = cli("config", "validate", str(bad))
    assert result.exit_code == 2
    assert f"error: {bad}:5: models.hermes-2.port: port 11400 is used twice" in result.stderr
    assert "hint:" in result.stderr and result.stdout == ""


def test_validate_refuses_typo_with_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gateway:\n  prot: 8000\n")
    result = cli("config", "validate", str(bad))
    assert result.exit_code == 2 and f"{bad}:2: gateway.prot: unknown key" in result.stderr


def test_validate_accepts_good_file(cli, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("gateway:\n  port: 8080\n")
    result = cli("config", "validate", str(good), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["valid"] is True


def test_config_init_writes_a_loadable_commented_file_and_refuses_overwrite(cli, tmp_path):
    target = tmp_path / "out" / "config.yaml"
    first = cli("config", "init", "--output", str(target))
    assert first.exit_code == 0, first.stderr
    text = target.read_text()
    assert text.startswith("# citadel-llm configuration") and "# Models by key." in text
    assert load_config(target, environ={}).config == load_config(environ={}).config
    again = cli("config", "init", "--output", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert cli("config", "init", "--output", str(target), "--force").exit_code == 0


def test_config_init_local_profile_round_trips(cli, tmp_path, isolated_env):
    target = tmp_path / "local.yaml"
    assert cli("config", "init", "--profile", "local", "--output", str(target)).exit_code == 0
    config = load_config(target, environ={"HOME": str(isolated_env)}).config
    assert config.profile == "local" and config.gateway.auth is False
    assert yaml.safe_load(target.read_text())["service"]["backend"] == "supervisor"


def test_bad_global_config_exits_2(cli, tmp_path):
    result = cli("--config", str(tmp_path / "missing.yaml"), "config", "show")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_debug_shows_traceback(cli, tmp_path):
    result = cli("--debug", "--config", str(tmp_path / "missing.yaml"), "config", "show")
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_unknown_command_is_usage_error(cli):
    assert cli("frobnicate").exit_code == 2


def test_help_and_config_show_do_not_import_heavy_modules():
    heavy = ("fastapi", "httpx", "huggingface_hub", "torch", "vllm", "aiohttp", "uvicorn")
    code = (
        "import sys\n"
        "from citadel_cli.main import app\n"
        "for argv in (['--help'], ['config', 'show']):\n"
        "    try:\n"
        "        app(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_no_color_when_not_a_tty(cli):
    result = cli("config", "show")
    assert "\x1b[" not in result.stdout
