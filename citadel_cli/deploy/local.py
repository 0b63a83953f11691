"""The local profile: a whole deployment in the user's state dir, no root, no systemd, no GPU.

The first local deploy writes a small config file there that records which engine serves the
four reference models: real vLLM with the tiny model built here when vLLM is installed, else the
simulator. Later commands (status, stop, bench, diagnose) find that file by themselves.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from citadel_cli.config import CitadelConfig, EngineKind
from citadel_cli.config_loader import local_state_dir, reference_model_data
from citadel_cli.fsutil import atomic_write
from citadel_cli.paths import CONFIG_FILE_NAME

TINY_DIR_NAME = "tiny-llama"
# Small enough for four real vLLM servers on a laptop: ~2 GiB each (measured: 1.9 GiB per tree).
TINY_ENGINE_SETTINGS: dict[str, Any] = {
    "engine": "vllm", "device": "cpu", "dtype": "float32", "context_length": 512,
    "max_num_batched_tokens": 512, "max_num_seqs": 8, "kv_cache": "256M", "memory": "3G", "cpus": 1,
}
_HEADER = """\
# citadel-llm local deployment, written by `citadel-llm deploy --profile local`.
# {engine_note}
# Edit freely; `citadel-llm config show` prints every other key with its default.
"""


class EngineChoice(BaseModel):
    kind: EngineKind
    note: str  # said plainly in the deploy summary


def choose_local_engine() -> EngineChoice:
    if importlib.util.find_spec("vllm") is not None:
        return EngineChoice(kind=EngineKind.vllm,
                            note="real vLLM engines, each serving the tiny model built on this machine")
    return EngineChoice(kind=EngineKind.sim,
                        note="simulated engines (vLLM is not installed): the simulator stands in for the "
                             "four reference models; install the engine extra for real vLLM")


def engine_note(config: CitadelConfig) -> str:
    kinds = {m.engine for m in config.enabled_models()}
    if kinds == {EngineKind.sim}:
        return "simulated engines: the simulator stands in for the models (no weights, no vLLM)"
    if kinds == {EngineKind.vllm}:
        return "real vLLM engines"
    return "mixed: " + ", ".join(f"{m.key}={m.engine.value}" for m in config.enabled_models())


def local_config_path(environ: dict[str, str] | None = None) -> Path:
    return local_state_dir(os.environ if environ is None else environ) / "etc" / CONFIG_FILE_NAME


def tiny_model_dir(environ: dict[str, str] | None = None) -> Path:
    return local_state_dir(os.environ if environ is None else environ) / "opt" / "models" / TINY_DIR_NAME


def local_overrides(choice: EngineChoice, tiny_dir: Path) -> dict[str, Any]:
    if choice.kind is EngineKind.sim:
        models = {key: {"engine": "sim"} for key in reference_model_data()}
    else:
        models = {key: {**TINY_ENGINE_SETTINGS, "weights_dir": str(tiny_dir)} for key in reference_model_data()}
    return {"profile": "local", "models": models}


def write_local_config(path: Path, choice: EngineChoice, tiny_dir: Path) -> Path:
    """Write the local profile's config file (atomically; only when there is none)."""
    text = _HEADER.format(engine_note=choice.note) + yaml.safe_dump(local_overrides(choice, tiny_dir),
                                                                    sort_keys=False)
    atomic_write(path, text, mode=0o640)
    return path
