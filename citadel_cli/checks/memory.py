"""Memory fit: does each engine fit its unit's MemoryMax=, this host, and do all of them together?"""

from __future__ import annotations

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.checks.sizing import MemoryNeed, estimate
from citadel_cli.config import ModelSpec
from citadel_cli.sizes import format_size

GIB = 1 << 30
MIB = 1 << 20


def gib_up(num_bytes: int) -> str:
    """A size to raise a limit to: whole GiB, rounded up."""
    return f"{-(-num_bytes // GIB)}G"


def size_down(num_bytes: int) -> str:
    """A size to shrink a cache to: whole GiB (MiB below 1 GiB), rounded down."""
    return f"{num_bytes // GIB}G" if num_bytes >= GIB else f"{max(num_bytes // MIB, 1)}M"


def check_model_memory(env: CheckEnv, spec: ModelSpec) -> list[Finding]:
    if not env.runs_vllm_on_cpu(spec):
        return []  # the simulator needs next to nothing; GPU memory is vLLM's own fraction
    try:
        need = estimate(env, spec)
    except ValueError as exc:  # an unknown dtype in the config
        return [fail("memory.unit", f"cannot size the model: {exc}", "set dtype to auto, bfloat16, "
                     "float16 or float32", spec.key)]
    if need is None:
        return [warn("memory.unit", f"architecture of {spec.repo} unknown before download: memory fit "
                     "not checked", f"run `citadel-llm models pull {spec.key}` first, then check again",
                     spec.key)]
    return [_unit_fit(spec, need), _kv_fit(spec, need), _host_fit(env, spec, need)]


def _unit_fit(spec: ModelSpec, need: MemoryNeed) -> Finding:
    found = f"needs {format_size(need.total)} = {need.breakdown()}; MemoryMax {format_size(spec.memory)}"
    if need.total <= spec.memory:
        return ok("memory.unit", f"{found}: {format_size(spec.memory - need.total)} to spare", spec.key)
    short = need.total - spec.memory
    return fail("memory.unit", f"{found}: short by {format_size(short)}", _unit_fix(spec, need), spec.key)


def _unit_fix(spec: ModelSpec, need: MemoryNeed) -> str:
    key = spec.key
    fix = f"raise models.{key}.memory to {gib_up(max(need.total, need.minimum))}"
    room = spec.memory - need.weights - need.overhead
    if room >= need.min_kv_cache:
        fix += f", or cap the KV cache to what fits: models.{key}.kv_cache: {size_down(room)}"
    return fix + ", else lower context_length or serve a smaller or quantized model"


def _kv_fit(spec: ModelSpec, need: MemoryNeed) -> Finding:
    """vLLM refuses to start when the cache cannot hold one sequence of max-model-len tokens."""
    tokens = need.kv_cache // need.kv_per_token
    found = (f"KV cache {format_size(need.kv_cache)} at {format_size(need.kv_per_token)}/token holds "
             f"{tokens} tokens")
    if need.kv_cache >= need.min_kv_cache:
        seqs = tokens / spec.context_length
        return ok("memory.kv", f"{found} = {seqs:.1f} full {spec.context_length}-token sequences "
                  f"(max_num_seqs {spec.max_num_seqs})", spec.key)
    key = spec.key
    fix = (f"give it {format_size(need.min_kv_cache)}: models.{key}.memory: "
           f"{gib_up(need.minimum)} (the engine sizes the cache from it) or models.{key}.kv_cache: "
           f"{gib_up(need.min_kv_cache)}; or lower models.{key}.context_length to {max(tokens, 1)}")
    return fail("memory.kv", f"{found}, less than one {spec.context_length}-token sequence "
                f"({format_size(need.min_kv_cache)}): vLLM will refuse to start", fix, key)


def _host_fit(env: CheckEnv, spec: ModelSpec, need: MemoryNeed) -> Finding:
    mem = env.facts.memory()
    # Before start (ExecStartPre=) only what is free now counts; a plan is measured against the RAM.
    have, what = (mem.available, "available now") if env.pre_start else (mem.total, "total")
    found = (f"needs {format_size(need.total)}; host has {format_size(mem.total)} total, "
             f"{format_size(mem.available)} available")
    if need.total <= have:
        return ok("memory.host", f"{found}: fits", spec.key)
    short = f"short by {format_size(need.total - have)} against {what}"
    if need.minimum <= have:
        fix = (f"cap the KV cache: models.{spec.key}.kv_cache: {size_down(have - need.weights - need.overhead)} "
               f"(or lower max_num_seqs / context_length), or run it on a host with {gib_up(need.total)}")
    else:
        fix = (f"even its least start ({format_size(need.minimum)}) does not fit: run it on a host with at "
               f"least {gib_up(need.minimum)}, or disable it here (models.{spec.key}.enabled: false)")
    return fail("memory.host", f"{found}: {short}", fix, spec.key)


def check_host_total(env: CheckEnv, specs: list[ModelSpec]) -> list[Finding]:
    """Every enabled engine on this host together (plus the gateway's budget) against the RAM."""
    needs: list[tuple[str, int]] = []
    for spec in specs:
        if env.runs_vllm_on_cpu(spec):
            try:
                need = estimate(env, spec)
            except ValueError:
                continue  # reported per model by check_model_memory
            if need is not None:
                needs.append((spec.key, need.total))
    if not needs:
        return []
    gateway = env.config.gateway.memory
    total = sum(n for _, n in needs) + gateway
    parts = " + ".join(f"{key} {format_size(n)}" for key, n in needs) + f" + gateway {format_size(gateway)}"
    ram = env.facts.memory().total
    found = f"all enabled models need {format_size(total)} = {parts}; host RAM {format_size(ram)}"
    if total <= ram:
        return [ok("memory.total", f"{found}: fits")]
    biggest = max(needs, key=lambda item: item[1])[0]
    return [fail("memory.total", f"{found}: short by {format_size(total - ram)}",
                 f"spread the models over hosts or disable some (largest: models.{biggest}.enabled: false), "
                 "or cap their kv_cache")]
