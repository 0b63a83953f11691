"""The hosts section, the gateway's backends from it, and each host's generated config."""

from __future__ import annotations

from pathlib import Path

import pytest

from citadel_cli.config_loader import load_config
from citadel_cli.errors import ConfigError
from citadel_cli.fleet.backends import backend_indexes, fleet_urls
from citadel_cli.fleet.hosts import host_configs, read_file_data
from gateway.settings import settings_from_config

FLEET = """\
models:
  mixtral-8x7b: null
  hermes-2: null
  openchat-3.5: null
  phi-3-mini: {engine: sim}
  alpha: {repo: acme/alpha, port: 12101, context_length: 2048, max_num_batched_tokens: 2048,
          max_num_seqs: 8, memory: 1G, cpus: 1, p95_ms: 500, rpm: 60, engine: sim}
gateway:
  default_model: alpha
  aliases: {small: phi-3-mini}
hosts:
  - name: one
    address: 10.213.7.1
    models: [alpha, phi-3-mini]
  - name: two
    address: 10.213.7.2
    models: [alpha]
    overrides:
      models: {alpha: {port: 12201}}
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    return load_config(path, environ={"HOME": str(tmp_path)}), path


def test_gateway_backends_come_from_the_hosts(tmp_path: Path) -> None:
    loaded, _ = _load(tmp_path, FLEET)
    settings = settings_from_config(loaded.config)
    assert [b.url for b in settings.models["alpha"]] == ["http://10.213.7.1:12101", "http://10.213.7.2:12201"]
    assert [b.url for b in settings.models["phi-3-mini"]] == ["http://10.213.7.1:11403"]
    assert backend_indexes(loaded.config, "two") == [{"model": "alpha", "index": 1}]


def test_without_hosts_the_gateway_keeps_its_local_backends(tmp_path: Path) -> None:
    loaded, _ = _load(tmp_path, "models: {phi-3-mini: {engine: sim}}\n")
    assert fleet_urls(loaded.config, "phi-3-mini", ["http://127.0.0.1:11403"]) == ["http://127.0.0.1:11403"]


@pytest.mark.parametrize(("change", "line", "words"), [
    (("name: two", "name: one"), 15, "host name 'one' is used twice"),
    (("models: [alpha]\n", "models: [alpha, nope]\n"), 17, "unknown model 'nope'"),
    (("address: 10.213.7.2", "address: 10.213.7.1"), 16, "declared by two hosts"),
    (("    overrides:\n", "    overrides:\n      hosts: []\n"), 18, "unknown section(s) hosts"),
])
def test_bad_hosts_are_refused_with_their_line(tmp_path: Path, change: tuple[str, str], line: int,
                                               words: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, FLEET.replace(*change))
    assert f"fleet.yaml:{line}:" in err.value.message and words in err.value.message


def test_each_host_gets_its_own_config(tmp_path: Path) -> None:
    loaded, path = _load(tmp_path, FLEET)
    one, two = host_configs(loaded.config, read_file_data(path))
    assert one.is_gateway and "hosts" in one.data  # its gateway computes every host's backends
    assert one.config.models["alpha"].host == "10.213.7.1"
    assert not two.is_gateway and "hosts" not in two.data
    assert set(two.config.models) == {"alpha"}  # reference models removed there
    assert two.config.models["alpha"].port == 12201 and two.config.models["alpha"].host == "10.213.7.2"
    assert two.config.gateway.aliases == {} and two.config.gateway.default_model == "alpha"
