"""`fleet export ansible|kubernetes`: the bundle Ansible runs, and Helm values the chart accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fleet.test_fleet_config import FLEET

SCHEMA = Path(__file__).parent / "data" / "vllm-stack-values.schema.json"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET)
    return path


def _undeclared(value: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Keys the chart's schema does not declare (it allows extra keys, which would hide a typo)."""
    if isinstance(value, dict) and "properties" in schema:
        out = [f"{where}.{k}" for k in value if k not in schema["properties"]]
        return out + [p for k, v in value.items() if k in schema["properties"]
                      for p in _undeclared(v, schema["properties"][k], f"{where}.{k}")]
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [p for i, v in enumerate(value) for p in _undeclared(v, schema["items"], f"{where}[{i}]")]
    return []


def test_kubernetes_values_match_the_charts_schema(cli, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "k8s"
    result = cli("--config", _config(tmp_path), "fleet", "export", "kubernetes", out, "--json")
    assert result.exit_code == 0, result.stderr
    values = yaml.safe_load((out / "values.yaml").read_text())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(values)
    assert _undeclared(values, schema) == []
    specs = {s["name"]: s for s in values["servingEngineSpec"]["modelSpec"]}
    assert specs["alpha"]["replicaCount"] == 2 and specs["phi-3-mini"]["replicaCount"] == 1
    assert specs["alpha"]["requestMemory"] == "1Gi" and specs["alpha"]["vllmConfig"]["maxModelLen"] == 2048
    assert values["routerSpec"]["servicePort"] == 8000
    assert any("simulator" in n for n in json.loads(result.stdout)["notes"])


def test_ansible_bundle_passes_ansible_syntax_check(cli, tmp_path: Path) -> None:
    playbook = Path(sys.executable).parent / "ansible-playbook"
    if not playbook.is_file():
        pytest.skip("ansible-playbook is not installed in this venv (pip install -e '.[ansible]')")
    out = tmp_path / "bundle"
    result = cli("--config", _config(tmp_path), "fleet", "export", "ansible", out, "--json")
    assert result.exit_code == 0, result.stderr
    inventory = yaml.safe_load((out / "inventory.yml").read_text())["all"]["children"]["citadel"]
    assert inventory["vars"]["citadel_gateway_host"] == "one"
    assert inventory["hosts"]["two"]["citadel_backends"] == [{"model": "alpha", "index": 1}]
    assert yaml.safe_load((out / "configs" / "two.yaml").read_text())["models"]["alpha"]["port"] == 12201
    for book in ("deploy.yml", "run.yml"):
        check = subprocess.run([str(playbook), "-i", str(out / "inventory.yml"), str(out / book), "--syntax-check"],
                               capture_output=True, text=True, cwd=out, timeout=120, check=False)
        assert check.returncode == 0, check.stdout + check.stderr


def test_plan_lists_replicas_and_single_points(cli, tmp_path: Path) -> None:
    result = cli("--config", _config(tmp_path), "fleet", "plan", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["gateway_url"] == "http://10.213.7.1:8000"
    assert {m["model"]: m["hosts"] for m in plan["models"]} == {"alpha": ["one", "two"], "phi-3-mini": ["one"]}
    assert any("phi-3-mini has one replica" in w for w in plan["warnings"])
