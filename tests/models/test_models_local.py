"""models make-tiny / import / list / verify / rm through the real app (no network)."""

from __future__ import annotations

import json

import pytest

from citadel_cli.models.lockfile import read_lockfile
from citadel_cli.models.tiny import make_tiny
from citadel_cli.models.verify import verify_model_dir

pytestmark = pytest.mark.timeout(60)


def test_make_tiny_is_small_deterministic_and_locked(cli, tmp_path):
    result = cli("models", "make-tiny", str(tmp_path / "a"), "--json")
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert set(info["files"]) >= {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                                  "generation_config.json"}
    assert info["size"] < 8 << 20
    make_tiny(tmp_path / "b")
    for name in info["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert verify_model_dir(tmp_path / "a", deep=True).ok
    assert cli("models", "verify", str(tmp_path / "a"), "--deep").exit_code == 0


def test_tiny_model_shape_suits_vllm_cpu(tmp_path):
    make_tiny(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["hidden_size"] // config["num_attention_heads"] >= 32
    assert config["architectures"] == ["LlamaForCausalLM"]
    tokenizer_config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert "add_generation_prompt" in tokenizer_config["chat_template"]
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    weights = load_file(str(tmp_path / "model.safetensors"))
    tokenizer = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert weights["model.embed_tokens.weight"].shape == (config["vocab_size"], config["hidden_size"])
    assert tokenizer.get_vocab_size() == config["vocab_size"]
    assert tokenizer.decode(tokenizer.encode("Hello, gateway!").ids, skip_special_tokens=True) == "Hello, gateway!"


def test_tiny_model_loads_in_transformers(tmp_path):
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    make_tiny(tmp_path)
    model = transformers.AutoModelForCausalLM.from_pretrained(tmp_path)
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                           return_tensors="pt")
    ids = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > ids.shape[1]


def test_import_copy_then_list_verify_and_rm(cli, deployment, tmp_path, models_dir):
    make_tiny(tmp_path / "src")
    result = cli(*deployment, "models", "import", "tiny", str(tmp_path / "src"), "--json")
    assert result.exit_code == 0, result.stderr
    target = models_dir / "tiny"
    assert json.loads(result.stdout)["path"] == str(target)
    assert read_lockfile(target).source == "import"
    assert not (models_dir / ".staging").exists()
    listed = {m["key"]: m for m in json.loads(cli(*deployment, "models", "list", "--json").stdout)}
    assert listed["tiny"]["state"] == "verified" and listed["tiny"]["on_disk"] > 0
    assert listed["mixtral-8x7b"]["state"] == "absent"
    assert cli(*deployment, "models", "verify", "tiny", "--deep").exit_code == 0
    assert cli(*deployment, "models", "rm", "tiny").exit_code == 2  # not confirmed
    assert cli(*deployment, "models", "rm", "tiny", "--yes").exit_code == 0
    assert not target.exists() and (tmp_path / "src" / "model.safetensors").exists()


def test_import_link_keeps_source_and_verifies(cli, deployment, tmp_path, models_dir):
    make_tiny(tmp_path / "src")
    assert cli(*deployment, "models", "import", "tiny", str(tmp_path / "src"), "--link").exit_code == 0
    assert (models_dir / "tiny" / "model.safetensors").is_symlink()
    assert cli(*deployment, "models", "verify", "tiny", "--deep").exit_code == 0
    assert cli(*deployment, "models", "rm", "tiny", "--yes").exit_code == 0
    assert (tmp_path / "src" / "model.safetensors").is_file()


def test_verify_names_missing_wrong_size_and_corrupt_files(cli, deployment, tmp_path, models_dir):
    make_tiny(tmp_path / "src")
    assert cli(*deployment, "models", "import", "tiny", str(tmp_path / "src")).exit_code == 0
    folder = models_dir / "tiny"
    (folder / "generation_config.json").unlink()
    with open(folder / "tokenizer.json", "ab") as handle:
        handle.write(b" ")
    _flip_byte(folder / "model.safetensors")
    quick = cli(*deployment, "models", "verify", "tiny")
    assert quick.exit_code == 1
    assert "missing: generation_config.json" in quick.stdout and "wrong size: tokenizer.json" in quick.stdout
    assert "model.safetensors" not in quick.stdout  # same size: only a deep check sees it
    deep = cli(*deployment, "models", "verify", "tiny", "--deep", "--json")
    assert deep.exit_code == 1 and "failed verification: tiny" in deep.stderr
    report = json.loads(deep.stdout)[0]["result"]
    assert report["corrupt"] == ["model.safetensors"] and report["missing"] == ["generation_config.json"]


def test_verify_of_a_model_never_pulled_fails_clearly(cli, deployment):
    result = cli(*deployment, "models", "verify", "hermes-2")
    assert result.exit_code == 1 and "no lockfile" in result.stdout
    assert "citadel-llm models pull hermes-2" in result.stderr


def test_import_refuses_a_folder_without_config(cli, deployment, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli(*deployment, "models", "import", "tiny", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no config.json" in result.stderr


def _flip_byte(path, offset: int = -100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_disk_check_counts_the_margin(monkeypatch, tmp_path):
    from citadel_cli.errors import HostError
    from citadel_cli.models import disk

    monkeypatch.setattr(disk, "free_bytes", lambda path: disk.SAFETY_MARGIN + 10)
    disk.ensure_free(tmp_path / "not" / "yet", 10, what="x")
    with pytest.raises(HostError, match="not enough disk for x"):
        disk.ensure_free(tmp_path, 11, what="x")
    assert disk.existing_ancestor(tmp_path / "a" / "b") == tmp_path
