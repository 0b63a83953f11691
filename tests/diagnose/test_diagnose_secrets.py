"""Canary secrets planted in the config file, env files, the keys database and the logs never
appear in diagnose's output (table, -v, --json) nor anywhere in the support bundle."""

from __future__ import annotations

import tarfile

import pytest
from diagnose_helpers import findings

from gateway.keys import KeyStore

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def planted(deployment):
    """Secrets written into the logs the way careless programs print them; returns every canary."""
    _record, api_key = KeyStore(deployment.root / "etc" / "keys.sqlite3").create("ops")
    canaries = {**deployment.canaries, "api_key": api_key, "api_key_secret": api_key.rsplit("_", 1)[1]}
    lines = [
        f"INFO request with header Authorization: Bearer {canaries['bearer']}",
        f"DEBUG env HF_TOKEN={canaries['hf']} loaded",
        f"WARNING client sent key {api_key}",
        f"INFO fetching https://bob:{canaries['url_password']}@mirror.example/x",
        f"ERROR connect failed password={canaries['env_password']}",
        f"INFO value {canaries['plain_secret']} seen without its name",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        f"ValueError: bad token {canaries['hf']}",
    ]
    for name in ("alpha", "gamma", "gateway"):
        with open(deployment.log_file(name), "a") as log:
            log.write("\n".join(lines) + "\n")
    return canaries


def assert_clean(text: str, canaries: dict[str, str], where: str) -> None:
    leaked = [name for name, value in canaries.items() if value in text]
    assert not leaked, f"{leaked} leaked into {where}"


def test_outputs_carry_no_secret(deployment, planted):
    for args in (("diagnose",), ("-v", "diagnose"), ("diagnose", "--json")):
        result = deployment.cli(*args)
        assert_clean(result.stdout + result.stderr, planted, " ".join(args))
    code, report = deployment.diagnose()
    (exc,) = findings(report, "log.exception", "alpha")
    # The evidence survives, the secret does not.
    assert exc["evidence"][0].startswith("log: ValueError: bad token ") and exc["evidence"][0].endswith("***")


def test_bundle_carries_no_secret(deployment, planted, tmp_path):
    target = tmp_path / "support.tar.gz"
    result = deployment.cli("diagnose", "--bundle", target)
    assert result.exit_code in (0, 1), result.stderr
    assert f"support bundle written: {target}" in " ".join(result.stdout.split())
    assert target.stat().st_mode & 0o077 == 0  # owner only
    with tarfile.open(target) as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode() for m in tar.getmembers()}
    expected = {"diagnose.json", "config/effective.yaml", "config/citadel.yaml", "status.json", "env/gamma.env",
                "logs/alpha.log", "logs/gateway.log", "units/citadel-llm-gateway.service", "units/citadel-llm.target"}
    assert expected <= set(members), sorted(members)
    for name, text in members.items():
        assert_clean(text, planted, f"bundle:{name}")
    assert "HF_TOKEN=***" in members["env/gamma.env"] and "OMP_NUM_THREADS=1" in members["env/gamma.env"]
    assert "Bearer ***" in members["logs/alpha.log"] and "--api-key=***" in members["config/effective.yaml"]
    assert "max_num_batched_tokens: 512" in members["config/effective.yaml"]  # figures are not secrets
    assert not list(tmp_path.glob(".support.tar.gz.*"))  # atomic write left no temp file
