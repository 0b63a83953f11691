"""`citadel-llm bench MODEL [...]` and `citadel-llm bench compare A.json B.json`.

`bench` is a group whose first word may be a model key: anything that is not one of its
subcommands is run as `bench run MODEL ...`, so `citadel-llm bench mixtral-8x7b` works as typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt


class BenchGroup(TyperGroup):
    """Routes `bench MODEL ...` to `bench run MODEL ...`; `bench compare ...` stays itself."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:  # noqa: ANN001 - click's signature
        first = next((a for a in args if not a.startswith("-")), None)
        asks_help = not first and any(a in ("-h", "--help") for a in args)
        if args and not asks_help and first not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


bench_app = typer.Typer(cls=BenchGroup, no_args_is_help=True,
                        help="Benchmark a model against its targets: `bench MODEL [OPTIONS]` "
                        "(same as `bench run MODEL`); `bench compare A.json B.json`.")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


@bench_app.command("run")
def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model key (or alias) from the config.", show_default=False)],
    target: Annotated[str, typer.Option("--target", "-t", help="gateway, direct (the model's own server) "
                                        "or a base URL such as http://127.0.0.1:8000.")] = "gateway",
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="short, medium, long, conversation or all.")]
    = "short",
    concurrency: Annotated[str, typer.Option("--concurrency", help="Comma-separated levels of requests in flight "
                                             "(the cap on them with --rate).")] = "1,5,10,20,50",
    requests: Annotated[int | None, typer.Option("--requests", "-n", min=1, help="Requests per level "
                                                 "(default: max(20, 4 x concurrency)).")] = None,
    duration: Annotated[float | None, typer.Option("--duration", "-d", min=0.1, help="Seconds per level "
                                                   "instead of a request count.")] = None,
    rate: Annotated[float | None, typer.Option("--rate", min=0.001, help="Open loop: Poisson arrivals, "
                                               "requests/s.")] = None,
    stream: Annotated[bool, typer.Option("--stream/--no-stream", help="Stream responses (TTFT and ITL need it).")]
    = True,
    find_peak: Annotated[bool, typer.Option("--find-peak", help="Raise the load until the SLO breaks; report the "
                                            "highest load that held.")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")]
    = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="CITADEL_API_KEY", show_envvar=True,
                                                help="Bearer token for the gateway.")] = None,
    prompt_tokens: Annotated[int | None, typer.Option("--prompt-tokens", min=1, help="Override the scenario's "
                                                      "prompt length.")] = None,
    output_tokens: Annotated[int | None, typer.Option("--output-tokens", min=1, help="Override the scenario's "
                                                      "output length.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the generated prompts (default: a new "
                                             "one per run, so reruns miss the prefix cache).")] = None,
    content: Annotated[str, typer.Option("--content", help="Message content as text, or as a list of typed "
                                         "parts (what `vllm bench serve` sends: compare like with like).")]
    = "text",
    client: Annotated[str, typer.Option("--client", help="HTTP client: aiohttp (measured fastest here) or httpx.",
                                        hidden=True)] = "aiohttp",
    json_mode: JsonOpt = False,
) -> None:
    """Benchmark MODEL: figures per load level, a verdict against its targets, a saved JSON report.

    Loads the model through the gateway (default), its own server (--target direct) or any URL."""
    from citadel_cli.bench.progress import progress_for
    from citadel_cli.bench.report import finish_report
    from citadel_cli.bench.run import BenchOptions, bench, parse_concurrency
    from citadel_cli.views import bench as views

    app = app_context(ctx, json_mode)
    opts = BenchOptions(model=model, target=target, scenario=scenario, concurrency=parse_concurrency(concurrency),
                        requests=requests, duration_s=duration, rate=rate, stream=stream, find_peak=find_peak,
                        api_key=api_key, prompt_tokens=prompt_tokens, output_tokens=output_tokens, client=client,
                        seed=seed, content=content)
    with progress_for(app.out) as progress:
        report = bench(app.config, app.paths, opts, progress)
    report = finish_report(app.paths, report, html)
    app.out.result(report, views.report_tables)


@bench_app.command("compare")
def compare(
    ctx: typer.Context,
    baseline: Annotated[Path, typer.Argument(help="The earlier report (JSON).")],
    candidate: Annotated[Path, typer.Argument(help="The later report (JSON).")],
    threshold: Annotated[float, typer.Option("--threshold", min=0, help="Percent change counted as a "
                                             "regression.")] = 10.0,
    json_mode: JsonOpt = False,
) -> None:
    """Show the changes between two bench reports level by level; exit 1 when one regressed."""
    from citadel_cli.bench.compare import compare_files
    from citadel_cli.views import bench as views

    app = app_context(ctx, json_mode)
    result = compare_files(baseline, candidate, threshold)
    app.out.result(result, views.compare_table)
    if result.regressions:
        raise typer.Exit(1)
