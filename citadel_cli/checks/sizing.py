"""How much memory one model's engine will take: weights + KV cache + runtime.

Weights come from the files on disk when the model is downloaded, else from the catalog (so a
fit is known before download). The KV cache is what the engine will reserve: on CPU the
VLLM_CPU_KVCACHE_SPACE the unit sets (it silently overrides --kv-cache-memory-bytes, measured),
else the kv_cache setting, else the formula of model_catalog for max_num_seqs full-length
sequences.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.checks.base import CheckEnv
from citadel_cli.config import ModelSpec
from citadel_cli.model_catalog import Architecture, architecture_for, dtype_bytes, kv_bytes_per_token
from citadel_cli.sizes import format_size, parse_size

# Measured (vLLM-on-CPU notes): a tiny model with a 64 MiB KV cache makes a 1.9 GiB process tree
# (API server, EngineCore, worker, torch's runtime). Rounded up for headroom.
RUNTIME_OVERHEAD = 2 << 30
KV_ENV = "VLLM_CPU_KVCACHE_SPACE"  # GiB
WEIGHT_GLOBS = ("*.safetensors", "*.bin", "*.pt")


class MemoryNeed(BaseModel):
    weights: int
    weights_source: str
    kv_cache: int
    kv_source: str
    kv_per_token: int
    min_kv_cache: int  # one sequence of context_length tokens: vLLM refuses to start with less
    overhead: int = RUNTIME_OVERHEAD

    @property
    def kv_reserved(self) -> int:
        """What the start needs: vLLM refuses a cache smaller than one full sequence."""
        return max(self.kv_cache, self.min_kv_cache)

    @property
    def total(self) -> int:
        return self.weights + self.kv_reserved + self.overhead

    @property
    def minimum(self) -> int:
        return self.weights + self.min_kv_cache + self.overhead

    def breakdown(self) -> str:
        if self.kv_cache < self.min_kv_cache:
            kv = (f"KV cache {format_size(self.min_kv_cache)} (one full sequence; {self.kv_source}: "
                  f"only {format_size(self.kv_cache)})")
        else:
            kv = f"KV cache {format_size(self.kv_cache)} ({self.kv_source})"
        weights = f"weights {format_size(self.weights)} ({self.weights_source})"
        return f"{weights} + {kv} + runtime {format_size(self.overhead)}"


def model_dir(env: CheckEnv, spec: ModelSpec) -> Path:
    return spec.weights_dir if spec.weights_dir is not None else env.paths.model_dir(spec.key)


def estimate(env: CheckEnv, spec: ModelSpec) -> MemoryNeed | None:
    """The model's memory need, None when its architecture is unknown (not in the catalog, not here)."""
    directory = model_dir(env, spec)
    arch = architecture_for(spec.repo, directory)
    if arch is None:
        return None
    weights, weights_source = _weights(arch, spec, directory)
    if weights is None:
        return None
    per_token = kv_bytes_per_token(arch, spec.dtype)
    kv, kv_source = _kv_cache(env, spec, per_token, weights)
    return MemoryNeed(weights=weights, weights_source=weights_source, kv_cache=kv, kv_source=kv_source,
                      kv_per_token=per_token, min_kv_cache=per_token * spec.context_length)


def weight_files(directory: Path) -> list[Path]:
    """The files vLLM will load: those of the safetensors index if present, else the first format found."""
    index = directory / "model.safetensors.index.json"
    try:
        names = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        return sorted(directory / name for name in names)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no (readable) index: single-file or non-sharded checkpoint, found by glob below
    for pattern in WEIGHT_GLOBS:
        found = sorted(p for p in directory.glob(pattern) if p.is_file())
        if found:
            return found
    return []


def _weights(arch: Architecture, spec: ModelSpec, directory: Path) -> tuple[int | None, str]:
    files = [p for p in weight_files(directory) if p.is_file()]
    if files:
        on_disk = sum(p.stat().st_size for p in files)
        # Weights are loaded in the serving dtype: bf16 files served as float32 take twice the bytes.
        scaled = on_disk * dtype_bytes(spec.dtype, arch) // dtype_bytes("auto", arch)
        return scaled, f"{len(files)} files on disk"
    return arch.weight_bytes(spec.dtype), f"{_params(arch.params)} params, catalog"


def _params(params: int | None) -> str:
    return f"{params / 1e9:.1f}B" if params else "?"


def _kv_cache(env: CheckEnv, spec: ModelSpec, per_token: int, weights: int) -> tuple[int, str]:
    if env.runs_vllm_on_cpu(spec):
        explicit = _unit_kv_space(env, spec)
        if explicit is not None:
            return explicit
        flag = _kv_flag(spec.extra_args)
        if flag is not None:
            return flag, "--kv-cache-memory-bytes in extra_args"
        engine_kv = _engine_kv(spec, weights)
        if engine_kv is not None:
            return engine_kv
        if spec.kv_cache is not None:
            return spec.kv_cache, "kv_cache setting"
    total = per_token * spec.context_length * spec.max_num_seqs
    return total, (f"{spec.max_num_seqs} seqs x {spec.context_length} tok x {format_size(per_token)}/tok")


def _engine_kv(spec: ModelSpec, weights: int) -> tuple[int, str] | None:
    """The size the engine module will give vLLM (one formula, there); None on trees without it."""
    if importlib.util.find_spec("citadel_cli.engine") is None:
        return None
    from citadel_cli import engine

    sizer = getattr(engine, "kv_cache_bytes", None)
    if sizer is None:
        return None
    source = "kv_cache setting" if spec.kv_cache is not None else "sized by the engine from MemoryMax"
    return int(sizer(spec, weights)), source


def _unit_kv_space(env: CheckEnv, spec: ModelSpec) -> tuple[int, str] | None:
    """VLLM_CPU_KVCACHE_SPACE from the unit's env file: it overrides whatever the engine passes."""
    env_file = env.paths.env_file(spec.key)
    value = read_env_file(env_file).get(KV_ENV)
    try:
        gib = float(value) if value else 0.0
    except ValueError:
        return None  # not a number: vLLM refuses it at start; nothing to size from
    if gib <= 0:
        return None  # unset, blank or 0: the engine's own size applies
    return int(gib * (1 << 30)), f"{KV_ENV} in {env_file.name}"


def _kv_flag(args: tuple[str, ...]) -> int | None:
    for index, arg in enumerate(args):
        name, _, value = arg.partition("=")
        if name == "--kv-cache-memory-bytes":
            raw = value or (args[index + 1] if index + 1 < len(args) else "")
            try:
                return parse_size(raw)
            except ValueError:
                return None  # vLLM will reject it itself; the config check is not ours to fail here
    return None


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, optional quotes)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values
