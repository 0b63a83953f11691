"""The launch built from each reference ModelSpec: exact flags, CPU/GPU settings, and the CLI view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from citadel_cli.config import CitadelConfig, Device, EngineKind, ModelSpec
from citadel_cli.engine import build_launch, core_list, gpu_visible, kv_cache_bytes
from citadel_cli.paths import Paths

CONFIG = CitadelConfig()
PATHS = Paths(CONFIG.paths)
# key: (port, context, batched tokens, seqs, KV GiB on CPU without weights on disk, cores on a 32-core host)
REFERENCE = {
    "mixtral-8x7b": (11400, 32768, 8192, 256, 22, "0-7"),
    "hermes-2": (11401, 8192, 4096, 128, 3, "8-11"),
    "openchat-3.5": (11402, 8192, 2048, 64, 2, "12-15"),
    "phi-3-mini": (11403, 4096, 1024, 32, 1, "16-17"),
}


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize("key", REFERENCE)
def test_cpu_launch_of_reference_models(key: str):
    port, context, batched, seqs, kv_gib, cores = REFERENCE[key]
    launch = build_launch(CONFIG.models[key], CONFIG, PATHS, gpu=False, host_cpus=32)
    argv = launch.argv
    assert argv[:3] == [sys.executable, "-m", "citadel_cli.vllm_launch"]
    assert flag(argv, "--model") == f"/opt/citadel/models/{key}"
    assert flag(argv, "--served-model-name") == key
    assert flag(argv, "--host") == "127.0.0.1"
    assert flag(argv, "--port") == str(port)
    assert flag(argv, "--max-model-len") == str(context)
    assert flag(argv, "--max-num-batched-tokens") == str(batched)
    assert flag(argv, "--max-num-seqs") == str(seqs)
    assert flag(argv, "--dtype") == "auto"
    assert "--enable-chunked-prefill" in argv and "--enforce-eager" in argv
    assert "--tensor-parallel-size" not in argv
    assert launch.device is Device.cpu
    assert launch.env["VLLM_CPU_KVCACHE_SPACE"] == str(kv_gib)
    assert launch.env["VLLM_CPU_OMP_THREADS_BIND"] == cores
    assert launch.env["CUDA_VISIBLE_DEVICES"] == ""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "VLLM_NO_USAGE_STATS", "DO_NOT_TRACK"):
        assert launch.env[name] == "1"
    assert launch.env["VLLM_CACHE_ROOT"] == "/var/lib/citadel-llm/cache/vllm"


@pytest.mark.parametrize("key", REFERENCE)
def test_gpu_launch_of_reference_models(key: str):
    launch = build_launch(CONFIG.models[key], CONFIG, PATHS, gpu=True)
    assert launch.device is Device.gpu
    assert flag(launch.argv, "--tensor-parallel-size") == "1"
    assert flag(launch.argv, "--gpu-memory-utilization") == "0.9"
    assert "--enforce-eager" not in launch.argv
    assert not any(name.startswith("VLLM_CPU_") for name in launch.env) and "CUDA_VISIBLE_DEVICES" not in launch.env


def spec(**changes) -> ModelSpec:
    return CONFIG.models["phi-3-mini"].model_copy(update=changes)


def test_kv_cache_from_budget_and_weights():
    gib = 1 << 30
    assert kv_cache_bytes(spec(memory=16 * gib), weights=None) == 4 * gib
    assert kv_cache_bytes(spec(memory=16 * gib), weights=int(7.5 * gib)) == 6 * gib  # 16 - 7.5 - 2, floored
    assert kv_cache_bytes(spec(memory=4 * gib), weights=8 * gib) == gib  # never below 1 GiB
    assert kv_cache_bytes(spec(kv_cache=64 << 20), weights=None) == 64 << 20


def test_weights_on_disk_shrink_the_kv_cache(tmp_path: Path):
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 1024)
    launch = build_launch(spec(weights_dir=tmp_path, memory=8 << 30), CONFIG, PATHS, gpu=False, host_cpus=4)
    assert flag(launch.argv, "--model") == str(tmp_path)
    assert launch.env["VLLM_CPU_KVCACHE_SPACE"] == "5"  # 8 GiB - 1 KiB - 2 GiB, whole GiB


def test_sub_gib_kv_cache_uses_the_flag_and_blanks_the_variable():
    launch = build_launch(spec(kv_cache=64 << 20), CONFIG, PATHS, gpu=False, host_cpus=2)
    assert flag(launch.argv, "--kv-cache-memory-bytes") == str(64 << 20)
    assert "VLLM_CPU_KVCACHE_SPACE" not in launch.env and launch.unset == ["VLLM_CPU_KVCACHE_SPACE"]


def test_cores_wrap_on_a_small_host():
    assert core_list(CONFIG, CONFIG.models["mixtral-8x7b"], host_cpus=2) == "0-1"
    assert core_list(CONFIG, CONFIG.models["phi-3-mini"], host_cpus=2) == "0-1"
    assert core_list(CONFIG, CONFIG.models["hermes-2"], host_cpus=10) == "0-1,8-9"


def test_extra_args_and_explicit_device():
    launch = build_launch(spec(extra_args=("--seed", "7"), device=Device.gpu, tensor_parallel_size=2),
                          CONFIG, PATHS, gpu=False)
    assert launch.argv[-2:] == ["--seed", "7"]
    assert flag(launch.argv, "--tensor-parallel-size") == "2"


def test_gpu_detection_is_a_device_node_look(tmp_path: Path):
    assert not gpu_visible({}, dev=tmp_path)
    (tmp_path / "nvidia0").touch()
    assert gpu_visible({}, dev=tmp_path)
    assert not gpu_visible({"CUDA_VISIBLE_DEVICES": ""}, dev=tmp_path)


def test_sim_launch():
    launch = build_launch(spec(engine=EngineKind.sim), CONFIG, PATHS)
    assert launch.argv[:3] == [sys.executable, "-m", "citadel_cli.sim"]
    assert flag(launch.argv, "--model") == "phi-3-mini" and flag(launch.argv, "--port") == "11403"
    assert flag(launch.argv, "--ttft-ms") == "50.0" and flag(launch.argv, "--max-num-seqs") == "32"


def test_cli_argv_prints_the_spec_settings(cli):
    result = cli("engine", "argv", "mixtral-8x7b")
    assert result.exit_code == 0, result.output
    for text in ("--served-model-name", "mixtral-8x7b", "11400", "32768", "8192", "256", "VLLM_CPU_KVCACHE_SPACE",
                 "HF_HUB_OFFLINE", "citadel_cli.vllm_launch"):
        assert text in result.stdout


def test_cli_argv_json(cli):
    result = cli("engine", "argv", "hermes-2", "--json")
    data = json.loads(result.stdout)
    assert data["key"] == "hermes-2" and "--max-num-seqs" in data["argv"] and data["env"]["HF_HUB_OFFLINE"] == "1"


def test_cli_unknown_model(cli):
    result = cli("engine", "argv", "nope")
    assert result.exit_code == 1 and "no model 'nope'" in result.stderr


def test_engine_run_without_weights_says_what_to_do(cli, tmp_path: Path):
    result = cli("--root", str(tmp_path), "engine", "run", "phi-3-mini")
    assert result.exit_code == 1
    assert "no model weights" in result.stderr and "models pull phi-3-mini" in result.stderr


def test_wait_ready_fails_at_the_deadline(cli, tmp_path: Path):
    from citadel_cli.sim.testing import free_port

    config = tmp_path / "c.yaml"
    config.write_text(f"models:\n  phi-3-mini:\n    port: {free_port()}\n")
    result = cli("--config", str(config), "wait-ready", "phi-3-mini", "--timeout", "0.5")
    assert result.exit_code == 1 and "not ready" in result.stdout
