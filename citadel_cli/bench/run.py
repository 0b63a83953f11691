"""The bench service: plan the levels, check the target answers, run them, judge the result.

`bench(...)` is what the command calls; it returns a BenchReport and writes nothing but the
JSON report. Progress goes to an optional sink (the command passes a rich one on a terminal).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from citadel_cli.bench import scenarios as sc
from citadel_cli.bench.clients import Record
from citadel_cli.bench.loadgen import Load, Target, run_async, run_level
from citadel_cli.bench.metrics import level_result
from citadel_cli.bench.progress import NullProgress, ProgressSink
from citadel_cli.bench.report import environment
from citadel_cli.bench.schema import BenchReport, LevelResult, Slo
from citadel_cli.bench.target import ResolvedTarget, headers, resolve
from citadel_cli.bench.verdict import verdict
from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.errors import CitadelError, HostError, UsageError
from citadel_cli.paths import Paths

POOL_MAX = 2048  # distinct prompts per level; beyond it they repeat (duration runs, huge counts)
PEAK_MAX_CONCURRENCY = 1024  # find-peak stops doubling here: past it the client is the limit


@dataclass(frozen=True)
class BenchOptions:
    model: str
    target: str = "gateway"
    scenario: str = "short"
    concurrency: tuple[int, ...] = (1, 5, 10, 20, 50)
    requests: int | None = None
    duration_s: float | None = None
    rate: float | None = None
    stream: bool = True
    find_peak: bool = False
    api_key: str | None = None
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    client: str = "aiohttp"
    timeout_s: float = 600.0
    seed: int | None = None  # None: a fresh one per run, so a rerun is not served from the prefix cache
    content: str = "text"  # "parts": content as [{"type": "text", ...}], as `vllm bench serve` sends it


def parse_concurrency(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise UsageError(f"--concurrency {text!r} is not a list of positive integers", hint="e.g. --concurrency 1,5,10")
    return tuple(sorted(set(values)))


def bench(config: CitadelConfig, paths: Paths, opts: BenchOptions,
          progress: ProgressSink | None = None) -> BenchReport:
    if opts.requests is not None and opts.duration_s is not None:
        raise UsageError("--requests and --duration exclude each other", hint="pass one of them")
    if opts.content not in sc.CONTENT_FORMATS:
        raise UsageError(f"--content {opts.content!r} is not one of {', '.join(sc.CONTENT_FORMATS)}",
                         hint="text (plain strings, as most clients send) or parts (as vllm bench serve)")
    spec = config.model(opts.model)
    where = resolve(config, spec, opts.target)
    slo = Slo(p95_ms=spec.p95_ms, rpm=spec.rpm, concurrency=spec.concurrency)
    workloads = [s.sized(opts.prompt_tokens, opts.output_tokens) for s in sc.select(opts.scenario)]
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 31)
    maker = sc.PromptMaker(sc.tokenizer_file(_model_dirs(paths, spec)), seed, parts=opts.content == "parts")
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    levels, peaks = run_async(_run_all(opts, where, spec, slo, workloads, maker, progress or NullProgress()))
    return BenchReport(
        model=spec.key, target=where.base_url, target_kind=where.kind, started_at=started,
        stream=opts.stream, mode="open" if opts.rate else "closed", find_peak=opts.find_peak, slo=slo,
        environment=environment(config, opts.client), levels=levels, peaks=peaks,
        verdict=verdict(levels, slo), prompt_source=maker.source, seed=seed, content=opts.content,
    )


def _model_dirs(paths: Paths, spec: ModelSpec) -> list:
    return [d for d in (spec.weights_dir, paths.model_dir(spec.key)) if d is not None]


def _bodies(spec: ModelSpec, scenario: sc.Scenario, maker: sc.PromptMaker, stream: bool, count: int) -> list[bytes]:
    """A pool of distinct requests, cycled through (prefix caches must not make every request free)."""
    out = []
    for _ in range(count):
        # No temperature: the server's default sampling, as real traffic and `vllm bench serve` use
        # (greedy decoding measured ~4x faster per token on CPU vLLM). ignore_eos: exact lengths.
        body = {"model": spec.key, "messages": maker.messages(scenario), "max_tokens": scenario.output_tokens,
                "ignore_eos": True, "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        out.append(json.dumps(body).encode())
    return out


async def _run_all(opts, where, spec, slo, workloads, maker, progress):  # noqa: ANN001, ANN202
    target = Target(where.endpoint, headers(opts.api_key), opts.stream, opts.timeout_s, opts.client)
    levels: list[LevelResult] = []
    peaks: list[LevelResult] = []
    for scenario in workloads:
        await _preflight(target, _bodies(spec, scenario, maker, opts.stream, 1), where)
        held: LevelResult | None = None
        for load in _loads(opts):
            # Fresh prompts per level, one per request up to the pool's size: a repeated prompt is
            # served from vLLM's prefix cache and flatters TTFT and throughput.
            bodies = _bodies(spec, scenario, maker, opts.stream, min(load.requests or POOL_MAX, POOL_MAX))
            progress.start(f"{scenario.name} c={load.concurrency}" + (f" {load.rate:g}/s" if load.rate else ""),
                           load.requests)
            # The arrivals' seed comes from the run's seed: --seed repeats the same Poisson timeline.
            run = await run_level(target, bodies, load, progress.advance, seed=maker.rng.randrange(1 << 31))
            result = level_result(run, load, scenario.name, slo)
            progress.stop(result)
            levels.append(result)
            if opts.find_peak:
                if not result.slo_held:
                    break
                held = result
        if held is not None:
            peaks.append(held)
    return levels, peaks


def _loads(opts: BenchOptions) -> Iterator[Load]:
    """The levels in order; with --find-peak the load keeps doubling past the list (the caller
    stops at the first level that breaks the SLO)."""
    steps = list(opts.concurrency)
    if opts.rate is not None:
        cap = max(steps)
        rates = [opts.rate * 2**i for i in range(12 if opts.find_peak else 1)]
        for rate in rates:
            yield Load(cap, rate, *_budget(opts, cap))
        return
    while steps:
        conc = steps.pop(0)
        yield Load(conc, None, *_budget(opts, conc))
        if opts.find_peak and not steps and conc * 2 <= PEAK_MAX_CONCURRENCY:
            steps.append(conc * 2)


def _budget(opts: BenchOptions, concurrency: int) -> tuple[int | None, float | None]:
    if opts.duration_s is not None:
        return None, opts.duration_s
    return (opts.requests if opts.requests is not None else max(20, 4 * concurrency)), None


async def _preflight(target: Target, bodies: list[bytes], where: ResolvedTarget) -> None:
    """One unmeasured request: a target that is down or refuses us fails fast with a hint
    (it also opens the server's caches, so the first level does not pay for warm-up)."""
    run = await run_level(target, bodies[:1], Load(1, requests=1))
    _explain(run.records[0], where)


def _explain(rec: Record, where: ResolvedTarget) -> None:
    if rec.error is None:
        return
    if rec.error in ("connect", "timeout"):
        raise HostError(f"nothing answers at {where.base_url} ({rec.error})",
                        hint="start it (`citadel-llm start`) or point --target at a running server")
    if rec.error in ("http_401", "http_403"):
        raise CitadelError(f"{where.base_url} refused the request ({rec.error})",
                           hint="pass an API key with --api-key (or CITADEL_API_KEY)")
    if rec.error == "http_404":
        raise CitadelError(f"{where.base_url} does not serve this model or route ({rec.error})",
                           hint="check the model name and the --target")
    raise CitadelError(f"the first request to {where.base_url} failed ({rec.error})",
                       hint="see the server's logs: `citadel-llm logs`")
