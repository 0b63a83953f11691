"""How install and uninstall plans and results are shown."""

from __future__ import annotations

from rich.markup import escape
from rich.syntax import Syntax

from citadel_cli.install.apply import InstallResult
from citadel_cli.install.files import Owner
from citadel_cli.install.plan import Action, InstallPlan
from citadel_cli.install.uninstall import UninstallPlan, UninstallResult
from citadel_cli.render import table

_STYLE = {Action.create: "green", Action.update: "yellow", Action.unchanged: "dim", Action.remove: "red"}


def _action(action: Action) -> str:
    return f"[{_STYLE[action]}]{action.value}[/]"


def _owner(plan: InstallPlan, owner: Owner) -> str:
    return {Owner.root: "root:root", Owner.service: f"{plan.user}:{plan.group}",
            Owner.group: f"root:{plan.group}"}[owner]


def plan_view(plan: InstallPlan) -> list:
    where = f"staged under {plan.root}" if plan.staging else "this host"
    out: list = [f"Install plan for {where} (services run as {plan.user}:{plan.group})"]
    rows = [(_action(d.action), "dir", escape(str(d.host_path)), d.mode, _owner(plan, d.owner), "") for d in plan.dirs]
    rows += [(_action(f.action), f.kind.value if f.kind else "", escape(str(f.host_path)), f.mode,
              _owner(plan, f.owner) if f.mode else "", escape(f.note or "")) for f in plan.files]
    out.append(table("Files", ("action", "kind", "path", "mode", "owner", "note"), rows))
    steps = [("user", plan.user_step.action, escape(plan.user_step.detail))]
    steps += [(s.name, s.action, escape(s.detail)) for s in plan.steps]
    out.append(table("Steps", ("step", "action", "detail"), steps))
    out += [Syntax(f.diff, "diff", word_wrap=True) for f in plan.files if f.diff]
    changes = plan.changes
    out.append("every file unchanged" if not changes else f"{changes} change(s)")
    return out


def result_view(result: InstallResult) -> list:
    steps = table("Steps", ("step", "result", "detail"), [(s.name, s.action, escape(s.detail)) for s in result.steps])
    summary = (f"[green]installed[/]: {result.created} created, {result.updated} updated, "
               f"{result.removed} removed, {result.unchanged} unchanged (manifest {escape(str(result.manifest))})")
    return [steps, summary]


def uninstall_plan_view(plan: UninstallPlan) -> list:
    rows = [("remove", r.what, escape(str(r.host_path)), escape(r.note or "")) for r in plan.remove]
    rows += [("keep", r.what, escape(str(r.host_path)), escape(r.note or "")) for r in plan.keep]
    title = "Uninstall plan" + (" (--purge)" if plan.purge else "")
    return [table(title, ("action", "what", "path", "note"), rows)]


def uninstall_result_view(result: UninstallResult) -> list:
    out: list = [f"[green]uninstalled[/]: {result.removed} removed"]
    if result.kept:
        rows = [(r.what, escape(str(r.host_path)), escape(r.note or "")) for r in result.kept]
        out.append(table("Kept", ("what", "path", "why"), rows))
    return out
