"""Static shell completions generated from the click command tree.

Static scripts complete without starting Python (the dynamic kind runs the CLI on every
<Tab>). `python -m citadel_cli.completion_gen --write` regenerates completions/; a test
fails when the files there differ from what the app would generate.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROG = "citadel-llm"
SHELLS = ("bash", "zsh", "fish")


@dataclass
class Node:
    path: str  # "" for the root, "config", "models pull", ...
    commands: dict[str, str] = field(default_factory=dict)  # name -> help
    options: dict[str, str] = field(default_factory=dict)  # flag -> help
    choices: dict[str, list[str]] = field(default_factory=dict)  # flag -> values


def command_tree(cli) -> list[Node]:  # noqa: ANN001 - a click command (Typer vendors click)
    """Subcommands, options and option choices per command path, read off the command objects."""
    nodes: list[Node] = []

    def walk(cmd, path: str) -> None:  # noqa: ANN001
        node = Node(path)
        for param in cmd.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                for flag in (*param.opts, *param.secondary_opts):
                    node.options[flag] = _first_line(param.help)
                    choices = _choices(param)
                    if choices:
                        node.choices[flag] = [str(getattr(c, "value", c)) for c in choices]
        node.options.setdefault("--help", "Show help and exit.")
        if hasattr(cmd, "commands"):
            for name in sorted(cmd.commands):
                sub = cmd.commands[name]
                if sub.hidden:
                    continue
                node.commands[name] = _first_line(sub.get_short_help_str(80))
                walk(sub, f"{path} {name}".strip())
        nodes.append(node)

    walk(cli, "")
    return sorted(nodes, key=lambda n: n.path)


def _choices(param) -> list | None:  # noqa: ANN001
    # click keeps choices on param.type; Typer >= 0.29 on param.type_descriptor.
    for holder in (getattr(param, "type", None), getattr(param, "type_descriptor", None)):
        choices = getattr(holder, "choices", None)
        if choices:
            return list(choices)
    return None


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


def _groups(nodes: list[Node]) -> list[str]:
    return [n.path for n in nodes if n.commands]


def _words(node: Node) -> str:
    return " ".join([*node.commands, *node.options])


def render_bash(nodes: list[Node]) -> str:
    groups = " ".join(shlex.quote(g) for g in _groups(nodes) if g)
    cases = []
    for node in nodes:
        for flag, values in node.choices.items():
            cases.append(f'        {shlex.quote(node.path + "|" + flag)}) words={shlex.quote(" ".join(values))};;')
        cases.append(f"        {shlex.quote(node.path + '|')}) words={shlex.quote(_words(node))};;")
    return f"""# bash completion for {PROG} (generated; do not edit)
_citadel_llm() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=""
    [[ $COMP_CWORD -gt 0 ]] && prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local path="" groups=({groups}) w i
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${{COMP_WORDS[i]}}
        [[ $w == -* ]] && continue
        for g in "${{groups[@]}}"; do
            if [[ "${{path:+$path }}$w" == "$g" ]]; then path=$g; break; fi
        done
    done
    local words=""
    case "$path|$prev" in
{chr(10).join(c for c in cases if "|-" in c)}
        *)
            case "$path|" in
{chr(10).join(c for c in cases if "|-" not in c)}
            esac;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _citadel_llm {PROG}
"""


def render_zsh(nodes: list[Node]) -> str:
    groups = " ".join(shlex.quote(g) for g in _groups(nodes) if g)
    cases = []
    for node in nodes:
        entries = [f"{name}:{_zsh_escape(help_)}" for name, help_ in {**node.commands, **node.options}.items()]
        cases.append(f"        {shlex.quote(node.path)}) items=({' '.join(shlex.quote(e) for e in entries)});;")
    return f"""#compdef {PROG}
# zsh completion for {PROG} (generated; do not edit)
_citadel_llm() {{
    local path="" w g
    local -a groups items
    groups=({groups})
    for w in ${{words[2,CURRENT-1]}}; do
        [[ $w == -* ]] && continue
        for g in $groups; do
            if [[ "${{path:+$path }}$w" == "$g" ]]; then path=$g; break; fi
        done
    done
    case "$path" in
{chr(10).join(cases)}
    esac
    _describe -t commands '{PROG}' items
}}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _citadel_llm "$@"
else
    compdef _citadel_llm {PROG}
fi
"""


def _zsh_escape(text: str) -> str:
    return text.replace(":", "\\:")


def render_fish(nodes: list[Node]) -> str:
    groups = " ".join(shlex.quote(g) for g in _groups(nodes) if g)
    lines = [
        f"# fish completion for {PROG} (generated; do not edit)",
        "function __citadel_llm_path",
        f"    set -l groups {groups}",
        "    set -l path ''",
        "    for w in (commandline -opc)[2..-1]",
        "        string match -q -- '-*' $w; and continue",
        "        set -l candidate (string trim -- \"$path $w\")",
        "        contains -- $candidate $groups; and set path $candidate",
        "    end",
        "    echo $path",
        "end",
        f"complete -c {PROG} -f",
    ]
    for node in nodes:
        cond = f"-n '[ (__citadel_llm_path) = {shlex.quote(node.path)} ]'" if node.path else \
            "-n '[ -z (__citadel_llm_path) ]'"
        for name, help_ in node.commands.items():
            lines.append(f"complete -c {PROG} {cond} -a {shlex.quote(name)} -d {shlex.quote(help_)}")
        for flag, help_ in node.options.items():
            if flag.startswith("--"):
                spec = f"-l {shlex.quote(flag[2:])}"
            elif len(flag) == 2:
                spec = f"-s {shlex.quote(flag[1:])}"
            else:
                spec = f"-o {shlex.quote(flag[1:])}"
            values = node.choices.get(flag)
            extra = f" -x -a {shlex.quote(' '.join(values))}" if values else ""
            lines.append(f"complete -c {PROG} {cond} {spec}{extra} -d {shlex.quote(help_)}")
    return "\n".join(lines) + "\n"


RENDERERS = {"bash": render_bash, "zsh": render_zsh, "fish": render_fish}
FILE_NAMES = {"bash": PROG, "zsh": f"_{PROG}", "fish": f"{PROG}.fish"}


def generate(shell: str) -> str:
    import typer

    from citadel_cli.main import app

    return RENDERERS[shell](command_tree(typer.main.get_command(app)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate completions/ from the app.")
    parser.add_argument("--write", action="store_true", help="write the files (default: check)")
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent.parent / "completions")
    args = parser.parse_args(argv)
    stale = []
    for shell in SHELLS:
        target = args.dir / FILE_NAMES[shell]
        text = generate(shell)
        if args.write:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        elif not target.is_file() or target.read_text() != text:
            stale.append(str(target))
    if stale:
        print("stale: " + ", ".join(stale) + " (run python -m citadel_cli.completion_gen --write)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
