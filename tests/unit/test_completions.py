"""Shell completions: generated from the app, kept current, installable."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from citadel_cli.completion_gen import FILE_NAMES, SHELLS, generate
from citadel_cli.resources import completions_dir


@pytest.mark.parametrize("shell", SHELLS)
def test_shipped_completions_are_current(shell):
    shipped = (completions_dir() / FILE_NAMES[shell]).read_text()
    assert shipped == generate(shell), "stale: run `python -m citadel_cli.completion_gen --write`"


def test_bash_completion_completes_subcommands(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("bash not installed")
    script = completions_dir() / FILE_NAMES["bash"]
    probe = (f"source {script}; COMP_WORDS=(citadel-llm config sh); COMP_CWORD=2; _citadel_llm; "
             "echo ${COMPREPLY[@]}")
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["show"]
    probe = f"source {script}; COMP_WORDS=(citadel-llm ''); COMP_CWORD=1; _citadel_llm; echo ${{COMPREPLY[@]}}"
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "config" in out.split() and "models" in out.split()


def test_completions_install_writes_user_file(cli, isolated_env):
    result = cli("completions", "install", "bash")
    assert result.exit_code == 0, result.stderr
    target = isolated_env / ".local/share/bash-completion/completions/citadel-llm"
    assert target.read_text() == generate("bash")


def test_completions_install_needs_a_known_shell(cli):
    result = cli("completions", "install", env={"SHELL": "/bin/tcsh"})
    assert result.exit_code == 2 and "cannot tell the shell" in result.stderr


def test_completions_show_prints_script(cli):
    result = cli("completions", "show", "fish")
    assert result.exit_code == 0 and "complete -c citadel-llm" in result.stdout
