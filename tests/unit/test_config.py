"""The config model: reference defaults, YAML and environment overrides, and every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citadel_cli.config_loader import load_config
from citadel_cli.errors import ConfigError
from citadel_cli.sizes import format_size, parse_size

REFERENCE = {"mixtral-8x7b": 11400, "hermes-2": 11401, "openchat-3.5": 11402, "phi-3-mini": 11403}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_defaults_equal_the_reference_table():
    config = load_config(environ={}).config
    assert {k: m.port for k, m in config.models.items()} == REFERENCE
    mixtral = config.models["mixtral-8x7b"]
    assert (mixtral.context_length, mixtral.max_num_batched_tokens, mixtral.max_num_seqs) == (32768, 8192, 256)
    assert (mixtral.memory, mixtral.cpus, mixtral.p95_ms, mixtral.rpm) == (90 << 30, 8, 3000, 50)
    phi = config.models["phi-3-mini"]
    assert (phi.context_length, phi.max_num_batched_tokens, phi.max_num_seqs, phi.memory) == (4096, 1024, 32, 4 << 30)
    gw = config.gateway
    assert (gw.port, gw.memory, gw.cpus, gw.default_model) == (8000, 2 << 30, 4, "mixtral-8x7b")
    assert (gw.health_interval_s, gw.breaker.failures, gw.breaker.open_s) == (30, 5, 60)
    assert (gw.request_timeout_s, gw.connect_timeout_s, gw.retries, gw.max_concurrent) == (30, 10, 3, 100)


@pytest.mark.parametrize("text,expected", [("90G", 90 << 30), ("512M", 512 << 20), ("4096", 4096),
                                           ("1.5GiB", 3 << 29), ("2gb", 2 << 30), (17, 17)])
def test_sizes_parse(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["lots", "-1G", "12Q", True, -5])
def test_sizes_refuse_nonsense(bad):
    with pytest.raises(ValueError):
        parse_size(bad)


def test_size_format_round_trips():
    assert format_size(90 << 30) == "90G" and format_size(512 << 20) == "512M"


def test_yaml_merges_into_reference_models(tmp_path):
    path = write(tmp_path, "models:\n  hermes-2:\n    memory: 16G\n    enabled: false\n  phi-3-mini: null\n")
    config = load_config(path, environ={}).config
    assert config.models["hermes-2"].memory == 16 << 30 and not config.models["hermes-2"].enabled
    assert config.models["hermes-2"].port == 11401
    assert "phi-3-mini" not in config.models


def test_env_overrides_reach_nested_fields_and_model_keys(tmp_path):
    env = {"CITADEL_GATEWAY__PORT": "9000", "CITADEL_MODELS__HERMES_2__MAX_NUM_SEQS": "7",
           "CITADEL_GATEWAY__BREAKER__FAILURES": "2"}
    config = load_config(environ=env).config
    assert config.gateway.port == 9000 and config.gateway.breaker.failures == 2
    assert config.models["hermes-2"].max_num_seqs == 7


def test_env_overrides_win_over_yaml(tmp_path):
    path = write(tmp_path, "gateway:\n  port: 9100\n")
    assert load_config(path, environ={"CITADEL_GATEWAY__PORT": "9200"}).config.gateway.port == 9200


def test_config_env_variable_names_the_file(tmp_path):
    path = write(tmp_path, "gateway:\n  port: 9100\n")
    loaded = load_config(environ={"CITADEL_CONFIG": str(path)})
    assert loaded.source == path and loaded.config.gateway.port == 9100


def test_system_config_under_root_is_found(tmp_path):
    etc = tmp_path / "etc/citadel-llm"
    etc.mkdir(parents=True)
    (etc / "config.yaml").write_text("gateway:\n  port: 9300\n")
    assert load_config(root=tmp_path, environ={}).config.gateway.port == 9300


def test_local_profile_stays_in_the_user_state_dir(tmp_path):
    config = load_config(profile="local", environ={"HOME": str(tmp_path)}).config
    assert str(config.paths.opt_dir).startswith(str(tmp_path / ".local/state/citadel-llm"))
    assert config.gateway.host == "127.0.0.1" and config.gateway.auth is False
    assert config.service.backend == "supervisor"


@pytest.mark.parametrize(
    "text,line,field,words",
    [
        ("models:\n  hermes-2:\n    port: 11400\n", 3, "models.hermes-2.port", "used twice"),
        ("gateway:\n  host: 0.0.0.0\n  prot: 8000\n", 3, "gateway.prot", "unknown key"),
        ("models:\n  hermes-2:\n    memroy: 4G\n", 3, "models.hermes-2.memroy", "unknown key"),
        ("models:\n  Bad_Name:\n    repo: a/b\n", 2, "models.Bad_Name.key", "not a valid model key"),
        ("models:\n  phi-3-mini:\n    memory: lots\n", 3, "models.phi-3-mini.memory", "not a size"),
        ("models:\n  phi-3-mini:\n    port: 70000\n", 3, "models.phi-3-mini.port", "less than or equal"),
        ("models:\n  phi-3-mini:\n    max_num_seqs: 0\n", 3, "models.phi-3-mini.max_num_seqs", "greater than"),
        ("gateway:\n  default_model: gpt-9\n", 2, "gateway.default_model", "not a configured model"),
        ("gateway:\n  aliases:\n    gpt-4: nothing\n", 3, "gateway.aliases.gpt-4", "unknown model"),
        ("models:\n  new-one:\n    repo: a/b\n    port: 9001\n", 2, "models.new-one", "missing"),
        ("toplevel_typo: 1\n", 1, "toplevel_typo", "unknown key"),
        ("gateway:\n  retries: -1\n", 2, "gateway.retries", "greater than or equal"),
        ("profile: staging\n", None, "", "unknown profile"),
    ],
)
def test_invalid_values_name_file_line_and_field(tmp_path, text, line, field, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = info.value.message
    if line:
        assert message.startswith(f"{path}:{line}: {field}"), message
    assert words in message
    assert info.value.exit_code == 2


def test_invalid_yaml_syntax_names_the_line(tmp_path):
    path = write(tmp_path, "gateway:\n  port: [8000\nmodels: {}\n")
    with pytest.raises(ConfigError, match=rf"{path}:\d+: invalid YAML"):
        load_config(path, environ={})


def test_env_error_names_the_variable():
    with pytest.raises(ConfigError, match="environment variable CITADEL_GATEWAY__PORT: gateway.port"):
        load_config(environ={"CITADEL_GATEWAY__PORT": "11400"})


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_json_dump_round_trips():
    config = load_config(environ={}).config
    data = json.loads(config.model_dump_json())
    assert data["models"]["mixtral-8x7b"]["memory"] == 90 << 30


def test_other_citadel_variables_are_not_config(tmp_path):
    env = {"CITADEL_API_KEY": "k", "CITADEL_ENGINE_VENV": "/var/tmp/x", "CITADEL_TEST_VENV": ".venv"}
    assert load_config(environ=env).config == load_config(environ={}).config


def test_a_typo_below_a_section_is_still_refused():
    with pytest.raises(ConfigError, match="CITADEL_GATEWAY__PROT: gateway.prot: unknown key"):
        load_config(environ={"CITADEL_GATEWAY__PROT": "1"})
