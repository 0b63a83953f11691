"""The README's command reference, generated from the app.

`python -m citadel_cli.reference_gen --write` rewrites the block between the
`<!-- commands:start -->` and `<!-- commands:end -->` markers; a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

START, END = "<!-- commands:start -->", "<!-- commands:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _rows(cmd, path: str) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a click command
    rows = []
    for name in sorted(getattr(cmd, "commands", {})):
        sub = cmd.commands[name]
        if sub.hidden:
            continue
        full = f"{path} {name}"
        if hasattr(sub, "commands"):
            rows.extend(_rows(sub, full))
            continue
        args = " ".join(_arg_usage(p) for p in sub.params if p.param_type_name == "argument")
        opts = ", ".join(f"`{p.opts[0]}`" for p in sub.params
                         if p.param_type_name == "option" and not p.hidden and p.opts[0] != "--help")
        rows.append((f"`{full}{' ' + args if args else ''}`", _first_line(sub.help), opts))
    return rows


def _arg_usage(param) -> str:  # noqa: ANN001
    name = param.name.upper()
    many = "…" if param.nargs == -1 else ""
    return f"{name}{many}" if param.required else f"[{name}{many}]"


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n")[0].replace("|", "\\|")


def render_reference() -> str:
    import typer

    from citadel_cli.main import app

    root = typer.main.get_command(app)
    lines = ["| command | what it does | options |", "|---|---|---|"]
    lines += [f"| {c} | {h} | {o} |" for c, h, o in _rows(root, "citadel-llm")]
    lines.append("")
    lines.append("Global options (before the command): `--config FILE`, `--root DIR`, `--json`, "
                 "`-v/--verbose`, `-q/--quiet`, `--debug`, `--version`. Every command exits 0 when all is "
                 "well, 1 when something failed, 2 on a usage or config error.")
    return "\n".join(lines)


def updated_readme(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{render_reference()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the README's command reference.")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    text = README.read_text()
    new = updated_readme(text)
    if args.write:
        README.write_text(new)
        return 0
    if new != text:
        print("README command reference is stale: run python -m citadel_cli.reference_gen --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
