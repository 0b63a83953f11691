"""CPU features vLLM's CPU build needs, and cores against each model's budget."""

from __future__ import annotations

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.config import EngineKind, ModelSpec

AVX512 = ("avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16")


def check_cpu_features(env: CheckEnv) -> Finding:
    flags = env.facts.cpu_flags()
    if flags is None:
        return warn("cpu.features", "no x86 CPU flags in /proc/cpuinfo: vLLM's CPU support is not checked "
                    "on this architecture", "make sure the vLLM build in the engine venv targets this CPU")
    if "avx2" not in flags:
        return fail("cpu.features", "the CPU has no AVX2: vLLM's CPU build needs at least AVX2",
                    "run CPU models on an x86-64-v3 host (AVX2) or serve them on a GPU host")
    extra = [f for f in AVX512 if f in flags]
    if not extra:
        return ok("cpu.features", "AVX2, no AVX-512: vLLM uses its AVX2 kernels (slower, supported)")
    return ok("cpu.features", f"AVX2 and {', '.join(extra)}")


def check_cores(env: CheckEnv, spec: ModelSpec) -> Finding:
    cores = env.facts.cores()
    if spec.engine is EngineKind.sim:  # one event loop, no OpenMP threads: the budget is moot
        return ok("cpu.cores", "simulator engine: no core budget needed", spec.key)
    if spec.cpus <= cores:
        return ok("cpu.cores", f"budget {spec.cpus} cores, host gives {cores}", spec.key)
    return warn("cpu.cores", f"budget {spec.cpus} cores but this host gives {cores}: its OpenMP threads "
                "share cores, so latency targets are unlikely", f"set models.{spec.key}.cpus: {cores}, "
                "or run it on a host with more cores", spec.key)


def check_cores_total(env: CheckEnv, specs: list[ModelSpec]) -> Finding | None:
    specs = [s for s in specs if s.engine is not EngineKind.sim]
    if len(specs) < 2:
        return None
    cores = env.facts.cores()
    total = sum(s.cpus for s in specs)
    if total <= cores:
        return ok("cpu.total", f"enabled models budget {total} cores of {cores}")
    return warn("cpu.total", f"enabled models budget {total} cores, host has {cores}: they will contend",
                "lower models.<key>.cpus, disable some models, or spread them over hosts")
