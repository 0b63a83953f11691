"""The README's command reference is generated from the app and kept current."""

from __future__ import annotations

from citadel_cli.reference_gen import README, updated_readme


def test_readme_command_reference_is_current():
    text = README.read_text()
    assert updated_readme(text) == text, "stale: run `python -m citadel_cli.reference_gen --write`"
