"""`citadel-llm models …`: the models of the deployment and their weights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import AllOpt, DryRunOpt, JsonOpt, YesOpt

models_app = typer.Typer(help="List, pull, verify, import and remove model weights.", no_args_is_help=True)

TargetsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Model keys (default: every enabled model); an argument with a '/' is a folder.",
                   show_default=False),
]
ModelArg = Annotated[str, typer.Argument(help="Model key.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


@models_app.command("list")
def list_models(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """The configured models, with what is on disk: size, pulled revision, verified state (quick check)."""
    from citadel_cli.models.store import list_models as service
    from citadel_cli.views.models import states_table

    app = app_context(ctx, json_mode)
    app.out.result(service(app.config, app.paths), states_table)


@models_app.command("pull")
def pull(
    ctx: typer.Context,
    models: Annotated[list[str] | None, typer.Argument(help="Model keys (default: every enabled model).",
                                                       show_default=False)] = None,
    all_models: AllOpt = False,
    revision: Annotated[str | None, typer.Option("--revision", help="Branch, tag or commit to pull instead of "
                                                 "the configured one (one model only).")] = None,
    dry_run: DryRunOpt = False,
    allow_pickle: Annotated[bool, typer.Option("--allow-pickle", help="Accept pickle weights (.bin, .pt) when "
                                               "the repo has no safetensors: they can run code when loaded.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only what is on disk; never contact the Hub.")]
    = False,
    deep: Annotated[bool, typer.Option("--deep", help="Re-hash files already on disk before reusing them.")]
    = False,
    json_mode: JsonOpt = False,
) -> None:
    """Download weights from the Hugging Face Hub into the models folder (resumes, verifies, locks)."""
    from citadel_cli.models.pull import pull_models
    from citadel_cli.views.models import PullProgress, pull_table

    app = app_context(ctx, json_mode)
    progress = None if app.json_mode or app.out.verbosity < 0 else PullProgress(app.out.err)
    results = pull_models(app.config, app.paths, models, all_models=all_models, revision=revision,
                          dry_run=dry_run, allow_pickle=allow_pickle, offline=offline, deep=deep,
                          observer=progress)
    app.out.result(results, pull_table)


@models_app.command("verify")
def verify(
    ctx: typer.Context,
    targets: TargetsArg = None,
    deep: Annotated[bool, typer.Option("--deep", help="Hash every file (sha256), not only sizes.")] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Check model folders against their lockfiles; names every missing or corrupt file, exit 1 on any."""
    from citadel_cli.models.store import verify_failure, verify_models
    from citadel_cli.views.models import verify_table

    app = app_context(ctx, json_mode)
    reports = verify_models(app.config, app.paths, targets, deep)
    app.out.result(reports, verify_table)
    if error := verify_failure(reports):
        raise error


@models_app.command("make-tiny")
def make_tiny(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder to write the model into.", show_default=False)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the weights.")] = 0,
    json_mode: JsonOpt = False,
) -> None:
    """Write a tiny random Llama-style model (a few MB, local tokenizer, chat template) for tests."""
    from citadel_cli.models.tiny import make_tiny as service
    from citadel_cli.views.models import tiny_line

    app = app_context(ctx, json_mode)
    app.out.result(service(directory, seed=seed), tiny_line)


@models_app.command("import")
def import_model(
    ctx: typer.Context,
    model: ModelArg,
    directory: Annotated[Path, typer.Argument(help="Folder holding the model files.", show_default=False)],
    link: Annotated[bool, typer.Option("--link", help="Link the files instead of copying them.")] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Adopt a local folder as a model's weights (copy, or --link) and write its lockfile."""
    from citadel_cli.models.importer import import_model as service
    from citadel_cli.views.models import imported_line

    app = app_context(ctx, json_mode)
    app.out.result(service(app.config, app.paths, model, directory, link=link), imported_line)


@models_app.command("rm")
def remove(ctx: typer.Context, model: ModelArg, yes: YesOpt = False, json_mode: JsonOpt = False) -> None:
    """Delete a model's downloaded weights (a linked import keeps its source folder)."""
    from citadel_cli.models.store import remove_model
    from citadel_cli.views.models import removed_line

    app = app_context(ctx, json_mode)
    if not yes and app.out.interactive:
        yes = typer.confirm(f"Delete the weights of {model}?", default=False)
    app.out.result(remove_model(app.config, app.paths, model, confirmed=yes), removed_line)
