"""models pull through a local Hub stand-in and the real huggingface_hub code path (CLI in a subprocess)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.clirun import hub_env, run_cli, write_config
from support.hubstub import HubStub, free_port

from citadel_cli.models.lockfile import read_lockfile
from citadel_cli.models.tiny import make_tiny
from citadel_cli.models.verify import verify_model_dir

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

REPO = "citadel/tiny-llama"
TOKEN = "hf_TestSecretToken1234567890"
BIG = "model-extra.safetensors"
MIB = 1 << 20


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory) -> dict[str, bytes]:
    folder = make_tiny(tmp_path_factory.mktemp("tiny"))
    return {name: (Path(folder.path) / name).read_bytes() for name in folder.files}


@pytest.fixture
def hub():
    with HubStub() as stub:
        yield stub


class Env:
    """One deployment under tmp_path whose model `tiny` pulls `repo` from the stand-in."""

    def __init__(self, tmp_path: Path, endpoint: str, repo: str = REPO) -> None:
        self.config = write_config(tmp_path / "config.yaml", repo=repo)
        self.root = tmp_path / "root"
        self.models = self.root / "opt" / "citadel" / "models"
        self.env = hub_env(endpoint, tmp_path / "hf-home", token=TOKEN)

    def __call__(self, *args: str, free_bytes: int | None = None):
        result = run_cli("--config", str(self.config), "--root", str(self.root), *args, env=self.env,
                         free_bytes=free_bytes)
        assert TOKEN not in result.stdout + result.stderr
        return result

    @property
    def folder(self) -> Path:
        return self.models / "tiny"

    def leftovers(self) -> list[str]:
        return sorted(str(p.relative_to(self.models)) for p in self.models.rglob("*")) if self.models.exists() else []


def _big() -> bytes:
    return os.urandom(24 * MIB)


def test_pull_verifies_locks_skips_pickle_and_is_idempotent(hub, tiny_files, tmp_path):
    repo = hub.add_repo(REPO, {**tiny_files, "pytorch_model.bin": b"pickle!" * 100}, token=TOKEN)
    env = Env(tmp_path, hub.url)
    result = env("models", "pull", "tiny", "--json")
    assert result.returncode == 0, result.stderr
    (pulled,) = json.loads(result.stdout)
    assert pulled["commit"] == repo.commit and pulled["action"] == "downloaded" and pulled["skipped_pickle"] == 700
    assert not hub.gets("pytorch_model.bin") and all(e.authorized for e in hub.log if "/resolve/" in e.path)
    for name, data in tiny_files.items():
        assert (env.folder / name).read_bytes() == data
    lock = read_lockfile(env.folder)
    assert lock.commit == repo.commit and lock.repo == REPO and lock.source == "hub"
    assert {f.path: f.sha256 for f in lock.files}["model.safetensors"] == repo.etag("model.safetensors")
    assert env.leftovers() == sorted(["tiny", "tiny/citadel.lock.json", *(f"tiny/{n}" for n in tiny_files)])
    before = len(hub.log)
    again = env("models", "pull", "tiny", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)[0]["action"] == "up to date"
    assert not [e for e in hub.log[before:] if "/resolve/" in e.path]
    listed = {m["key"]: m for m in json.loads(env("models", "list", "--json").stdout)}
    assert listed["tiny"]["state"] == "verified" and listed["tiny"]["commit"] == repo.commit


def test_flipped_byte_is_named_by_deep_verify(hub, tiny_files, tmp_path):
    hub.add_repo(REPO, tiny_files)
    env = Env(tmp_path, hub.url)
    assert env("models", "pull", "tiny").returncode == 0
    weights = env.folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    assert env("models", "verify", "tiny").returncode == 0  # same size: the quick check cannot see it
    deep = env("models", "verify", "tiny", "--deep")
    assert deep.returncode == 1 and "corrupt: model.safetensors" in deep.stdout
    # a plain pull trusts sizes (no re-hashing of big files); --deep re-hashes and replaces exactly the bad file
    assert json.loads(env("models", "pull", "tiny", "--json").stdout)[0]["action"] == "up to date"
    before = len(hub.log)
    assert env("models", "pull", "tiny", "--deep").returncode == 0
    assert [e.path.rsplit("/", 1)[-1] for e in hub.log[before:] if e.method == "GET" and "/resolve/" in e.path] \
        == ["model.safetensors"]
    assert verify_model_dir(env.folder, deep=True).ok


def test_connection_cut_mid_file_resumes_on_the_next_run(hub, tiny_files, tmp_path):
    big = _big()
    hub.add_repo(REPO, {**tiny_files, BIG: big})
    hub.cut(REPO, BIG, after=5 * MIB, times=3)  # the first attempt and both in-call retries are cut
    env = Env(tmp_path, hub.url)
    failed = env("models", "pull", "tiny")
    assert failed.returncode == 1
    assert f"download of {BIG} stopped at" in failed.stderr and "run the same command again" in failed.stderr
    assert not env.folder.exists()  # nothing half-written where the engine looks
    partials = list(env.models.rglob(f"{BIG}.partial"))
    assert len(partials) == 1
    have = partials[0].stat().st_size
    assert 10 * MIB <= have < len(big)
    assert [e.range for e in hub.gets(BIG)][1:] == [f"bytes={5 * MIB}-", f"bytes={10 * MIB}-"]
    before = len(hub.log)
    resumed = env("models", "pull", "tiny", "--json")
    assert resumed.returncode == 0, resumed.stderr
    (get,) = [e for e in hub.log[before:] if e.method == "GET" and e.path.endswith(BIG)]
    assert get.range == f"bytes={have}-" and get.sent == len(big) - have
    sent = sum(e.sent for e in hub.log[before:] if e.method == "GET")
    assert json.loads(resumed.stdout)[0]["downloaded"] == sent < len(big)
    assert (env.folder / BIG).read_bytes() == big
    assert verify_model_dir(env.folder, deep=True).ok and not (env.models / ".staging").exists()


def test_single_cut_is_resumed_within_the_same_run(hub, tiny_files, tmp_path):
    big = _big()
    hub.add_repo(REPO, {**tiny_files, BIG: big})
    hub.cut(REPO, BIG, after=12 * MIB)
    env = Env(tmp_path, hub.url)
    result = env("models", "pull", "tiny")
    assert result.returncode == 0, result.stderr
    assert [e.range for e in hub.gets(BIG)] == [None, f"bytes={12 * MIB}-"]
    assert (env.folder / BIG).read_bytes() == big


@pytest.mark.parametrize(("setup", "args", "message"), [
    ({"token": "hf_other"}, [], "not found, or private and your token cannot see it"),
    ({"token": "hf_other", "gated": True}, [], "is gated"),
    (None, [], "repository citadel/tiny-llama not found"),
    ({}, ["--revision", "v9"], "revision 'v9' not found in citadel/tiny-llama"),
])
def test_hub_refusals_are_one_clear_line(hub, tiny_files, tmp_path, setup, args, message):
    if setup is not None:
        hub.add_repo(REPO, tiny_files, **setup)
    env = Env(tmp_path, hub.url)
    result = env("models", "pull", "tiny", *args)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: ")
    assert env.leftovers() == []


def test_server_down_is_clear_and_leaves_nothing(tmp_path):
    env = Env(tmp_path, f"http://127.0.0.1:{free_port()}")
    result = env("models", "pull", "tiny")
    assert result.returncode == 1 and "cannot reach the Hub at http://127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr and env.leftovers() == []


def test_server_failing_mid_pull_keeps_the_old_model_intact(hub, tiny_files, tmp_path):
    hub.add_repo(REPO, tiny_files)
    env = Env(tmp_path, hub.url)
    assert env("models", "pull", "tiny").returncode == 0
    old_commit = read_lockfile(env.folder).commit
    hub.add_repo(REPO, {**tiny_files, BIG: _big()})  # a new commit upstream
    hub.down.add((REPO, BIG))
    result = env("models", "pull", "tiny")
    assert result.returncode == 1 and "HTTP 503" in result.stderr
    assert read_lockfile(env.folder).commit == old_commit and not (env.folder / BIG).exists()
    assert verify_model_dir(env.folder, deep=True).ok


def test_pull_larger_than_free_disk_is_refused_before_any_byte(hub, tiny_files, tmp_path):
    hub.add_repo(REPO, {**tiny_files, BIG: _big()})
    env = Env(tmp_path, hub.url)
    result = env("models", "pull", "tiny", free_bytes=100 * MIB)
    assert result.returncode == 1 and "not enough disk for pulling tiny" in result.stderr
    assert "100M free" in result.stderr
    assert not [e for e in hub.log if "/resolve/" in e.path] and env.leftovers() == []


def test_pickle_only_repo_needs_allow_pickle(hub, tiny_files, tmp_path):
    files = {k: v for k, v in tiny_files.items() if k != "model.safetensors"}
    hub.add_repo(REPO, {**files, "pytorch_model.bin": b"\x80\x04pickle"})
    env = Env(tmp_path, hub.url)
    refused = env("models", "pull", "tiny")
    assert refused.returncode == 1 and "only has pickle weights (pytorch_model.bin)" in refused.stderr
    assert "--allow-pickle" in refused.stderr and env.leftovers() == []
    assert env("models", "pull", "tiny", "--allow-pickle").returncode == 0
    assert (env.folder / "pytorch_model.bin").is_file()


def test_dry_run_lists_files_and_writes_nothing(hub, tiny_files, tmp_path):
    hub.add_repo(REPO, tiny_files)
    env = Env(tmp_path, hub.url)
    result = env("models", "pull", "tiny", "--dry-run", "--json")
    assert result.returncode == 0
    plan = json.loads(result.stdout)[0]
    assert {f["path"] for f in plan["files"]} == set(tiny_files) and plan["to_download"] == plan["total_size"]
    assert env.leftovers() == [] and not [e for e in hub.log if "/resolve/" in e.path]


def test_offline_uses_only_the_disk(hub, tiny_files, tmp_path):
    hub.add_repo(REPO, tiny_files)
    env = Env(tmp_path, hub.url)
    missing = env("models", "pull", "tiny", "--offline")
    assert missing.returncode == 1 and "not on disk and --offline" in missing.stderr
    assert env("models", "pull", "tiny").returncode == 0
    before = len(hub.log)
    offline = env("models", "pull", "tiny", "--offline", "--json")
    assert offline.returncode == 0 and json.loads(offline.stdout)[0]["action"] == "on disk"
    assert len(hub.log) == before


def test_a_second_pull_of_the_same_model_is_refused_while_one_runs(hub, tiny_files, tmp_path):
    import fcntl

    hub.add_repo(REPO, tiny_files)
    env = Env(tmp_path, hub.url)
    lock_dir = env.root / "var" / "lib" / "citadel-llm" / "locks"
    lock_dir.mkdir(parents=True)
    with open(lock_dir / "models-tiny.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = env("models", "pull", "tiny")
    assert result.returncode == 1 and "another pull or import of tiny is running" in result.stderr
    assert not env.folder.exists()
